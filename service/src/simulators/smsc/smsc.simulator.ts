/**
 * A simulated SMSC (SMPP 3.4 server) with an inbox and an HTTP control API, so the SMPP provider
 * and the whole service can be exercised end to end without a carrier. It frames and decodes
 * SMPP with its own code (smsc-pdu.ts, smsc-text.ts), never Switchboard's: it is the independent
 * check of what Switchboard puts on the wire. Not hardened for anything but tests and demos: it
 * keeps everything in memory and trusts its HTTP callers.
 */
import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { type Logger, silentLogger } from '../shared/logger.js';
import { maskNumber } from '../shared/masking.js';
import {
  DEFAULT_BEHAVIOUR,
  parseBehaviourPatch,
  type CommandFailure,
  type ReceiptMode,
  type SmscBehaviour,
  type SmscBehaviourPatch,
} from './smsc-behaviour.js';
import { RateLimiter, seededRandom, type Random } from './smsc-flow.js';
import { NoReceiverError } from './smsc-errors.js';
import { handleSmscHttp } from './smsc-http.js';
import { Inbox, digitsOf, segmentOf, type InboxMessage, type InboxPart, type InboxQuery, type InboxStatus } from './smsc-inbox.js';
import { expectsResponse, injectionBytes, type InjectionKind } from './smsc-injection.js';
import { moDeliverSms, type MoMessage } from './smsc-mo.js';
import { namedPduBuilder, type PduBuilder } from './smsc-pdu-fields.js';
import {
  BodyWriter,
  CommandId,
  PduBodyError,
  PduFramer,
  TlvTag,
  decodeBind,
  decodeShortMessage,
  encodeDeliverSm,
  encodePdu,
  encodeResponse,
  isResponseId,
  u8Tlv,
  type RawPdu,
  type ShortMessageBody,
} from './smsc-pdu.js';
import { receiptDeliverSm, type MessageIdFormat, type ReceiptStat } from './smsc-receipt.js';
import { SmscStatus, parseStatus } from './smsc-status.js';
import { alphabetOf, decodeText } from './smsc-text.js';

// The simulator's public types live beside the code that makes them; importers keep one path.
export { NoReceiverError } from './smsc-errors.js';
export type { InboxMessage, InboxPart, InboxQuery, InboxStatus, Segmentation } from './smsc-inbox.js';
export type { InjectionKind } from './smsc-injection.js';
export type { MoMessage } from './smsc-mo.js';

/** One more account ESMEs may bind with. */
export interface SmscAccount {
  readonly systemId: string;
  readonly password: string;
}

/** Key and certificate (PEM) for SMPP over TLS. */
export interface SmscTlsOptions {
  readonly key: string | Buffer;
  readonly cert: string | Buffer;
}

/** Initial behaviour (see `SmscBehaviour`); `reset()` returns to it. */
export type SmscBehaviourOptions = { readonly [K in keyof SmscBehaviour]?: SmscBehaviour[K] | undefined };

/** How to run the simulator. Ports 0 pick free ephemeral ports (tests). */
export interface SmscSimulatorOptions extends SmscBehaviourOptions {
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
  /** Further accounts; each has its own throttle and its own receipts. */
  readonly accounts?: readonly SmscAccount[] | undefined;
  /** Speak SMPP over TLS on `smppPort` instead of plain TCP. */
  readonly tls?: SmscTlsOptions | undefined;
  readonly logger?: Logger | undefined;
}

/** Counts of what the simulator received and sent, for "sent exactly once" assertions. */
export interface SmscStats {
  binds: number;
  bindsRefused: number;
  unbinds: number;
  enquireLinks: number;
  /** submit_sm PDUs from bound transmitters/transceivers, whatever became of them. */
  submitsReceived: number;
  /** submit_sm PDUs accepted: one per part, duplicates included. */
  submitsAccepted: number;
  /** submit_sm answered with an error, throttling and full windows included. */
  submitsRefused: number;
  /** Messages complete in the inbox (a concatenated message counts once, when its last part arrives). */
  messagesCompleted: number;
  /** Parts accepted again with the same reference, number and octets as one before. */
  duplicateParts: number;
  /** ESME_RTHROTTLED answers for going over `maxTps`. */
  throttled: number;
  /** ESME_RMSGQFUL answers for a full `window`. */
  queueFull: number;
  /** Refusals drawn by `submitErrorRate`. */
  randomErrors: number;
  /** Submits still in processing (`submitLatencyMs`) when their bind went away: neither stored nor answered. */
  submitsAbandoned: number;
  /** Accepted submits whose submit_sm_resp was never sent. */
  responsesDropped: number;
  /** Accepted submits answered `lateSubmitResponseMs` late. */
  responsesLate: number;
  /** Final receipts sent. */
  receiptsSent: number;
  receiptsDropped: number;
  /** deliver_sm_resp with command_status 0 for a final receipt. */
  receiptsAcknowledged: number;
  /** deliver_sm_resp with an error status: the ESME did not take the receipt (it is sent again, see `receiptRedeliveryMs`). */
  receiptsRejected: number;
  /** Receipts sent again after a refusal or no answer. */
  receiptsRedelivered: number;
  /** Intermediate notifications (ENROUTE/ACCEPTD) sent. */
  intermediateReceiptsSent: number;
  /** MO deliver_sm sent (one per part), and how the ESME answered them. */
  moSent: number;
  moAcknowledged: number;
  moRejected: number;
  /** Times every bind was dropped by `disconnectAfterSubmits` or `disconnectEveryMs`. */
  scheduledDisconnects: number;
  /** unbind requests the simulator sent. */
  unbindsSent: number;
  /** `injectMalformed` calls. */
  injections: number;
  /** PDUs from ESMEs the simulator could not frame or decode. */
  malformedReceived: number;
}

/** What `injectMalformed` saw come back. */
export interface InjectionResult {
  readonly kind: InjectionKind;
  readonly sessionId: number;
  /** The octets sent, hex. */
  readonly sentHex: string;
  /** The ESME's answer (on the same sequence number, or any unsolicited response such as generic_nack); null when none came. */
  readonly response: { readonly command: string; readonly commandStatus: number; readonly sequence: number } | null;
  /** True when the ESME (or the simulator, after an unbind) closed the connection. */
  readonly connectionClosed: boolean;
}

/** A session as `sessions()` lists it. */
export interface SessionInfo {
  readonly id: number;
  readonly systemId: string;
  readonly mode: BindMode;
  readonly systemType: string;
  /** address_range of the bind (SMPP 3.4 §7.2), preferred for MO to matching numbers. */
  readonly addressRange: string;
  /** Submits in processing (`submitLatencyMs`), counted against `window`. */
  readonly inFlight: number;
}

type BindMode = 'transceiver' | 'transmitter' | 'receiver';

interface SimSession {
  readonly id: number;
  readonly socket: Socket;
  readonly framer: PduFramer;
  mode: BindMode | undefined;
  systemId: string | undefined;
  systemType: string;
  addressRange: string;
  sequence: number;
  inFlight: number;
  /** Being dropped: whatever still arrives is ignored, as if lost with the link (unless `halfClosed`). */
  closing: boolean;
  /**
   * Closed on schedule the way an SMSC that shuts a link down cleanly does: FIN sent after every
   * answer, and submits the ESME had already sent are still read and taken (stored, receipted),
   * though they can no longer be answered.
   */
  halfClosed: boolean;
  closed: boolean;
  /** Callbacks for responses to our requests; called with undefined when the session closes. */
  readonly waiting: Map<number, (pdu: RawPdu | undefined) => void>;
  /** deliver_sm written and not yet answered (see `deliverWindow`). */
  deliversInFlight: number;
  /** deliver_sm waiting for room in the window; called with false when the session closes. */
  readonly deliverQueue: ((open: boolean) => void)[];
  /** Told of every response nobody waits for, and of the close (undefined). */
  readonly observers: Set<(pdu: RawPdu | undefined) => void>;
}

interface PendingReceipt {
  readonly part: InboxPart;
  readonly submit: ShortMessageBody;
  readonly systemId: string;
  readonly issuedAs: MessageIdFormat;
  readonly stat: ReceiptStat;
  readonly intermediate: boolean;
  readonly quotedText: string;
  readonly preferred: SimSession;
  /** Times this receipt was sent again after the ESME refused it or did not answer. */
  readonly redeliveries?: number | undefined;
}

const BIND_MODES: Readonly<Record<string, BindMode>> = {
  bind_transceiver: 'transceiver',
  bind_transmitter: 'transmitter',
  bind_receiver: 'receiver',
};

const STAT_OF: Readonly<Record<Exclude<ReceiptMode, 'drop'>, ReceiptStat>> = {
  delivered: 'DELIVRD',
  failed: 'UNDELIV',
  expired: 'EXPIRED',
  rejected: 'REJECTD',
};

const STATUS_OF: Readonly<Partial<Record<ReceiptStat, InboxStatus>>> = {
  DELIVRD: 'delivered',
  UNDELIV: 'failed',
  EXPIRED: 'expired',
  REJECTD: 'rejected',
};

/** SMPP 3.4 §5.2.17 registered_delivery: bits 1-0 final receipt (01 always, 10 on failure), bit 4 intermediate. */
const RECEIPT_ALWAYS = 0x01;
const RECEIPT_ON_FAILURE = 0x02;
const INTERMEDIATE_WANTED = 0x10;
const SMSC_SYSTEM_ID = 'SwitchboardSMSC';
const SMPP_VERSION_34 = 0x34;
const DROP_FLUSH_LIMIT_MS = 1000;
const INJECTION_CLOSE_GRACE_MS = 100;

function emptyStats(): SmscStats {
  return {
    binds: 0,
    bindsRefused: 0,
    unbinds: 0,
    enquireLinks: 0,
    submitsReceived: 0,
    submitsAccepted: 0,
    submitsRefused: 0,
    messagesCompleted: 0,
    duplicateParts: 0,
    throttled: 0,
    queueFull: 0,
    randomErrors: 0,
    submitsAbandoned: 0,
    responsesDropped: 0,
    responsesLate: 0,
    receiptsSent: 0,
    receiptsDropped: 0,
    receiptsAcknowledged: 0,
    receiptsRejected: 0,
    receiptsRedelivered: 0,
    intermediateReceiptsSent: 0,
    moSent: 0,
    moAcknowledged: 0,
    moRejected: 0,
    scheduledDisconnects: 0,
    unbindsSent: 0,
    injections: 0,
    malformedReceived: 0,
  };
}

/** Validates a behaviour patch given in code, throwing RangeError that names the field. */
function checkedPatch(patch: SmscBehaviourPatch): SmscBehaviourPatch {
  const parsed = parseBehaviourPatch(patch);
  if (!parsed.ok) throw new RangeError(`${parsed.field}: ${parsed.reason}`);
  return parsed.patch;
}

/** address_range (§7.2) is a regular expression to most SMSCs; a literal to some. Loosely: either. */
function addressRangeMatches(range: string, digits: string): boolean {
  if (range === '') return false;
  try {
    return new RegExp(`^(?:${range})$`).test(digits);
  } catch {
    return digitsOf(range) === digits;
  }
}

/** An in-memory SMSC speaking SMPP 3.4 on one port and JSON over HTTP on another. */
export class SmscSimulator {
  readonly #options: { smppPort: number; smppHost: string; httpPort: number; httpHost: string; systemId: string; password: string };
  readonly #accounts: ReadonlyMap<string, string>;
  readonly #tls: SmscTlsOptions | undefined;
  readonly #initialBehaviour: SmscBehaviour;
  readonly #log: Logger;
  readonly #sessions = new Map<Socket, SimSession>();
  readonly #inbox = new Inbox();
  readonly #pendingReceipts: PendingReceipt[] = [];
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #issuedIds = new Set<string>();
  /** The `messageIdSequence` the counter below was started from, and the next id it issues. */
  #sequenceStart: number | null = null;
  #nextSequentialId = 1;
  readonly #limiter = new RateLimiter();
  #behaviour: SmscBehaviour;
  #random: Random;
  #stats: SmscStats = emptyStats();
  #nextSessionId = 1;
  #acceptedSinceDisconnect = 0;
  #disconnectTimer: NodeJS.Timeout | undefined;
  #moReference = 0;
  #smpp: Server | undefined;
  #http: HttpServer | undefined;

  /** Throws RangeError naming the option when a behaviour option is out of range. */
  constructor(options: SmscSimulatorOptions = {}) {
    this.#options = {
      smppPort: options.smppPort ?? 2775,
      smppHost: options.smppHost ?? '127.0.0.1',
      httpPort: options.httpPort ?? 8025,
      httpHost: options.httpHost ?? '127.0.0.1',
      systemId: options.systemId ?? 'switchboard',
      password: options.password ?? 'secret',
    };
    this.#accounts = new Map([
      ...(options.accounts ?? []).map((account): [string, string] => [account.systemId, account.password]),
      [this.#options.systemId, this.#options.password],
    ]);
    this.#tls = options.tls;
    this.#log = options.logger ?? silentLogger;
    const initial: Record<string, unknown> = {};
    for (const key of Object.keys(DEFAULT_BEHAVIOUR) as (keyof SmscBehaviour)[]) {
      if (options[key] !== undefined) initial[key] = options[key];
    }
    this.#initialBehaviour = { ...DEFAULT_BEHAVIOUR, ...checkedPatch(initial) };
    this.#behaviour = this.#initialBehaviour;
    this.#random = this.#newRandom();
  }

  /** Listens on both ports; resolves with the ports actually bound. */
  async start(): Promise<{ smppPort: number; httpPort: number }> {
    if (this.#smpp) throw new Error('SMSC simulator already started');
    const onSocket = (socket: Socket): void => {
      this.#accept(socket);
    };
    const smpp = this.#tls ? createTlsServer({ key: this.#tls.key, cert: this.#tls.cert }, onSocket) : createTcpServer(onSocket);
    this.#smpp = smpp;
    const http = createHttpServer((request, response) => {
      handleSmscHttp(this, request, response);
    });
    this.#http = http;
    const smppPort = await listen(smpp, this.#options.smppPort, this.#options.smppHost);
    // After listen, 'error' means a failed accept (EMFILE …); unhandled it would crash the process.
    smpp.on('error', (error: Error) => {
      this.#log.error({ err: error }, 'SMPP server error');
    });
    smpp.on('tlsClientError', (error: Error) => {
      this.#log.warn({ err: error }, 'TLS handshake failed');
    });
    const httpPort = await listen(http, this.#options.httpPort, this.#options.httpHost);
    http.on('error', (error) => {
      this.#log.error({ err: error }, 'HTTP server error');
    });
    this.#armDisconnectTimer();
    this.#log.info({ smppPort, httpPort, systemId: this.#options.systemId, tls: this.#tls !== undefined }, 'SMSC simulator listening');
    return { smppPort, httpPort };
  }

  /** Drops every session, cancels pending receipts and closes both ports. */
  async stop(): Promise<void> {
    this.#clearTimers();
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

  /** Kills every SMPP connection at once without unbind, as a crashing SMSC would. */
  disconnectAll(): number {
    const count = this.#sessions.size;
    for (const session of this.#sessions.values()) session.socket.destroy();
    return count;
  }

  /**
   * Sends unbind to every bound session (SMPP 3.4 §4.2), waits for each unbind_resp and closes
   * the connections, as an SMSC going down for maintenance does. Resolves with how many there were.
   */
  async unbindAll(timeoutMs = 2000): Promise<number> {
    const bound = [...this.#sessions.values()].filter((session) => session.mode !== undefined && !session.closing);
    await Promise.all(bound.map((session) => this.#unbind(session, timeoutMs)));
    return bound.length;
  }

  /** Sessions: how many are connected, and the bound ones (not those being dropped on schedule). */
  sessions(): { connected: number; bound: number; sessions: SessionInfo[] } {
    const bound = [...this.#sessions.values()].flatMap((session): SessionInfo[] =>
      session.mode === undefined || session.systemId === undefined || session.closing
        ? []
        : [
            {
              id: session.id,
              systemId: session.systemId,
              mode: session.mode,
              systemType: session.systemType,
              addressRange: session.addressRange,
              inFlight: session.inFlight,
            },
          ],
    );
    return { connected: this.#sessions.size, bound: bound.length, sessions: bound };
  }

  /** Number of bound sessions. */
  boundSessionCount(): number {
    return this.sessions().bound;
  }

  /** Complete messages, oldest first; throws RangeError when `since` names no message. */
  inbox(query: InboxQuery = {}): InboxMessage[] {
    return this.#inbox.list(query);
  }

  /** The newest complete message (to one destination, if given). */
  latest(to?: string): InboxMessage | undefined {
    return this.inbox({ to }).at(-1);
  }

  /** Concatenated messages still missing parts, with what arrived so far. */
  incompleteMessages(): InboxMessage[] {
    return this.#inbox.incomplete();
  }

  /** Empties the inbox of complete messages (counters stay). */
  clearInbox(): void {
    this.#inbox.clear();
  }

  /** Counters since start or the last `reset()`. */
  stats(): SmscStats {
    return { ...this.#stats };
  }

  /** Clears inbox, counters, queued receipts, submits in processing and behaviour (back to the constructor's); sessions stay bound. */
  reset(): void {
    this.#clearTimers();
    for (const session of this.#sessions.values()) session.inFlight = 0;
    this.#pendingReceipts.length = 0;
    this.#inbox.reset();
    this.#limiter.reset();
    this.#stats = emptyStats();
    this.#behaviour = this.#initialBehaviour;
    this.#random = this.#newRandom();
    this.#sequenceStart = null;
    this.#acceptedSinceDisconnect = 0;
    if (this.#smpp) this.#armDisconnectTimer();
  }

  /** The current behaviour. */
  behaviour(): SmscBehaviour {
    return this.#behaviour;
  }

  /** Changes the fields present in `patch`; throws RangeError naming a field out of range. */
  updateBehaviour(patch: SmscBehaviourPatch): SmscBehaviour {
    const checked = checkedPatch(patch);
    this.#behaviour = { ...this.#behaviour, ...checked };
    if ('seed' in checked) this.#random = this.#newRandom();
    if ('messageIdSequence' in checked) this.#sequenceStart = null;
    if ('disconnectAfterSubmits' in checked) this.#acceptedSinceDisconnect = 0;
    if ('disconnectEveryMs' in checked && this.#smpp) this.#armDisconnectTimer();
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

  /** Chooses the final receipt for submits from now on. */
  setReceipts(mode: ReceiptMode): void {
    this.updateBehaviour({ receipts: mode });
  }

  /** Chooses the final receipt for one destination (null: back to the general mode). */
  setReceiptFor(to: string, mode: ReceiptMode | null): void {
    const digits = digitsOf(to);
    const others = Object.entries(this.#behaviour.receiptsByDestination).filter(([destination]) => destination !== digits);
    this.updateBehaviour({ receiptsByDestination: Object.fromEntries(mode === null ? others : [...others, [digits, mode]]) });
  }

  /** Uses these modes, in order, for the next final receipts asked for (one per part), before any other rule. */
  queueReceipts(...modes: ReceiptMode[]): void {
    this.updateBehaviour({ nextReceipts: [...this.#behaviour.nextReceipts, ...modes] });
  }

  /** Sets the delay before receipts of later submits. */
  setReceiptDelay(ms: number): void {
    this.updateBehaviour({ receiptDelayMs: ms });
  }

  /** Accepts and stores the next `count` submits without ever answering them. */
  dropNextSubmitResponses(count: number): void {
    this.updateBehaviour({ dropSubmitResponses: { count, rate: 1 } });
  }

  /** Drops every bind after the `count`-th accepted submit from now (and every `count` after, with `repeat`). */
  disconnectAfterSubmits(count: number, options: { repeat?: boolean } = {}): void {
    this.updateBehaviour({ disconnectAfterSubmits: { count, repeat: options.repeat ?? false } });
  }

  /**
   * Sends a mobile-originated deliver_sm (esm_class 0) to a receiver or transceiver of the
   * system_id, preferring one whose address_range matches `to`. Resolves with the ESME's
   * command_status (the first error over all parts), or undefined when a response never came.
   * Rejects with NoReceiverError when nobody can take it, RangeError when the text does not fit the data_coding.
   */
  async sendMo(message: MoMessage, timeoutMs = 5000): Promise<number | undefined> {
    const systemId = message.systemId ?? this.#options.systemId;
    this.#moReference = (this.#moReference + 1) & 0xff;
    const parts = moDeliverSms(message, this.#moReference);
    const session = this.#receiverFor(systemId, undefined, digitsOf(message.to));
    if (!session) throw new NoReceiverError(`no receiver or transceiver bound as ${systemId}`);
    let result: number | undefined = 0;
    for (const part of parts) {
      this.#stats.moSent += 1;
      const response = await this.#request(session, (sequence) => encodeDeliverSm(part, sequence), timeoutMs);
      if (response === undefined) {
        result = undefined;
        continue;
      }
      if (response.commandStatus === 0) this.#stats.moAcknowledged += 1;
      else this.#stats.moRejected += 1;
      if (result === 0) result = response.commandStatus;
    }
    this.#log.debug({ to: maskNumber(message.to), parts: parts.length, status: result }, 'MO sent');
    return result;
  }

  /**
   * Sends a request PDU an SMSC may send (deliver_sm with odd fields, data_sm, enquire_link,
   * unbind …) to a bound receiving session, built from SMPP 3.4 field names (see
   * `namedPduBuilder`), so tests can hand-craft PDUs. Resolves with the response's
   * command_status, or undefined if none came; rejects with RangeError for a field the command
   * does not have, NoReceiverError when nothing can receive it.
   */
  injectPdu(command: string, fields: Record<string, unknown> = {}, timeoutMs = 2000): Promise<number | undefined> {
    const session = this.#receiverFor(undefined);
    if (!session) return Promise.reject(new NoReceiverError('no bound receiver session'));
    let build: PduBuilder;
    try {
      build = namedPduBuilder(command, fields);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    return this.#request(session, build, timeoutMs).then((response) => response?.commandStatus);
  }

  /**
   * Writes raw bytes (a hand-made, possibly malformed PDU) to a bound receiving session and waits
   * for a response with the sequence number found at octets 12-15, if any.
   */
  injectRaw(bytes: Buffer, timeoutMs = 500): Promise<number | undefined> {
    const session = this.#receiverFor(undefined);
    if (!session) return Promise.reject(new NoReceiverError('no bound receiver session'));
    const sequence = bytes.length >= 16 ? bytes.readUInt32BE(12) : -1;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        session.waiting.delete(sequence);
        resolve(undefined);
      }, timeoutMs);
      session.waiting.set(sequence, (pdu) => {
        clearTimeout(timer);
        resolve(pdu?.commandStatus);
      });
      this.#write(session, bytes);
    });
  }

  /**
   * Sends a named hostile PDU (see `INJECTION_KINDS`) to a bound session (a receiving one if
   * there is one) and reports what came back within `timeoutMs`: the answer, and whether the
   * connection closed. Rejects with NoReceiverError when nothing is bound.
   */
  async injectMalformed(kind: InjectionKind, timeoutMs = 500): Promise<InjectionResult> {
    const bound = [...this.#sessions.values()].filter((session) => session.mode !== undefined && !session.closing && !session.closed);
    const session = this.#receiverFor(undefined) ?? bound[0];
    if (!session) throw new NoReceiverError('no bound session');
    this.#stats.injections += 1;
    if (kind === 'unbind') {
      const sequence = session.sequence + 1;
      const response = await this.#unbind(session, timeoutMs);
      return {
        kind,
        sessionId: session.id,
        sentHex: encodePdu(CommandId.unbind, 0, sequence).toString('hex'),
        response: response === undefined ? null : describe(response),
        connectionClosed: true,
      };
    }
    const sequence = this.#nextSequence(session);
    const bytes = injectionBytes(kind, sequence, this.#random);
    this.#log.info({ session: session.id, kind }, 'injecting a hostile PDU');
    return new Promise((resolve) => {
      let answer: RawPdu | undefined;
      const finish = (): void => {
        clearTimeout(timer);
        session.waiting.delete(sequence);
        session.observers.delete(observe);
        resolve({ kind, sessionId: session.id, sentHex: bytes.toString('hex'), response: answer ? describe(answer) : null, connectionClosed: session.closed });
      };
      // After the answer, linger briefly: an ESME that nacks a broken stream hangs up right after.
      const observe = (pdu: RawPdu | undefined): void => {
        if (pdu === undefined || answer !== undefined) {
          finish();
          return;
        }
        answer = pdu;
        session.waiting.delete(sequence);
        clearTimeout(timer);
        timer = setTimeout(finish, Math.min(INJECTION_CLOSE_GRACE_MS, timeoutMs));
      };
      let timer = setTimeout(finish, timeoutMs);
      if (expectsResponse(kind)) session.waiting.set(sequence, observe);
      session.observers.add(observe);
      this.#write(session, bytes);
    });
  }

  #newRandom(): Random {
    const { seed } = this.#behaviour;
    return seed === null ? Math.random : seededRandom(seed);
  }

  #clearTimers(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    clearInterval(this.#disconnectTimer);
    this.#disconnectTimer = undefined;
  }

  #armDisconnectTimer(): void {
    clearInterval(this.#disconnectTimer);
    this.#disconnectTimer = undefined;
    const every = this.#behaviour.disconnectEveryMs;
    if (every === null) return;
    this.#disconnectTimer = setInterval(() => {
      this.#dropAll('disconnectEveryMs');
    }, every);
  }

  /** Runs `action` after `ms`, unless reset or stopped first. */
  #later(ms: number, action: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      try {
        action();
      } catch (error) {
        this.#log.error({ err: error }, 'scheduled action failed');
      }
    }, ms);
    this.#timers.add(timer);
  }

  #accept(socket: Socket): void {
    const session: SimSession = {
      id: this.#nextSessionId++,
      socket,
      framer: new PduFramer(),
      mode: undefined,
      systemId: undefined,
      systemType: '',
      addressRange: '',
      sequence: 0,
      inFlight: 0,
      closing: false,
      halfClosed: false,
      closed: false,
      waiting: new Map(),
      deliversInFlight: 0,
      deliverQueue: [],
      observers: new Set(),
    };
    this.#sessions.set(socket, session);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.#receive(session, chunk);
    });
    socket.on('error', (error) => {
      this.#log.warn({ session: session.id, err: error }, 'SMPP connection error');
    });
    socket.on('close', () => {
      session.closed = true;
      this.#sessions.delete(socket);
      for (const waiter of session.waiting.values()) waiter(undefined);
      session.waiting.clear();
      for (const queued of session.deliverQueue.splice(0)) queued(false);
      for (const observer of session.observers) observer(undefined);
      this.#log.debug({ session: session.id }, 'SMPP connection closed');
    });
  }

  #receive(session: SimSession, chunk: Buffer): void {
    for (const frame of session.framer.push(chunk)) {
      if (session.closing && !session.halfClosed) return;
      if (session.halfClosed && (frame.kind === 'bad-length' || frame.pdu.command !== 'submit_sm')) continue;
      if (frame.kind === 'bad-length') {
        // §3.2: once a command_length is wrong the stream cannot be framed again; nack and hang up.
        this.#stats.malformedReceived += 1;
        this.#log.warn({ session: session.id, length: frame.length }, 'bad command_length; closing');
        this.#write(session, encodePdu(CommandId.generic_nack, SmscStatus.ESME_RINVCMDLEN, frame.sequence ?? 0));
        this.#dropAfterFlush(session);
        return;
      }
      const { pdu } = frame;
      try {
        this.#handle(session, pdu);
      } catch (error) {
        if (isResponseId(pdu.commandId)) continue; // never answer a response
        if (error instanceof PduBodyError) {
          this.#stats.malformedReceived += 1;
          this.#log.warn({ session: session.id, command: pdu.command, reason: error.message }, 'malformed PDU body');
          this.#write(session, encodeResponse(pdu, SmscStatus.ESME_RINVCMDLEN));
        } else {
          this.#log.error({ session: session.id, command: pdu.command, err: error }, 'PDU handling failed');
          this.#write(session, encodeResponse(pdu, SmscStatus.ESME_RSYSERR));
        }
      }
    }
  }

  #handle(session: SimSession, pdu: RawPdu): void {
    if (isResponseId(pdu.commandId)) {
      const waiter = session.waiting.get(pdu.sequence);
      if (waiter) {
        session.waiting.delete(pdu.sequence);
        waiter(pdu);
      } else {
        for (const observer of session.observers) observer(pdu);
      }
      return;
    }
    const bindMode = pdu.command === undefined ? undefined : BIND_MODES[pdu.command];
    if (bindMode !== undefined) {
      this.#bind(session, pdu, bindMode);
      return;
    }
    switch (pdu.command) {
      case 'enquire_link':
        this.#stats.enquireLinks += 1;
        if (this.#behaviour.answerEnquireLink) this.#write(session, encodeResponse(pdu, 0));
        return;
      case 'unbind':
        this.#stats.unbinds += 1;
        session.mode = undefined;
        this.#write(session, encodeResponse(pdu, 0));
        session.socket.end();
        return;
      case 'submit_sm':
        this.#submit(session, pdu);
        return;
      default:
        // Unknown command_ids get generic_nack (§4.3); known ones the simulator does not do, their own _resp.
        this.#write(session, encodeResponse(pdu, SmscStatus.ESME_RINVCMDID));
    }
  }

  #bind(session: SimSession, pdu: RawPdu, mode: BindMode): void {
    const body = decodeBind(pdu.body);
    // SMPP 3.4 §4.1: one bind per session; credentials checked before anything else, each with
    // its own §5.1.3 status so the ESME can tell a typo from an SMSC that cannot bind right now.
    const password = this.#accounts.get(body.systemId);
    const limit = this.#behaviour.maxBindsPerSystemId;
    let status: number;
    if (session.mode !== undefined) status = SmscStatus.ESME_RALYBND;
    else if (password === undefined) status = SmscStatus.ESME_RINVSYSID;
    else if (body.password !== password) status = SmscStatus.ESME_RINVPASWD;
    else status = this.#takeFailure('failBinds') ?? SmscStatus.ESME_ROK;
    if (status === SmscStatus.ESME_ROK && limit !== null && this.#boundAs(body.systemId).length >= limit) status = SmscStatus.ESME_RBINDFAIL;
    if (status !== SmscStatus.ESME_ROK) {
      this.#stats.bindsRefused += 1;
      this.#log.info({ session: session.id, command: pdu.command, status }, 'bind refused');
      this.#write(session, encodeResponse(pdu, status));
      return;
    }
    session.mode = mode;
    session.systemId = body.systemId;
    session.systemType = body.systemType;
    session.addressRange = body.addressRange;
    this.#stats.binds += 1;
    const response = new BodyWriter().cString(SMSC_SYSTEM_ID).tlv(TlvTag.sc_interface_version, u8Tlv(SMPP_VERSION_34)).toBuffer();
    this.#write(session, encodeResponse(pdu, 0, response));
    this.#log.info({ session: session.id, mode, systemId: body.systemId }, 'ESME bound');
    if (mode !== 'transmitter') this.#flushPendingReceipts(body.systemId);
  }

  #boundAs(systemId: string): SimSession[] {
    return [...this.#sessions.values()].filter((session) => session.systemId === systemId && session.mode !== undefined && !session.closing);
  }

  #submit(session: SimSession, pdu: RawPdu): void {
    const systemId = session.systemId;
    if ((session.mode !== 'transceiver' && session.mode !== 'transmitter') || systemId === undefined) {
      this.#write(session, encodeResponse(pdu, SmscStatus.ESME_RINVBNDSTS));
      return;
    }
    this.#stats.submitsReceived += 1;
    let submit: ShortMessageBody;
    try {
      submit = decodeShortMessage(pdu.body);
    } catch (error) {
      if (!(error instanceof PduBodyError)) throw error;
      this.#stats.malformedReceived += 1;
      this.#log.warn({ session: session.id, reason: error.message }, 'malformed submit_sm');
      this.#refuse(session, pdu, SmscStatus.ESME_RINVCMDLEN);
      return;
    }
    const { window, maxTps, submitLatencyMs } = this.#behaviour;
    if (window !== null && session.inFlight >= window) {
      this.#stats.queueFull += 1;
      this.#refuse(session, pdu, SmscStatus.ESME_RMSGQFUL);
      return;
    }
    if (maxTps !== null && !this.#limiter.tryTake(systemId, maxTps)) {
      this.#stats.throttled += 1;
      this.#refuse(session, pdu, SmscStatus.ESME_RTHROTTLED);
      return;
    }
    if (submitLatencyMs === 0) {
      this.#decide(session, systemId, pdu, submit);
      return;
    }
    session.inFlight += 1;
    this.#later(submitLatencyMs, () => {
      session.inFlight -= 1;
      if (session.closed || session.closing) {
        this.#stats.submitsAbandoned += 1;
        return;
      }
      this.#decide(session, systemId, pdu, submit);
    });
  }

  /** Accepts or refuses a submit that passed flow control. */
  #decide(session: SimSession, systemId: string, pdu: RawPdu, submit: ShortMessageBody): void {
    const failure = this.#takeFailure('failSubmits');
    if (failure !== undefined) {
      this.#refuse(session, pdu, failure);
      return;
    }
    const { submitErrorRate, submitErrorStatus } = this.#behaviour;
    if (submitErrorRate > 0 && this.#random() < submitErrorRate) {
      this.#stats.randomErrors += 1;
      this.#refuse(session, pdu, submitErrorStatus);
      return;
    }
    if (submit.destinationAddr === '') {
      this.#refuse(session, pdu, SmscStatus.ESME_RINVDSTADR);
      return;
    }
    const segmented = segmentOf(submit);
    if (!segmented.ok) {
      this.#log.info({ session: session.id, reason: segmented.reason }, 'submit_sm refused');
      this.#refuse(session, pdu, segmented.commandStatus);
      return;
    }
    const { segment } = segmented;
    const issuedAs = this.#behaviour.messageIdFormat;
    const messageId = this.#freshMessageId(issuedAs);
    const added = this.#inbox.add({ messageId, systemId, submit, segment, receivedAt: new Date() });
    this.#stats.submitsAccepted += 1;
    if (added.duplicate) this.#stats.duplicateParts += 1;
    if (added.completed) this.#stats.messagesCompleted += 1;
    this.#log.debug(
      { session: session.id, messageId, to: maskNumber(submit.destinationAddr), part: segment.sequence, of: segment.total, duplicate: added.duplicate },
      'submit_sm accepted',
    );
    this.#answerSubmit(session, pdu, messageId);
    const { alphabet } = alphabetOf(submit.dataCoding);
    // Appendix B `text:` quotes the first 20 characters, only when they are GSM text.
    const quotedText = alphabet === 'gsm7' ? decodeText(segment.content, submit.dataCoding).text.slice(0, 20) : '';
    // Carriers that report once per message do so for its last part.
    const reported = this.#behaviour.receiptParts === 'each' || segment.total <= 1 || segment.sequence === segment.total;
    this.#scheduleReceipts({ part: added.part, submit, systemId, issuedAs, quotedText, preferred: session }, reported);
    this.#countTowardsDisconnect();
  }

  #refuse(session: SimSession, pdu: RawPdu, status: number): void {
    this.#stats.submitsRefused += 1;
    this.#write(session, encodeResponse(pdu, status));
  }

  #answerSubmit(session: SimSession, pdu: RawPdu, messageId: string): void {
    if (!this.#behaviour.answerSubmits || this.#takeLostResponse()) {
      this.#stats.responsesDropped += 1;
      return;
    }
    const response = encodeResponse(pdu, 0, new BodyWriter().cString(messageId).toBuffer());
    const late = this.#behaviour.lateSubmitResponseMs;
    if (late === 0) {
      this.#write(session, response);
      return;
    }
    this.#stats.responsesLate += 1;
    this.#later(late, () => {
      this.#write(session, response);
    });
  }

  #takeLostResponse(): boolean {
    const lost = this.#behaviour.dropSubmitResponses;
    if (lost === null || this.#random() >= lost.rate) return false;
    if (lost.count !== null) {
      const left = lost.count - 1;
      this.#behaviour = { ...this.#behaviour, dropSubmitResponses: left > 0 ? { ...lost, count: left } : null };
    }
    return true;
  }

  #scheduleReceipts(receipt: Omit<PendingReceipt, 'stat' | 'intermediate'>, finalReported = true): void {
    const asked = receipt.submit.registeredDelivery;
    const { receiptDelayMs, receiptsByDestination, receipts, intermediateReceiptState } = this.#behaviour;
    if ((asked & INTERMEDIATE_WANTED) !== 0) {
      this.#later(Math.floor(receiptDelayMs / 2), () => {
        this.#sendReceipt({ ...receipt, stat: intermediateReceiptState, intermediate: true });
      });
    }
    const wanted = asked & 0x03;
    if (!finalReported) return;
    if (wanted !== RECEIPT_ALWAYS && wanted !== RECEIPT_ON_FAILURE) return; // 00 none, 11 reserved
    const mode = this.#takeNextReceipt() ?? receiptsByDestination[digitsOf(receipt.submit.destinationAddr)] ?? receipts;
    if (wanted === RECEIPT_ON_FAILURE && mode === 'delivered') return;
    if (mode === 'drop') {
      this.#stats.receiptsDropped += 1;
      return;
    }
    this.#later(receiptDelayMs, () => {
      this.#sendReceipt({ ...receipt, stat: STAT_OF[mode], intermediate: false });
    });
  }

  #takeNextReceipt(): ReceiptMode | undefined {
    const [next, ...rest] = this.#behaviour.nextReceipts;
    if (next !== undefined) this.#behaviour = { ...this.#behaviour, nextReceipts: rest };
    return next;
  }

  #sendReceipt(receipt: PendingReceipt): void {
    const session =
      this.#behaviour.receiptSession === 'other'
        ? (this.#receiverFor(receipt.systemId, undefined, undefined, receipt.preferred) ?? this.#receiverFor(receipt.systemId, receipt.preferred))
        : this.#receiverFor(receipt.systemId, receipt.preferred);
    if (!session) {
      // A real SMSC stores receipts until a receiver binds again; so do we.
      this.#pendingReceipts.push(receipt);
      return;
    }
    const { part, submit } = receipt;
    const { receiptStyle, receiptIdFormat, receiptDateSeconds, receiptIdTlvNul } = this.#behaviour;
    const fields = receiptDeliverSm({
      messageId: part.messageId,
      issuedAs: receipt.issuedAs,
      idFormat: receiptIdFormat,
      style: receiptStyle,
      stat: receipt.stat,
      intermediate: receipt.intermediate,
      submittedAt: part.receivedAt,
      doneAt: new Date(),
      dateSeconds: receiptDateSeconds,
      idTlvNul: receiptIdTlvNul,
      quotedText: receipt.quotedText,
      recipient: { addr: submit.destinationAddr, ton: submit.destAddrTon, npi: submit.destAddrNpi },
      sender: { addr: submit.sourceAddr, ton: submit.sourceAddrTon, npi: submit.sourceAddrNpi },
      userMessageReference: submit.tlvs.get(TlvTag.user_message_reference),
    });
    if (receipt.intermediate) {
      if (part.status === 'accepted') part.status = 'enroute';
      this.#stats.intermediateReceiptsSent += 1;
    } else if ((receipt.redeliveries ?? 0) === 0) {
      part.status = STATUS_OF[receipt.stat] ?? part.status;
      this.#inbox.refreshStatus(part);
      this.#stats.receiptsSent += 1;
    }
    void this.#request(session, (sequence) => encodeDeliverSm(fields, sequence), 10_000).then((response) => {
      if (receipt.intermediate) return;
      if (response?.commandStatus === SmscStatus.ESME_ROK) {
        this.#stats.receiptsAcknowledged += 1;
        return;
      }
      if (response !== undefined) this.#stats.receiptsRejected += 1;
      // As SMSCs do: a receipt the ESME refused (ESME_RTHROTTLED, ESME_RX_T_APPN …) or left
      // unanswered is sent again later, a bounded number of times.
      const { receiptRedeliveryMs, receiptRedeliveries } = this.#behaviour;
      const done = receipt.redeliveries ?? 0;
      if (receiptRedeliveryMs === null || done >= receiptRedeliveries) return;
      this.#stats.receiptsRedelivered += 1;
      this.#later(receiptRedeliveryMs, () => {
        this.#sendReceipt({ ...receipt, redeliveries: done + 1 });
      });
    });
  }

  #flushPendingReceipts(systemId: string): void {
    const waiting = this.#pendingReceipts.filter((receipt) => receipt.systemId === systemId);
    const others = this.#pendingReceipts.filter((receipt) => receipt.systemId !== systemId);
    this.#pendingReceipts.splice(0, this.#pendingReceipts.length, ...others);
    for (const receipt of waiting) this.#sendReceipt(receipt);
  }

  #countTowardsDisconnect(): void {
    const schedule = this.#behaviour.disconnectAfterSubmits;
    if (schedule === null) return;
    this.#acceptedSinceDisconnect += 1;
    if (this.#acceptedSinceDisconnect < schedule.count) return;
    this.#acceptedSinceDisconnect = 0;
    if (!schedule.repeat) this.#behaviour = { ...this.#behaviour, disconnectAfterSubmits: null };
    this.#dropAll('disconnectAfterSubmits');
  }

  /** Drops every connection once what was already answered has left, as a link failing right then would. */
  #dropAll(reason: string): void {
    const sessions = [...this.#sessions.values()].filter((session) => !session.closing && !session.closed);
    if (sessions.length === 0) return;
    this.#stats.scheduledDisconnects += 1;
    this.#log.info({ reason, sessions: sessions.length }, 'closing every connection');
    for (const session of sessions) this.#closeGracefully(session);
  }

  /** FIN after what was answered; keep reading what the ESME already sent until it closes too. */
  #closeGracefully(session: SimSession): void {
    if (session.closing || session.closed) return;
    session.closing = true;
    session.halfClosed = true;
    session.socket.end();
    const limit = setTimeout(() => session.socket.destroy(), DROP_FLUSH_LIMIT_MS);
    session.socket.once('close', () => {
      clearTimeout(limit);
    });
  }

  #dropAfterFlush(session: SimSession): void {
    if (session.closing || session.closed) return;
    session.closing = true;
    const { socket } = session;
    const destroy = (): void => {
      socket.destroy();
    };
    if (!socket.writable) {
      destroy();
      return;
    }
    // An empty write's callback runs once everything written before it is flushed.
    socket.write(Buffer.alloc(0), destroy);
    const limit = setTimeout(destroy, DROP_FLUSH_LIMIT_MS);
    socket.once('close', () => {
      clearTimeout(limit);
    });
  }

  async #unbind(session: SimSession, timeoutMs: number): Promise<RawPdu | undefined> {
    session.mode = undefined;
    this.#stats.unbindsSent += 1;
    const response = await this.#request(session, (sequence) => encodePdu(CommandId.unbind, 0, sequence), timeoutMs);
    // §4.2: after unbind_resp the connection is closed.
    session.socket.end();
    const limit = setTimeout(() => session.socket.destroy(), DROP_FLUSH_LIMIT_MS);
    session.socket.once('close', () => {
      clearTimeout(limit);
    });
    return response;
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

  #freshMessageId(format: MessageIdFormat): string {
    const sequence = this.#behaviour.messageIdSequence;
    if (sequence !== null) {
      this.#nextSequentialId = this.#sequenceStart === sequence ? this.#nextSequentialId : sequence;
      this.#sequenceStart = sequence;
      const id = this.#nextSequentialId;
      this.#nextSequentialId = id >= 0xffffffff ? 1 : id + 1;
      return format === 'hex' ? id.toString(16).padStart(8, '0') : String(id);
    }
    for (;;) {
      const bytes = randomBytes(4);
      const id = format === 'hex' ? bytes.toString('hex') : String(bytes.readUInt32BE(0) || 1);
      if (!this.#issuedIds.has(id)) {
        this.#issuedIds.add(id);
        return id;
      }
    }
  }

  /**
   * The preferred session if it can still receive, else a receiving session of `systemId` (any,
   * when undefined), one whose address_range matches `digits` first.
   */
  #receiverFor(systemId: string | undefined, preferred?: SimSession, digits?: string, avoid?: SimSession): SimSession | undefined {
    const canReceive = (session: SimSession): boolean =>
      session !== avoid &&
      !session.closed &&
      !session.closing &&
      session.socket.writable &&
      (session.mode === 'transceiver' || session.mode === 'receiver') &&
      (systemId === undefined || session.systemId === systemId);
    if (preferred && this.#sessions.has(preferred.socket) && canReceive(preferred)) return preferred;
    const candidates = [...this.#sessions.values()].filter(canReceive);
    if (digits !== undefined) {
      const matching = candidates.find((session) => addressRangeMatches(session.addressRange, digits));
      if (matching) return matching;
    }
    return candidates[0];
  }

  #nextSequence(session: SimSession): number {
    // §5.1.4: sequence numbers run 0x00000001..0x7FFFFFFF.
    session.sequence = session.sequence >= 0x7fffffff ? 1 : session.sequence + 1;
    return session.sequence;
  }

  /** Sends a request within the session's deliver window; resolves with its answer, undefined without one. */
  #request(session: SimSession, build: (sequence: number) => Buffer, timeoutMs: number): Promise<RawPdu | undefined> {
    const window = this.#behaviour.deliverWindow;
    if (window === null || session.deliversInFlight < window) return this.#requestNow(session, build, timeoutMs);
    return new Promise((resolve) => {
      session.deliverQueue.push((open) => {
        resolve(open ? this.#requestNow(session, build, timeoutMs) : undefined);
      });
    });
  }

  async #requestNow(session: SimSession, build: (sequence: number) => Buffer, timeoutMs: number): Promise<RawPdu | undefined> {
    session.deliversInFlight += 1;
    try {
      return await this.#requestUnwindowed(session, build, timeoutMs);
    } finally {
      session.deliversInFlight -= 1;
      if (!session.closed) session.deliverQueue.shift()?.(true);
    }
  }

  #requestUnwindowed(session: SimSession, build: (sequence: number) => Buffer, timeoutMs: number): Promise<RawPdu | undefined> {
    const sequence = this.#nextSequence(session);
    const bytes = build(sequence);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        session.waiting.delete(sequence);
        resolve(undefined);
      }, timeoutMs);
      session.waiting.set(sequence, (response) => {
        clearTimeout(timer);
        resolve(response);
      });
      this.#write(session, bytes);
    });
  }

  #write(session: SimSession, bytes: Buffer): void {
    if (session.socket.writable) session.socket.write(bytes);
  }
}

function describe(pdu: RawPdu): { command: string; commandStatus: number; sequence: number } {
  return { command: pdu.command ?? `0x${pdu.commandId.toString(16).padStart(8, '0')}`, commandStatus: pdu.commandStatus, sequence: pdu.sequence };
}

function toCommandStatus(value: number | string): number {
  const status = parseStatus(value);
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
