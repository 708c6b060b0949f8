/**
 * One TCP (or TLS) connection to an SMSC and its bind: sequence numbers, request/response
 * correlation, a window of outstanding requests, per-request timers, and knowing whether a
 * request reached the socket before the link died. Reconnecting is the provider's job; a session
 * lives exactly as long as its socket.
 */
import type { ConnectionOptions } from 'node:tls';
import {
  connectWire,
  createPdu,
  formatCommandStatus,
  isResponse,
  MalformedPduError,
  type Pdu,
  type WireSession,
} from './smpp-wire.js';

/** Why a request got no (usable) response. */
export type SessionRequestReason = 'not-writable' | 'closed' | 'timeout' | 'malformed-response';

/**
 * Why a request got no usable response. `written` false means the SMSC cannot have received it
 * (never handed to the socket, still waiting for a window slot, or its write failed), so it is safe
 * to send again; true means it may have been received and acted on: its write callback succeeded,
 * or its write was still in progress when the timer fired (those bytes may yet leave).
 */
export class SessionRequestError extends Error {
  readonly reason: SessionRequestReason;
  readonly written: boolean;

  constructor(reason: SessionRequestReason, written: boolean, options?: { cause?: unknown }) {
    super(`SMPP request ${reason}${written ? ' after it was written' : ' before it was written'}`, options);
    this.name = 'SessionRequestError';
    this.reason = reason;
    this.written = written;
  }
}

/** The bind PDU a session sends (SMPP 3.4 §4.1). */
export type BindType = 'transceiver' | 'transmitter' | 'receiver';

/** The SMSC answered the bind with a non-zero command_status (SMPP 3.4 §4.1). */
export class BindRefusedError extends Error {
  readonly commandStatus: number;
  /** The bind command that was refused (`bind_transmitter` …). */
  readonly command: string;

  constructor(commandStatus: number, command = 'bind_transceiver') {
    super(`${command} refused: ${formatCommandStatus(commandStatus)}`);
    this.name = 'BindRefusedError';
    this.commandStatus = commandStatus;
    this.command = command;
  }
}

/** A generic_nack that answers none of our pending requests (sequence 0 or unknown, SMPP 3.4 §4.3). */
export class UnexpectedGenericNackError extends Error {
  readonly commandStatus: number;
  readonly sequenceNumber: number;
  readonly pdu: Pdu;

  constructor(pdu: Pdu) {
    super(`generic_nack ${formatCommandStatus(pdu.command_status)} for sequence_number ${pdu.sequence_number}, which no pending request has`);
    this.name = 'UnexpectedGenericNackError';
    this.commandStatus = pdu.command_status;
    this.sequenceNumber = pdu.sequence_number;
    this.pdu = pdu;
  }
}

/** Something the SMSC got wrong that did not cost the connection. */
export type SessionProtocolError = MalformedPduError | UnexpectedGenericNackError;

/** How to reach and bind to the SMSC, and who handles what it sends unasked. */
export interface SmppSessionOptions {
  readonly host: string;
  readonly port: number;
  /** TLS options (`ca`, `servername` …); given (even `{}`), the session connects over TLS. */
  readonly tls?: ConnectionOptions | undefined;
  readonly systemId: string;
  readonly password: string;
  readonly systemType?: string | undefined;
  /** Default transceiver. A receiver bind cannot submit; a transmitter gets no deliver_sm. */
  readonly bindType?: BindType | undefined;
  /** SMPP 3.4 §5.2.7 address_range (a regular expression of MSISDNs the SMSC routes to us); default empty. */
  readonly addressRange?: string | undefined;
  /** addr_ton of the bind (§5.2.5); default 0. */
  readonly addrTon?: number | undefined;
  /** addr_npi of the bind (§5.2.6); default 0. */
  readonly addrNpi?: number | undefined;
  readonly bindTimeoutMs: number;
  /** Most requests awaiting a response at once; later ones wait for a slot in order. Default 10. */
  readonly windowSize?: number | undefined;
  /** Largest command_length accepted from the SMSC; default 65 536. */
  readonly maxPduLength?: number | undefined;
  /** Requests from the SMSC (deliver_sm, enquire_link, unbind …). Must not throw. */
  readonly onRequest: (session: SmppSession, pdu: Pdu) => void;
  /** Runs once when the socket is gone, for whatever reason. */
  readonly onClose: (session: SmppSession, error: Error | undefined) => void;
  /** A response nobody waits for any more (late after a timeout, or never asked for). */
  readonly onStrayResponse?: (pdu: Pdu) => void;
  /**
   * Visible but not fatal: an unparseable request (already answered with generic_nack), an
   * unparseable response nobody waits for, a generic_nack matching no request. Must not throw.
   * Without it, an unmatched generic_nack goes to `onStrayResponse`.
   */
  readonly onProtocolError?: (session: SmppSession, error: SessionProtocolError) => void;
}

/** Per-request choices. */
export interface RequestOptions {
  /**
   * Send at once even when the window is full. For unbind and keepalives: an enquire_link
   * queued behind slow submits would time out and take a working bind down with it.
   */
  readonly bypassWindow?: boolean | undefined;
}

/**
 * Where a request stands. `writing`: handed to the socket, write callback not yet called; its
 * bytes may still leave, so it counts as written if its timer fires now.
 */
type RequestState = 'queued' | 'writing' | 'written';

interface PendingRequest {
  state: RequestState;
  sequence: number;
  readonly pdu: Pdu;
  readonly bytes: Buffer;
  readonly resolve: (pdu: Pdu) => void;
  readonly reject: (error: SessionRequestError) => void;
  timer: NodeJS.Timeout | undefined;
}

// SMPP 3.4 §5.1.4: sequence numbers run 0x00000001..0x7FFFFFFF.
const MAX_SEQUENCE = 0x7fffffff;
const DEFAULT_WINDOW_SIZE = 10;

/** A connected (and, once `bind()` resolved, bound) session. */
export class SmppSession {
  readonly #wire: WireSession;
  readonly #options: SmppSessionOptions;
  readonly #windowSize: number;
  /** Requests handed to the socket and awaiting a response, by sequence_number. */
  readonly #pending = new Map<number, PendingRequest>();
  /** Requests waiting for a window slot, oldest first. */
  readonly #queue = new Set<PendingRequest>();
  #sequence = 0;
  #closed = false;
  /** Set by close()/unbind(): no new requests, queued ones are dropped. */
  #draining = false;
  #unbinding: Promise<boolean> | undefined;
  #lastError: Error | undefined;
  readonly #connected: Promise<void>;

  /** Starts connecting at once; call `bind()` to finish. Throws RangeError for a bad windowSize. */
  constructor(options: SmppSessionOptions) {
    const windowSize = options.windowSize ?? DEFAULT_WINDOW_SIZE;
    if (!Number.isInteger(windowSize) || windowSize < 1) throw new RangeError(`windowSize must be a positive integer, got ${windowSize}`);
    this.#windowSize = windowSize;
    this.#options = options;
    this.#wire = connectWire({ host: options.host, port: options.port, tls: options.tls, maxPduLength: options.maxPduLength });
    this.#connected = new Promise((resolve, reject) => {
      this.#wire.on('connect', resolve);
      this.#wire.on('close', () => {
        reject(this.#lastError ?? new Error('connection closed before it was established'));
      });
    });
    // Keep an unobserved rejection from surfacing when bind() is never called.
    this.#connected.catch(() => undefined);
    this.#wire.on('error', (error) => {
      // Socket errors are followed by 'close'; a MalformedPduError (framing lost) destroys the
      // socket. Either way the only way on is a new connection.
      this.#lastError = error;
      this.destroy();
    });
    this.#wire.on('close', () => {
      this.#handleClose();
    });
    this.#wire.on('pdu', (pdu) => {
      this.#handlePdu(pdu);
    });
    this.#wire.on('protocolError', (error) => {
      this.#handleProtocolError(error);
    });
  }

  /** True until the socket closed. */
  get open(): boolean {
    return !this.#closed;
  }

  /** The bind this session sends (or sent). */
  get bindType(): BindType {
    return this.#options.bindType ?? 'transceiver';
  }

  /** Requests handed to the socket and awaiting a response. */
  get outstanding(): number {
    return this.#pending.size;
  }

  /** Requests waiting for a window slot. */
  get queued(): number {
    return this.#queue.size;
  }

  /** The most requests awaiting a response at once. */
  get windowSize(): number {
    return this.#windowSize;
  }

  /**
   * Waits for the connection (and TLS handshake), then binds (SMPP 3.4 §4.1), both within
   * `bindTimeoutMs`. Any failure destroys the connection: an SMSC that never answers must not be
   * left holding a half-open session (many allow only a few per system_id).
   */
  async bind(): Promise<void> {
    try {
      await this.#bind();
    } catch (error) {
      this.destroy();
      throw error;
    }
  }

  async #bind(): Promise<void> {
    const command = `bind_${this.bindType}`;
    const timeoutMs = this.#options.bindTimeoutMs;
    const deadline = Date.now() + timeoutMs;
    const timer = setTimeout(() => {
      this.#lastError = new Error(`no connection within ${timeoutMs} ms`);
      this.destroy();
    }, timeoutMs);
    try {
      await this.#connected;
    } finally {
      clearTimeout(timer);
    }
    let response: Pdu;
    try {
      response = await this.request(
        createPdu(command, {
          system_id: this.#options.systemId,
          password: this.#options.password,
          system_type: this.#options.systemType ?? '',
          interface_version: 0x34,
          addr_ton: this.#options.addrTon ?? 0,
          addr_npi: this.#options.addrNpi ?? 0,
          address_range: this.#options.addressRange ?? '',
        }),
        Math.max(1, deadline - Date.now()),
      );
    } catch (error) {
      if (error instanceof SessionRequestError && error.reason === 'timeout') {
        throw new Error(`no ${command}_resp within ${timeoutMs} ms`, { cause: error });
      }
      throw error;
    }
    // A generic_nack (§4.3) refuses the bind as much as a bind_*_resp with an error does.
    if (response.command_status !== 0 || response.command === 'generic_nack') {
      throw new BindRefusedError(response.command_status, command);
    }
  }

  /**
   * Sends a request and resolves with its response, whatever its command_status (a generic_nack
   * carrying its sequence_number included). Waits for a window slot first when `windowSize`
   * requests are outstanding; that wait counts against `timeoutMs`. Rejects with
   * `SessionRequestError` when no usable response comes; a PDU that cannot be encoded throws at once.
   * The sequence_number is assigned when the PDU leaves the queue (set on `pdu` then).
   */
  request(pdu: Pdu, timeoutMs: number, options: RequestOptions = {}): Promise<Pdu> {
    const bytes = pdu.toBuffer();
    return new Promise((resolve, reject) => {
      if (this.#closed || this.#draining || !this.#wire.socket.writable) {
        reject(new SessionRequestError('not-writable', false));
        return;
      }
      const entry: PendingRequest = { state: 'queued', sequence: 0, pdu, bytes, resolve, reject, timer: undefined };
      entry.timer = setTimeout(() => {
        this.#expire(entry);
      }, timeoutMs);
      if (options.bypassWindow || (this.#queue.size === 0 && this.#pending.size < this.#windowSize)) {
        this.#write(entry);
      } else {
        this.#queue.add(entry);
      }
    });
  }

  /** Sends a response (or any PDU that expects none); a closed socket silently drops it. */
  respond(pdu: Pdu): void {
    if (this.#closed || !this.#wire.socket.writable) return;
    this.#wire.socket.write(pdu.toBuffer());
  }

  /**
   * Unbinds cleanly (SMPP 3.4 §4.2): requests still waiting for a window slot are rejected (not
   * written) and no new ones are taken; unbind is sent at once and answered within `timeoutMs`;
   * then the socket is ended and given another `timeoutMs` to close. Requests already written keep
   * their responses coming until then. Resolves true when the SMSC acknowledged the unbind.
   */
  unbind(timeoutMs: number): Promise<boolean> {
    this.#unbinding ??= this.#unbind(timeoutMs);
    return this.#unbinding;
  }

  async #unbind(timeoutMs: number): Promise<boolean> {
    if (this.#closed) return false;
    const sending = this.request(createPdu('unbind'), timeoutMs, { bypassWindow: true });
    this.#drain();
    let acknowledged = false;
    try {
      const response = await sending;
      acknowledged = response.command === 'unbind_resp' && response.command_status === 0;
    } catch {
      // No unbind_resp: the SMSC is gone or deaf; end the connection all the same.
    }
    await this.close(timeoutMs);
    return acknowledged;
  }

  /**
   * Half-closes after pending writes (normally after unbind); resolves when the socket is gone or
   * `graceMs` passed (then it is destroyed). Requests waiting for a window slot are rejected.
   */
  async close(graceMs: number): Promise<void> {
    if (this.#closed) return;
    this.#drain();
    const closed = new Promise<void>((resolve) => {
      this.#wire.on('close', resolve);
    });
    this.#wire.socket.end();
    const timer = setTimeout(() => {
      this.destroy();
    }, graceMs);
    await closed;
    clearTimeout(timer);
  }

  /** Drops the connection now. */
  destroy(): void {
    this.#wire.destroy();
  }

  #nextSequence(): number {
    do {
      this.#sequence = this.#sequence >= MAX_SEQUENCE ? 1 : this.#sequence + 1;
      // After a wrap, skip a number an ancient request still waits on.
    } while (this.#pending.has(this.#sequence));
    return this.#sequence;
  }

  #write(entry: PendingRequest): void {
    entry.sequence = this.#nextSequence();
    entry.pdu.sequence_number = entry.sequence;
    entry.bytes.writeUInt32BE(entry.sequence, 12); // SMPP 3.4 §3.2: sequence_number is octets 12-15
    entry.state = 'writing';
    this.#pending.set(entry.sequence, entry);
    this.#wire.socket.write(entry.bytes, (error) => {
      if (!error) {
        if (entry.state === 'writing') entry.state = 'written';
        return;
      }
      // A failed callback does not prove the SMSC lacks the PDU: Node flushes buffered writes in
      // batches (writev) and fails the whole batch, though its first PDUs may have gone out
      // whole. So it counts as written: outcome unknown, never resent. (Requests still waiting
      // for a window slot, and writes refused before they start, are the safe-to-resend ones.)
      if (this.#settle(entry)) entry.reject(new SessionRequestError('not-writable', true, { cause: error }));
    });
  }

  /** Removes a request from the window or queue; false when it was settled already. */
  #settle(entry: PendingRequest): boolean {
    clearTimeout(entry.timer);
    if (entry.state === 'queued') return this.#queue.delete(entry);
    if (this.#pending.get(entry.sequence) !== entry) return false;
    this.#pending.delete(entry.sequence);
    this.#pump();
    return true;
  }

  #expire(entry: PendingRequest): void {
    const written = entry.state !== 'queued';
    if (this.#settle(entry)) entry.reject(new SessionRequestError('timeout', written));
  }

  /** Fills free window slots from the queue, oldest first. */
  #pump(): void {
    while (this.#pending.size < this.#windowSize && !this.#closed) {
      const next = this.#queue.values().next();
      if (next.done) return;
      this.#queue.delete(next.value);
      if (this.#draining || !this.#wire.socket.writable) {
        clearTimeout(next.value.timer);
        next.value.reject(new SessionRequestError('not-writable', false));
        continue;
      }
      this.#write(next.value);
    }
  }

  /** Stops taking requests and rejects those waiting for a slot: they were never sent. */
  #drain(): void {
    this.#draining = true;
    this.#rejectQueued('closed');
  }

  #rejectQueued(reason: SessionRequestReason): void {
    for (const entry of this.#queue) {
      this.#queue.delete(entry);
      clearTimeout(entry.timer);
      entry.reject(new SessionRequestError(reason, false, { cause: this.#lastError }));
    }
  }

  #handlePdu(pdu: Pdu): void {
    // The wire turns an exception here into a reset connection; still, never throw.
    try {
      if (!isResponse(pdu)) {
        this.#options.onRequest(this, pdu);
        return;
      }
      const entry = this.#pending.get(pdu.sequence_number);
      if (!entry) {
        if (pdu.command === 'generic_nack' && this.#options.onProtocolError) {
          this.#options.onProtocolError(this, new UnexpectedGenericNackError(pdu));
        } else {
          this.#options.onStrayResponse?.(pdu);
        }
        return;
      }
      this.#settle(entry);
      entry.resolve(pdu);
    } catch (error) {
      this.#lastError = error instanceof Error ? error : new Error(String(error));
      this.destroy();
    }
  }

  #handleProtocolError(error: MalformedPduError): void {
    try {
      const entry = error.isResponse && error.sequenceNumber !== undefined ? this.#pending.get(error.sequenceNumber) : undefined;
      if (entry) {
        // The SMSC saw the request and answered something we cannot read: outcome unknown. The
        // stream may be desynchronised in ways framing cannot see, so start over.
        this.#settle(entry);
        entry.reject(new SessionRequestError('malformed-response', true, { cause: error }));
        this.#lastError = error;
        this.destroy();
        return;
      }
      this.#options.onProtocolError?.(this, error);
    } catch (thrown) {
      this.#lastError = thrown instanceof Error ? thrown : new Error(String(thrown));
      this.destroy();
    }
  }

  #handleClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#rejectQueued('closed');
    for (const [sequence, entry] of this.#pending) {
      this.#pending.delete(sequence);
      clearTimeout(entry.timer);
      // Node calls failed write callbacks before 'close', so `writing` is unexpected here; if it
      // happens, the bytes may have left: report written.
      entry.reject(new SessionRequestError('closed', entry.state !== 'queued', { cause: this.#lastError }));
    }
    this.#options.onClose(this, this.#lastError);
  }
}
