import { describe, expect, it } from 'vitest';
import {
  formatNetworkErrorCode,
  parseReceipt,
  parseReceiptDate,
  parseReceiptText,
  stateFromMessageState,
  stateFromStat,
  type ReceiptFields,
} from './receipt-parser.js';

const standard = (stat: string, err = '000'): string =>
  `id:0A1B2C3D sub:001 dlvrd:001 submit date:2611051403 done date:2611051404 stat:${stat} err:${err} text:Your code is 1234`;

describe('stateFromStat', () => {
  it.each([
    ['DELIVRD', 'delivered'],
    ['EXPIRED', 'expired'],
    ['DELETED', 'failed'],
    ['UNDELIV', 'failed'],
    ['REJECTD', 'failed'],
    ['ACCEPTD', 'accepted'],
    ['ENROUTE', 'enroute'],
    ['UNKNOWN', 'unknown'],
    ['delivrd', 'delivered'],
    ['DELIVERED', 'delivered'],
    ['UNDELIVERABLE', 'failed'],
    ['BOGUS', undefined],
  ])('maps stat %s to %s', (stat, state) => {
    expect(stateFromStat(stat)).toBe(state);
  });
});

describe('stateFromMessageState', () => {
  it.each([
    [1, 'enroute'],
    [2, 'delivered'],
    [3, 'expired'],
    [4, 'failed'],
    [5, 'failed'],
    [6, 'accepted'],
    [7, 'unknown'],
    [8, 'failed'],
    [0, undefined],
    [9, undefined],
  ])('maps message_state %i to %s', (value, state) => {
    expect(stateFromMessageState(value)).toBe(state);
  });
});

describe('parseReceiptDate', () => {
  it.each([
    ['2611051403', new Date(Date.UTC(2026, 10, 5, 14, 3, 0))],
    ['261105140359', new Date(Date.UTC(2026, 10, 5, 14, 3, 59))],
    ['2602310000', undefined], // 31 February
    ['2611052500', undefined],
    ['26110514', undefined],
    ['', undefined],
    ['26110514O3', undefined],
  ])('reads %j', (value, expected) => {
    expect(parseReceiptDate(value)).toEqual(expected);
  });
});

describe('parseReceiptText', () => {
  it('reads every Appendix B field', () => {
    expect(parseReceiptText(standard('DELIVRD'))).toEqual({
      id: '0A1B2C3D',
      sub: '001',
      dlvrd: '001',
      submitDate: new Date(Date.UTC(2026, 10, 5, 14, 3)),
      doneDate: new Date(Date.UTC(2026, 10, 5, 14, 4)),
      stat: 'DELIVRD',
      err: '000',
    });
  });

  it('ignores keys quoted in the message text', () => {
    const parsed = parseReceiptText('id:42 stat:UNDELIV err:001 text:id:99 stat:DELIVRD');

    expect(parsed).toMatchObject({ id: '42', stat: 'UNDELIV' });
  });

  it('accepts keys in any case and without text:', () => {
    expect(parseReceiptText('ID:7 Stat:EXPIRED Err:0')).toMatchObject({ id: '7', stat: 'EXPIRED', err: '0' });
  });

  it('returns undefined for text without receipt fields', () => {
    expect(parseReceiptText('hello, this is an MO message')).toBeUndefined();
  });
});

describe('formatNetworkErrorCode', () => {
  it.each([
    [[3, 0, 1], 'gsm:1'],
    [[7, 0x01, 0x00], 'smpp:256'],
    [[42, 0, 5], 'type-42:5'],
    [[3, 0, 0], undefined],
    [[], undefined],
    [[1, 2], 'raw:0102'],
  ])('formats %j as %s', (bytes, expected) => {
    expect(formatNetworkErrorCode(Buffer.from(bytes))).toBe(expected);
  });
});

describe('parseReceipt', () => {
  const cases: { name: string; fields: ReceiptFields; expected: ReturnType<typeof parseReceipt> }[] = [
    {
      name: 'text only, delivered',
      fields: { text: standard('DELIVRD') },
      expected: {
        ok: true,
        receipt: {
          providerMessageId: 'a1b2c3d',
          state: 'delivered',
          errorCode: undefined,
          doneAt: new Date(Date.UTC(2026, 10, 5, 14, 4)),
        },
      },
    },
    {
      name: 'text only, undeliverable with error',
      fields: { text: standard('UNDELIV', '069') },
      expected: {
        ok: true,
        receipt: { providerMessageId: 'a1b2c3d', state: 'failed', errorCode: '069', doneAt: new Date(Date.UTC(2026, 10, 5, 14, 4)) },
      },
    },
    {
      name: 'TLVs only',
      fields: { receiptedMessageId: 'ABC', messageState: 3, networkErrorCode: Buffer.from([3, 0, 27]) },
      expected: { ok: true, receipt: { providerMessageId: 'abc', state: 'expired', errorCode: 'gsm:27', doneAt: undefined } },
    },
    {
      name: 'TLVs win over disagreeing text; text still gives the done date',
      fields: { receiptedMessageId: 'ff', messageState: 5, text: standard('DELIVRD') },
      expected: { ok: true, receipt: { providerMessageId: 'ff', state: 'failed', errorCode: undefined, doneAt: new Date(Date.UTC(2026, 10, 5, 14, 4)) } },
    },
    {
      name: 'empty receipted_message_id falls back to the text id',
      fields: { receiptedMessageId: '', messageState: 2, text: 'id:77 stat:DELIVRD' },
      expected: { ok: true, receipt: { providerMessageId: '77', state: 'delivered', errorCode: undefined, doneAt: undefined } },
    },
    {
      name: 'undefined message_state falls back to the text stat',
      fields: { receiptedMessageId: '12', messageState: 0, text: 'id:12 stat:ENROUTE' },
      expected: { ok: true, receipt: { providerMessageId: '12', state: 'enroute', errorCode: undefined, doneAt: undefined } },
    },
    {
      name: 'an unheard-of stat is unknown, not an error',
      fields: { text: 'id:12 stat:WHATEVER' },
      expected: { ok: true, receipt: { providerMessageId: '12', state: 'unknown', errorCode: undefined, doneAt: undefined } },
    },
    {
      name: 'TLV network error wins over text err',
      fields: { receiptedMessageId: '1', messageState: 5, networkErrorCode: Buffer.from([3, 0, 1]), text: 'id:1 stat:UNDELIV err:069' },
      expected: { ok: true, receipt: { providerMessageId: '1', state: 'failed', errorCode: 'gsm:1', doneAt: undefined } },
    },
    {
      name: 'no id anywhere',
      fields: { messageState: 2, text: 'stat:DELIVRD' },
      expected: { ok: false, reason: 'no receipted_message_id TLV and no id: in the receipt text' },
    },
    {
      name: 'id but no state anywhere',
      fields: { receiptedMessageId: '5' },
      expected: { ok: false, reason: 'no message_state TLV and no stat: in the receipt text' },
    },
    {
      name: 'garbage text',
      fields: { text: 'garbage, no fields' },
      expected: { ok: false, reason: 'no receipted_message_id TLV and no id: in the receipt text' },
    },
    {
      name: 'nothing at all',
      fields: {},
      expected: { ok: false, reason: 'no receipted_message_id TLV and no id: in the receipt text' },
    },
  ];

  it.each(cases)('$name', ({ fields, expected }) => {
    expect(parseReceipt(fields)).toEqual(expected);
  });
});
