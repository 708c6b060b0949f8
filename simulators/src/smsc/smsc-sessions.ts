/**
 * The SMPP connections of one simulator: framing what arrives and answering what cannot be read,
 * correlating answers with the simulator's own requests (within `deliverWindow`), choosing the
 * bind a deliver_sm goes to, and closing links the ways SMSCs do (at once, after a flush, half
 * closed on schedule, or by unbind).
 */
import type { Socket } from 'node:net';
import { digitsOf } from './smsc-inbox.js';
import { CommandId, PduBodyError, PduFramer, encodePdu, encodeResponse, isResponseId, type RawPdu } from './smsc-pdu.js';
import type { SmscRuntime } from './smsc-runtime.js';
import { SmscStatus } from './smsc-status.js';

/** How an ESME bound (SMPP 3.4 §4.1). */
export type BindMode = 'transceiver' | 'transmitter' | 'receiver';

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

/** One connection and what the simulator knows of it. */
export interface SimSession {
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

/** Handles one complete PDU of a session; may throw (answered ESME_RINVCMDLEN for a PduBodyError, else ESME_RSYSERR). */
export type PduHandler = (session: SimSession, pdu: RawPdu) => void;

const DROP_FLUSH_LIMIT_MS = 1000;

/** address_range (§7.2) is a regular expression to most SMSCs; a literal to some. Loosely: either. */
function addressRangeMatches(range: string, digits: string): boolean {
  if (range === '') return false;
  try {
    return new RegExp(`^(?:${range})$`).test(digits);
  } catch {
    return digitsOf(range) === digits;
  }
}

/** Every connection, by socket. */
export class SmscSessions {
  readonly #runtime: SmscRuntime;
  readonly #sessions = new Map<Socket, SimSession>();
  #handle: PduHandler = () => undefined;
  #nextSessionId = 1;

  constructor(runtime: SmscRuntime) {
    this.#runtime = runtime;
  }

  /** Where complete PDUs go (the command router); set once, before the first connection. */
  onPdu(handle: PduHandler): void {
    this.#handle = handle;
  }

  /** Every session, connected or being dropped. */
  all(): SimSession[] {
    return [...this.#sessions.values()];
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** Sessions: how many are connected, and the bound ones (not those being dropped on schedule). */
  list(): { connected: number; bound: number; sessions: SessionInfo[] } {
    const bound = this.all().flatMap((session): SessionInfo[] =>
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

  /** Bound sessions of `systemId`, not being dropped. */
  boundAs(systemId: string): SimSession[] {
    return this.all().filter((session) => session.systemId === systemId && session.mode !== undefined && !session.closing);
  }

  /**
   * The preferred session if it can still receive, else a receiving session of `systemId` (any,
   * when undefined), one whose address_range matches `digits` first.
   */
  receiverFor(systemId: string | undefined, preferred?: SimSession, digits?: string, avoid?: SimSession): SimSession | undefined {
    const canReceive = (session: SimSession): boolean =>
      session !== avoid &&
      !session.closed &&
      !session.closing &&
      session.socket.writable &&
      (session.mode === 'transceiver' || session.mode === 'receiver') &&
      (systemId === undefined || session.systemId === systemId);
    if (preferred && this.#sessions.has(preferred.socket) && canReceive(preferred)) return preferred;
    const candidates = this.all().filter(canReceive);
    if (digits !== undefined) {
      const matching = candidates.find((session) => addressRangeMatches(session.addressRange, digits));
      if (matching) return matching;
    }
    return candidates[0];
  }

  /** Submits in processing are forgotten (`reset()`): their binds stay. */
  forgetInFlight(): void {
    for (const session of this.#sessions.values()) session.inFlight = 0;
  }

  /** Takes a new connection. */
  accept(socket: Socket): void {
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
      this.#runtime.log.warn({ session: session.id, err: error }, 'SMPP connection error');
    });
    socket.on('close', () => {
      session.closed = true;
      this.#sessions.delete(socket);
      for (const waiter of session.waiting.values()) waiter(undefined);
      session.waiting.clear();
      for (const queued of session.deliverQueue.splice(0)) queued(false);
      for (const observer of session.observers) observer(undefined);
      this.#runtime.log.debug({ session: session.id }, 'SMPP connection closed');
    });
  }

  #receive(session: SimSession, chunk: Buffer): void {
    for (const frame of session.framer.push(chunk)) {
      if (session.closing && !session.halfClosed) return;
      if (session.halfClosed && (frame.kind === 'bad-length' || frame.pdu.command !== 'submit_sm')) continue;
      if (frame.kind === 'bad-length') {
        // §3.2: once a command_length is wrong the stream cannot be framed again; nack and hang up.
        this.#runtime.stats.malformedReceived += 1;
        this.#runtime.log.warn({ session: session.id, length: frame.length }, 'bad command_length; closing');
        this.write(session, encodePdu(CommandId.generic_nack, SmscStatus.ESME_RINVCMDLEN, frame.sequence ?? 0));
        this.#dropAfterFlush(session);
        return;
      }
      const { pdu } = frame;
      try {
        this.#handle(session, pdu);
      } catch (error) {
        if (isResponseId(pdu.commandId)) continue; // never answer a response
        if (error instanceof PduBodyError) {
          this.#runtime.stats.malformedReceived += 1;
          this.#runtime.log.warn({ session: session.id, command: pdu.command, reason: error.message }, 'malformed PDU body');
          this.write(session, encodeResponse(pdu, SmscStatus.ESME_RINVCMDLEN));
        } else {
          this.#runtime.log.error({ session: session.id, command: pdu.command, err: error }, 'PDU handling failed');
          this.write(session, encodeResponse(pdu, SmscStatus.ESME_RSYSERR));
        }
      }
    }
  }

  /** Kills every connection at once without unbind, as a crashing SMSC would; returns how many there were. */
  disconnectAll(): number {
    const count = this.#sessions.size;
    for (const session of this.#sessions.values()) session.socket.destroy();
    return count;
  }

  /** Drops every connection once what was already answered has left, as a link failing right then would. */
  dropAll(reason: string): void {
    const sessions = this.all().filter((session) => !session.closing && !session.closed);
    if (sessions.length === 0) return;
    this.#runtime.stats.scheduledDisconnects += 1;
    this.#runtime.log.info({ reason, sessions: sessions.length }, 'closing every connection');
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

  /** Closes once everything written so far has left (at most a second later). */
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

  /** Sends unbind (§4.2), waits for unbind_resp and closes; resolves with the answer, undefined without one. */
  async unbind(session: SimSession, timeoutMs: number): Promise<RawPdu | undefined> {
    session.mode = undefined;
    this.#runtime.stats.unbindsSent += 1;
    const response = await this.request(session, (sequence) => encodePdu(CommandId.unbind, 0, sequence), timeoutMs);
    // §4.2: after unbind_resp the connection is closed.
    session.socket.end();
    const limit = setTimeout(() => session.socket.destroy(), DROP_FLUSH_LIMIT_MS);
    session.socket.once('close', () => {
      clearTimeout(limit);
    });
    return response;
  }

  /** The next sequence number of the simulator's own requests on `session`. */
  nextSequence(session: SimSession): number {
    // §5.1.4: sequence numbers run 0x00000001..0x7FFFFFFF.
    session.sequence = session.sequence >= 0x7fffffff ? 1 : session.sequence + 1;
    return session.sequence;
  }

  /** Sends a request within the session's deliver window; resolves with its answer, undefined without one. */
  request(session: SimSession, build: (sequence: number) => Buffer, timeoutMs: number): Promise<RawPdu | undefined> {
    const window = this.#runtime.behaviour.deliverWindow;
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
    const sequence = this.nextSequence(session);
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
      this.write(session, bytes);
    });
  }

  /** Writes unless the socket can no longer be written. */
  write(session: SimSession, bytes: Buffer): void {
    if (session.socket.writable) session.socket.write(bytes);
  }
}
