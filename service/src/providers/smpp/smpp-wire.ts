/**
 * The one place that touches the untyped `smpp` package (0.5.1), used to parse and serialise
 * single PDUs only. Sockets and framing are ours (`smpp-framer.ts`): the library's stream reader
 * stalls on a wrong command_length, lets parse errors escape its read loop and bounds nothing.
 * Request/response correlation, timers and sequence numbers live in `smpp-session.ts`.
 */
import { EventEmitter } from 'node:events';
import { connect as connectTcp, createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { connect as connectTls, createServer as createTlsServer, type ConnectionOptions, type TlsOptions } from 'node:tls';
import smpp from 'smpp';
import { MalformedPduError, PduFramer, readPduHeader } from './smpp-framer.js';

export { DEFAULT_MAX_PDU_LENGTH, MalformedPduError, type MalformedPduReason } from './smpp-framer.js';

/** A parsed or to-be-sent PDU. Body fields are `unknown`: peers send anything, read them with the helpers below. */
export interface Pdu {
  /** Command name as the library knows it (`submit_sm`, `deliver_sm_resp`, … or `unknown`). */
  readonly command: string;
  readonly command_id: number;
  command_status: number;
  sequence_number: number;
  [field: string]: unknown;
  isResponse(): boolean;
  /** The matching `_resp` PDU (or `generic_nack` for unknown commands) carrying our sequence number. */
  response(options?: Record<string, unknown>): Pdu;
  toBuffer(): Buffer;
}

/**
 * One SMPP connection: a socket and the PDUs framed out of it.
 *
 * - `pdu`: a complete PDU the library could parse (unknown command_ids arrive as `unknown`).
 * - `connect`: the client socket is ready for PDUs (after the TLS handshake with TLS); never on
 *   server-side sessions, which are connected when created.
 * - `protocolError`: a complete PDU whose body could not be parsed; framing is intact and the
 *   connection stays up. A request has already been answered with generic_nack (`answeredWith`);
 *   a response is left to the listener (the request it answers cannot be known to have succeeded).
 * - `error`: a socket error, or a `MalformedPduError` for a command_length that lost framing (the
 *   socket is destroyed); emitted only when a listener is attached: a peer must not crash us.
 * - `close`: the socket is gone; always last, exactly once.
 */
export interface WireSession {
  readonly socket: Socket;
  on(event: 'pdu', listener: (pdu: Pdu) => void): this;
  on(event: 'connect' | 'close', listener: () => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  on(event: 'protocolError', listener: (error: MalformedPduError) => void): this;
  destroy(): void;
}

/** A `net.Server` (or `tls.Server`) that wraps each accepted socket in a `WireSession`. */
export interface WireServer extends Server {
  /** Sessions whose socket is still open. */
  readonly sessions: WireSession[];
}

/** Where to connect; `tls` (even `{}`) switches to TLS with those options (`ca`, `servername` …). */
export interface ConnectWireOptions {
  readonly host: string;
  readonly port: number;
  readonly tls?: ConnectionOptions | undefined;
  /** Largest command_length accepted from the peer; default 65 536. */
  readonly maxPduLength?: number | undefined;
}

/** How to serve; `tls` with `key` and `cert` serves TLS. */
export interface WireServerOptions {
  readonly tls?: TlsOptions | undefined;
  /** Largest command_length accepted from peers; default 65 536. */
  readonly maxPduLength?: number | undefined;
}

interface FieldFilter {
  encode(value: unknown): unknown;
  decode(value: unknown): unknown;
}

interface FieldType {
  read(buffer: Buffer, offset: number, length?: number): unknown;
  write(value: unknown, buffer: Buffer, offset: number): void;
  size(value: unknown): number;
  default: unknown;
}

interface SmppModule {
  PDU: { new (commandOrBytes: string | Buffer, options?: Record<string, unknown>): Pdu; maxLength: number };
  errors: Record<string, number>;
  filters: { time: FieldFilter };
  commands: Record<string, { params?: Record<string, { filter?: FieldFilter }> }>;
  types: { cstring: FieldType; tlv: { cstring: FieldType } };
  tlvs: Record<string, { id: number; type: FieldType }>;
}

const wire = smpp as SmppModule;

// The framer bounds command_length (configurably); the library's own fixed cap of 16 384 octets
// would turn a longer, legitimate PDU into a parse error.
wire.PDU.maxLength = 0xffffffff;

// SMPP 3.4 §7.1: the library decodes time fields (validity_period, schedule_delivery_time …) into
// Dates in local time, losing whether they were absolute or relative (§7.1.1). Keep them as the
// text that was sent; encoding (a string passes through unchanged) is untouched.
const keepTimeText: FieldFilter = { encode: (value) => wire.filters.time.encode(value), decode: (value) => value };
for (const definition of Object.values(wire.commands)) {
  for (const param of Object.values(definition.params ?? {})) {
    if (param.filter === wire.filters.time) param.filter = keepTimeText;
  }
}

// SMPP 3.4 §5.3.2: a TLV's value is exactly `length` octets. The library reads C-octet-string
// TLVs (receipted_message_id, additional_status_info_text …) up to the next NUL instead, past the
// TLV's end when an SMSC leaves the NUL out (several do): `1009` then reads as `1009\u0004'` and
// no receipt matches. Read them by their length; a trailing NUL, or NUL padding, is cut off.
const tlvCString: FieldType = {
  read(buffer, offset, length = 0) {
    const value = buffer.subarray(offset, offset + length);
    const nul = value.indexOf(0);
    return value.toString('ascii', 0, nul === -1 ? value.length : nul);
  },
  write: (value, buffer, offset) => { wire.types.cstring.write(value, buffer, offset); },
  size: (value) => wire.types.cstring.size(value),
  default: '',
};
for (const definition of Object.values(wire.tlvs)) {
  if (definition.type === wire.types.tlv.cstring) definition.type = tlvCString;
}

/** SMPP 3.4 §5.1.3 command_status values used by Switchboard (the library knows all of them). */
export const CommandStatus = {
  ESME_ROK: 0x00,
  ESME_RINVMSGLEN: 0x01,
  ESME_RINVCMDLEN: 0x02,
  ESME_RINVCMDID: 0x03,
  ESME_RINVBNDSTS: 0x04,
  ESME_RALYBND: 0x05,
  ESME_RSYSERR: 0x08,
  ESME_RINVSRCADR: 0x0a,
  ESME_RINVDSTADR: 0x0b,
  ESME_RBINDFAIL: 0x0d,
  ESME_RINVPASWD: 0x0e,
  ESME_RINVSYSID: 0x0f,
  ESME_RMSGQFUL: 0x14,
  ESME_RINVSYSTYP: 0x53,
  ESME_RTHROTTLED: 0x58,
  ESME_RX_T_APPN: 0x64,
} as const;

const statusNames = new Map<number, string>(Object.entries(wire.errors).map(([name, code]) => [code, name]));

/** The SMPP 3.4 name of a command_status (`ESME_RINVDSTADR`), or undefined for vendor codes. */
export function commandStatusName(status: number): string | undefined {
  return statusNames.get(status);
}

/** A command_status as attempts record it: `0x0000000b ESME_RINVDSTADR` (name omitted when unknown). */
export function formatCommandStatus(status: number): string {
  const hex = `0x${status.toString(16).padStart(8, '0')}`;
  const name = commandStatusName(status);
  return name === undefined ? hex : `${hex} ${name}`;
}

/** Parses `ESME_RTHROTTLED`, `88`, or `0x58` into a command_status; undefined when it is none of those. */
export function parseCommandStatus(value: string | number): number | undefined {
  if (typeof value === 'number') {
    return Number.isInteger(value) && value >= 0 && value <= 0xffffffff ? value : undefined;
  }
  const byName = wire.errors[value];
  if (byName !== undefined) return byName;
  if (/^(0x[0-9a-f]{1,8}|\d{1,10})$/i.test(value)) return parseCommandStatus(Number(value));
  return undefined;
}

/** Builds a PDU; `fields` are SMPP 3.4 parameter and TLV names as the library spells them. */
export function createPdu(command: string, fields: Record<string, unknown> = {}): Pdu {
  return new wire.PDU(command, fields);
}

/** Parses one complete PDU from its octets; throws what the library throws on a malformed one. */
export function parsePdu(bytes: Buffer): Pdu {
  return new wire.PDU(bytes);
}

/**
 * Opens a connection to an SMSC, over TLS when `tls` is given; the session emits `connect` once
 * PDUs can be sent. `connectWire(host, port)` is the plain TCP short form.
 */
export function connectWire(options: ConnectWireOptions): WireSession;
export function connectWire(host: string, port: number): WireSession;
export function connectWire(hostOrOptions: string | ConnectWireOptions, port?: number): WireSession {
  const options: ConnectWireOptions = typeof hostOrOptions === 'string' ? { host: hostOrOptions, port: port ?? 2775 } : hostOrOptions;
  if (options.tls) {
    const socket = connectTls({ ...options.tls, host: options.host, port: options.port });
    return new FramedWireSession(socket, { maxPduLength: options.maxPduLength, readyEvent: 'secureConnect' });
  }
  const socket = connectTcp({ host: options.host, port: options.port });
  return new FramedWireSession(socket, { maxPduLength: options.maxPduLength, readyEvent: 'connect' });
}

/**
 * Creates an SMPP server (not yet listening); `onSession` runs for every accepted connection
 * (after the TLS handshake when `options.tls` is given).
 */
export function createWireServer(onSession: (session: WireSession) => void, options: WireServerOptions = {}): WireServer {
  const sessions: WireSession[] = [];
  const accept = (socket: Socket): void => {
    const session = new FramedWireSession(socket, { maxPduLength: options.maxPduLength, readyEvent: undefined });
    sessions.push(session);
    session.on('close', () => {
      const index = sessions.indexOf(session);
      if (index >= 0) sessions.splice(index, 1);
    });
    onSession(session);
  };
  const server: Server = options.tls ? createTlsServer(options.tls, accept) : createTcpServer(accept);
  return Object.assign(server, { sessions });
}

interface WireEvents {
  pdu: [pdu: Pdu];
  connect: [];
  close: [];
  error: [error: Error];
  protocolError: [error: MalformedPduError];
}

/** A socket plus our framer; see `WireSession` for the events. */
class FramedWireSession extends EventEmitter<WireEvents> implements WireSession {
  readonly socket: Socket;
  readonly #framer: PduFramer;

  constructor(socket: Socket, options: { maxPduLength: number | undefined; readyEvent: 'connect' | 'secureConnect' | undefined }) {
    super();
    this.socket = socket;
    this.#framer = new PduFramer({ maxPduLength: options.maxPduLength });
    // STACK-NOTES: with Nagle on, small PDUs wait on the peer's delayed ACKs.
    socket.setNoDelay(true);
    if (options.readyEvent) {
      socket.once(options.readyEvent, () => {
        this.emit('connect');
      });
    }
    socket.on('data', (chunk: Buffer) => {
      this.#receive(chunk);
    });
    socket.on('error', (error) => {
      this.#emitError(error);
    });
    socket.once('close', () => {
      this.emit('close');
    });
  }

  destroy(): void {
    this.socket.destroy();
  }

  // Runs inside the socket's 'data' event: nothing may escape it.
  #receive(chunk: Buffer): void {
    try {
      const { pdus, error } = this.#framer.push(chunk);
      for (const bytes of pdus) {
        if (this.socket.destroyed) return; // a listener reset the connection; the rest is moot
        this.#dispatch(bytes);
      }
      if (error && !this.socket.destroyed) {
        // Framing is lost: no later octet can be trusted to start a PDU.
        this.#emitError(error);
        this.socket.destroy();
      }
    } catch (error) {
      this.#emitError(error instanceof Error ? error : new Error(String(error)));
      this.socket.destroy();
    }
  }

  #dispatch(bytes: Buffer): void {
    let pdu: Pdu;
    try {
      pdu = new wire.PDU(bytes);
    } catch (cause) {
      this.#unparseable(bytes, cause);
      return;
    }
    this.emit('pdu', pdu);
  }

  /** SMPP 3.4 §2.10, §4.3: a request we cannot read gets generic_nack with its sequence_number. */
  #unparseable(bytes: Buffer, cause: unknown): void {
    const header = readPduHeader(bytes);
    let answeredWith: number | undefined;
    if ((header.commandId & 0x80000000) === 0) {
      // Reading past the end means the body is longer than command_length says.
      answeredWith = cause instanceof RangeError ? CommandStatus.ESME_RINVCMDLEN : CommandStatus.ESME_RSYSERR;
      if (this.socket.writable) {
        this.socket.write(createPdu('generic_nack', { sequence_number: header.sequenceNumber, command_status: answeredWith }).toBuffer());
      }
    }
    const detail = cause instanceof Error ? cause.message : String(cause);
    this.emit('protocolError', new MalformedPduError('unparseable-body', bytes, `the body cannot be parsed: ${detail}`, { cause, answeredWith }));
  }

  #emitError(error: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }
}

/** SMPP 3.4 §3.2: the high bit of command_id marks a response. */
export function isResponse(pdu: Pdu): boolean {
  return (pdu.command_id & 0x80000000) !== 0;
}

/** Writes a PDU; resolves once the socket flushed it to the kernel, rejects if it never will. */
export function writePdu(socket: Socket, pdu: Pdu): Promise<void> {
  const bytes = pdu.toBuffer();
  return new Promise((resolve, reject) => {
    if (!socket.writable) {
      reject(new Error('socket is not writable'));
      return;
    }
    socket.write(bytes, (error) => {
      if (error) reject(error);
      else resolve();
    });
  });
}

/** Reads an integer body field (`esm_class`, `data_coding`, TLV `message_state`); undefined if absent. */
export function intField(pdu: Pdu, field: string): number | undefined {
  const value = pdu[field];
  return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
}

/** Reads a C-octet-string field (`message_id`, `destination_addr`, …); undefined if absent. */
export function stringField(pdu: Pdu, field: string): string | undefined {
  const value = pdu[field];
  return typeof value === 'string' ? value : undefined;
}

/** Reads an octet-string field (`network_error_code`); undefined if absent. */
export function bufferField(pdu: Pdu, field: string): Buffer | undefined {
  const value = pdu[field];
  return Buffer.isBuffer(value) ? value : undefined;
}

/**
 * Reads `short_message` or `message_payload` as text. The library decodes both per data_coding
 * into `{ message }`: a string for codings it knows (0 GSM, 3 Latin-1, 8 UCS-2), else raw bytes.
 */
export function messageField(pdu: Pdu, field: 'short_message' | 'message_payload'): string | Buffer | undefined {
  const value = pdu[field];
  if (typeof value === 'string' || Buffer.isBuffer(value)) return value;
  if (typeof value === 'object' && value !== null && 'message' in value) {
    const message: unknown = value.message;
    if (typeof message === 'string' || Buffer.isBuffer(message)) return message;
  }
  return undefined;
}
