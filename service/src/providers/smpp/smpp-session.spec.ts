import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { TEST_TLS_CERT, TEST_TLS_KEY } from './smpp-frame-fixtures.js';
import {
  BindRefusedError,
  SessionRequestError,
  SmppSession,
  UnexpectedGenericNackError,
  type SessionProtocolError,
  type SmppSessionOptions,
} from './smpp-session.js';
import {
  CommandStatus,
  createPdu,
  createWireServer,
  intField,
  MalformedPduError,
  stringField,
  type Pdu,
  type WireServer,
  type WireServerOptions,
  type WireSession,
} from './smpp-wire.js';
import { rejection, waitFor } from '../../../test/support/waiting.js';

/** What a scripted SMSC does with a PDU; return true when handled, false for the default answer. */
type Script = (wire: WireSession, pdu: Pdu) => boolean;

interface ScriptedSmsc {
  readonly port: number;
  readonly server: WireServer;
  /** Every PDU received, in order. */
  readonly received: Pdu[];
  script: Script;
}

const servers: WireServer[] = [];
const sessions: SmppSession[] = [];

afterEach(async () => {
  for (const session of sessions.splice(0)) session.destroy();
  for (const server of servers.splice(0)) {
    for (const wire of [...server.sessions]) wire.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
});

function send(wire: WireSession, pdu: Pdu): void {
  wire.socket.write(pdu.toBuffer());
}

/** A WireServer that binds anyone, answers enquire_link/unbind/submit_sm, and runs `script` first. */
async function scriptedSmsc(options: WireServerOptions = {}): Promise<ScriptedSmsc> {
  const received: Pdu[] = [];
  let submits = 0;
  const smsc: { script: Script } = { script: () => false };
  const server = createWireServer((wire) => {
    wire.on('error', () => undefined);
    wire.on('pdu', (pdu) => {
      received.push(pdu);
      if (smsc.script(wire, pdu)) return;
      if (pdu.command.startsWith('bind_')) send(wire, pdu.response({ system_id: 'TestSMSC' }));
      else if (pdu.command === 'enquire_link') send(wire, pdu.response());
      else if (pdu.command === 'unbind') {
        send(wire, pdu.response());
        wire.socket.end();
      } else if (pdu.command === 'submit_sm') send(wire, pdu.response({ message_id: `m${++submits}` }));
    });
  }, options);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(smsc, { port: (server.address() as AddressInfo).port, server, received });
}

interface OpenedSession {
  readonly session: SmppSession;
  readonly requests: Pdu[];
  readonly protocolErrors: SessionProtocolError[];
  readonly strays: Pdu[];
  /** Resolves with onClose's error once the session closed. */
  readonly closed: Promise<Error | undefined>;
}

function openSession(port: number, overrides: Partial<SmppSessionOptions> = {}): OpenedSession {
  const requests: Pdu[] = [];
  const protocolErrors: SessionProtocolError[] = [];
  const strays: Pdu[] = [];
  let onClosed: (error: Error | undefined) => void = () => undefined;
  const closed = new Promise<Error | undefined>((resolve) => {
    onClosed = resolve;
  });
  const session = new SmppSession({
    host: '127.0.0.1',
    port,
    systemId: 'switchboard',
    password: 'secret',
    bindTimeoutMs: 2000,
    onRequest: (from, pdu) => {
      requests.push(pdu);
      if (pdu.command === 'deliver_sm' || pdu.command === 'enquire_link') from.respond(pdu.response());
    },
    onClose: (_session, error) => {
      onClosed(error);
    },
    onStrayResponse: (pdu) => strays.push(pdu),
    onProtocolError: (_session, error) => protocolErrors.push(error),
    ...overrides,
  });
  sessions.push(session);
  return { session, requests, protocolErrors, strays, closed };
}

async function boundSession(port: number, overrides: Partial<SmppSessionOptions> = {}): Promise<OpenedSession> {
  const opened = openSession(port, overrides);
  await opened.session.bind();
  return opened;
}

const submitSm = (to = '4915112345678'): Pdu => createPdu('submit_sm', { destination_addr: to, short_message: 'code 123456' });

function rawHeader(commandLength: number, commandId: number, sequence: number, status = 0): Buffer {
  const bytes = Buffer.alloc(16);
  bytes.writeUInt32BE(commandLength, 0);
  bytes.writeUInt32BE(commandId, 4);
  bytes.writeUInt32BE(status, 8);
  bytes.writeUInt32BE(sequence, 12);
  return bytes;
}

/** submit_sm_resp with an empty message_id and a zero-length int16 TLV the library reads past. */
function malformedSubmitResp(sequence: number): Buffer {
  return Buffer.concat([rawHeader(21, 0x80000004, sequence), Buffer.from([0x00, 0x02, 0x04, 0x00, 0x00])]);
}

/** deliver_sm ending in a zero-length user_message_reference TLV (int16). */
function malformedDeliverSm(sequence: number): Buffer {
  const body = createPdu('deliver_sm', { sequence_number: sequence, short_message: 'hi' }).toBuffer();
  const bytes = Buffer.concat([body, Buffer.from([0x02, 0x04, 0x00, 0x00])]);
  bytes.writeUInt32BE(bytes.length, 0);
  return bytes;
}

describe('SmppSession bind', () => {
  it('binds as transceiver by default with interface_version 3.4', async () => {
    const smsc = await scriptedSmsc();

    const { session } = await boundSession(smsc.port, { systemType: 'OTP' });

    const bind = smsc.received[0];
    expect(bind?.command).toBe('bind_transceiver');
    expect(stringField(bind as Pdu, 'system_id')).toBe('switchboard');
    expect(stringField(bind as Pdu, 'system_type')).toBe('OTP');
    expect(intField(bind as Pdu, 'interface_version')).toBe(0x34);
    expect(session.bindType).toBe('transceiver');
  });

  it.each(['transmitter', 'receiver'] as const)('sends bind_%s with address_range, addr_ton and addr_npi', async (bindType) => {
    const smsc = await scriptedSmsc();

    await boundSession(smsc.port, { bindType, addressRange: '^4915[0-9]+$', addrTon: 1, addrNpi: 1 });

    const bind = smsc.received[0] as Pdu;
    expect(bind.command).toBe(`bind_${bindType}`);
    expect(stringField(bind, 'address_range')).toBe('^4915[0-9]+$');
    expect(intField(bind, 'addr_ton')).toBe(1);
    expect(intField(bind, 'addr_npi')).toBe(1);
  });

  it('names the bind command the SMSC refused', async () => {
    const smsc = await scriptedSmsc();
    smsc.script = (wire, pdu) => {
      send(wire, pdu.response({ command_status: CommandStatus.ESME_RINVPASWD }));
      return true;
    };
    const { session, closed } = openSession(smsc.port, { bindType: 'transmitter' });

    const error: unknown = await session.bind().catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(BindRefusedError);
    expect(error).toMatchObject({ command: 'bind_transmitter', commandStatus: CommandStatus.ESME_RINVPASWD });
    expect((error as Error).message).toBe('bind_transmitter refused: 0x0000000e ESME_RINVPASWD');
    await closed;
  });

  it('binds over TLS to a TLS wire server', async () => {
    const smsc = await scriptedSmsc({ tls: { key: TEST_TLS_KEY, cert: TEST_TLS_CERT } });

    const { session } = await boundSession(smsc.port, { tls: { ca: TEST_TLS_CERT } });
    const response = await session.request(submitSm(), 1000);

    expect(response.command).toBe('submit_sm_resp');
    expect(stringField(response, 'message_id')).toBe('m1');
  });

  it('refuses to bind over TLS to a server it does not trust', async () => {
    const smsc = await scriptedSmsc({ tls: { key: TEST_TLS_KEY, cert: TEST_TLS_CERT } });
    const { session, closed } = openSession(smsc.port, { tls: {} });

    await expect(session.bind()).rejects.toThrow(/self-signed certificate/);
    await closed;
    expect(smsc.received).toEqual([]);
  });
});

describe('SmppSession window', () => {
  it('keeps at most windowSize requests outstanding at the SMSC and completes them all in order', async () => {
    const smsc = await scriptedSmsc();
    let outstandingAtSmsc = 0;
    let mostOutstanding = 0;
    smsc.script = (wire, pdu) => {
      if (pdu.command !== 'submit_sm') return false;
      outstandingAtSmsc += 1;
      mostOutstanding = Math.max(mostOutstanding, outstandingAtSmsc);
      setTimeout(() => {
        outstandingAtSmsc -= 1;
        send(wire, pdu.response({ message_id: stringField(pdu, 'destination_addr') }));
      }, 20);
      return true;
    };
    const { session } = await boundSession(smsc.port, { windowSize: 2 });

    const responses = Promise.all([1, 2, 3, 4, 5].map((n) => session.request(submitSm(`49151000000${n}`), 2000)));
    const counts = { outstanding: session.outstanding, queued: session.queued };

    const ids = (await responses).map((response) => stringField(response, 'message_id'));
    expect(counts).toEqual({ outstanding: 2, queued: 3 });
    expect(ids).toEqual(['491510000001', '491510000002', '491510000003', '491510000004', '491510000005']);
    expect(mostOutstanding).toBe(2);
    expect({ outstanding: session.outstanding, queued: session.queued }).toEqual({ outstanding: 0, queued: 0 });
  });

  it('times a request out while it waits for a slot, as not written', async () => {
    const smsc = await scriptedSmsc();
    smsc.script = (_wire, pdu) => pdu.command === 'submit_sm'; // never answered
    const { session } = await boundSession(smsc.port, { windowSize: 1 });

    const first = rejection(session.request(submitSm(), 300), SessionRequestError);
    const second = await rejection(session.request(submitSm(), 50), SessionRequestError);

    expect(second).toMatchObject({ reason: 'timeout', written: false });
    expect(session.queued).toBe(0);
    expect(await first).toMatchObject({ reason: 'timeout', written: true });
    expect(smsc.received.filter((pdu) => pdu.command === 'submit_sm')).toHaveLength(1);
  });

  it('frees the slot of a timed-out request for the next one', async () => {
    const smsc = await scriptedSmsc();
    let ignored = false;
    smsc.script = (_wire, pdu) => {
      if (pdu.command !== 'submit_sm' || ignored) return false;
      ignored = true;
      return true;
    };
    const { session } = await boundSession(smsc.port, { windowSize: 1 });

    const first = rejection(session.request(submitSm(), 50), SessionRequestError);
    const second = session.request(submitSm(), 1000);

    expect(await first).toMatchObject({ reason: 'timeout', written: true });
    expect((await second).command_status).toBe(0);
  });

  it('rejects queued requests as not written and written ones as written when the connection drops', async () => {
    const smsc = await scriptedSmsc();
    smsc.script = (_wire, pdu) => pdu.command === 'submit_sm';
    const { session, closed } = await boundSession(smsc.port, { windowSize: 1 });
    const written = rejection(session.request(submitSm(), 2000), SessionRequestError);
    const queued = rejection(session.request(submitSm(), 2000), SessionRequestError);
    await waitFor(() => smsc.received.some((pdu) => pdu.command === 'submit_sm'));

    for (const wire of smsc.server.sessions) wire.destroy();

    expect(await queued).toMatchObject({ reason: 'closed', written: false });
    expect(await written).toMatchObject({ reason: 'closed', written: true });
    await closed;
    expect(session.open).toBe(false);
  });

  it('sends a request that bypasses the window while the window is full', async () => {
    const smsc = await scriptedSmsc();
    smsc.script = (_wire, pdu) => pdu.command === 'submit_sm';
    const { session } = await boundSession(smsc.port, { windowSize: 1 });
    void rejection(session.request(submitSm(), 2000), SessionRequestError);

    const response = await session.request(createPdu('enquire_link'), 1000, { bypassWindow: true });

    expect(response.command).toBe('enquire_link_resp');
  });

  it('refuses a window size below one', () => {
    expect(() => openSession(1, { windowSize: 0 })).toThrow(RangeError);
  });
});

describe('SmppSession against a broken SMSC', () => {
  it('answers an unparseable deliver_sm with generic_nack, reports it, and stays usable', async () => {
    const smsc = await scriptedSmsc();
    const { session, protocolErrors, requests } = await boundSession(smsc.port);
    const wire = smsc.server.sessions[0] as WireSession;

    wire.socket.write(malformedDeliverSm(77));

    await waitFor(() => smsc.received.some((pdu) => pdu.command === 'generic_nack'));
    const nack = smsc.received.find((pdu) => pdu.command === 'generic_nack') as Pdu;
    expect([nack.sequence_number, nack.command_status]).toEqual([77, CommandStatus.ESME_RINVCMDLEN]);
    expect(protocolErrors).toHaveLength(1);
    expect(protocolErrors[0]).toBeInstanceOf(MalformedPduError);
    expect(protocolErrors[0]).toMatchObject({ reason: 'unparseable-body', sequenceNumber: 77 });
    expect(requests).toEqual([]);
    expect((await session.request(submitSm(), 1000)).command_status).toBe(0);
    expect(session.open).toBe(true);
  });

  it('fails the request whose response cannot be parsed as written, and resets the session', async () => {
    const smsc = await scriptedSmsc();
    smsc.script = (wire, pdu) => {
      if (pdu.command !== 'submit_sm') return false;
      wire.socket.write(malformedSubmitResp(pdu.sequence_number));
      return true;
    };
    const { session, closed } = await boundSession(smsc.port);

    const error = await rejection(session.request(submitSm(), 1000), SessionRequestError);

    expect(error).toMatchObject({ reason: 'malformed-response', written: true });
    expect(error.cause).toBeInstanceOf(MalformedPduError);
    expect(await closed).toBeInstanceOf(MalformedPduError);
    expect(session.open).toBe(false);
  });

  it('reports an unparseable response nobody waits for without resetting', async () => {
    const smsc = await scriptedSmsc();
    const { session, protocolErrors } = await boundSession(smsc.port);

    (smsc.server.sessions[0] as WireSession).socket.write(malformedSubmitResp(9999));

    await waitFor(() => protocolErrors.length === 1);
    expect(protocolErrors[0]).toMatchObject({ reason: 'unparseable-body', sequenceNumber: 9999 });
    expect((await session.request(submitSm(), 1000)).command_status).toBe(0);
  });

  it('resolves a request with the generic_nack that carries its sequence_number', async () => {
    const smsc = await scriptedSmsc();
    smsc.script = (wire, pdu) => {
      if (pdu.command !== 'submit_sm') return false;
      send(wire, createPdu('generic_nack', { sequence_number: pdu.sequence_number, command_status: CommandStatus.ESME_RINVCMDID }));
      return true;
    };
    const { session } = await boundSession(smsc.port);

    const response = await session.request(submitSm(), 1000);

    expect(response.command).toBe('generic_nack');
    expect(response.command_status).toBe(CommandStatus.ESME_RINVCMDID);
    expect(session.open).toBe(true);
  });

  it('reports a generic_nack with sequence_number 0 as a protocol error', async () => {
    const smsc = await scriptedSmsc();
    const { session, protocolErrors, strays } = await boundSession(smsc.port);

    send(smsc.server.sessions[0] as WireSession, createPdu('generic_nack', { sequence_number: 0, command_status: CommandStatus.ESME_RINVCMDLEN }));

    await waitFor(() => protocolErrors.length === 1);
    expect(protocolErrors[0]).toBeInstanceOf(UnexpectedGenericNackError);
    expect(protocolErrors[0]).toMatchObject({ sequenceNumber: 0, commandStatus: CommandStatus.ESME_RINVCMDLEN });
    expect(strays).toEqual([]);
    expect(session.open).toBe(true);
  });

  it('hands a late response to onStrayResponse', async () => {
    const smsc = await scriptedSmsc();
    const { strays } = await boundSession(smsc.port);

    send(smsc.server.sessions[0] as WireSession, createPdu('submit_sm_resp', { sequence_number: 4242, message_id: 'late' }));

    await waitFor(() => strays.length === 1);
    expect(stringField(strays[0] as Pdu, 'message_id')).toBe('late');
  });

  it.each([8, 0, 2 ** 31])('closes with a MalformedPduError on command_length %i, failing the pending request as written', async (commandLength) => {
    const smsc = await scriptedSmsc();
    smsc.script = (wire, pdu) => {
      if (pdu.command !== 'submit_sm') return false;
      wire.socket.write(rawHeader(commandLength, 0x80000004, pdu.sequence_number));
      return true;
    };
    const { session, closed } = await boundSession(smsc.port);

    const error = await rejection(session.request(submitSm(), 1000), SessionRequestError);

    expect(error).toMatchObject({ reason: 'closed', written: true });
    const closeError = await closed;
    expect(closeError).toBeInstanceOf(MalformedPduError);
    expect(closeError).toMatchObject({ commandLength });
  });
});

describe('SmppSession unbind', () => {
  it('sends unbind, waits for unbind_resp, and closes', async () => {
    const smsc = await scriptedSmsc();
    const { session, closed } = await boundSession(smsc.port);

    const acknowledged = await session.unbind(1000);

    expect(acknowledged).toBe(true);
    expect(smsc.received.map((pdu) => pdu.command)).toEqual(['bind_transceiver', 'unbind']);
    expect(await closed).toBeUndefined();
    expect(session.open).toBe(false);
  });

  it('drops queued requests as not written but lets written ones finish', async () => {
    const smsc = await scriptedSmsc();
    let heldSubmit: Pdu | undefined;
    smsc.script = (wire, pdu) => {
      if (pdu.command === 'submit_sm') {
        heldSubmit = pdu;
        return true;
      }
      if (pdu.command === 'unbind' && heldSubmit) {
        send(wire, heldSubmit.response({ message_id: 'held' }));
        send(wire, pdu.response());
        wire.socket.end();
        return true;
      }
      return false;
    };
    const { session } = await boundSession(smsc.port, { windowSize: 1 });
    const written = session.request(submitSm(), 2000);
    const queued = rejection(session.request(submitSm(), 2000), SessionRequestError);
    await waitFor(() => heldSubmit !== undefined);

    const unbound = session.unbind(1000);

    expect(await queued).toMatchObject({ reason: 'closed', written: false });
    expect(stringField(await written, 'message_id')).toBe('held');
    expect(await unbound).toBe(true);
    await expect(rejection(session.request(submitSm(), 100), SessionRequestError)).resolves.toMatchObject({ reason: 'not-writable', written: false });
  });

  it('closes anyway when the SMSC never answers unbind', async () => {
    const smsc = await scriptedSmsc();
    smsc.script = (_wire, pdu) => pdu.command === 'unbind';
    const { session, closed } = await boundSession(smsc.port);

    const acknowledged = await session.unbind(50);

    expect(acknowledged).toBe(false);
    await closed;
    expect(session.open).toBe(false);
  });

  it('refuses new requests once unbinding started', async () => {
    const smsc = await scriptedSmsc();
    const { session } = await boundSession(smsc.port);

    const unbound = session.unbind(1000);
    const error = await rejection(session.request(submitSm(), 1000), SessionRequestError);

    expect(error).toMatchObject({ reason: 'not-writable', written: false });
    await unbound;
  });
});
