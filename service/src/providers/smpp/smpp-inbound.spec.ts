import { describe, expect, it } from 'vitest';
import { InboundAssembler, inboundPartFromPdu } from './smpp-inbound.js';
import { createPdu, parsePdu } from './smpp-wire.js';

/** A deliver_sm as it comes off the wire (serialised and parsed again, as the session does). */
function deliverSm(fields: Record<string, unknown>) {
  return parsePdu(createPdu('deliver_sm', { source_addr: '4915112345678', destination_addr: '4711', ...fields }).toBuffer());
}

describe('inboundPartFromPdu', () => {
  it('reads a plain GSM-7 message', () => {
    expect(inboundPartFromPdu(deliverSm({ data_coding: 0, short_message: Buffer.from('STOP') }))).toEqual({ from: '4915112345678', to: '4711', text: 'STOP', concatenation: undefined });
  });

  it('reads a UCS-2 message', () => {
    const part = inboundPartFromPdu(deliverSm({ data_coding: 8, short_message: Buffer.from('Привет 👋', 'utf16le').swap16() }));
    expect(part.text).toBe('Привет 👋');
  });

  it('reads the 8-bit and 16-bit reference concatenation headers', () => {
    const eight = deliverSm({ esm_class: 0x40, data_coding: 0, short_message: Buffer.concat([Buffer.from([5, 0, 3, 0x2a, 3, 2]), Buffer.from('part two')]) });
    expect(inboundPartFromPdu(eight)).toMatchObject({ text: 'part two', concatenation: { reference: 0x2a, total: 3, sequence: 2 } });
    const sixteen = deliverSm({ esm_class: 0x40, data_coding: 0, short_message: Buffer.concat([Buffer.from([6, 8, 4, 0x12, 0x34, 2, 1]), Buffer.from('one')]) });
    expect(inboundPartFromPdu(sixteen)).toMatchObject({ text: 'one', concatenation: { reference: 0x1234, total: 2, sequence: 1 } });
  });

  it('reads SAR TLVs', () => {
    const pdu = deliverSm({ data_coding: 0, short_message: Buffer.from('b'), sar_msg_ref_num: 7, sar_total_segments: 2, sar_segment_seqnum: 2 });
    expect(inboundPartFromPdu(pdu)).toMatchObject({ concatenation: { reference: 7, total: 2, sequence: 2 } });
  });

  it('treats a nonsensical header as a plain message', () => {
    const pdu = deliverSm({ data_coding: 0, short_message: Buffer.from('x'), sar_msg_ref_num: 7, sar_total_segments: 2, sar_segment_seqnum: 5 });
    expect(inboundPartFromPdu(pdu).concatenation).toBeUndefined();
  });
});

describe('InboundAssembler', () => {
  const part = (sequence: number, text: string, reference = 1, from = '491511') => ({ from, to: '4711', text, concatenation: { reference, total: 3, sequence } });

  it('hands a plain message on at once', () => {
    expect(new InboundAssembler().accept({ from: 'a', to: 'b', text: 'hi' })).toEqual({ from: 'a', to: 'b', text: 'hi', parts: 1 });
  });

  it('joins parts in order whatever order they came in, and ignores a redelivered part', () => {
    const assembler = new InboundAssembler();
    expect(assembler.accept(part(3, 'C'))).toBeNull();
    expect(assembler.accept(part(1, 'A'))).toBeNull();
    expect(assembler.accept(part(1, 'A'))).toBeNull();
    expect(assembler.accept(part(2, 'B'))).toEqual({ from: '491511', to: '4711', text: 'ABC', parts: 3 });
    expect(assembler.heldParts).toBe(0);
  });

  it('keeps messages of different senders and references apart', () => {
    const assembler = new InboundAssembler();
    assembler.accept(part(1, 'x', 1, 'one'));
    assembler.accept(part(1, 'y', 2, 'one'));
    assembler.accept(part(1, 'z', 1, 'two'));
    expect(assembler.heldParts).toBe(3);
  });

  it('hands on an incomplete message after the wait, marking the gap', () => {
    const assembler = new InboundAssembler({ maxWaitMs: 1000 });
    assembler.accept(part(1, 'A'), 0);
    assembler.accept(part(3, 'C'), 10);
    expect(assembler.takeExpired(999)).toEqual([]);
    expect(assembler.takeExpired(1000)).toEqual([{ from: '491511', to: '4711', text: 'A[part 2 of 3 missing]C', parts: 3 }]);
    expect(assembler.heldParts).toBe(0);
  });

  it('holds at most maxHeldMessages, handing the oldest on incomplete to make room', () => {
    const assembler = new InboundAssembler({ maxHeldMessages: 2 });
    assembler.accept(part(1, 'A', 1), 0);
    assembler.accept(part(1, 'B', 2), 1);
    expect(assembler.overflowing).toBe(false);
    assembler.accept(part(2, 'B2', 2), 2); // a known message: no room needed
    assembler.accept(part(1, 'C', 3), 3);
    expect(assembler.overflowing).toBe(true);
    expect(assembler.takeExpired(4)).toEqual([{ from: '491511', to: '4711', text: 'A[part 2 of 3 missing][part 3 of 3 missing]', parts: 3 }]);
    expect(assembler.overflowing).toBe(false);
    expect(assembler.heldParts).toBe(3);
    expect(assembler.accept(part(3, 'B3', 2), 5)).toEqual({ from: '491511', to: '4711', text: 'BB2B3', parts: 3 });
  });
});
