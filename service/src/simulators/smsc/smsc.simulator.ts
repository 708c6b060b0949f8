/**
 * A simulated SMSC (SMPP 3.4 server) with an inbox and an HTTP control API, so the SMPP provider
 * and the whole service can be exercised end to end without a carrier. Not hardened for anything
 * but tests and demos: it keeps everything in memory and trusts its HTTP callers.
 */
import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo, Server } from 'node:net';
import { maskNumber, silentLogger, type SmppLogger } from '../../providers/smpp/smpp-log.js';
import {
  CommandStatus,
  createPdu,
  createWireServer,
  intField,
  isResponse,
  messageField,
  parseCommandStatus,
  stringField,
  type Pdu,
  type WireServer,
  type WireSession,
} from '../../providers/smpp/smpp-wire.js';
import type { CommandFailure, ReceiptMode, SmscBehaviour, SmscBehaviourPatch } from './smsc-behaviour.js';
import { handleSmscHttp } from './smsc-http.js';

/** How to run the simulator. Ports 0 pick free ephemeral ports (tests). */
export interface SmscSimulatorOptions {
  /** SMPP port; default 2775 (the IANA SMPP port). */
  readonly smppPort?: number | undefined;
  /** Default 127.0.0.1. */
  readonly smppHost?: string | undefined;
  /** HTTP control port; default 8025. */
  readonly httpPort?: number | undefined;
  /** Default 127.0.0.1: the control API has no authentication. */
  readonly httpHost?: string | undefined;
  /** system_id ESMEs must bind with; default `switchboard`. */
  readonly systemId?: string | undefined;
  /** Password ESMEs must bind with; default `secret`. */
  readonly password?: string | undefined;
  /** Delay before a receipt is sent; default 500. */
  readonly receiptDelayMs?: number | undefined;
  readonly logger?: SmppLogger | undefined;
}

/** What happened to a message according to the receipt the simulator sent for it. */
export type InboxStatus = 'accepted' | 'delivered' | 'failed';

/** One submit_sm the simulator accepted. */
export interface InboxMessage {
  /** The message_id returned in submit_sm_resp. */
  readonly id: string;
  readonly from: string;
  readonly fromTon: number;
  readonly fromNpi: number;
  /** E.164 with `+` when the ESME sent TON international, else as sent. */
  readonly to: string;
  readonly text: string;
  readonly receivedAt: Date;
  /** data_coding as sent (0 GSM-7, 8 UCS-2 …). */
  readonly dataCoding: number;
  /** True when the text came in the message_payload TLV rather than short_message. */
  readonly viaMessagePayload: boolean;
  /** validity_period exactly as sent (SMPP 3.4 §7.1: `000000001000000R` is ten minutes relative); null when empty. */
  readonly validityPeriod: string | null;
  status: InboxStatus;
}

/** Counts of what the simulator received and sent, for "sent exactly once" assertions. */
export interface SmscStats {
  binds: number;
  bindsRefused: number;
  unbinds: number;
  enquireLinks: number;
  submitsReceived: number;
  submitsAccepted: number;
  submitsRefused: number;
  receiptsSent: number;
  receiptsDropped: number;
  /** deliver_sm_resp with command_status 0. */
  receiptsAcknowledged: number;
  /** deliver_sm_resp with an error status: the ESME did not take the receipt (and a real SMSC would resend it). */
  receiptsRejected: number;
}

/** Filters for `inbox()`. */
export interface InboxQuery {
  /** Destination; compared by digits, so `+49…`, `49…` and ` 49…` (a `+` URL-decoded) all match. */
  readonly to?: string | undefined;
  /** Only messages after the one with this id. */
  readonly since?: string | undefined;
}

type BindMode = 'transceiver' | 'transmitter' | 'receiver';

interface SimSession {
  readonly id: number;
  readonly wire: WireSession;
  mode: BindMode | undefined;
  systemId: string | undefined;
  sequence: number;
  /** Callbacks for responses to our requests; called with undefined when the session closes. */
  readonly waiting: Map<number, (pdu: Pdu | undefined) => void>;
}

interface PendingReceipt {
  readonly message: InboxMessage;
  readonly mode: Exclude<ReceiptMode, 'drop'>;
  readonly preferred: SimSession;
}

const BIND_MODES: Readonly<Record<string, BindMode>> = {
  bind_transceiver: 'transceiver',
  bind_transmitter: 'transmitter',
  bind_receiver: 'receiver',
};

const TON_INTERNATIONAL = 1;

function emptyStats(): SmscStats {
  return {
    binds: 0,
    bindsRefused: 0,
    unbinds: 0,
    enquireLinks: 0,
    submitsReceived: 0,
    submitsAccepted: 0,
    submitsRefused: 0,
    receiptsSent: 0,
    receiptsDropped: 0,
    receiptsAcknowledged: 0,
    receiptsRejected: 0,
  };
}

/** Appendix B receipt dates: YYMMDDhhmm in UTC. */
function receiptDate(date: Date): string {
  const iso = date.toISOString(); // 2026-11-05T14:03:22.000Z
  return iso.slice(2, 4) + iso.slice(5, 7) + iso.slice(8, 10) + iso.slice(11, 13) + iso.slice(14, 16);
}

function digitsOf(value: string): string {
  return value.replace(/\D/g, '');
}

/** An in-memory SMSC speaking SMPP 3.4 on one port and JSON over HTTP on another. */
export class SmscSimulator {
  readonly #options: Required<Omit<SmscSimulatorOptions, 'logger'>>;
  readonly #log: SmppLogger;
  readonly #sessions = new Map<WireSession, SimSession>();
  readonly #inbox: InboxMessage[] = [];
  readonly #pendingReceipts: PendingReceipt[] = [];
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #issuedIds = new Set<string>();
  #behaviour: SmscBehaviour;
  #stats: SmscStats = emptyStats();
  #nextSessionId = 1;
  #smpp: WireServer | undefined;
  #http: HttpServer | undefined;

  constructor(options: SmscSimulatorOptions = {}) {
    this.#options = {
      smppPort: options.smppPort ?? 2775,
      smppHost: options.smppHost ?? '127.0.0.1',
      httpPort: options.httpPort ?? 8025,
      httpHost: options.httpHost ?? '127.0.0.1',
      systemId: options.systemId ?? 'switchboard',
      password: options.password ?? 'secret',
      receiptDelayMs: options.receiptDelayMs ?? 500,
    };
    this.#log = options.logger ?? silentLogger;
    this.#behaviour = this.#defaultBehaviour();
  }

  /** Listens on both ports; resolves with the ports actually bound. */
  async start(): Promise<{ smppPort: number; httpPort: number }> {
    if (this.#smpp) throw new Error('SMSC simulator already started');
    const smpp = createWireServer((wire) => {
      this.#accept(wire);
    });
    this.#smpp = smpp;
    const http = createHttpServer((request, response) => {
      handleSmscHttp(this, request, response);
    });
    this.#http = http;
    const smppPort = await listen(smpp, this.#options.smppPort, this.#options.smppHost);
    // After listen, 'error' means a failed accept (EMFILE …); unhandled it would crash the process.
    smpp.on('error', (error) => {
      this.#log.error({ err: error }, 'SMPP server error');
    });
    const httpPort = await listen(http, this.#options.httpPort, this.#options.httpHost);
    http.on('error', (error) => {
      this.#log.error({ err: error }, 'HTTP server error');
    });
    this.#log.info({ smppPort, httpPort, systemId: this.#options.systemId }, 'SMSC simulator listening');
    return { smppPort, httpPort };
  }

  /** Drops every session, cancels pending receipts and closes both ports. */
  async stop(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.disconnectAll();
    const servers: Server[] = [this.#smpp, this.#http].filter((server) => server !== undefined);
    this.#smpp = undefined;
    this.#http?.closeAllConnections();
    this.#http = undefined;
    await Promise.all(
      servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            server.close(() => {
              resolve();
            });
          }),
      ),
    );
  }

  /** Kills every SMPP connection without unbind, as a crashing SMSC would. */
  disconnectAll(): number {
    const count = this.#sessions.size;
    for (const session of this.#sessions.values()) session.wire.destroy();
    return count;
  }

  /** Sessions currently bound, by mode. */
  sessions(): { connected: number; bound: number; sessions: { id: number; systemId: string; mode: BindMode }[] } {
    const bound = [...this.#sessions.values()].flatMap((session) =>
      session.mode === undefined || session.systemId === undefined
        ? []
        : [{ id: session.id, systemId: session.systemId, mode: session.mode }],
    );
    return { connected: this.#sessions.size, bound: bound.length, sessions: bound };
  }

  /** Number of bound sessions. */
  boundSessionCount(): number {
    return this.sessions().bound;
  }

  /** Accepted messages, oldest first. */
  inbox(query: InboxQuery = {}): InboxMessage[] {
    let messages = this.#inbox;
    if (query.since !== undefined) {
      const index = messages.findIndex((message) => message.id === query.since);
      if (index < 0) throw new RangeError(`no message with id ${query.since}`);
      messages = messages.slice(index + 1);
    }
    if (query.to !== undefined) {
      const digits = digitsOf(query.to);
      messages = messages.filter((message) => digitsOf(message.to) === digits);
    }
    return [...messages];
  }

  /** The newest accepted message (to one destination, if given). */
  latest(to?: string): InboxMessage | undefined {
    return this.inbox({ to }).at(-1);
  }

  /** Empties the inbox (counters stay). */
  clearInbox(): void {
    this.#inbox.length = 0;
  }

  /** Counters since start or the last `reset()`. */
  stats(): SmscStats {
    return { ...this.#stats };
  }

  /** Clears inbox, counters, queued receipts and behaviour; sessions stay bound. */
  reset(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#pendingReceipts.length = 0;
    this.#inbox.length = 0;
    this.#stats = emptyStats();
    this.#behaviour = this.#defaultBehaviour();
  }

  /** The current behaviour. */
  behaviour(): SmscBehaviour {
    return this.#behaviour;
  }

  /** Changes the fields present in `patch`. */
  updateBehaviour(patch: SmscBehaviourPatch): SmscBehaviour {
    this.#behaviour = { ...this.#behaviour, ...patch };
    return this.#behaviour;
  }

  /** Refuses the next `count` submits with `commandStatus` (a name like `ESME_RTHROTTLED` or a number). */
  failNextSubmits(count: number, commandStatus: number | string): void {
    this.updateBehaviour({ failSubmits: { commandStatus: toCommandStatus(commandStatus), count } });
  }

  /** Refuses every submit with `commandStatus` until `acceptSubmits()`. */
  failAllSubmits(commandStatus: number | string): void {
    this.updateBehaviour({ failSubmits: { commandStatus: toCommandStatus(commandStatus), count: null } });
  }

  /** Refuses the next `count` binds (null: every bind) with `commandStatus`, credentials notwithstanding. */
  failNextBinds(count: number | null, commandStatus: number | string): void {
    this.updateBehaviour({ failBinds: { commandStatus: toCommandStatus(commandStatus), count } });
  }

  /** Accepts submits again. */
  acceptSubmits(): void {
    this.updateBehaviour({ failSubmits: null });
  }

  /** Chooses delivered, failed or no receipts for submits from now on. */
  setReceipts(mode: ReceiptMode): void {
    this.updateBehaviour({ receipts: mode });
  }

  /** Sets the delay before receipts of later submits. */
  setReceiptDelay(ms: number): void {
    this.updateBehaviour({ receiptDelayMs: ms });
  }

  /**
   * Sends any request PDU (deliver_sm with odd fields, enquire_link, unbind …) to a bound
   * receiving session. Resolves with the response's command_status, or undefined if none came.
   */
  injectPdu(command: string, fields: Record<string, unknown> = {}, timeoutMs = 2000): Promise<number | undefined> {
    const session = this.#receiverFor(undefined);
    if (!session) return Promise.reject(new Error('no bound receiver session'));
    return this.#request(session, createPdu(command, fields), timeoutMs);
  }

  /**
   * Writes raw bytes (a hand-made, possibly malformed PDU) to a bound receiving session and waits
   * for a response with the sequence number found at octets 12-15, if any.
   */
  injectRaw(bytes: Buffer, timeoutMs = 500): Promise<number | undefined> {
    const session = this.#receiverFor(undefined);
    if (!session) return Promise.reject(new Error('no bound receiver session'));
    const sequence = bytes.length >= 16 ? bytes.readUInt32BE(12) : -1;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        session.waiting.delete(sequence);
        resolve(undefined);
      }, timeoutMs);
      session.waiting.set(sequence, (pdu) => {
        clearTimeout(timer);
        resolve(pdu?.command_status);
      });
      session.wire.socket.write(bytes);
    });
  }

  #defaultBehaviour(): SmscBehaviour {
    return {
      failSubmits: null,
      failBinds: null,
      receipts: 'delivered',
      receiptDelayMs: this.#options.receiptDelayMs,
      answerEnquireLink: true,
      answerSubmits: true,
    };
  }

  #accept(wire: WireSession): void {
    const session: SimSession = {
      id: this.#nextSessionId++,
      wire,
      mode: undefined,
      systemId: undefined,
      sequence: 0,
      waiting: new Map(),
    };
    this.#sessions.set(wire, session);
    wire.socket.setNoDelay(true);
    wire.on('error', (error) => {
      this.#log.warn({ session: session.id, err: error }, 'SMPP session error');
      wire.destroy();
    });
    wire.on('close', () => {
      this.#sessions.delete(wire);
      for (const waiter of session.waiting.values()) waiter(undefined);
      session.waiting.clear();
      this.#log.debug({ session: session.id }, 'SMPP session closed');
    });
    wire.on('pdu', (pdu) => {
      // Never let an exception escape into the library's read loop: it would stall the session.
      try {
        this.#handle(session, pdu);
      } catch (error) {
        this.#log.error({ session: session.id, command: pdu.command, err: error }, 'PDU handling failed');
        respond(session, pdu.response({ command_status: CommandStatus.ESME_RSYSERR }));
      }
    });
  }

  #handle(session: SimSession, pdu: Pdu): void {
    if (isResponse(pdu)) {
      if (pdu.command === 'deliver_sm_resp') {
        if (pdu.command_status === CommandStatus.ESME_ROK) this.#stats.receiptsAcknowledged += 1;
        else this.#stats.receiptsRejected += 1;
      }
      const waiter = session.waiting.get(pdu.sequence_number);
      session.waiting.delete(pdu.sequence_number);
      waiter?.(pdu);
      return;
    }
    const bindMode = BIND_MODES[pdu.command];
    if (bindMode !== undefined) {
      this.#bind(session, pdu, bindMode);
      return;
    }
    switch (pdu.command) {
      case 'enquire_link':
        this.#stats.enquireLinks += 1;
        if (this.#behaviour.answerEnquireLink) respond(session, pdu.response());
        return;
      case 'unbind':
        this.#stats.unbinds += 1;
        session.mode = undefined;
        respond(session, pdu.response());
        session.wire.socket.end();
        return;
      case 'submit_sm':
        this.#submit(session, pdu);
        return;
      case 'unknown':
        respond(session, pdu.response()); // generic_nack ESME_RINVCMDID (SMPP 3.4 §4.3)
        return;
      default:
        respond(session, pdu.response({ command_status: CommandStatus.ESME_RINVCMDID }));
    }
  }

  #bind(session: SimSession, pdu: Pdu, mode: BindMode): void {
    // SMPP 3.4 §4.1: one bind per session; credentials checked before anything else, each with
    // its own §5.1.3 status so the ESME can tell a typo from an SMSC that cannot bind right now.
    let status: number = CommandStatus.ESME_ROK;
    if (session.mode !== undefined) status = CommandStatus.ESME_RALYBND;
    else if (stringField(pdu, 'system_id') !== this.#options.systemId) status = CommandStatus.ESME_RINVSYSID;
    else if (stringField(pdu, 'password') !== this.#options.password) status = CommandStatus.ESME_RINVPASWD;
    else status = this.#takeFailure('failBinds') ?? CommandStatus.ESME_ROK;
    if (status !== CommandStatus.ESME_ROK) {
      this.#stats.bindsRefused += 1;
      this.#log.info({ session: session.id, command: pdu.command, status }, 'bind refused');
      respond(session, pdu.response({ command_status: status }));
      return;
    }
    session.mode = mode;
    session.systemId = this.#options.systemId;
    this.#stats.binds += 1;
    respond(session, pdu.response({ system_id: 'SwitchboardSMSC' }));
    this.#log.info({ session: session.id, mode }, 'ESME bound');
    if (mode !== 'transmitter') this.#flushPendingReceipts();
  }

  #submit(session: SimSession, pdu: Pdu): void {
    if (session.mode !== 'transceiver' && session.mode !== 'transmitter') {
      respond(session, pdu.response({ command_status: CommandStatus.ESME_RINVBNDSTS }));
      return;
    }
    this.#stats.submitsReceived += 1;
    const failure = this.#takeFailure('failSubmits');
    if (failure !== undefined) {
      this.#stats.submitsRefused += 1;
      respond(session, pdu.response({ command_status: failure }));
      return;
    }
    const destination = stringField(pdu, 'destination_addr') ?? '';
    if (destination === '') {
      this.#stats.submitsRefused += 1;
      respond(session, pdu.response({ command_status: CommandStatus.ESME_RINVDSTADR }));
      return;
    }
    const payload = messageField(pdu, 'message_payload');
    const body = payload ?? messageField(pdu, 'short_message') ?? '';
    const message: InboxMessage = {
      id: this.#freshMessageId(),
      from: stringField(pdu, 'source_addr') ?? '',
      fromTon: intField(pdu, 'source_addr_ton') ?? 0,
      fromNpi: intField(pdu, 'source_addr_npi') ?? 0,
      to: intField(pdu, 'dest_addr_ton') === TON_INTERNATIONAL && !destination.startsWith('+') ? `+${destination}` : destination,
      text: typeof body === 'string' ? body : body.toString('latin1'),
      receivedAt: new Date(),
      dataCoding: intField(pdu, 'data_coding') ?? 0,
      viaMessagePayload: payload !== undefined,
      validityPeriod: stringField(pdu, 'validity_period') || null,
      status: 'accepted',
    };
    this.#inbox.push(message);
    this.#stats.submitsAccepted += 1;
    if (this.#behaviour.answerSubmits) respond(session, pdu.response({ message_id: message.id }));
    this.#log.debug({ session: session.id, messageId: message.id, to: maskNumber(message.to) }, 'submit_sm accepted');

    // SMPP 3.4 §5.2.17: bits 1-0 of registered_delivery: 01 any final outcome, 10 failure only.
    const wanted = (intField(pdu, 'registered_delivery') ?? 0) & 0x03;
    const mode = this.#behaviour.receipts;
    if (wanted === 0 || (wanted === 2 && mode === 'delivered')) return;
    if (mode === 'drop') {
      this.#stats.receiptsDropped += 1;
      return;
    }
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#sendReceipt({ message, mode, preferred: session });
    }, this.#behaviour.receiptDelayMs);
    this.#timers.add(timer);
  }

  #takeFailure(kind: 'failSubmits' | 'failBinds'): number | undefined {
    const failure: CommandFailure | null = this.#behaviour[kind];
    if (failure === null) return undefined;
    if (failure.count !== null) {
      const left = failure.count - 1;
      this.#behaviour = { ...this.#behaviour, [kind]: left > 0 ? { ...failure, count: left } : null };
    }
    return failure.commandStatus;
  }

  #freshMessageId(): string {
    for (;;) {
      const id = randomBytes(4).toString('hex');
      if (!this.#issuedIds.has(id)) {
        this.#issuedIds.add(id);
        return id;
      }
    }
  }

  /** The preferred session if it can still receive, else any bound receiving session. */
  #receiverFor(preferred: SimSession | undefined): SimSession | undefined {
    const canReceive = (session: SimSession): boolean =>
      session.wire.socket.writable && (session.mode === 'transceiver' || session.mode === 'receiver');
    if (preferred && this.#sessions.has(preferred.wire) && canReceive(preferred)) return preferred;
    return [...this.#sessions.values()].find(canReceive);
  }

  #sendReceipt(receipt: PendingReceipt): void {
    const session = this.#receiverFor(receipt.preferred);
    if (!session) {
      // A real SMSC stores receipts until a receiver binds again; so do we.
      this.#pendingReceipts.push(receipt);
      return;
    }
    const { message } = receipt;
    const delivered = receipt.mode === 'delivered';
    const now = new Date();
    // Appendix B text; `text:` quotes the first 20 characters only when they are GSM text.
    const quoted = message.dataCoding === 0 ? message.text.slice(0, 20) : '';
    const text =
      `id:${message.id} sub:001 dlvrd:${delivered ? '001' : '000'} ` +
      `submit date:${receiptDate(message.receivedAt)} done date:${receiptDate(now)} ` +
      `stat:${delivered ? 'DELIVRD' : 'UNDELIV'} err:${delivered ? '000' : '001'} text:${quoted}`;
    const fields: Record<string, unknown> = {
      source_addr_ton: TON_INTERNATIONAL,
      source_addr_npi: 1,
      source_addr: digitsOf(message.to),
      dest_addr_ton: message.fromTon,
      dest_addr_npi: message.fromNpi,
      destination_addr: message.from,
      esm_class: 0x04, // §5.2.12: SMSC delivery receipt
      data_coding: 0,
      short_message: text,
      receipted_message_id: message.id,
      message_state: delivered ? 2 : 5, // §5.2.28 DELIVERED / UNDELIVERABLE
    };
    // §5.3.2.31: network type 3 (GSM), error 1 (MAP unknown subscriber).
    if (!delivered) fields.network_error_code = Buffer.from([3, 0, 1]);
    message.status = delivered ? 'delivered' : 'failed';
    this.#stats.receiptsSent += 1;
    this.#request(session, createPdu('deliver_sm', fields), 10_000).catch((error: unknown) => {
      this.#log.warn({ session: session.id, err: error }, 'deliver_sm not sent');
    });
  }

  #flushPendingReceipts(): void {
    const pending = this.#pendingReceipts.splice(0);
    for (const receipt of pending) this.#sendReceipt(receipt);
  }

  #request(session: SimSession, pdu: Pdu, timeoutMs: number): Promise<number | undefined> {
    session.sequence = session.sequence >= 0x7fffffff ? 1 : session.sequence + 1;
    pdu.sequence_number = session.sequence;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        session.waiting.delete(pdu.sequence_number);
        resolve(undefined);
      }, timeoutMs);
      session.waiting.set(pdu.sequence_number, (response) => {
        clearTimeout(timer);
        resolve(response?.command_status);
      });
      respond(session, pdu);
    });
  }
}

function respond(session: SimSession, pdu: Pdu): void {
  if (session.wire.socket.writable) session.wire.socket.write(pdu.toBuffer());
}

function toCommandStatus(value: number | string): number {
  const status = parseCommandStatus(value);
  if (status === undefined || status === 0) throw new RangeError(`not a failing SMPP command_status: ${String(value)}`);
  return status;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
