import { describe, expect, it } from 'vitest';
import { createPdu, parsePdu } from '../../test/support/smpp-library.js';
import {
  CommandId,
  PduBodyError,
  PduFramer,
  TlvTag,
  decodeBind,
  decodeHeader,
  decodeShortMessage,
  encodeDeliverSm,
  encodePdu,
  encodeResponse,
  type Frame,
} from './smsc-pdu.js';

function pdus(frames: Frame[]): { command: string | undefined; sequence: number }[] {
  return frames.flatMap((frame) => (frame.kind === 'pdu' ? [{ command: frame.pdu.command, sequence: frame.pdu.sequence }] : []));
}

describe('PduFramer', () => {
  it('frames PDUs split across chunks and several in one chunk', () => {
    const stream = Buffer.concat([encodePdu(CommandId.enquire_link, 0, 1), encodePdu(CommandId.unbind, 0, 2), encodePdu(CommandId.enquire_link, 0, 3)]);
    const framer = new PduFramer();

    const first = framer.push(stream.subarray(0, 7));
    const second = framer.push(stream.subarray(7, 40));
    const third = framer.push(stream.subarray(40));

    expect(first).toEqual([]);
    expect(pdus(second)).toEqual([
      { command: 'enquire_link', sequence: 1 },
      { command: 'unbind', sequence: 2 },
    ]);
    expect(pdus(third)).toEqual([{ command: 'enquire_link', sequence: 3 }]);
  });

  it.each([8, 0x7fffffff])('reports command_length %i as unframeable and stops', (length) => {
    const bytes = encodePdu(CommandId.deliver_sm, 0, 42);
    bytes.writeUInt32BE(length, 0);
    const framer = new PduFramer();

    expect(framer.push(bytes)).toEqual([{ kind: 'bad-length', length, sequence: 42 }]);
    expect(framer.push(encodePdu(CommandId.enquire_link, 0, 1))).toEqual([]);
  });
});

describe('decoding what the provider library encodes', () => {
  it('reads a submit_sm with UDH octets and TLVs as sent', () => {
    const udh = Buffer.from([0x05, 0x00, 0x03, 0x2a, 0x02, 0x01]);
    const bytes = createPdu('submit_sm', {
      sequence_number: 7,
      source_addr_ton: 5,
      source_addr: 'Switchboard',
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      destination_addr: '4915112345678',
      esm_class: 0x40,
      registered_delivery: 0x11,
      data_coding: 0,
      validity_period: '000000001000000R',
      short_message: Buffer.concat([udh, Buffer.from('hello', 'latin1')]),
      sar_msg_ref_num: 513,
    }).toBuffer();

    const header = decodeHeader(bytes);
    const submit = decodeShortMessage(header.body);

    expect(header).toMatchObject({ command: 'submit_sm', sequence: 7, commandStatus: 0 });
    expect(submit).toMatchObject({
      sourceAddrTon: 5,
      sourceAddr: 'Switchboard',
      destAddrTon: 1,
      destinationAddr: '4915112345678',
      esmClass: 0x40,
      registeredDelivery: 0x11,
      validityPeriod: '000000001000000R',
    });
    expect(submit.shortMessage.toString('hex')).toBe('0500032a020168656c6c6f');
    expect(submit.tlvs.get(TlvTag.sar_msg_ref_num)?.readUInt16BE(0)).toBe(513);
  });

  it('reads a bind with its address_range', () => {
    const bytes = createPdu('bind_receiver', { system_id: 'acme', password: 'pw', system_type: 'OTP', address_range: '^49' }).toBuffer();

    expect(decodeBind(decodeHeader(bytes).body)).toMatchObject({ systemId: 'acme', password: 'pw', systemType: 'OTP', addressRange: '^49' });
  });

  it('refuses a body cut inside a C-octet string', () => {
    const body = Buffer.from([0x00, 0x01, 0x01, 0x34, 0x39]); // service_type, TONs, then source_addr without NUL

    expect(() => decodeShortMessage(body)).toThrow(PduBodyError);
  });
});

describe('encoding what the provider library decodes', () => {
  it('writes a deliver_sm the library reads field by field', () => {
    const bytes = encodeDeliverSm(
      {
        sourceAddrTon: 1,
        sourceAddrNpi: 1,
        sourceAddr: '4915112345678',
        destAddrTon: 5,
        destinationAddr: 'Switchboard',
        esmClass: 0x04,
        dataCoding: 0,
        shortMessage: Buffer.from('id:abc stat:DELIVRD', 'latin1'),
        tlvs: [
          [TlvTag.receipted_message_id, Buffer.from('abc\0', 'latin1')],
          [TlvTag.message_state, Buffer.from([2])],
        ],
      },
      9,
    );

    const pdu = parsePdu(bytes);

    expect(pdu).toMatchObject({
      command: 'deliver_sm',
      sequence_number: 9,
      source_addr: '4915112345678',
      destination_addr: 'Switchboard',
      esm_class: 0x04,
      receipted_message_id: 'abc',
      message_state: 2,
    });
  });

  it('answers unknown commands with generic_nack and errors without a body', () => {
    const unknown = decodeHeader(encodePdu(0xee, 0, 3));
    const submit = decodeHeader(encodePdu(CommandId.submit_sm, 0, 4));

    expect(decodeHeader(encodeResponse(unknown, 3))).toMatchObject({ commandId: CommandId.generic_nack, commandStatus: 3, sequence: 3 });
    expect(encodeResponse(submit, 0x58, Buffer.from('id\0'))).toHaveLength(16);
    expect(decodeHeader(encodeResponse(submit, 0, Buffer.from('id\0')))).toMatchObject({ command: 'submit_sm_resp', sequence: 4 });
  });
});
