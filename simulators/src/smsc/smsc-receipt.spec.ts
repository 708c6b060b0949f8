import { describe, expect, it } from 'vitest';
import { TlvTag } from './smsc-pdu.js';
import { receiptDate, receiptDeliverSm, receiptId, receiptText, type ReceiptFacts } from './smsc-receipt.js';

const facts = (overrides: Partial<ReceiptFacts> = {}): ReceiptFacts => ({
  messageId: '1234567890',
  issuedAs: 'decimal',
  idFormat: 'same',
  style: 'both',
  stat: 'DELIVRD',
  intermediate: false,
  submittedAt: new Date('2026-11-05T14:03:22Z'),
  doneAt: new Date('2026-11-05T14:04:09Z'),
  dateSeconds: false,
  quotedText: 'Your code is 482913',
  recipient: { addr: '4915112345678', ton: 1, npi: 1 },
  sender: { addr: 'Switchboard', ton: 5, npi: 0 },
  ...overrides,
});

describe('receiptId', () => {
  it.each([
    ['1234567890', 'decimal', 'same', '1234567890'],
    ['1234567890', 'decimal', 'hex', '499602D2'],
    ['1234567890', 'decimal', 'decimal', '1234567890'],
    ['0a1b2c3d', 'hex', 'same', '0a1b2c3d'],
    ['0a1b2c3d', 'hex', 'hex', '0A1B2C3D'],
    ['0a1b2c3d', 'hex', 'decimal', '169552957'],
  ] as const)('reports %s issued as %s in %s form as %s', (issued, issuedAs, format, reported) => {
    expect(receiptId(issued, issuedAs, format)).toBe(reported);
  });
});

describe('receiptDate', () => {
  it('writes YYMMDDhhmm, or with seconds', () => {
    const date = new Date('2026-11-05T14:03:22Z');

    expect(receiptDate(date, false)).toBe('2611051403');
    expect(receiptDate(date, true)).toBe('261105140322');
  });
});

describe('receiptText', () => {
  it.each([
    ['DELIVRD', '001', '000'],
    ['UNDELIV', '000', '001'],
    ['EXPIRED', '000', '027'],
    ['REJECTD', '000', '011'],
  ] as const)('writes Appendix B for %s', (stat, dlvrd, err) => {
    expect(receiptText(facts({ stat }))).toBe(
      `id:1234567890 sub:001 dlvrd:${dlvrd} submit date:2611051403 done date:2611051404 stat:${stat} err:${err} text:Your code is 482913`,
    );
  });
});

describe('receiptDeliverSm', () => {
  it('carries text and TLVs in the `both` style, the error code only on failure', () => {
    const delivered = receiptDeliverSm(facts());
    const failed = receiptDeliverSm(facts({ stat: 'UNDELIV' }));

    expect(delivered).toMatchObject({ esmClass: 0x04, sourceAddr: '4915112345678', destinationAddr: 'Switchboard', destAddrTon: 5 });
    expect(delivered.shortMessage.toString('latin1')).toMatch(/^id:1234567890 /);
    expect(delivered.tlvs?.map(([tag]) => tag)).toEqual([TlvTag.receipted_message_id, TlvTag.message_state]);
    expect(failed.tlvs?.find(([tag]) => tag === TlvTag.network_error_code)?.[1]).toEqual(Buffer.from([3, 0, 1]));
  });

  it('carries only TLVs in the `tlv` style, with an empty short_message', () => {
    const receipt = receiptDeliverSm(facts({ style: 'tlv', idFormat: 'hex' }));

    expect(receipt.shortMessage).toHaveLength(0);
    expect(new Map(receipt.tlvs)).toEqual(
      new Map([
        [TlvTag.receipted_message_id, Buffer.from('499602D2\0', 'latin1')],
        [TlvTag.message_state, Buffer.from([2])],
        [TlvTag.network_error_code, Buffer.from([3, 0, 0])],
      ]),
    );
  });

  it('leaves the NUL off receipted_message_id when told to, as several SMSCs do', () => {
    const receipt = receiptDeliverSm(facts({ style: 'tlv', idTlvNul: false }));
    expect(new Map(receipt.tlvs).get(TlvTag.receipted_message_id)).toEqual(Buffer.from('1234567890', 'latin1'));
  });

  it('carries only text in the `text` style', () => {
    expect(receiptDeliverSm(facts({ style: 'text' })).tlvs).toEqual([]);
  });

  it("echoes the submit's user_message_reference in every style", () => {
    for (const style of ['text', 'tlv', 'both'] as const) {
      const receipt = receiptDeliverSm(facts({ style, userMessageReference: Buffer.from([0x12, 0x34]) }));
      expect(new Map(receipt.tlvs).get(TlvTag.user_message_reference)).toEqual(Buffer.from([0x12, 0x34]));
    }
  });

  it('marks intermediate notifications with esm_class 0x20', () => {
    const receipt = receiptDeliverSm(facts({ stat: 'ENROUTE', intermediate: true }));

    expect(receipt.esmClass).toBe(0x20);
    expect(receipt.shortMessage.toString('latin1')).toContain('stat:ENROUTE');
  });
});
