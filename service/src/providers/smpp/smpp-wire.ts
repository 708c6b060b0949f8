/**
 * The one place that touches the untyped `smpp` package (0.5.1). It is used for PDU framing,
 * parsing and serialisation only; request/response correlation, timers and sequence numbers are
 * ours (see `smpp-session.ts`), because the library neither reports write failures nor rejects
 * outstanding requests when a connection drops.
 */
import type { Server, Socket } from 'node:net';
import smpp from 'smpp';

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

/** One SMPP connection as the library models it (socket + PDU stream). */
export interface WireSession {
  readonly socket: Socket;
  on(event: 'pdu', listener: (pdu: Pdu) => void): this;
  on(event: 'connect' | 'close', listener: () => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  destroy(): void;
}

/** The library's server: a `net.Server` that wraps each accepted socket in a `WireSession`. */
export interface WireServer extends Server {
  readonly sessions: WireSession[];
}

interface FieldFilter {
  encode(value: unknown): unknown;
  decode(value: unknown): unknown;
}

interface SmppModule {
  connect(options: { host: string; port: number }): WireSession;
  createServer(options: Record<string, never>, listener: (session: WireSession) => void): WireServer;
  PDU: new (commandOrBytes: string | Buffer, options?: Record<string, unknown>) => Pdu;
  errors: Record<string, number>;
  filters: { time: FieldFilter };
  commands: Record<string, { params?: Record<string, { filter?: FieldFilter }> }>;
}

const wire = smpp as SmppModule;

// SMPP 3.4 §7.1: the library decodes time fields (validity_period, schedule_delivery_time …) into
// Dates in local time, losing whether they were absolute or relative (§7.1.1). Keep them as the
// text that was sent; encoding (a string passes through unchanged) is untouched.
const keepTimeText: FieldFilter = { encode: (value) => wire.filters.time.encode(value), decode: (value) => value };
for (const definition of Object.values(wire.commands)) {
  for (const param of Object.values(definition.params ?? {})) {
    if (param.filter === wire.filters.time) param.filter = keepTimeText;
  }
}

/** SMPP 3.4 §5.1.3 command_status values used by Switchboard (the library knows all of them). */
export const CommandStatus = {
  ESME_ROK: 0x00,
  ESME_RINVMSGLEN: 0x01,
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

/** Parses one complete PDU from its octets (tests and tools; sessions parse their streams themselves). */
export function parsePdu(bytes: Buffer): Pdu {
  return new wire.PDU(bytes);
}

/** Opens a TCP connection to an SMSC; the session emits `connect` once the socket is up. */
export function connectWire(host: string, port: number): WireSession {
  return wire.connect({ host, port });
}

/** Creates an SMPP server (not yet listening); `onSession` runs for every accepted connection. */
export function createWireServer(onSession: (session: WireSession) => void): WireServer {
  return wire.createServer({}, onSession);
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
