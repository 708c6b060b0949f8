import { once } from 'node:events';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PduFramer } from './smpp-framer.js';
import {
  CommandStatus,
  connectWire,
  createPdu,
  createWireServer,
  formatCommandStatus,
  MalformedPduError,
  messageField,
  parseCommandStatus,
  parsePdu,
  type Pdu,
  type WireServer,
  type WireSession,
} from './smpp-wire.js';
import { waitFor } from '../../../test/support/waiting.js';

describe('formatCommandStatus', () => {
  it.each([
    [0x0b, '0x0000000b ESME_RINVDSTADR'],
    [0x58, '0x00000058 ESME_RTHROTTLED'],
    [0x0400, '0x00000400'],
  ])('formats %i as %j', (status, text) => {
    expect(formatCommandStatus(status)).toBe(text);
  });
});

describe('parseCommandStatus', () => {
  it.each([
    ['ESME_RTHROTTLED', 0x58],
    ['0x14', 0x14],
    ['11', 11],
    [88, 88],
    ['ESME_NOPE', undefined],
    [-1, undefined],
    [1.5, undefined],
    ['0x123456789', undefined],
  ])('reads %j as %s', (value, status) => {
    expect(parseCommandStatus(value)).toBe(status);
  });
});

describe('PDU round trip through the library', () => {
  it('decodes message_payload UCS-2 back to the text, leaving short_message empty', () => {
    const sent = createPdu('submit_sm', {
      destination_addr: '4915112345678',
      data_coding: 8,
      message_payload: Buffer.from('Жa🔐', 'utf16le').swap16(),
    });

    const received = parsePdu(sent.toBuffer());

    expect(received.command).toBe('submit_sm');
    expect(messageField(received, 'message_payload')).toBe('Жa🔐');
    expect(messageField(received, 'short_message')).toBe('');
  });

  it('decodes unpacked GSM-7 in short_message with data_coding 0', () => {
    const sent = createPdu('deliver_sm', { data_coding: 0, short_message: Buffer.from([0x1b, 0x65, 0x00, 0x41]) });

    expect(messageField(parsePdu(sent.toBuffer()), 'short_message')).toBe('€@A');
  });
});

/** A wire server that records what each session emits and answers enquire_link. */
interface RecordingServer {
  readonly server: WireServer;
  readonly port: number;
  readonly pdus: Pdu[];
  readonly errors: Error[];
  readonly protocolErrors: MalformedPduError[];
}

const servers: WireServer[] = [];
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const server of servers.splice(0)) {
    for (const session of [...server.sessions]) session.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function recordingServer(maxPduLength?: number): Promise<RecordingServer> {
  const pdus: Pdu[] = [];
  const errors: Error[] = [];
  const protocolErrors: MalformedPduError[] = [];
  const server = createWireServer(
    (session: WireSession) => {
      session.on('error', (error) => errors.push(error));
      session.on('protocolError', (error) => protocolErrors.push(error));
      session.on('pdu', (pdu) => {
        pdus.push(pdu);
        if (pdu.command === 'enquire_link') session.socket.write(pdu.response().toBuffer());
      });
    },
    { maxPduLength },
  );
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, pdus, errors, protocolErrors };
}

/** A plain socket speaking bytes, collecting the PDUs it receives. */
async function rawClient(port: number): Promise<{ socket: Socket; received: Pdu[]; closed: Promise<unknown> }> {
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  socket.setNoDelay(true);
  socket.on('error', () => undefined);
  const received: Pdu[] = [];
  const framer = new PduFramer();
  socket.on('data', (chunk: Buffer) => {
    for (const bytes of framer.push(chunk).pdus) received.push(parsePdu(bytes));
  });
  const closed = once(socket, 'close');
  await once(socket, 'connect');
  return { socket, received, closed };
}

function rawHeader(commandLength: number, commandId: number, sequence: number): Buffer {
  const bytes = Buffer.alloc(16);
  bytes.writeUInt32BE(commandLength, 0);
  bytes.writeUInt32BE(commandId, 4);
  bytes.writeUInt32BE(sequence, 12);
  return bytes;
}

/** submit_sm ending in a zero-length user_message_reference TLV (int16): the library reads past the end. */
function submitWithBrokenTlv(sequence: number): Buffer {
  const body = createPdu('submit_sm', { sequence_number: sequence, destination_addr: '4915112345678', short_message: 'x' }).toBuffer();
  const bytes = Buffer.concat([body, Buffer.from([0x02, 0x04, 0x00, 0x00])]);
  bytes.writeUInt32BE(bytes.length, 0);
  return bytes;
}

describe('WireSession framing over a socket', () => {
  it('reads PDUs written one octet per TCP segment', async () => {
    const smsc = await recordingServer();
    const client = await rawClient(smsc.port);
    const stream = Buffer.concat([
      createPdu('enquire_link', { sequence_number: 1 }).toBuffer(),
      createPdu('submit_sm', { sequence_number: 2, destination_addr: '4915112345678', short_message: 'hello' }).toBuffer(),
    ]);

    for (const octet of stream) {
      client.socket.write(Buffer.from([octet]));
      await new Promise((resolve) => setImmediate(resolve));
    }

    await waitFor(() => smsc.pdus.length === 2);
    expect(smsc.pdus.map((pdu) => [pdu.command, pdu.sequence_number])).toEqual([
      ['enquire_link', 1],
      ['submit_sm', 2],
    ]);
    expect(messageField(smsc.pdus[1] as Pdu, 'short_message')).toBe('hello');
  });

  it('reads several PDUs arriving in one segment', async () => {
    const smsc = await recordingServer();
    const client = await rawClient(smsc.port);

    client.socket.write(Buffer.concat([1, 2, 3].map((sequence) => createPdu('enquire_link', { sequence_number: sequence }).toBuffer())));

    await waitFor(() => client.received.length === 3);
    expect(client.received.map((pdu) => [pdu.command, pdu.sequence_number])).toEqual([
      ['enquire_link_resp', 1],
      ['enquire_link_resp', 2],
      ['enquire_link_resp', 3],
    ]);
  });

  it.each([
    [8, 'command-length-too-short'],
    [0, 'command-length-too-short'],
    [2 ** 31, 'command-length-too-long'],
  ])('drops the connection on command_length %i with a MalformedPduError', async (commandLength, reason) => {
    const smsc = await recordingServer();
    const client = await rawClient(smsc.port);

    client.socket.write(rawHeader(commandLength, 0x00000015, 9));

    await client.closed;
    expect(smsc.errors).toHaveLength(1);
    const error = smsc.errors[0];
    expect(error).toBeInstanceOf(MalformedPduError);
    expect(error).toMatchObject({ reason, commandLength });
    expect(smsc.server.sessions).toHaveLength(0);
  });

  it('answers an unparseable request with generic_nack ESME_RINVCMDLEN and keeps reading', async () => {
    const smsc = await recordingServer();
    const client = await rawClient(smsc.port);

    client.socket.write(submitWithBrokenTlv(41));
    client.socket.write(createPdu('enquire_link', { sequence_number: 42 }).toBuffer());

    await waitFor(() => client.received.length === 2);
    expect(client.received.map((pdu) => [pdu.command, pdu.sequence_number, pdu.command_status])).toEqual([
      ['generic_nack', 41, CommandStatus.ESME_RINVCMDLEN],
      ['enquire_link_resp', 42, 0],
    ]);
    expect(smsc.protocolErrors).toHaveLength(1);
    expect(smsc.protocolErrors[0]).toMatchObject({ reason: 'unparseable-body', sequenceNumber: 41, answeredWith: CommandStatus.ESME_RINVCMDLEN });
    expect(smsc.errors).toEqual([]);
  });

  it('reports an unparseable response without answering it', async () => {
    const smsc = await recordingServer();
    const client = await rawClient(smsc.port);
    // submit_sm_resp: empty message_id, then a zero-length user_message_reference TLV (int16).
    const response = Buffer.concat([rawHeader(21, 0x80000004, 5), Buffer.from([0x00, 0x02, 0x04, 0x00, 0x00])]);

    client.socket.write(response);
    client.socket.write(createPdu('enquire_link', { sequence_number: 6 }).toBuffer());

    await waitFor(() => client.received.length === 1);
    expect(client.received[0]?.command).toBe('enquire_link_resp');
    expect(smsc.protocolErrors).toMatchObject([{ reason: 'unparseable-body', sequenceNumber: 5, answeredWith: undefined, isResponse: true }]);
  });

  it('accepts PDUs above the library\'s own 16 KiB cap up to the configured maximum', async () => {
    const smsc = await recordingServer(40_000);
    const client = await rawClient(smsc.port);
    const payload = Buffer.alloc(30_000, 0x41);

    client.socket.write(createPdu('submit_sm', { sequence_number: 1, destination_addr: '1', data_coding: 4, message_payload: payload }).toBuffer());

    await waitFor(() => smsc.pdus.length === 1);
    expect(messageField(smsc.pdus[0] as Pdu, 'message_payload')).toEqual(payload);
  });

  it('connects with the options form and the (host, port) form alike', async () => {
    const smsc = await recordingServer();
    const wires = [connectWire({ host: '127.0.0.1', port: smsc.port }), connectWire('127.0.0.1', smsc.port)];
    const received: string[] = [];

    for (const [index, wire] of wires.entries()) {
      wire.on('pdu', (pdu) => received.push(`${index}:${pdu.command}`));
      await once(wire as unknown as NodeJS.EventEmitter, 'connect');
      wire.socket.write(createPdu('enquire_link', { sequence_number: 1 }).toBuffer());
    }

    await waitFor(() => received.length === 2);
    expect(received.sort()).toEqual(['0:enquire_link_resp', '1:enquire_link_resp']);
    for (const wire of wires) wire.destroy();
  });
});

/** A deliver_sm receipt as octets, with the TLVs given (tag, value) after an empty short_message. */
function rawReceipt(tlvs: [tag: number, value: Buffer][]): Buffer {
  const cString = (text: string) => Buffer.from(`${text}\0`, 'latin1');
  const body = Buffer.concat([
    cString(''), // service_type
    Buffer.from([1, 1]), cString('4915112345678'), // source_addr_ton, _npi, source_addr
    Buffer.from([5, 0]), cString('Test'), // dest_addr_ton, _npi, destination_addr
    Buffer.from([0x04, 0, 0]), // esm_class (receipt), protocol_id, priority_flag
    cString(''), cString(''), // schedule_delivery_time, validity_period
    Buffer.from([0, 0, 0, 0, 0]), // registered_delivery, replace_if_present, data_coding, sm_default_msg_id, sm_length
    ...tlvs.map(([tag, value]) => {
      const header = Buffer.alloc(4);
      header.writeUInt16BE(tag, 0);
      header.writeUInt16BE(value.length, 2);
      return Buffer.concat([header, value]);
    }),
  ]);
  const header = Buffer.alloc(16);
  header.writeUInt32BE(16 + body.length, 0);
  header.writeUInt32BE(0x00000005, 4);
  header.writeUInt32BE(7, 12);
  return Buffer.concat([header, body]);
}

describe('C-octet-string TLVs (SMPP 3.4 §5.3.2)', () => {
  const RECEIPTED_MESSAGE_ID = 0x001e;
  const MESSAGE_STATE = 0x0427;
  const NETWORK_ERROR_CODE = 0x0423;

  it.each([
    ['with its NUL, as the spec writes it', Buffer.from('1009\0', 'latin1')],
    ['without the NUL, as several SMSCs send it', Buffer.from('1009', 'latin1')],
    ['padded with NULs', Buffer.from('1009\0\0\0', 'latin1')],
  ])('reads receipted_message_id %s by its length, and the TLV after it intact', (_, value) => {
    const pdu = parsePdu(rawReceipt([[RECEIPTED_MESSAGE_ID, value], [MESSAGE_STATE, Buffer.from([2])]]));
    expect(pdu.receipted_message_id).toBe('1009');
    expect(pdu.message_state).toBe(2);
  });

  it('reads an id without NUL as the last TLV, and one before a three-octet TLV', () => {
    expect(parsePdu(rawReceipt([[MESSAGE_STATE, Buffer.from([5])], [RECEIPTED_MESSAGE_ID, Buffer.from('a1b2c3', 'latin1')]])).receipted_message_id).toBe('a1b2c3');
    const before = parsePdu(rawReceipt([[RECEIPTED_MESSAGE_ID, Buffer.from('77', 'latin1')], [NETWORK_ERROR_CODE, Buffer.from([3, 0, 1])]]));
    expect(before.receipted_message_id).toBe('77');
    expect(before.network_error_code).toEqual(Buffer.from([3, 0, 1]));
  });

  it('still writes the TLV with its NUL', () => {
    const bytes = createPdu('deliver_sm', { esm_class: 0x04, receipted_message_id: 'abc' }).toBuffer();
    expect(bytes.subarray(-8)).toEqual(Buffer.from([0x00, 0x1e, 0x00, 0x04, 0x61, 0x62, 0x63, 0x00]));
    expect(parsePdu(bytes).receipted_message_id).toBe('abc');
  });
});
