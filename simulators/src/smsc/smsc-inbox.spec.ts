import { describe, expect, it } from 'vitest';
import { Inbox, segmentOf, type Segment } from './smsc-inbox.js';
import { TlvTag, type ShortMessageBody } from './smsc-pdu.js';

function body(overrides: Partial<ShortMessageBody> = {}): ShortMessageBody {
  return {
    serviceType: '',
    sourceAddrTon: 5,
    sourceAddrNpi: 0,
    sourceAddr: 'Switchboard',
    destAddrTon: 1,
    destAddrNpi: 1,
    destinationAddr: '4915112345678',
    esmClass: 0,
    protocolId: 0,
    priorityFlag: 0,
    scheduleDeliveryTime: '',
    validityPeriod: '',
    registeredDelivery: 1,
    replaceIfPresentFlag: 0,
    dataCoding: 0,
    smDefaultMsgId: 0,
    shortMessage: Buffer.alloc(0),
    tlvs: new Map(),
    ...overrides,
  };
}

const udh8 = (reference: number, total: number, index: number): Buffer => Buffer.from([0x05, 0x00, 0x03, reference, total, index]);
const udh16 = (reference: number, total: number, index: number): Buffer =>
  Buffer.from([0x06, 0x08, 0x04, reference >> 8, reference & 0xff, total, index]);

function udhPart(udh: Buffer, text: string, overrides: Partial<ShortMessageBody> = {}): ShortMessageBody {
  return body({ esmClass: 0x40, shortMessage: Buffer.concat([udh, Buffer.from(text, 'latin1')]), ...overrides });
}

function segment(submit: ShortMessageBody): Segment {
  const result = segmentOf(submit);
  if (!result.ok) throw new Error(result.reason);
  return result.segment;
}

let nextId = 1;
function add(inbox: Inbox, submit: ShortMessageBody): ReturnType<Inbox['add']> {
  nextId += 1;
  return inbox.add({ messageId: `m${nextId}`, systemId: 'switchboard', submit, segment: segment(submit), receivedAt: new Date() });
}

describe('segmentOf', () => {
  it('reads an 8-bit-reference UDH', () => {
    expect(segment(udhPart(udh8(0x2a, 3, 2), 'abc'))).toMatchObject({ segmentation: 'udh', referenceBits: 8, reference: 0x2a, total: 3, sequence: 2, problems: [] });
  });

  it('reads a 16-bit-reference UDH beside other information elements', () => {
    // UDHL 9: a national language single shift (IEI 0x24), then the 16-bit concatenation (IEI 0x08).
    const udh = Buffer.from([0x09, 0x24, 0x01, 0x01, 0x08, 0x04, 0x12, 0x34, 0x02, 0x01]);
    const result = segment(udhPart(udh, 'x'));

    expect(result).toMatchObject({ segmentation: 'udh', referenceBits: 16, reference: 0x1234, total: 2, sequence: 1 });
  });

  it('reads SAR TLVs', () => {
    const tlvs = new Map([
      [TlvTag.sar_msg_ref_num, Buffer.from([0x01, 0x02])],
      [TlvTag.sar_total_segments, Buffer.from([2])],
      [TlvTag.sar_segment_seqnum, Buffer.from([2])],
    ]);

    expect(segment(body({ shortMessage: Buffer.from('abc'), tlvs }))).toMatchObject({ segmentation: 'sar', referenceBits: 16, reference: 0x0102, total: 2, sequence: 2 });
  });

  it('takes the text from message_payload', () => {
    const payload = Buffer.from('a'.repeat(300));

    expect(segment(body({ tlvs: new Map([[TlvTag.message_payload, payload]]) }))).toMatchObject({ segmentation: 'message_payload', total: 1, content: payload });
  });

  it.each([
    ['a UDH longer than the message', udhPart(Buffer.from([0x09, 0x00, 0x03]), ''), 0x43],
    ['an element overrunning the UDH', udhPart(Buffer.from([0x03, 0x00, 0x03, 0x01]), ''), 0x43],
    ['part 0', udhPart(udh8(1, 2, 0), 'x'), 0x43],
    ['part 3 of 2', udhPart(udh8(1, 2, 3), 'x'), 0x43],
    ['incomplete SAR', body({ tlvs: new Map([[TlvTag.sar_msg_ref_num, Buffer.from([0, 1])]]) }), 0xc4],
  ])('refuses %s', (_case, submit, commandStatus) => {
    expect(segmentOf(submit)).toMatchObject({ ok: false, commandStatus });
  });

  it('notes a part too long for one SMS', () => {
    expect(segment(udhPart(udh8(1, 2, 1), 'x'.repeat(154))).problems).toEqual(['154 octets of user data do not fit one SMS (room for 153)']);
    expect(segment(udhPart(udh8(1, 2, 1), 'x'.repeat(153))).problems).toEqual([]);
  });
});

describe('Inbox', () => {
  it('files an unsegmented message at once', () => {
    const inbox = new Inbox();

    const added = add(inbox, body({ shortMessage: Buffer.from('Hello') }));

    expect(added.completed).toMatchObject({ text: 'Hello', to: '+4915112345678', segmentation: 'single', total: 1, reference: null, referenceBits: null });
    expect(inbox.list()).toHaveLength(1);
  });

  it('reassembles parts arriving out of order, keeping part 1 id as the message id', () => {
    const inbox = new Inbox();

    const third = add(inbox, udhPart(udh8(7, 3, 3), 'C'));
    const first = add(inbox, udhPart(udh8(7, 3, 1), 'A'));
    expect(inbox.list()).toEqual([]);
    expect(inbox.incomplete()).toEqual([expect.objectContaining({ text: 'AC', problems: ['missing parts: 2'] })]);
    const second = add(inbox, udhPart(udh8(7, 3, 2), 'B'));

    expect(second.completed).toMatchObject({ text: 'ABC', id: first.part.messageId, total: 3, reference: 7 });
    expect(second.completed?.parts.map((part) => [part.sequence, part.messageId])).toEqual([
      [3, third.part.messageId],
      [1, first.part.messageId],
      [2, second.part.messageId],
    ]);
    expect(inbox.incomplete()).toEqual([]);
  });

  it('keeps messages with the same reference to different numbers apart', () => {
    const inbox = new Inbox();

    add(inbox, udhPart(udh8(1, 2, 1), 'to-a-1 '));
    add(inbox, udhPart(udh8(1, 2, 1), 'to-b-1 ', { destinationAddr: '14155550123' }));
    add(inbox, udhPart(udh8(1, 2, 2), 'to-b-2', { destinationAddr: '14155550123' }));
    add(inbox, udhPart(udh8(1, 2, 2), 'to-a-2'));

    expect(inbox.list().map((message) => message.text)).toEqual(['to-b-1 to-b-2', 'to-a-1 to-a-2']);
  });

  it('marks a part that comes again while assembling as a duplicate', () => {
    const inbox = new Inbox();

    add(inbox, udhPart(udh8(9, 2, 1), 'A'));
    const again = add(inbox, udhPart(udh8(9, 2, 1), 'A'));
    add(inbox, udhPart(udh8(9, 2, 2), 'B'));

    expect(again.duplicate).toBe(true);
    const [message] = inbox.list();
    expect(message?.text).toBe('AB');
    expect(message?.parts.map((part) => [part.sequence, part.duplicate])).toEqual([
      [1, false],
      [1, true],
      [2, false],
    ]);
  });

  it('marks a part resent after its message completed as a duplicate, not a new message', () => {
    const inbox = new Inbox();
    add(inbox, udhPart(udh8(9, 2, 1), 'A'));
    add(inbox, udhPart(udh8(9, 2, 2), 'B'));

    const again = add(inbox, udhPart(udh8(9, 2, 2), 'B'));

    expect(again.duplicate).toBe(true);
    expect(inbox.list()).toHaveLength(1);
    expect(inbox.incomplete()).toEqual([]);
  });

  it('starts a new message when a used reference comes with other content', () => {
    const inbox = new Inbox();
    add(inbox, udhPart(udh8(9, 2, 1), 'A'));
    add(inbox, udhPart(udh8(9, 2, 2), 'B'));

    add(inbox, udhPart(udh8(9, 2, 1), 'C'));
    const last = add(inbox, udhPart(udh8(9, 2, 2), 'D'));

    expect(last.duplicate).toBe(false);
    expect(inbox.list().map((message) => message.text)).toEqual(['AB', 'CD']);
  });

  it('reassembles 16-bit references and SAR separately from 8-bit ones', () => {
    const inbox = new Inbox();
    const sar = (index: number, text: string): ShortMessageBody =>
      body({
        shortMessage: Buffer.from(text),
        tlvs: new Map([
          [TlvTag.sar_msg_ref_num, Buffer.from([0, 5])],
          [TlvTag.sar_total_segments, Buffer.from([2])],
          [TlvTag.sar_segment_seqnum, Buffer.from([index])],
        ]),
      });

    add(inbox, udhPart(udh8(5, 2, 1), 'u8-'));
    add(inbox, udhPart(udh16(5, 2, 1), 'u16-'));
    add(inbox, sar(1, 'sar-'));
    add(inbox, sar(2, 'end'));
    add(inbox, udhPart(udh16(5, 2, 2), 'end'));
    add(inbox, udhPart(udh8(5, 2, 2), 'end'));

    expect(inbox.list().map((message) => [message.segmentation, message.referenceBits, message.text])).toEqual([
      ['sar', 16, 'sar-end'],
      ['udh', 16, 'u16-end'],
      ['udh', 8, 'u8-end'],
    ]);
  });

  it('notes parts whose data_coding differs from part 1', () => {
    const inbox = new Inbox();
    add(inbox, udhPart(udh8(3, 2, 1), 'A'));
    add(inbox, udhPart(udh8(3, 2, 2), '\u0000B', { dataCoding: 8 }));

    expect(inbox.list()[0]?.problems).toEqual(["part 2: data_coding 8 differs from part 1's 0"]);
  });

  it('derives the message status from its parts once all have a final one', () => {
    const inbox = new Inbox();
    const first = add(inbox, udhPart(udh8(4, 2, 1), 'A'));
    const second = add(inbox, udhPart(udh8(4, 2, 2), 'B'));
    const message = second.completed;

    first.part.status = 'delivered';
    inbox.refreshStatus(first.part);
    expect(message?.status).toBe('accepted');
    second.part.status = 'expired';
    inbox.refreshStatus(second.part);
    expect(message?.status).toBe('expired');
  });
});
