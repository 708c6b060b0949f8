/**
 * A simulated SMSC (SMPP 3.4 server) with an inbox and an HTTP control API, so the SMPP provider
 * and the whole service can be exercised end to end without a carrier. It frames and decodes
 * SMPP with its own code (smsc-pdu.ts, smsc-text.ts), never Switchboard's: it is the independent
 * check of what Switchboard puts on the wire. Not hardened for anything but tests and demos: it
 * keeps everything in memory and trusts its HTTP callers.
 *
 * This class is the simulator's face: its options, its ports and its control API. The work is
 * done by one module per job: smsc-sessions.ts (connections), smsc-commands.ts (where each PDU
 * goes), smsc-bind.ts, smsc-submit.ts, smsc-receipt-sender.ts, smsc-outbound.ts (MO and
 * injected PDUs), smsc-disconnect-schedule.ts, over the shared state of smsc-runtime.ts.
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { type Logger, silentLogger } from '../shared/logger.js';
import { DEFAULT_BEHAVIOUR, parseBehaviourPatch, type ReceiptMode, type SmscBehaviour, type SmscBehaviourPatch } from './smsc-behaviour.js';
import { BindHandler } from './smsc-bind.js';
import { CommandRouter } from './smsc-commands.js';
import { DisconnectSchedule } from './smsc-disconnect-schedule.js';
import { handleSmscHttp } from './smsc-http.js';
import { Inbox, digitsOf, type InboxMessage, type InboxQuery } from './smsc-inbox.js';
import type { InjectionKind } from './smsc-injection.js';
import { MessageIdIssuer } from './smsc-message-ids.js';
import type { MoMessage } from './smsc-mo.js';
import { OutboundRequests, type InjectionResult } from './smsc-outbound.js';
import { ReceiptSender } from './smsc-receipt-sender.js';
import { SmscRuntime } from './smsc-runtime.js';
import { SmscSessions, type SessionInfo } from './smsc-sessions.js';
import type { SmscStats } from './smsc-stats.js';
import { parseStatus } from './smsc-status.js';
import { SubmitHandler } from './smsc-submit.js';

// The simulator's public types live beside the code that makes them; importers keep one path.
export { NoReceiverError } from './smsc-errors.js';
export type { InboxMessage, InboxPart, InboxQuery, InboxStatus, Segmentation } from './smsc-inbox.js';
export type { InjectionKind } from './smsc-injection.js';
export type { MoMessage } from './smsc-mo.js';
export type { InjectionResult } from './smsc-outbound.js';
export type { BindMode, SessionInfo } from './smsc-sessions.js';
export type { SmscStats } from './smsc-stats.js';

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

/** Validates a behaviour patch given in code, throwing RangeError that names the field. */
function checkedPatch(patch: SmscBehaviourPatch): SmscBehaviourPatch {
  const parsed = parseBehaviourPatch(patch);
  if (!parsed.ok) throw new RangeError(`${parsed.field}: ${parsed.reason}`);
  return parsed.patch;
}

/** An in-memory SMSC speaking SMPP 3.4 on one port and JSON over HTTP on another. */
export class SmscSimulator {
  readonly #options: { smppPort: number; smppHost: string; httpPort: number; httpHost: string; systemId: string; password: string };
  readonly #tls: SmscTlsOptions | undefined;
  readonly #runtime: SmscRuntime;
  readonly #sessions: SmscSessions;
  readonly #inbox = new Inbox();
  readonly #ids = new MessageIdIssuer();
  readonly #receipts: ReceiptSender;
  readonly #disconnects: DisconnectSchedule;
  readonly #submits: SubmitHandler;
  readonly #outbound: OutboundRequests;
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
    const accounts = new Map([
      ...(options.accounts ?? []).map((account): [string, string] => [account.systemId, account.password]),
      [this.#options.systemId, this.#options.password],
    ]);
    this.#tls = options.tls;
    const initial: Record<string, unknown> = {};
    for (const key of Object.keys(DEFAULT_BEHAVIOUR) as (keyof SmscBehaviour)[]) {
      if (options[key] !== undefined) initial[key] = options[key];
    }
    const runtime = new SmscRuntime({ ...DEFAULT_BEHAVIOUR, ...checkedPatch(initial) }, options.logger ?? silentLogger);
    const sessions = new SmscSessions(runtime);
    this.#runtime = runtime;
    this.#sessions = sessions;
    this.#receipts = new ReceiptSender(runtime, sessions, this.#inbox);
    this.#disconnects = new DisconnectSchedule(runtime, sessions);
    this.#submits = new SubmitHandler({ runtime, sessions, inbox: this.#inbox, ids: this.#ids, receipts: this.#receipts, disconnects: this.#disconnects });
    const router = new CommandRouter(runtime, sessions, new BindHandler(runtime, sessions, this.#receipts, accounts), this.#submits);
    sessions.onPdu((session, pdu) => {
      router.handle(session, pdu);
    });
    this.#outbound = new OutboundRequests(runtime, sessions, this.#options.systemId);
  }

  /** Listens on both ports; resolves with the ports actually bound. */
  async start(): Promise<{ smppPort: number; httpPort: number }> {
    if (this.#smpp) throw new Error('SMSC simulator already started');
    const onSocket = (socket: Socket): void => {
      this.#sessions.accept(socket);
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
      this.#runtime.log.error({ err: error }, 'SMPP server error');
    });
    smpp.on('tlsClientError', (error: Error) => {
      this.#runtime.log.warn({ err: error }, 'TLS handshake failed');
    });
    const httpPort = await listen(http, this.#options.httpPort, this.#options.httpHost);
    http.on('error', (error) => {
      this.#runtime.log.error({ err: error }, 'HTTP server error');
    });
    this.#disconnects.arm();
    this.#runtime.log.info({ smppPort, httpPort, systemId: this.#options.systemId, tls: this.#tls !== undefined }, 'SMSC simulator listening');
    return { smppPort, httpPort };
  }

  /** Drops every session, cancels pending receipts and closes both ports. */
  async stop(): Promise<void> {
    this.#runtime.clearTimers();
    this.#disconnects.disarm();
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
    return this.#sessions.disconnectAll();
  }

  /**
   * Sends unbind to every bound session (SMPP 3.4 §4.2), waits for each unbind_resp and closes
   * the connections, as an SMSC going down for maintenance does. Resolves with how many there were.
   */
  async unbindAll(timeoutMs = 2000): Promise<number> {
    const bound = this.#sessions.all().filter((session) => session.mode !== undefined && !session.closing);
    await Promise.all(bound.map((session) => this.#sessions.unbind(session, timeoutMs)));
    return bound.length;
  }

  /** Sessions: how many are connected, and the bound ones (not those being dropped on schedule). */
  sessions(): { connected: number; bound: number; sessions: SessionInfo[] } {
    return this.#sessions.list();
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
    return { ...this.#runtime.stats };
  }

  /** Clears inbox, counters, queued receipts, submits in processing and behaviour (back to the constructor's); sessions stay bound. */
  reset(): void {
    this.#runtime.clearTimers();
    this.#disconnects.disarm();
    this.#sessions.forgetInFlight();
    this.#receipts.clear();
    this.#inbox.reset();
    this.#submits.resetThrottle();
    this.#runtime.reset();
    this.#ids.restartSequence();
    this.#disconnects.restartCount();
    if (this.#smpp) this.#disconnects.arm();
  }

  /** The current behaviour. */
  behaviour(): SmscBehaviour {
    return this.#runtime.behaviour;
  }

  /** Changes the fields present in `patch`; throws RangeError naming a field out of range. */
  updateBehaviour(patch: SmscBehaviourPatch): SmscBehaviour {
    const checked = checkedPatch(patch);
    const behaviour = this.#runtime.update(checked);
    if ('messageIdSequence' in checked) this.#ids.restartSequence();
    if ('disconnectAfterSubmits' in checked) this.#disconnects.restartCount();
    if ('disconnectEveryMs' in checked && this.#smpp) this.#disconnects.arm();
    return behaviour;
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
    const others = Object.entries(this.#runtime.behaviour.receiptsByDestination).filter(([destination]) => destination !== digits);
    this.updateBehaviour({ receiptsByDestination: Object.fromEntries(mode === null ? others : [...others, [digits, mode]]) });
  }

  /** Uses these modes, in order, for the next final receipts asked for (one per part), before any other rule. */
  queueReceipts(...modes: ReceiptMode[]): void {
    this.updateBehaviour({ nextReceipts: [...this.#runtime.behaviour.nextReceipts, ...modes] });
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
  sendMo(message: MoMessage, timeoutMs = 5000): Promise<number | undefined> {
    return this.#outbound.sendMo(message, timeoutMs);
  }

  /**
   * Sends a request PDU an SMSC may send (deliver_sm with odd fields, data_sm, enquire_link,
   * unbind …) to a bound receiving session, built from SMPP 3.4 field names (see
   * `namedPduBuilder`), so tests can hand-craft PDUs. Resolves with the response's
   * command_status, or undefined if none came; rejects with RangeError for a field the command
   * does not have, NoReceiverError when nothing can receive it.
   */
  injectPdu(command: string, fields: Record<string, unknown> = {}, timeoutMs = 2000): Promise<number | undefined> {
    return this.#outbound.injectPdu(command, fields, timeoutMs);
  }

  /**
   * Writes raw bytes (a hand-made, possibly malformed PDU) to a bound receiving session and waits
   * for a response with the sequence number found at octets 12-15, if any.
   */
  injectRaw(bytes: Buffer, timeoutMs = 500): Promise<number | undefined> {
    return this.#outbound.injectRaw(bytes, timeoutMs);
  }

  /**
   * Sends a named hostile PDU (see `INJECTION_KINDS`) to a bound session (a receiving one if
   * there is one) and reports what came back within `timeoutMs`: the answer, and whether the
   * connection closed. Rejects with NoReceiverError when nothing is bound.
   */
  injectMalformed(kind: InjectionKind, timeoutMs = 500): Promise<InjectionResult> {
    return this.#outbound.injectMalformed(kind, timeoutMs);
  }
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
