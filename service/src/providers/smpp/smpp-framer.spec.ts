import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_PDU_LENGTH, MalformedPduError, PduFramer } from './smpp-framer.js';
import { createPdu } from './smpp-wire.js';

function pduBytes(command: string, sequence: number, fields: Record<string, unknown> = {}): Buffer {
  return createPdu(command, { ...fields, sequence_number: sequence }).toBuffer();
}

function header(commandLength: number, commandId = 0x00000015, sequence = 7): Buffer {
  const bytes = Buffer.alloc(16);
  bytes.writeUInt32BE(commandLength, 0);
  bytes.writeUInt32BE(commandId, 4);
  bytes.writeUInt32BE(sequence, 12);
  return bytes;
}

describe('PduFramer', () => {
  it('reassembles PDUs fed one octet at a time', () => {
    const stream = Buffer.concat([
      pduBytes('enquire_link', 1),
      pduBytes('submit_sm', 2, { destination_addr: '4915112345678', short_message: 'hello' }),
      pduBytes('unbind', 3),
    ]);
    const framer = new PduFramer();

    const pdus: Buffer[] = [];
    for (const octet of stream) {
      const result = framer.push(Buffer.from([octet]));
      expect(result.error).toBeUndefined();
      pdus.push(...result.pdus);
    }

    expect(pdus.map((pdu) => pdu.readUInt32BE(12))).toEqual([1, 2, 3]);
    expect(Buffer.concat(pdus)).toEqual(stream);
    expect(framer.buffered).toBe(0);
  });

  it('cuts several PDUs out of one chunk and keeps the incomplete tail for later', () => {
    const first = pduBytes('enquire_link', 1);
    const second = pduBytes('submit_sm', 2, { short_message: 'hi' });
    const framer = new PduFramer();

    const result = framer.push(Buffer.concat([first, first, second.subarray(0, 20)]));

    expect(result.pdus).toEqual([first, first]);
    expect(framer.buffered).toBe(20);
    expect(framer.push(second.subarray(20)).pdus).toEqual([second]);
  });

  it.each([
    [8, 'command-length-too-short'],
    [0, 'command-length-too-short'],
    [0x80000000, 'command-length-too-long'],
    [DEFAULT_MAX_PDU_LENGTH + 1, 'command-length-too-long'],
  ])('rejects command_length %i as %s', (commandLength, reason) => {
    const framer = new PduFramer();

    const { pdus, error } = framer.push(header(commandLength));

    expect(pdus).toEqual([]);
    expect(error).toBeInstanceOf(MalformedPduError);
    expect(error?.reason).toBe(reason);
    expect(error?.commandLength).toBe(commandLength);
    expect(error?.header).toBe(header(commandLength).toString('hex'));
    expect(error?.sequenceNumber).toBe(7);
  });

  it('judges command_length from its first four octets, without waiting for the rest of the header', () => {
    const { error } = new PduFramer().push(Buffer.from([0, 0, 0, 4]));

    expect(error?.reason).toBe('command-length-too-short');
    expect(error?.header).toBe('00000004');
    expect(error?.sequenceNumber).toBeUndefined();
  });

  it('hands out the PDUs before a bad length, then stays failed', () => {
    const good = pduBytes('enquire_link', 1);
    const framer = new PduFramer();

    const result = framer.push(Buffer.concat([good, header(3)]));

    expect(result.pdus).toEqual([good]);
    expect(result.error?.reason).toBe('command-length-too-short');
    expect(framer.push(good)).toEqual({ pdus: [], error: result.error });
  });

  it('honours a configured maximum', () => {
    const framer = new PduFramer({ maxPduLength: 100 });

    expect(framer.push(header(101)).error?.reason).toBe('command-length-too-long');
    expect(new PduFramer({ maxPduLength: 100 }).push(header(100)).error).toBeUndefined();
  });

  it('refuses a maximum below the header length', () => {
    expect(() => new PduFramer({ maxPduLength: 15 })).toThrow(RangeError);
  });
});
