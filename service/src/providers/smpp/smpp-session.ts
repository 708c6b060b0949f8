/**
 * One TCP connection to an SMSC and its bind: sequence numbers, request/response correlation,
 * per-request timers, and knowing whether a request reached the socket before the link died.
 * Reconnecting is the provider's job; a session lives exactly as long as its socket.
 */
import { connectWire, createPdu, formatCommandStatus, isResponse, type Pdu, type WireSession } from './smpp-wire.js';

/** Why a request got no response. `written` says whether its bytes left for the SMSC. */
export class SessionRequestError extends Error {
  readonly reason: 'not-writable' | 'closed' | 'timeout';
  readonly written: boolean;

  constructor(reason: 'not-writable' | 'closed' | 'timeout', written: boolean, options?: { cause?: unknown }) {
    super(`SMPP request ${reason}${written ? ' after it was written' : ' before it was written'}`, options);
    this.name = 'SessionRequestError';
    this.reason = reason;
    this.written = written;
  }
}

/** The SMSC answered the bind with a non-zero command_status (SMPP 3.4 §4.1). */
export class BindRefusedError extends Error {
  readonly commandStatus: number;

  constructor(commandStatus: number) {
    super(`bind_transceiver refused: ${formatCommandStatus(commandStatus)}`);
    this.name = 'BindRefusedError';
    this.commandStatus = commandStatus;
  }
}

/** How to reach and bind to the SMSC, and who handles what it sends unasked. */
export interface SmppSessionOptions {
  readonly host: string;
  readonly port: number;
  readonly systemId: string;
  readonly password: string;
  readonly systemType?: string | undefined;
  readonly bindTimeoutMs: number;
  /** Requests from the SMSC (deliver_sm, enquire_link, unbind …). Must not throw. */
  readonly onRequest: (session: SmppSession, pdu: Pdu) => void;
  /** Runs once when the socket is gone, for whatever reason. */
  readonly onClose: (session: SmppSession, error: Error | undefined) => void;
  /** A response nobody waits for any more (late after a timeout, or never asked for). */
  readonly onStrayResponse?: (pdu: Pdu) => void;
}

interface PendingRequest {
  written: boolean;
  readonly resolve: (pdu: Pdu) => void;
  readonly reject: (error: SessionRequestError) => void;
  timer: NodeJS.Timeout | undefined;
}

// SMPP 3.4 §5.1.4: sequence numbers run 0x00000001..0x7FFFFFFF.
const MAX_SEQUENCE = 0x7fffffff;

/** A connected (and, once `bind()` resolved, bound) transceiver session. */
export class SmppSession {
  readonly #wire: WireSession;
  readonly #options: SmppSessionOptions;
  readonly #pending = new Map<number, PendingRequest>();
  #sequence = 0;
  #closed = false;
  #lastError: Error | undefined;
  readonly #connected: Promise<void>;

  /** Starts connecting at once; call `bind()` to finish. */
  constructor(options: SmppSessionOptions) {
    this.#options = options;
    this.#wire = connectWire(options.host, options.port);
    this.#connected = new Promise((resolve, reject) => {
      this.#wire.on('connect', () => {
        // STACK-NOTES: with Nagle on, small PDUs wait on the SMSC's delayed ACKs.
        this.#wire.socket.setNoDelay(true);
        resolve();
      });
      this.#wire.on('close', () => {
        reject(this.#lastError ?? new Error('connection closed before it was established'));
      });
    });
    // Keep an unobserved rejection from surfacing when bind() is never called.
    this.#connected.catch(() => undefined);
    this.#wire.on('error', (error) => {
      // Socket errors are followed by 'close'; parse errors (a desynchronised stream) are not,
      // and the library stops reading after one, so the only way on is a new connection.
      this.#lastError = error;
      this.destroy();
    });
    this.#wire.on('close', () => {
      this.#handleClose();
    });
    this.#wire.on('pdu', (pdu) => {
      this.#handlePdu(pdu);
    });
  }

  /** True until the socket closed. */
  get open(): boolean {
    return !this.#closed;
  }

  /**
   * Waits for the TCP connection, then binds as transceiver (SMPP 3.4 §4.1.5), both within
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
        createPdu('bind_transceiver', {
          system_id: this.#options.systemId,
          password: this.#options.password,
          system_type: this.#options.systemType ?? '',
          interface_version: 0x34,
        }),
        Math.max(1, deadline - Date.now()),
      );
    } catch (error) {
      if (error instanceof SessionRequestError && error.reason === 'timeout') {
        throw new Error(`no bind_transceiver_resp within ${timeoutMs} ms`, { cause: error });
      }
      throw error;
    }
    if (response.command_status !== 0) throw new BindRefusedError(response.command_status);
  }

  /**
   * Sends a request and resolves with its response (whatever its command_status). Rejects with
   * `SessionRequestError` when no response comes; a PDU that cannot be encoded throws at once.
   */
  request(pdu: Pdu, timeoutMs: number): Promise<Pdu> {
    pdu.sequence_number = this.#nextSequence();
    const bytes = pdu.toBuffer();
    return new Promise((resolve, reject) => {
      const socket = this.#wire.socket;
      if (this.#closed || !socket.writable) {
        reject(new SessionRequestError('not-writable', false));
        return;
      }
      const sequence = pdu.sequence_number;
      const entry: PendingRequest = { written: false, resolve, reject, timer: undefined };
      entry.timer = setTimeout(() => {
        this.#pending.delete(sequence);
        reject(new SessionRequestError('timeout', entry.written));
      }, timeoutMs);
      this.#pending.set(sequence, entry);
      socket.write(bytes, (error) => {
        if (!error) entry.written = true;
      });
    });
  }

  /** Sends a response (or any PDU that expects none); a closed socket silently drops it. */
  respond(pdu: Pdu): void {
    if (this.#closed || !this.#wire.socket.writable) return;
    this.#wire.socket.write(pdu.toBuffer());
  }

  /** Half-closes after pending writes (after unbind); resolves when the socket is gone or `graceMs` passed. */
  async close(graceMs: number): Promise<void> {
    if (this.#closed) return;
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
    this.#sequence = this.#sequence >= MAX_SEQUENCE ? 1 : this.#sequence + 1;
    return this.#sequence;
  }

  #handlePdu(pdu: Pdu): void {
    // An exception here would escape into the library's read loop and stall it; never throw.
    try {
      if (!isResponse(pdu)) {
        this.#options.onRequest(this, pdu);
        return;
      }
      const entry = this.#pending.get(pdu.sequence_number);
      if (!entry) {
        this.#options.onStrayResponse?.(pdu);
        return;
      }
      this.#pending.delete(pdu.sequence_number);
      clearTimeout(entry.timer);
      entry.resolve(pdu);
    } catch (error) {
      this.#lastError = error instanceof Error ? error : new Error(String(error));
      this.destroy();
    }
  }

  #handleClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const [sequence, entry] of this.#pending) {
      this.#pending.delete(sequence);
      clearTimeout(entry.timer);
      entry.reject(new SessionRequestError('closed', entry.written, { cause: this.#lastError }));
    }
    this.#options.onClose(this, this.#lastError);
  }
}
