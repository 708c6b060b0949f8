import { describe, expect, it } from 'vitest';
import { parsePdu } from '../../test/support/smpp-library.js';
import { namedPduBuilder } from './smsc-pdu-fields.js';
import { CommandId, decodeHeader, decodeShortMessage, TlvTag } from './smsc-pdu.js';

describe('namedPduBuilder', () => {
  it('writes a receipt deliver_sm from field names that the smpp library reads back', () => {
    const bytes = namedPduBuilder('deliver_sm', { esm_class: 0x04, receipted_message_id: '00FFFF', message_state: 2, network_error_code: Buffer.from([3, 0, 1]) })(7);

    expect(parsePdu(bytes)).toMatchObject({ command: 'deliver_sm', sequence_number: 7, esm_class: 0x04, receipted_message_id: '00FFFF', message_state: 2 });
    expect(decodeShortMessage(decodeHeader(bytes).body).tlvs.get(TlvTag.network_error_code)?.toString('hex')).toBe('030001');
  });

  it('writes a text in GSM-7 when it fits, and says so in data_coding', () => {
    const bytes = namedPduBuilder('deliver_sm', { source_addr: '4915112345678', short_message: 'hello @ 10€' })(1);
    const body = decodeShortMessage(decodeHeader(bytes).body);

    expect(body).toMatchObject({ sourceAddr: '4915112345678', dataCoding: 0 });
    expect(body.shortMessage.toString('hex')).toBe('68656c6c6f20002031301b65');
  });

  it('falls back to UCS-2 for a text outside GSM-7, and follows a data_coding given', () => {
    const ucs2 = decodeShortMessage(decodeHeader(namedPduBuilder('deliver_sm', { short_message: 'Привет' })(1)).body);
    const latin1 = decodeShortMessage(decodeHeader(namedPduBuilder('deliver_sm', { data_coding: 3, short_message: 'Grüße' })(1)).body);

    expect(ucs2.dataCoding).toBe(8);
    expect(ucs2.shortMessage.toString('hex')).toBe('041f04400438043204350442');
    expect(latin1).toMatchObject({ dataCoding: 3, shortMessage: Buffer.from('Grüße', 'latin1') });
  });

  it('puts a long text in message_payload, with an empty short_message', () => {
    const text = 'x'.repeat(300);
    const body = decodeShortMessage(decodeHeader(namedPduBuilder('deliver_sm', { message_payload: text })(1)).body);

    expect(body.shortMessage).toHaveLength(0);
    expect(body.tlvs.get(TlvTag.message_payload)?.toString('latin1')).toBe(text);
  });

  it('writes header-only commands with the sequence number given', () => {
    expect(decodeHeader(namedPduBuilder('enquire_link')(42))).toMatchObject({ commandId: CommandId.enquire_link, sequence: 42, body: Buffer.alloc(0) });
    expect(decodeHeader(namedPduBuilder('generic_nack', { command_status: 3 })(9))).toMatchObject({ command: 'generic_nack', commandStatus: 3, sequence: 9 });
  });

  it('writes a data_sm the library reads back', () => {
    const bytes = namedPduBuilder('data_sm', { source_addr: '4915112345678', destination_addr: '4711', esm_class: 0, message_payload: 'hi' })(3);

    expect(parsePdu(bytes)).toMatchObject({ command: 'data_sm', sequence_number: 3, source_addr: '4915112345678', destination_addr: '4711', data_coding: 0 });
  });

  it.each([
    ['submit_sm', {}, /cannot build submit_sm/],
    ['deliver_sm', { receipted_message_idd: 'x' }, /deliver_sm has no field receipted_message_idd/],
    ['unbind', { esm_class: 1 }, /unbind has no field esm_class/],
    ['deliver_sm', { esm_class: 256 }, /esm_class: expected an integer from 0 to 255/],
    ['deliver_sm', { data_coding: 0, short_message: 'Привет' }, /short_message: the text cannot be written with data_coding 0/],
    ['deliver_sm', { short_message: 'x'.repeat(255) }, /longer than 254 octets/],
  ] as const)('refuses %s with %j', (command, fields, error) => {
    expect(() => namedPduBuilder(command, fields)).toThrow(error);
  });
});
