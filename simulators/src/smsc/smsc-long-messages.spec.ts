import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SmscTestBed, type TestEsme, type TestSubmit } from '../../test/support/smsc-test-client.js';
import { waitFor } from '../../test/support/wait-for.js';
import { TlvTag, decodeMessageIdResp, type RawPdu } from './smsc-pdu.js';

const TO = '4915112345678';

/** GSM-7 by hand: ASCII letters, digits and some punctuation share their codes; the rest spelled out (3GPP 23.038). */
function handGsm7(text: string): Buffer {
  const special: Readonly<Record<string, number[]>> = { '@': [0x00], '€': [0x1b, 0x65], '{': [0x1b, 0x28], '}': [0x1b, 0x29], '_': [0x11] };
  return Buffer.from(
    Array.from(text).flatMap((char) => {
      if (/^[A-Za-z0-9 .,:!?]$/.test(char)) return [char.charCodeAt(0)];
      const codes = special[char];
      if (codes === undefined) throw new RangeError(`no hand-made GSM-7 code for ${char}`);
      return codes;
    }),
  );
}

/** UTF-16BE by Node's own codec. */
function utf16be(text: string): Buffer {
  return Buffer.from(text, 'utf16le').swap16();
}

/** Cuts into `room`-octet chunks without separating a GSM escape or a surrogate pair. */
function chunks(octets: Buffer, room: number, unit: 1 | 2): Buffer[] {
  const result: Buffer[] = [];
  for (let start = 0; start < octets.length; ) {
    let end = Math.min(start + room - (room % unit), octets.length);
    if (end < octets.length && unit === 1 && octets[end - 1] === 0x1b) end -= 1;
    if (end < octets.length && unit === 2 && (octets.readUInt16BE(end - 2) & 0xfc00) === 0xd800) end -= 2;
    result.push(octets.subarray(start, end));
    start = end;
  }
  return result;
}

const base = (dataCoding: number, registeredDelivery = 1): TestSubmit => ({
  sourceAddrTon: 5,
  sourceAddr: 'Switchboard',
  destAddrTon: 1,
  destAddrNpi: 1,
  destinationAddr: TO,
  registeredDelivery,
  dataCoding,
});

function udhParts(octets: Buffer, dataCoding: number, reference: number, bits: 8 | 16): TestSubmit[] {
  const udhOctets = bits === 8 ? 6 : 7;
  const room = dataCoding === 0 ? 160 - Math.ceil((udhOctets * 8) / 7) : 140 - udhOctets;
  const parts = chunks(octets, room, dataCoding === 8 ? 2 : 1);
  return parts.map((part, i) => {
    const udh =
      bits === 8
        ? Buffer.from([0x05, 0x00, 0x03, reference, parts.length, i + 1])
        : Buffer.from([0x06, 0x08, 0x04, reference >> 8, reference & 0xff, parts.length, i + 1]);
    return { ...base(dataCoding), esmClass: 0x40, shortMessage: Buffer.concat([udh, part]) };
  });
}

function sarParts(octets: Buffer, dataCoding: number, reference: number): TestSubmit[] {
  const parts = chunks(octets, dataCoding === 0 ? 153 : 134, dataCoding === 8 ? 2 : 1);
  return parts.map((part, i) => ({
    ...base(dataCoding),
    shortMessage: part,
    tlvs: [
      [TlvTag.sar_msg_ref_num, Buffer.from([reference >> 8, reference & 0xff])],
      [TlvTag.sar_total_segments, Buffer.from([parts.length])],
      [TlvTag.sar_segment_seqnum, Buffer.from([i + 1])],
    ],
  }));
}

const GSM_TEXT = ('Your Switchboard code is 482913. Price 5€ @ shop {promo}! ' + 'The quick brown fox jumps over the lazy dog 0123456789. '.repeat(7)).slice(0, 400);
const UCS2_TEXT = ('Ваш код подтверждения: 482913 👋🔐 Привет, мир! ' + 'Код действителен 10 минут. '.repeat(8)).slice(0, 200);

describe('SmscSimulator long messages', () => {
  let bed: SmscTestBed;
  let esme: TestEsme;

  beforeEach(async () => {
    bed = await SmscTestBed.start();
    esme = await bed.bound();
  });

  afterEach(async () => {
    await bed.stop();
  });

  async function submitAll(parts: TestSubmit[]): Promise<RawPdu[]> {
    const responses: RawPdu[] = [];
    for (const part of parts) responses.push(await esme.submit(part));
    return responses;
  }

  it('checks its own test data: a 400-character GSM-7 text and a 200-character UCS-2 text with emoji', () => {
    expect(GSM_TEXT).toHaveLength(400);
    expect(UCS2_TEXT).toHaveLength(200);
    expect(handGsm7(GSM_TEXT)).toHaveLength(403); // €, { and } take two septets each
  });

  it('reassembles a 400-character GSM-7 text sent with 8-bit-reference UDHs into one message', async () => {
    const parts = udhParts(handGsm7(GSM_TEXT), 0, 0x7a, 8);

    const responses = await submitAll(parts);

    expect(parts).toHaveLength(3);
    expect(responses.map((response) => response.commandStatus)).toEqual([0, 0, 0]);
    const [message, ...others] = bed.simulator.inbox();
    expect(others).toEqual([]);
    expect(message).toMatchObject({ text: GSM_TEXT, dataCoding: 0, segmentation: 'udh', referenceBits: 8, reference: 0x7a, total: 3, problems: [], to: `+${TO}` });
    expect(message?.id).toBe(decodeMessageIdResp((responses[0] as RawPdu).body));
    expect(message?.parts.map((part) => ({ sequence: part.sequence, total: part.total, reference: part.reference, messageId: part.messageId, hex: part.shortMessageHex }))).toEqual(
      parts.map((part, i) => ({
        sequence: i + 1,
        total: 3,
        reference: 0x7a,
        messageId: decodeMessageIdResp((responses[i] as RawPdu).body),
        hex: (part.shortMessage as Buffer).toString('hex'),
      })),
    );
    expect(bed.simulator.stats()).toMatchObject({ submitsAccepted: 3, messagesCompleted: 1, duplicateParts: 0 });
  });

  it('reassembles a 200-character UCS-2 text with emoji and Cyrillic sent with 16-bit-reference UDHs', async () => {
    const parts = udhParts(utf16be(UCS2_TEXT), 8, 0xbeef, 16);

    await submitAll(parts);

    expect(parts).toHaveLength(4);
    expect(bed.simulator.inbox()).toEqual([
      expect.objectContaining({ text: UCS2_TEXT, dataCoding: 8, segmentation: 'udh', referenceBits: 16, reference: 0xbeef, total: 4, problems: [] }),
    ]);
  });

  it.each([
    ['GSM-7', 0, handGsm7(GSM_TEXT), GSM_TEXT],
    ['UCS-2', 8, utf16be(UCS2_TEXT), UCS2_TEXT],
  ])('reassembles %s parts numbered with SAR TLVs', async (_alphabet, dataCoding, octets, text) => {
    await submitAll(sarParts(octets, dataCoding, 0x0102));

    expect(bed.simulator.inbox()).toEqual([expect.objectContaining({ text, dataCoding, segmentation: 'sar', reference: 0x0102, problems: [] })]);
  });

  it.each([
    ['GSM-7', 0, handGsm7(GSM_TEXT), GSM_TEXT],
    ['UCS-2', 8, utf16be(UCS2_TEXT), UCS2_TEXT],
  ])('takes a whole %s text from message_payload', async (_alphabet, dataCoding, octets, text) => {
    await esme.submit({ ...base(dataCoding), tlvs: [[TlvTag.message_payload, octets]] });

    expect(bed.simulator.inbox()).toEqual([
      expect.objectContaining({ text, dataCoding, segmentation: 'message_payload', viaMessagePayload: true, total: 1, problems: [] }),
    ]);
  });

  it('reassembles parts sent out of order and shows the message as incomplete until then', async () => {
    const [first, second, third] = udhParts(handGsm7(GSM_TEXT), 0, 3, 8) as [TestSubmit, TestSubmit, TestSubmit];

    await submitAll([third, first]);
    expect(bed.simulator.inbox()).toEqual([]);
    expect(await bed.http('/inbox/incomplete')).toMatchObject({ status: 200, body: [{ total: 3, problems: ['missing parts: 2'] }] });
    await submitAll([second]);

    expect(bed.simulator.inbox()).toEqual([expect.objectContaining({ text: GSM_TEXT })]);
    expect(bed.simulator.incompleteMessages()).toEqual([]);
  });

  it('gives every part its own message_id and its own receipt', async () => {
    const responses = await submitAll(udhParts(handGsm7(GSM_TEXT), 0, 4, 8));
    await waitFor(() => esme.delivered.length === 3);

    const receipted = esme.delivered.map((receipt) => receipt.tlvs.get(TlvTag.receipted_message_id)?.toString('latin1').replace('\0', ''));
    const issued = responses.map((response) => decodeMessageIdResp(response.body));
    expect(new Set(issued).size).toBe(3);
    expect(receipted.sort()).toEqual([...issued].sort());
    await waitFor(() => bed.simulator.latest()?.status === 'delivered');
    expect(bed.simulator.latest()?.parts.map((part) => part.status)).toEqual(['delivered', 'delivered', 'delivered']);
  });

  it("with receiptParts `last`, reports a concatenated message once, under its last part's id", async () => {
    bed.simulator.updateBehaviour({ receiptParts: 'last', receiptDelayMs: 10 });
    const responses = await submitAll(udhParts(handGsm7(GSM_TEXT), 0, 5, 8));
    await waitFor(() => esme.delivered.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 100)); // room for reports that must not come

    const receipted = esme.delivered.map((receipt) => receipt.tlvs.get(TlvTag.receipted_message_id)?.toString('latin1').replace('\0', ''));
    expect(receipted).toEqual([decodeMessageIdResp((responses[2] as RawPdu).body)]);
  });

  it('counts a part sent again as a duplicate, the message once', async () => {
    const parts = udhParts(handGsm7(GSM_TEXT), 0, 5, 8);
    await submitAll(parts);

    const again = await esme.submit(parts[1] as TestSubmit);

    expect(again.commandStatus).toBe(0); // SMSCs accept it: only the count tells
    expect(bed.simulator.inbox()).toHaveLength(1);
    expect(bed.simulator.stats()).toMatchObject({ submitsAccepted: 4, messagesCompleted: 1, duplicateParts: 1 });
    expect(bed.simulator.latest()?.parts.filter((part) => part.duplicate)).toEqual([
      expect.objectContaining({ sequence: 2, messageId: decodeMessageIdResp(again.body) }),
    ]);
  });

  it('flags a surrogate pair split across parts', async () => {
    const octets = utf16be('ab🔐cd');
    const udh = (index: number): Buffer => Buffer.from([0x05, 0x00, 0x03, 9, 2, index]);

    await submitAll([
      { ...base(8), esmClass: 0x40, shortMessage: Buffer.concat([udh(1), octets.subarray(0, 6)]) },
      { ...base(8), esmClass: 0x40, shortMessage: Buffer.concat([udh(2), octets.subarray(6)]) },
    ]);

    const [message] = bed.simulator.inbox();
    expect(message?.text).toBe('ab\ufffd\ufffdcd');
    expect(message?.problems).toEqual(['part 1: unpaired UTF-16 surrogate', 'part 2: unpaired UTF-16 surrogate']);
  });

  it('flags a part with more user data than one SMS holds', async () => {
    const udh = Buffer.from([0x05, 0x00, 0x03, 6, 1, 1]);

    await esme.submit({ ...base(0), esmClass: 0x40, shortMessage: Buffer.concat([udh, Buffer.alloc(160, 0x41)]) });

    expect(bed.simulator.latest()?.problems).toEqual(['160 octets of user data do not fit one SMS (room for 153)']);
  });

  it('refuses a part whose UDH cannot be read and stores nothing', async () => {
    const response = await esme.submit({ ...base(0), esmClass: 0x40, shortMessage: Buffer.from([0x0b, 0x00, 0x03, 1]) });

    expect(response.commandStatus).toBe(0x43); // ESME_RINVESMCLASS
    expect(bed.simulator.inbox()).toEqual([]);
    expect(bed.simulator.incompleteMessages()).toEqual([]);
  });
});
