/**
 * SMS over SMPP 3.4: one bind_transceiver per provider, kept alive with enquire_link and rebound
 * with backoff when it drops. Submits are mapped to `ProviderError`s that say whether the message
 * may be retried and whether it may already have been accepted.
 */
import { ProviderError } from '../../shared/errors.js';
import type { OutboundSms, ReceiptSink, SmsProvider, SubmitAccepted } from '../sms-provider.js';
import { normaliseProviderMessageId, type DeliveryReceipt } from '../sms-provider.js';
import { encodeMessage } from './message-encoding.js';
import { parseReceipt } from './receipt-parser.js';
import { destinationAddress, InvalidAddressError, sourceAddress } from './smpp-address.js';
import { maskNumber, silentLogger, type SmppLogger } from './smpp-log.js';
import { BindRefusedError, SessionRequestError, SmppSession } from './smpp-session.js';
import { InvalidValidityError, relativeValidityPeriod } from './smpp-time.js';
import {
  bufferField,
  CommandStatus,
  createPdu,
  formatCommandStatus,
  intField,
  messageField,
  stringField,
  type Pdu,
} from './smpp-wire.js';

/** Where and how to bind, and the timings of the bind's life. */
export interface SmppProviderOptions {
  /** Unique provider name (the `Provider` row's name); receipts are reported under it. */
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly systemId: string;
  readonly password: string;
  readonly systemType?: string | undefined;
  /** Sender used when a message names none: alphanumeric id, short code or E.164 number. */
  readonly sourceAddr: string;
  /** How often to probe an idle bind (SMPP 3.4 §4.11). Default 30 000. */
  readonly enquireLinkIntervalMs?: number | undefined;
  /** How long an enquire_link may go unanswered before the bind is declared dead. Default 10 000. */
  readonly enquireLinkTimeoutMs?: number | undefined;
  /** How long to wait for submit_sm_resp. Default 10 000. */
  readonly submitTimeoutMs?: number | undefined;
  /** How long connecting plus bind_transceiver_resp may take. Default 10 000. */
  readonly bindTimeoutMs?: number | undefined;
  /** How long `stop()` waits for unbind_resp. Default 1 000. */
  readonly unbindTimeoutMs?: number | undefined;
  /** First reconnect delay after the bind dropped. Default 500. */
  readonly reconnectMinMs?: number | undefined;
  /** Cap of the doubling reconnect delay. Default 30 000. */
  readonly reconnectMaxMs?: number | undefined;
  /** How long a bind must stay up before the reconnect delay starts again from the minimum. Default 30 000. */
  readonly stableBindMs?: number | undefined;
  /** Gets every parsed delivery receipt. */
  readonly receiptSink: ReceiptSink;
  readonly logger?: SmppLogger | undefined;
}

/**
 * Whether the provider can take messages, for health checks. After a permanent bind refusal it
 * stays 'disconnected' and `lastBindError()` says why.
 */
export type SmppProviderState = 'connecting' | 'bound' | 'disconnected' | 'stopped';

/** Provider options that SMPP cannot carry; `field` names the option. */
export class SmppOptionsError extends Error {
  readonly field: string;

  constructor(field: string, problem: string) {
    super(`${field} ${problem}`);
    this.name = 'SmppOptionsError';
    this.field = field;
  }
}

const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([CommandStatus.ESME_RTHROTTLED, CommandStatus.ESME_RMSGQFUL]);

// Bind refusals that only a configuration change can cure; rebinding with the same credentials
// gets accounts locked at some carriers. Every other refusal (ESME_RBINDFAIL, ESME_RALYBND,
// ESME_RSYSERR, ESME_RTHROTTLED, vendor codes) may clear up by itself and is retried.
const PERMANENT_BIND_STATUSES: ReadonlySet<number> = new Set([
  CommandStatus.ESME_RINVPASWD,
  CommandStatus.ESME_RINVSYSID,
  CommandStatus.ESME_RINVSYSTYP,
]);

// SMPP 3.4 §4.1.1: maximum octets of each bind field, excluding the terminating NUL.
const BIND_FIELD_LIMITS = [
  ['systemId', 15],
  ['password', 8],
  ['systemType', 12],
] as const;

// C-Octet Strings are ASCII (§3.1); the library writes them byte per UTF-16 unit, mangling the rest.
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

function validateBindFields(options: SmppProviderOptions): void {
  for (const [field, limit] of BIND_FIELD_LIMITS) {
    const value = options[field];
    if (value === undefined) continue;
    // Never echo the value: it may be the password.
    if (!PRINTABLE_ASCII.test(value)) throw new SmppOptionsError(field, 'must be printable ASCII (SMPP 3.4 §3.1 C-Octet String)');
    if (value.length > limit) {
      throw new SmppOptionsError(field, `is ${value.length} octets; SMPP 3.4 §4.1 allows at most ${limit}`);
    }
  }
}

// SMPP 3.4 §5.2.12: esm_class bits 5-2 give the message type of a deliver_sm/data_sm.
const ESM_TYPE_MASK = 0x3c;
const ESM_TYPE_DELIVERY_RECEIPT = 0x04;
const ESM_TYPE_INTERMEDIATE_NOTIFICATION = 0x20;

/** An `SmsProvider` speaking SMPP 3.4 as a transceiver ESME. */
export class SmppProvider implements SmsProvider {
  readonly name: string;
  readonly #options: SmppProviderOptions;
  readonly #log: SmppLogger;
  readonly #timing: {
    enquireLinkIntervalMs: number;
    enquireLinkTimeoutMs: number;
    submitTimeoutMs: number;
    bindTimeoutMs: number;
    unbindTimeoutMs: number;
    reconnectMinMs: number;
    reconnectMaxMs: number;
    stableBindMs: number;
  };
  #state: SmppProviderState = 'disconnected';
  #session: SmppSession | undefined;
  #connecting: SmppSession | undefined;
  #enquireTimer: NodeJS.Timeout | undefined;
  #enquireInFlight = false;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #reconnectAttempt = 0;
  #boundAt = 0;
  #lastBindError: ProviderError | undefined;
  #started = false;

  /** Throws `SmppOptionsError` for bind fields longer than SMPP 3.4 allows. */
  constructor(options: SmppProviderOptions) {
    validateBindFields(options);
    this.name = options.name;
    this.#options = options;
    this.#log = options.logger ?? silentLogger;
    this.#timing = {
      enquireLinkIntervalMs: options.enquireLinkIntervalMs ?? 30_000,
      enquireLinkTimeoutMs: options.enquireLinkTimeoutMs ?? 10_000,
      submitTimeoutMs: options.submitTimeoutMs ?? 10_000,
      bindTimeoutMs: options.bindTimeoutMs ?? 10_000,
      unbindTimeoutMs: options.unbindTimeoutMs ?? 1_000,
      reconnectMinMs: options.reconnectMinMs ?? 500,
      reconnectMaxMs: options.reconnectMaxMs ?? 30_000,
      stableBindMs: options.stableBindMs ?? 30_000,
    };
  }

  /** Where the bind stands right now. */
  state(): SmppProviderState {
    return this.#state;
  }

  /** Why the last bind failed (cleared by a successful bind), for health checks. */
  lastBindError(): ProviderError | undefined {
    return this.#lastBindError;
  }

  /**
   * Connects and binds once. Resolves when bound; from then on a dropped bind is re-established
   * in the background until `stop()` or a permanent refusal. Rejects with a permanent
   * `ProviderError` when the SMSC refuses the credentials, a retryable one otherwise (refusals
   * such as ESME_RBINDFAIL, timeouts, no listener); no retry follows, the caller decides. The
   * connection is gone when it rejects, so start() may be called again.
   */
  async start(): Promise<void> {
    if (this.#state === 'stopped') throw new ProviderError(`${this.name}: provider was stopped`, { retryable: false });
    if (this.#started) throw new ProviderError(`${this.name}: provider already started`, { retryable: false });
    this.#started = true;
    try {
      await this.#connect();
    } catch (error) {
      this.#started = false;
      if (!this.#isStopped()) this.#state = 'disconnected';
      throw this.#bindFailed(error);
    }
  }

  /** Sends one message as submit_sm with a delivery receipt requested. */
  async submit(message: OutboundSms): Promise<SubmitAccepted> {
    const session = this.#session;
    if (this.#state !== 'bound' || session === undefined || !session.open) {
      throw new ProviderError(`${this.name}: not bound (${this.#state})`, { retryable: true, notConnected: true });
    }

    let pdu: Pdu;
    let parts: number;
    try {
      const source = sourceAddress(message.from.trim() === '' ? this.#options.sourceAddr : message.from);
      const destination = destinationAddress(message.to);
      const encoded = encodeMessage(message.text);
      // §5.2.16: after this the SMSC stops retrying; a late code is useless. Empty = SMSC default.
      const validity = message.validUntil === undefined ? '' : relativeValidityPeriod(message.validUntil);
      parts = encoded.parts;
      pdu = createPdu('submit_sm', {
        source_addr_ton: source.ton,
        source_addr_npi: source.npi,
        source_addr: source.addr,
        dest_addr_ton: destination.ton,
        dest_addr_npi: destination.npi,
        destination_addr: destination.addr,
        // SMPP 3.4 §5.2.17: 1 = receipt on final outcome, success or failure.
        registered_delivery: 1,
        validity_period: validity,
        data_coding: encoded.dataCoding,
        // §5.2.21 allows 254 octets in short_message, but one SMS holds 160 septets/140 octets;
        // longer texts go in message_payload (§5.3.2.32) with sm_length 0, for the SMSC to split.
        ...(encoded.fitsOnePart ? { short_message: encoded.bytes } : { message_payload: encoded.bytes }),
      });
    } catch (error) {
      const reason =
        error instanceof InvalidAddressError || error instanceof InvalidValidityError ? error.message : 'message cannot be encoded';
      throw new ProviderError(`${this.name}: ${reason}`, { retryable: false, cause: error });
    }

    const logFields = { provider: this.name, messageId: message.messageId, attemptId: message.attemptId, to: maskNumber(message.to) };
    let response: Pdu;
    try {
      response = await session.request(pdu, this.#timing.submitTimeoutMs);
    } catch (error) {
      this.#log.warn({ ...logFields, err: error }, 'submit_sm got no response');
      throw this.#requestError(error, 'submit_sm');
    }

    const status = response.command_status;
    if (status !== CommandStatus.ESME_ROK) {
      const providerCode = formatCommandStatus(status);
      this.#log.info({ ...logFields, providerCode }, 'submit_sm refused');
      throw new ProviderError(`${this.name}: submit_sm refused with ${providerCode}`, {
        retryable: RETRYABLE_STATUSES.has(status),
        providerCode,
      });
    }
    const messageId = stringField(response, 'message_id')?.trim();
    if (!messageId) {
      // Accepted, so it will probably be delivered, but no receipt can ever be matched to it.
      throw new ProviderError(`${this.name}: submit_sm_resp carried no message_id`, {
        retryable: false,
        outcomeUnknown: true,
      });
    }
    const providerMessageId = normaliseProviderMessageId(messageId);
    this.#log.debug({ ...logFields, providerMessageId, parts }, 'submit_sm accepted');
    return { providerMessageId, parts };
  }

  /** Unbinds (SMPP 3.4 §4.2), waits briefly for unbind_resp, closes; no reconnect follows. */
  async stop(): Promise<void> {
    if (this.#state === 'stopped') return;
    this.#state = 'stopped';
    clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
    this.#stopEnquireLink();
    this.#connecting?.destroy();
    this.#connecting = undefined;
    const session = this.#session;
    this.#session = undefined;
    if (session?.open) {
      try {
        await session.request(createPdu('unbind'), this.#timing.unbindTimeoutMs);
      } catch (error) {
        this.#log.debug({ provider: this.name, err: error }, 'no unbind_resp; closing anyway');
      }
      await session.close(this.#timing.unbindTimeoutMs);
    }
    this.#log.info({ provider: this.name }, 'SMPP provider stopped');
  }

  // A method, not a field read, so TypeScript does not narrow it away across awaits.
  #isStopped(): boolean {
    return this.#state === 'stopped';
  }

  async #connect(): Promise<void> {
    this.#state = 'connecting';
    const session = new SmppSession({
      host: this.#options.host,
      port: this.#options.port,
      systemId: this.#options.systemId,
      password: this.#options.password,
      systemType: this.#options.systemType,
      bindTimeoutMs: this.#timing.bindTimeoutMs,
      onRequest: (from, pdu) => {
        this.#handleRequest(from, pdu);
      },
      onClose: (closed, error) => {
        this.#handleClose(closed, error);
      },
      onStrayResponse: (pdu) => {
        this.#log.warn(
          { provider: this.name, command: pdu.command, sequence: pdu.sequence_number, messageId: stringField(pdu, 'message_id') },
          'response to a request nobody waits for (late after a timeout?)',
        );
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
      throw new ProviderError(`${this.name}: stopped while binding`, { retryable: true });
    }
    if (!session.open) throw new ProviderError(`${this.name}: connection closed right after bind`, { retryable: true });
    this.#session = session;
    this.#state = 'bound';
    this.#boundAt = Date.now();
    this.#lastBindError = undefined;
    this.#startEnquireLink(session);
    this.#log.info({ provider: this.name, host: this.#options.host, port: this.#options.port }, 'SMPP bound as transceiver');
  }

  #handleClose(session: SmppSession, error: Error | undefined): void {
    if (this.#session !== session) return; // a failed bind attempt; #connect's caller handles it
    this.#session = undefined;
    this.#stopEnquireLink();
    if (this.#state === 'stopped') return;
    this.#state = 'disconnected';
    // Only a bind that stayed up earns a fast retry: an SMSC that accepts the bind and drops it
    // at once would otherwise be rebound every reconnectMinMs forever.
    const upMs = Date.now() - this.#boundAt;
    if (upMs >= this.#timing.stableBindMs) this.#reconnectAttempt = 0;
    this.#log.warn({ provider: this.name, err: error, upMs }, 'SMPP bind lost; reconnecting');
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#state === 'stopped' || this.#reconnectTimer !== undefined) return;
    // Exponential backoff with "equal jitter": half fixed, half random, so that many providers
    // bound to one SMSC do not all rebind in the same instant after it restarts.
    const ceiling = Math.min(this.#timing.reconnectMaxMs, this.#timing.reconnectMinMs * 2 ** this.#reconnectAttempt);
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.#reconnectAttempt += 1;
    this.#log.debug({ provider: this.name, attempt: this.#reconnectAttempt, retryInMs: Math.round(delay) }, 'SMPP rebind scheduled');
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      this.#connect().catch((error: unknown) => {
        if (this.#isStopped()) return;
        this.#state = 'disconnected';
        const failure = this.#bindFailed(error);
        if (!failure.retryable) {
          // Terminal until someone fixes the settings and calls start() again.
          this.#started = false;
          this.#log.error({ provider: this.name, err: failure, attempt: this.#reconnectAttempt }, 'SMSC refused the credentials; no more rebinds');
          return;
        }
        this.#log.warn({ provider: this.name, err: failure, attempt: this.#reconnectAttempt }, 'SMPP rebind failed');
        this.#scheduleReconnect();
      });
    }, delay);
  }

  #startEnquireLink(session: SmppSession): void {
    this.#stopEnquireLink();
    this.#enquireTimer = setInterval(() => {
      if (this.#enquireInFlight) return;
      this.#enquireInFlight = true;
      session
        .request(createPdu('enquire_link'), this.#timing.enquireLinkTimeoutMs)
        .catch((error: unknown) => {
          // SMPP 3.4 §4.11: an unanswered enquire_link means the link is gone even if TCP is not.
          this.#log.warn({ provider: this.name, err: error }, 'enquire_link unanswered; dropping the bind');
          session.destroy();
        })
        .finally(() => {
          this.#enquireInFlight = false;
        });
    }, this.#timing.enquireLinkIntervalMs);
  }

  #stopEnquireLink(): void {
    clearInterval(this.#enquireTimer);
    this.#enquireTimer = undefined;
    this.#enquireInFlight = false;
  }

  #handleRequest(session: SmppSession, pdu: Pdu): void {
    switch (pdu.command) {
      case 'enquire_link':
        session.respond(pdu.response());
        return;
      case 'unbind':
        // SMPP 3.4 §4.2: answer, then the SMSC closes; our close handler rebinds.
        session.respond(pdu.response());
        session.destroy();
        return;
      case 'deliver_sm':
      case 'data_sm':
        void this.#handleDelivery(session, pdu);
        return;
      case 'alert_notification':
        return; // §4.12: no response is sent
      default:
        // §3.3: generic_nack for commands we do not take (the library sets ESME_RINVCMDID).
        session.respond(createPdu('generic_nack', { sequence_number: pdu.sequence_number, command_status: CommandStatus.ESME_RINVCMDID }));
    }
  }

  async #handleDelivery(session: SmppSession, pdu: Pdu): Promise<void> {
    let status: number = CommandStatus.ESME_ROK;
    try {
      const esmClass = intField(pdu, 'esm_class') ?? 0;
      const type = esmClass & ESM_TYPE_MASK;
      if (type !== ESM_TYPE_DELIVERY_RECEIPT && type !== ESM_TYPE_INTERMEDIATE_NOTIFICATION) {
        this.#log.debug({ provider: this.name, command: pdu.command, esmClass }, 'mobile-originated message ignored');
        return;
      }
      const text = messageField(pdu, 'message_payload') ?? messageField(pdu, 'short_message');
      const parsed = parseReceipt({
        receiptedMessageId: stringField(pdu, 'receipted_message_id'),
        messageState: intField(pdu, 'message_state'),
        networkErrorCode: bufferField(pdu, 'network_error_code'),
        text: typeof text === 'string' ? text : text?.toString('latin1'),
      });
      if (!parsed.ok) {
        this.#log.warn({ provider: this.name, reason: parsed.reason }, 'unreadable delivery receipt dropped');
        return;
      }
      status = await this.#deliverReceipt(parsed.receipt);
    } catch (error) {
      this.#log.error({ provider: this.name, err: error }, 'delivery receipt handling failed');
    } finally {
      // Every deliver_sm/data_sm is answered, or the SMSC keeps resending it and may throttle us.
      session.respond(pdu.response({ command_status: status }));
    }
  }

  /** Hands a receipt to the sink; a failing sink gets the receipt redelivered by the SMSC later. */
  async #deliverReceipt(receipt: DeliveryReceipt): Promise<number> {
    try {
      await this.#options.receiptSink(this.name, receipt);
      return CommandStatus.ESME_ROK;
    } catch (error) {
      this.#log.error(
        { provider: this.name, providerMessageId: receipt.providerMessageId, state: receipt.state, err: error },
        'receipt sink failed; asking the SMSC to redeliver',
      );
      // SMPP 3.4 §5.1.3 ESME_RX_T_APPN: temporary application error, the SMSC retries later.
      return CommandStatus.ESME_RX_T_APPN;
    }
  }

  #requestError(error: unknown, command: string): ProviderError {
    if (error instanceof SessionRequestError) {
      if (!error.written && error.reason !== 'timeout') {
        return new ProviderError(`${this.name}: connection lost before ${command} was sent`, { retryable: true, cause: error });
      }
      // Written (or still queued in the socket after a timeout): the SMSC may have taken it.
      return new ProviderError(`${this.name}: no ${command}_resp (${error.reason}); outcome unknown`, {
        retryable: false,
        outcomeUnknown: true,
        cause: error,
      });
    }
    return new ProviderError(`${this.name}: ${command} failed`, { retryable: false, outcomeUnknown: true, cause: error });
  }

  /** Classifies a failed bind (start or rebind) and remembers it for `lastBindError()`. */
  #bindFailed(error: unknown): ProviderError {
    const failure = this.#bindError(error);
    this.#lastBindError = failure;
    return failure;
  }

  #bindError(error: unknown): ProviderError {
    if (error instanceof ProviderError) return error;
    if (error instanceof BindRefusedError) {
      const providerCode = formatCommandStatus(error.commandStatus);
      return new ProviderError(`${this.name}: SMSC refused bind_transceiver with ${providerCode}`, {
        retryable: !PERMANENT_BIND_STATUSES.has(error.commandStatus),
        providerCode,
        cause: error,
      });
    }
    const detail = error instanceof Error ? error.message : String(error);
    return new ProviderError(`${this.name}: cannot bind to ${this.#options.host}:${this.#options.port}: ${detail}`, {
      retryable: true,
      cause: error,
    });
  }
}
