/**
 * One bind of a provider and its life: connect and bind, keep it alive with enquire_link, and
 * rebind with backoff when it drops. A provider holds several (transceivers, or transmitter +
 * receiver pairs); each lives and fails on its own, so one dead connection never stops the rest.
 */
import type { ConnectionOptions } from 'node:tls';
import { ProviderError } from '../../shared/errors.js';
import type { BindStatus } from '../channel-provider.js';
import type { Logger } from '../../shared/logger.js';
import { OutageLog } from '../../shared/outage-log.js';
import { BindRefusedError, SmppSession, type BindType, type SessionProtocolError } from './smpp-session.js';
import { CommandStatus, createPdu, formatCommandStatus, type Pdu } from './smpp-wire.js';

/** Where and how one bind connects. */
export interface SmppBindTarget {
  readonly host: string;
  readonly port: number;
  readonly tls?: ConnectionOptions | undefined;
  readonly systemId: string;
  readonly password: string;
  readonly systemType?: string | undefined;
  readonly addressRange?: string | undefined;
  readonly addrTon?: number | undefined;
  readonly addrNpi?: number | undefined;
  readonly windowSize: number;
}

/** The timings of a bind's life, in milliseconds. */
export interface SmppBindTimings {
  readonly enquireLinkIntervalMs: number;
  readonly enquireLinkTimeoutMs: number;
  readonly bindTimeoutMs: number;
  readonly unbindTimeoutMs: number;
  readonly reconnectMinMs: number;
  readonly reconnectMaxMs: number;
  readonly stableBindMs: number;
}

export interface SmppBindOptions {
  /** Provider name, for errors and logs. */
  readonly provider: string;
  /** Stable within the provider: `trx-1`, `tx-2`, `rx-2`. */
  readonly id: string;
  readonly bindType: BindType;
  readonly target: SmppBindTarget;
  readonly timings: SmppBindTimings;
  /** Requests from the SMSC other than enquire_link and unbind (deliver_sm, data_sm …). */
  readonly onRequest: (session: SmppSession, pdu: Pdu) => void;
  /** A response nobody waits for any more (a late submit_sm_resp), with the session it came on. */
  readonly onStrayResponse: (session: SmppSession, pdu: Pdu) => void;
  /** Something the SMSC got wrong, fatal to the connection or not. */
  readonly onProtocolError: (kind: string, error: Error) => void;
  /** The bind is up (first time or after a rebind): queued work may go. */
  readonly onBound: () => void;
  readonly logger: Logger;
}

// Bind refusals that only a configuration change can cure; rebinding with the same credentials
// gets accounts locked at some carriers. Every other refusal (ESME_RBINDFAIL, ESME_RALYBND,
// ESME_RSYSERR, ESME_RTHROTTLED, vendor codes) may clear up by itself and is retried.
const PERMANENT_BIND_STATUSES: ReadonlySet<number> = new Set([
  CommandStatus.ESME_RINVPASWD,
  CommandStatus.ESME_RINVSYSID,
  CommandStatus.ESME_RINVSYSTYP,
]);

export class SmppBind {
  readonly id: string;
  readonly bindType: BindType;
  readonly #options: SmppBindOptions;
  #state: BindStatus['state'] = 'disconnected';
  #since = new Date();
  #session: SmppSession | undefined;
  #connecting: SmppSession | undefined;
  #enquireTimer: NodeJS.Timeout | undefined;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #reconnectAttempt = 0;
  readonly #outage: OutageLog;
  #boundAt = 0;
  #lastError = '';
  #lastBindError: ProviderError | undefined;
  #started = false;

  constructor(options: SmppBindOptions) {
    this.id = options.id;
    this.bindType = options.bindType;
    this.#options = options;
    this.#outage = new OutageLog(options.logger, { provider: options.provider, bind: options.id });
  }

  get state(): BindStatus['state'] {
    return this.#state;
  }

  /** The bound session, if the bind is up. */
  get session(): SmppSession | undefined {
    return this.#state === 'bound' && this.#session?.open ? this.#session : undefined;
  }

  /** True when it is up and may submit (a receiver bind never may). */
  get canSubmit(): boolean {
    return this.bindType !== 'receiver' && this.session !== undefined;
  }

  /** Why the last bind attempt failed; cleared by a successful bind. */
  get lastBindError(): ProviderError | undefined {
    return this.#lastBindError;
  }

  status(): BindStatus {
    return {
      id: this.id,
      bindType: this.bindType,
      state: this.#state,
      outstanding: this.#session?.outstanding ?? 0,
      since: this.#since,
      lastError: this.#lastError,
    };
  }

  /**
   * Connects and binds once. Resolves when bound; from then on a dropped bind is re-established
   * in the background until `stop()` or a permanent refusal. Rejects with a permanent
   * `ProviderError` when the SMSC refuses the credentials, a retryable one otherwise; the
   * connection is gone then, and start() may be called again.
   */
  async start(): Promise<void> {
    if (this.#state === 'stopped') throw new ProviderError(`${this.#options.provider}: bind ${this.id} was stopped`, { retryable: false });
    if (this.#started) return;
    this.#started = true;
    try {
      await this.#connect();
    } catch (error) {
      this.#started = false;
      if (!this.#isStopped()) this.#setState('disconnected');
      throw this.#bindFailed(error);
    }
  }

  /**
   * After a failed start(): keep rebinding in the background (the provider is up on its other
   * binds). A permanent refusal still ends the retrying.
   */
  keepTrying(): void {
    if (this.#state === 'stopped' || this.#started) return;
    this.#started = true;
    this.#scheduleReconnect();
  }

  /**
   * After the provider's start failed as a whole (no bind can submit): close this bind too, even
   * if it came up (a receiver of a pair whose transmitter was refused), so a retried start()
   * does not leave bound sockets behind that use up the SMSC's binds per system_id.
   */
  async reset(): Promise<void> {
    clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
    this.#started = false;
    this.#stopEnquireLink();
    this.#connecting?.destroy();
    this.#connecting = undefined;
    const session = this.#session;
    this.#session = undefined;
    if (this.#state !== 'stopped') this.#setState('disconnected');
    if (session?.open) await session.unbind(this.#options.timings.unbindTimeoutMs);
  }

  /** Unbinds (SMPP 3.4 §4.2) and closes; answers to requests already written still arrive meanwhile. */
  async stop(): Promise<void> {
    if (this.#state === 'stopped') return;
    this.#setState('stopped');
    clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
    this.#stopEnquireLink();
    this.#connecting?.destroy();
    this.#connecting = undefined;
    const session = this.#session;
    this.#session = undefined;
    if (session?.open) {
      const acknowledged = await session.unbind(this.#options.timings.unbindTimeoutMs);
      this.#options.logger.debug({ provider: this.#options.provider, bind: this.id, acknowledged }, 'unbound');
    }
  }

  // A method, not a field read, so TypeScript does not narrow it away across awaits.
  #isStopped(): boolean {
    return this.#state === 'stopped';
  }

  #setState(state: BindStatus['state']): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#since = new Date();
  }

  async #connect(): Promise<void> {
    this.#setState('connecting');
    const { target } = this.#options;
    const session = new SmppSession({
      host: target.host,
      port: target.port,
      tls: target.tls,
      systemId: target.systemId,
      password: target.password,
      systemType: target.systemType,
      bindType: this.bindType,
      addressRange: target.addressRange,
      addrTon: target.addrTon,
      addrNpi: target.addrNpi,
      windowSize: target.windowSize,
      bindTimeoutMs: this.#options.timings.bindTimeoutMs,
      onRequest: (from, pdu) => {
        this.#handleRequest(from, pdu);
      },
      onClose: (closed, error) => {
        this.#handleClose(closed, error);
      },
      onStrayResponse: (pdu) => {
        this.#options.onStrayResponse(session, pdu);
      },
      onProtocolError: (_from, error: SessionProtocolError) => {
        this.#lastError = error.message;
        this.#options.onProtocolError(error.name, error);
      },
    });
    this.#connecting = session;
    try {
      await session.bind();
    } finally {
      if (this.#connecting === session) this.#connecting = undefined;
    }
    if (this.#isStopped()) {
      session.destroy();
      throw new ProviderError(`${this.#options.provider}: stopped while binding`, { retryable: true });
    }
    if (!session.open) throw new ProviderError(`${this.#options.provider}: connection closed right after bind`, { retryable: true });
    this.#session = session;
    this.#setState('bound');
    this.#boundAt = Date.now();
    this.#lastBindError = undefined;
    this.#startEnquireLink(session);
    const where = { host: target.host, port: target.port, tls: target.tls !== undefined };
    if (this.#outage.failures > 0) this.#outage.recovered(`SMPP bound as ${this.bindType} again`, where);
    else this.#options.logger.info({ provider: this.#options.provider, bind: this.id, ...where }, `SMPP bound as ${this.bindType}`);
    this.#options.onBound();
  }

  #handleRequest(session: SmppSession, pdu: Pdu): void {
    switch (pdu.command) {
      case 'enquire_link':
        session.respond(pdu.response());
        return;
      case 'unbind':
        // SMPP 3.4 §4.2: answer, then close; the close handler rebinds. Answers to requests
        // already written may still be in flight: they are lost with the socket and those
        // submits end as outcome unknown, never resent.
        this.#lastError = 'the SMSC unbound us';
        session.respond(pdu.response());
        void session.close(this.#options.timings.unbindTimeoutMs);
        return;
      default:
        this.#options.onRequest(session, pdu);
    }
  }

  #handleClose(session: SmppSession, error: Error | undefined): void {
    if (this.#session !== session) return; // a failed bind attempt; #connect's caller handles it
    this.#session = undefined;
    this.#stopEnquireLink();
    if (this.#state === 'stopped') return;
    this.#setState('disconnected');
    if (error) {
      this.#lastError = error.message;
      if (error.name === 'MalformedPduError') this.#options.onProtocolError(error.name, error);
    }
    // Only a bind that stayed up earns a fast retry: an SMSC that accepts the bind and drops it
    // at once would otherwise be rebound every reconnectMinMs forever.
    const upMs = Date.now() - this.#boundAt;
    if (upMs >= this.#options.timings.stableBindMs) this.#reconnectAttempt = 0;
    this.#options.logger.warn({ provider: this.#options.provider, bind: this.id, err: error, upMs }, 'SMPP bind lost; reconnecting');
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#state === 'stopped' || this.#reconnectTimer !== undefined) return;
    const { reconnectMinMs, reconnectMaxMs } = this.#options.timings;
    // Exponential backoff with "equal jitter": half fixed, half random, so that many binds to one
    // SMSC do not all rebind in the same instant after it restarts.
    const ceiling = Math.min(reconnectMaxMs, reconnectMinMs * 2 ** this.#reconnectAttempt);
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.#reconnectAttempt += 1;
    this.#options.logger.debug({ provider: this.#options.provider, bind: this.id, attempt: this.#reconnectAttempt, retryInMs: Math.round(delay) }, 'SMPP rebind scheduled');
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      this.#connect().catch((error: unknown) => {
        if (this.#isStopped()) return;
        this.#setState('disconnected');
        const failure = this.#bindFailed(error);
        if (!failure.retryable) {
          // Terminal until someone fixes the settings and the provider is started again.
          this.#started = false;
          this.#options.logger.error({ provider: this.#options.provider, bind: this.id, err: failure }, 'SMSC refused the credentials; no more rebinds');
          return;
        }
        this.#outage.failed(failure, 'SMPP rebind failed', { attempt: this.#reconnectAttempt });
        this.#scheduleReconnect();
      });
    }, delay);
  }

  #startEnquireLink(session: SmppSession): void {
    this.#stopEnquireLink();
    const { enquireLinkIntervalMs, enquireLinkTimeoutMs } = this.#options.timings;
    let inFlight = false; // per session: an old session's late answer must not clear the new one's
    this.#enquireTimer = setInterval(() => {
      if (inFlight) return;
      inFlight = true;
      session
        // Past the window: a keepalive queued behind slow submits would take a working bind down.
        .request(createPdu('enquire_link'), enquireLinkTimeoutMs, { bypassWindow: true })
        .catch((error: unknown) => {
          // SMPP 3.4 §4.11: an unanswered enquire_link means the link is gone even if TCP is not.
          this.#lastError = 'enquire_link unanswered';
          this.#options.logger.warn({ provider: this.#options.provider, bind: this.id, err: error }, 'enquire_link unanswered; dropping the bind');
          session.destroy();
        })
        .finally(() => {
          inFlight = false;
        });
    }, enquireLinkIntervalMs);
  }

  #stopEnquireLink(): void {
    clearInterval(this.#enquireTimer);
    this.#enquireTimer = undefined;
  }

  /** Classifies a failed bind and remembers it. */
  #bindFailed(error: unknown): ProviderError {
    const failure = this.#bindError(error);
    this.#lastBindError = failure;
    this.#lastError = failure.message;
    return failure;
  }

  #bindError(error: unknown): ProviderError {
    const { provider, target } = this.#options;
    if (error instanceof ProviderError) return error;
    if (error instanceof BindRefusedError) {
      const providerCode = formatCommandStatus(error.commandStatus);
      return new ProviderError(`${provider}: SMSC refused bind_${this.bindType} with ${providerCode}`, {
        retryable: !PERMANENT_BIND_STATUSES.has(error.commandStatus),
        providerCode,
        cause: error,
      });
    }
    const detail = error instanceof Error ? error.message : String(error);
    return new ProviderError(`${provider}: cannot bind to ${target.host}:${target.port}: ${detail}`, { retryable: true, cause: error });
  }
}
