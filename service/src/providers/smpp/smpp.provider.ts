/**
 * SMS over SMPP 3.4 as carriers expect an ESME to behave: several binds (transceivers, or
 * transmitter + receiver pairs), a window of outstanding submits per bind, back-off on
 * ESME_RTHROTTLED / ESME_RMSGQFUL, long texts as UDH or SAR parts or message_payload, receipts
 * matched per part, late submit_sm_resp reconciled, and mobile-originated messages handed on.
 * Submit failures are mapped to `ProviderError`s that say whether the message may be retried and
 * whether it may already have been accepted; nothing the SMSC may have taken is ever resent.
 */
import type { ConnectionOptions } from 'node:tls';
import { ProviderError } from '../../shared/errors.js';
import type { InboundSink, LateAcceptanceSink, OutboundSms, ProviderStatus, ReceiptSink, SmsProvider, SubmitAccepted } from '../sms-provider.js';
import { normaliseProviderMessageId, receiptIdAsIssued, type DeliveryReceipt, type ReceiptIdBase } from '../sms-provider.js';
import type { TextCoding } from '../../shared/sms-encoding.js';
import { parseReceipt } from './receipt-parser.js';
import { destinationAddress, InvalidAddressError, sourceAddress, type SourceAddressOverrides } from './smpp-address.js';
import { SmppBind, type SmppBindTimings } from './smpp-bind.js';
import { InboundAssembler, inboundPartFromPdu } from './smpp-inbound.js';
import { silentLogger, type Logger } from '../../shared/logger.js';
import { maskPhoneNumber } from '../../shared/masking.js';
import { MessageSegmentationError, segmentMessage, type LongMessageMode, type SubmitPart } from './smpp-segmentation.js';
import { SessionRequestError, type SmppSession } from './smpp-session.js';
import { InvalidValidityError, relativeValidityPeriod } from './smpp-time.js';
import { bufferField, CommandStatus, createPdu, formatCommandStatus, intField, messageField, stringField, type Pdu } from './smpp-wire.js';

/** How the provider binds: N transceivers, or N transmitter + receiver pairs. */
export type BindMode = 'transceiver' | 'pair';

/** Which delivery receipts to ask for (SMPP 3.4 §5.2.17 registered_delivery). */
export type ReceiptRequest = 'final' | 'final-and-intermediate';

/** What counts SMPP trouble (Prometheus in production). */
export interface SmppMetrics {
  throttled(provider: string): void;
  protocolError(provider: string, kind: string): void;
}

/** Where and how to bind, and the timings of the binds' life. */
export interface SmppProviderOptions {
  /** Unique provider name (the `Provider` row's name); receipts are reported under it. */
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** Connect over TLS with these options (`{}` for the system CAs). */
  readonly tls?: ConnectionOptions | undefined;
  readonly systemId: string;
  readonly password: string;
  readonly systemType?: string | undefined;
  /** SMPP 3.4 §5.2.7 address_range of the binds (which MSISDNs the SMSC routes to us). */
  readonly addressRange?: string | undefined;
  /** Transceivers (default) or transmitter + receiver pairs. */
  readonly bindMode?: BindMode | undefined;
  /** How many transceivers or pairs. Default 1. */
  readonly binds?: number | undefined;
  /** Most submits awaiting submit_sm_resp per bind. Default 10. */
  readonly windowSize?: number | undefined;
  /** Sender used when a message names none: alphanumeric id, short code or E.164 number. */
  readonly sourceAddr: string;
  /** TON/NPI per sender kind for carriers that want other ones. */
  readonly sourceAddressOverrides?: SourceAddressOverrides | undefined;
  /** GSM-7 (default), or Latin-1 / 8-bit for carriers that want them; UCS-2 when the text needs it. */
  readonly textCoding?: TextCoding | undefined;
  /** How texts longer than one SMS go: UDH parts (default), SAR parts, or one message_payload. */
  readonly longMessage?: LongMessageMode | undefined;
  /** Final receipts only (default), or intermediate notifications too. */
  readonly receipts?: ReceiptRequest | undefined;
  /** How the carrier writes ids in receipts compared with submit answers. Default 'same'. */
  readonly receiptIdBase?: ReceiptIdBase | undefined;
  /**
   * Whether the carrier reports every part of a long text (`each`, the default) or the text once,
   * under one of its part ids (`one`); with `one` a single final receipt settles the attempt.
   */
  readonly partReceipts?: PartReceipts | undefined;
  /** Submits re-sent after ESME_RTHROTTLED / ESME_RMSGQFUL before giving up. Default 5. */
  readonly throttleRetries?: number | undefined;
  /** First back-off after a throttling answer; doubles each time. Default 250. */
  readonly throttleBackoffMs?: number | undefined;
  /**
   * deliver_sm/data_sm being stored at once, over all binds; more are answered ESME_RTHROTTLED
   * for the SMSC to redeliver later, so a flood cannot queue unbounded writes. From half of it,
   * new submits wait for the store to catch up (each submit brings a receipt back), so an SMSC
   * that sends receipts without a window is not driven into that refusal by our own pace.
   * Default 2000.
   */
  readonly maxDeliveriesInFlight?: number | undefined;
  /** How often to probe an idle bind (SMPP 3.4 §4.11). Default 30 000. */
  readonly enquireLinkIntervalMs?: number | undefined;
  /** How long an enquire_link may go unanswered before the bind is declared dead. Default 10 000. */
  readonly enquireLinkTimeoutMs?: number | undefined;
  /** How long to wait for submit_sm_resp once the submit is written. Default 10 000. */
  readonly submitTimeoutMs?: number | undefined;
  /** How long a submit waits for a bind to come (back) up before giving up. Default 5 000. */
  readonly bindWaitMs?: number | undefined;
  /** How long connecting plus bind_*_resp may take. Default 10 000. */
  readonly bindTimeoutMs?: number | undefined;
  /** How long `stop()` waits for unbind_resp. Default 1 000. */
  readonly unbindTimeoutMs?: number | undefined;
  /** First reconnect delay after a bind dropped. Default 500. */
  readonly reconnectMinMs?: number | undefined;
  /** Cap of the doubling reconnect delay. Default 30 000. */
  readonly reconnectMaxMs?: number | undefined;
  /** How long a bind must stay up before the reconnect delay starts again from the minimum. Default 30 000. */
  readonly stableBindMs?: number | undefined;
  /** Gets every parsed delivery receipt. */
  readonly receiptSink: ReceiptSink;
  /** Gets submit answers that came after the submit was given up as outcome unknown. */
  readonly lateAcceptanceSink?: LateAcceptanceSink | undefined;
  /** Gets mobile-originated messages; without it they are answered and dropped. */
  readonly inboundSink?: InboundSink | undefined;
  readonly metrics?: SmppMetrics | undefined;
  readonly logger?: Logger | undefined;
}

/**
 * Whether the provider can take messages, for health checks. 'bound' while at least one bind can
 * submit. After a permanent bind refusal it stays 'disconnected' and `lastBindError()` says why.
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

const THROTTLE_STATUSES: ReadonlySet<number> = new Set([CommandStatus.ESME_RTHROTTLED, CommandStatus.ESME_RMSGQFUL]);

// SMPP 3.4 §4.1.1: maximum octets of each bind field, excluding the terminating NUL.
const BIND_FIELD_LIMITS = [
  ['systemId', 15],
  ['password', 8],
  ['systemType', 12],
  ['addressRange', 40],
] as const;

// C-Octet Strings are ASCII (§3.1); the library writes them byte per UTF-16 unit, mangling the rest.
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

function validateOptions(options: SmppProviderOptions): void {
  for (const [field, limit] of BIND_FIELD_LIMITS) {
    const value = options[field];
    if (value === undefined) continue;
    // Never echo the value: it may be the password.
    if (!PRINTABLE_ASCII.test(value)) throw new SmppOptionsError(field, 'must be printable ASCII (SMPP 3.4 §3.1 C-Octet String)');
    if (value.length > limit) {
      throw new SmppOptionsError(field, `is ${value.length} octets; SMPP 3.4 §4.1 allows at most ${limit}`);
    }
  }
  const counts = [
    ['binds', options.binds, 1, 16],
    ['windowSize', options.windowSize, 1, 1000],
    ['throttleRetries', options.throttleRetries, 0, 100],
  ] as const;
  for (const [field, value, min, max] of counts) {
    if (value !== undefined && (!Number.isInteger(value) || value < min || value > max)) throw new SmppOptionsError(field, `must be an integer from ${min} to ${max}`);
  }
}

/**
 * Receipts and MO messages being stored at once, over all binds. Receipts are stored in batches
 * (one transaction for hundreds), so the cap is set well above a batch: a burst of receipts
 * should wait for the next transaction, not be refused.
 */
export const DEFAULT_MAX_DELIVERIES_IN_FLIGHT = 2000;

export const PART_RECEIPTS = ['each', 'one'] as const;
export type PartReceipts = (typeof PART_RECEIPTS)[number];

// SMPP 3.4 §5.2.12: esm_class bits 5-2 give the message type of a deliver_sm/data_sm.
const ESM_TYPE_MASK = 0x3c;
const ESM_TYPE_DELIVERY_RECEIPT = 0x04;
const ESM_TYPE_INTERMEDIATE_NOTIFICATION = 0x20;

// §5.2.17: bits 1-0 = 01 final receipt on success or failure; bit 4 = intermediate notification.
const REGISTERED_DELIVERY: Readonly<Record<ReceiptRequest, number>> = { final: 0x01, 'final-and-intermediate': 0x11 };

/** Rebind delays when the settings name none: the first, and the cap of the doubling. */
export const DEFAULT_RECONNECT_MIN_MS = 500;
export const DEFAULT_RECONNECT_MAX_MS = 30_000;
/** How long a bind must stay up before a drop rebinds from the first delay again. */
export const DEFAULT_STABLE_BIND_MS = 30_000;

/** Submits given up on as outcome unknown, remembered this long for a late answer or receipt. */
const UNANSWERED_MEMORY_MS = 60 * 60_000;
const UNANSWERED_MAX = 10_000;

/** A submitted part whose answer we stopped waiting for. */
interface Unanswered {
  readonly attemptId: string;
  readonly part: number;
  readonly parts: number;
  readonly at: number;
}

/** Why a part did not get accepted; `written` says whether the SMSC may have it anyway. */
type PartFailure =
  | { readonly kind: 'refused'; readonly status: number; readonly throttled: boolean }
  | { readonly kind: 'unknown'; readonly error: Error }
  | { readonly kind: 'no-bind' };

/** An `SmsProvider` speaking SMPP 3.4 as an ESME over one or more binds. */
export class SmppProvider implements SmsProvider {
  readonly name: string;
  readonly #options: SmppProviderOptions;
  readonly #log: Logger;
  readonly #binds: SmppBind[];
  readonly #submitTimeoutMs: number;
  readonly #bindWaitMs: number;
  readonly #throttleRetries: number;
  #deliveriesInFlight = 0;
  /** Submits waiting for the receipts being stored to come down (see #waitOutThrottle). */
  readonly #deliveryWaiters = new Set<() => void>();
  readonly #throttleBackoffMs: number;
  readonly #assembler = new InboundAssembler();
  /** Submits given up on as outcome unknown, by bind session and sequence_number (late resp). */
  readonly #unansweredBySequence = new WeakMap<SmppSession, Map<number, Unanswered>>();
  /** The same submits by destination + user_message_reference (receipts that echo it). */
  readonly #unansweredByReference = new Map<string, Unanswered>();
  readonly #bindWaiters = new Set<() => void>();
  #reference = Math.floor(Math.random() * 0x10000);
  #userReference = Math.floor(Math.random() * 0x10000);
  /** No submit goes before this (after a throttling answer): the SMSC asked us to slow down. */
  #pausedUntil = 0;
  #consecutiveThrottles = 0;
  #stopped = false;
  #started = false;
  #lastBindError: ProviderError | undefined;
  #housekeeping: NodeJS.Timeout | undefined;

  /** Throws `SmppOptionsError` for settings SMPP 3.4 cannot carry. */
  constructor(options: SmppProviderOptions) {
    validateOptions(options);
    this.name = options.name;
    this.#options = options;
    this.#log = options.logger ?? silentLogger;
    this.#submitTimeoutMs = options.submitTimeoutMs ?? 10_000;
    this.#bindWaitMs = options.bindWaitMs ?? 5_000;
    this.#throttleRetries = options.throttleRetries ?? 5;
    this.#throttleBackoffMs = options.throttleBackoffMs ?? 250;
    const timings: SmppBindTimings = {
      enquireLinkIntervalMs: options.enquireLinkIntervalMs ?? 30_000,
      enquireLinkTimeoutMs: options.enquireLinkTimeoutMs ?? 10_000,
      bindTimeoutMs: options.bindTimeoutMs ?? 10_000,
      unbindTimeoutMs: options.unbindTimeoutMs ?? 1_000,
      reconnectMinMs: options.reconnectMinMs ?? DEFAULT_RECONNECT_MIN_MS,
      reconnectMaxMs: options.reconnectMaxMs ?? DEFAULT_RECONNECT_MAX_MS,
      stableBindMs: options.stableBindMs ?? DEFAULT_STABLE_BIND_MS,
    };
    const target = {
      host: options.host,
      port: options.port,
      tls: options.tls,
      systemId: options.systemId,
      password: options.password,
      systemType: options.systemType,
      addressRange: options.addressRange,
      windowSize: options.windowSize ?? 10,
    };
    const count = options.binds ?? 1;
    const types = options.bindMode === 'pair' ? (['transmitter', 'receiver'] as const) : (['transceiver'] as const);
    this.#binds = [];
    for (let n = 1; n <= count; n++) {
      for (const bindType of types) {
        const id = `${bindType === 'transceiver' ? 'trx' : bindType === 'transmitter' ? 'tx' : 'rx'}-${n}`;
        this.#binds.push(
          new SmppBind({
            provider: this.name,
            id,
            bindType,
            target,
            timings,
            onRequest: (session, pdu) => {
              this.#handleRequest(session, pdu);
            },
            onStrayResponse: (session, pdu) => {
              this.#handleStrayResponse(session, pdu);
            },
            onProtocolError: (kind, error) => {
              this.#options.metrics?.protocolError(this.name, kind);
              this.#log.warn({ provider: this.name, bind: id, kind, err: error }, 'SMSC protocol error');
            },
            onBound: () => {
              this.#wakeBindWaiters();
            },
            logger: this.#log,
          }),
        );
      }
    }
  }

  // A method, not a field read, so TypeScript does not narrow it away across awaits.
  #isStopped(): boolean {
    return this.#stopped;
  }

  /** Where the binds stand right now, as one word. */
  state(): SmppProviderState {
    if (this.#stopped) return 'stopped';
    if (this.#binds.some((bind) => bind.canSubmit)) return 'bound';
    if (this.#binds.some((bind) => bind.state === 'connecting')) return 'connecting';
    return 'disconnected';
  }

  /** Why the last bind failed (cleared once a bind that can submit is up), for health checks. */
  lastBindError(): ProviderError | undefined {
    if (this.state() === 'bound') return undefined;
    return this.#binds.map((bind) => bind.lastBindError).find((error) => error !== undefined) ?? this.#lastBindError;
  }

  status(): ProviderStatus {
    return { connection: this.state(), binds: this.#binds.map((bind) => bind.status()), lastError: this.lastBindError()?.message ?? '' };
  }

  /**
   * Binds every bind. Resolves once at least one bind that can submit is up; binds that failed
   * meanwhile keep trying in the background. Rejects when none came up: with a permanent
   * `ProviderError` when the SMSC refused the credentials, a retryable one otherwise. Then every
   * connection is gone and start() may be called again.
   */
  async start(): Promise<void> {
    if (this.#stopped) throw new ProviderError(`${this.name}: provider was stopped`, { retryable: false });
    if (this.#started) throw new ProviderError(`${this.name}: provider already started`, { retryable: false });
    this.#started = true;
    const results = await Promise.allSettled(this.#binds.map((bind) => bind.start()));
    if (this.#isStopped()) throw new ProviderError(`${this.name}: stopped while binding`, { retryable: true });
    const failures = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as ProviderError] : []));
    if (this.#binds.some((bind) => bind.canSubmit)) {
      for (const [index, result] of results.entries()) {
        if (result.status === 'rejected' && (result.reason as ProviderError).retryable) this.#binds[index]?.keepTrying();
      }
      this.#housekeeping = setInterval(() => { this.#housekeep(); }, 30_000);
      this.#housekeeping.unref();
      return;
    }
    this.#started = false;
    await Promise.all(this.#binds.map((bind) => bind.reset()));
    const failure = failures.find((error) => !error.retryable) ?? failures[0] ?? new ProviderError(`${this.name}: no bind can submit`, { retryable: true });
    this.#lastBindError = failure;
    throw failure;
  }

  /**
   * Sends one message: one submit_sm per part (or one with message_payload), each on the least
   * busy bind, in order. Resolves when the SMSC accepted every part.
   */
  async submit(message: OutboundSms): Promise<SubmitAccepted> {
    if (this.#stopped) throw new ProviderError(`${this.name}: provider was stopped`, { retryable: true, notConnected: true });
    if (!this.#binds.some((bind) => bind.canSubmit)) {
      throw new ProviderError(`${this.name}: not bound (${this.state()})`, { retryable: true, notConnected: true });
    }
    const prepared = this.#prepare(message);
    const logFields = { provider: this.name, messageId: message.messageId, attemptId: message.attemptId, to: maskPhoneNumber(message.to) };
    const ids: string[] = [];
    for (const [index, part] of prepared.pdus.entries()) {
      const outcome = await this.#sendPart(part, { attemptId: message.attemptId, part: index + 1, parts: prepared.pdus.length, destination: prepared.destination });
      if (outcome.kind === 'accepted') {
        ids.push(outcome.id);
        continue;
      }
      throw this.#partFailed(outcome.failure, ids, prepared.pdus.length, index + 1, logFields);
    }
    const [first = ''] = ids;
    this.#log.debug({ ...logFields, providerMessageId: first, parts: prepared.billedParts, submits: ids.length }, 'submit_sm accepted');
    return { providerMessageId: first, ...(ids.length > 1 ? { partMessageIds: ids, receiptsExpected: this.#receiptsFor(ids.length) } : {}), parts: prepared.billedParts };
  }

  /** Unbinds every bind (SMPP 3.4 §4.2), waits briefly for the answers, closes; no reconnect follows. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#housekeeping);
    this.#wakeBindWaiters();
    this.#wakeDeliveryWaiters();
    await Promise.all(this.#binds.map((bind) => bind.stop()));
    this.#log.info({ provider: this.name }, 'SMPP provider stopped');
  }

  /** The submit_sm PDUs of a message; throws a permanent ProviderError for what cannot be sent. */
  #prepare(message: OutboundSms): { pdus: Pdu[]; billedParts: number; destination: string } {
    try {
      const source = sourceAddress(message.from.trim() === '' ? this.#options.sourceAddr : message.from, this.#options.sourceAddressOverrides);
      const destination = destinationAddress(message.to);
      const mode = this.#options.longMessage ?? 'udh';
      this.#reference = (this.#reference + 1) % (mode === 'udh' ? 0x100 : 0x10000);
      const segmented = segmentMessage(message.text, { coding: this.#options.textCoding ?? 'gsm7', mode, reference: this.#reference });
      // §5.2.16: after this the SMSC stops retrying; a late code is useless. Empty = SMSC default.
      const validity = message.validUntil === undefined ? '' : relativeValidityPeriod(message.validUntil);
      const pdus = segmented.parts.map((part) =>
        createPdu('submit_sm', {
          source_addr_ton: source.ton,
          source_addr_npi: source.npi,
          source_addr: source.addr,
          dest_addr_ton: destination.ton,
          dest_addr_npi: destination.npi,
          destination_addr: destination.addr,
          registered_delivery: REGISTERED_DELIVERY[this.#options.receipts ?? 'final'],
          validity_period: validity,
          data_coding: segmented.dataCoding,
          ...partFields(part),
        }),
      );
      return { pdus, billedParts: segmented.billedParts, destination: destination.addr };
    } catch (error) {
      const reason =
        error instanceof InvalidAddressError || error instanceof InvalidValidityError || error instanceof MessageSegmentationError ? error.message : 'message cannot be encoded';
      throw new ProviderError(`${this.name}: ${reason}`, { retryable: false, cause: error });
    }
  }

  /**
   * Sends one part until the SMSC accepts or refuses it, or its fate is unknown. A submit that
   * certainly never reached the SMSC (no bind, queued in a window when the link dropped) is sent
   * again on another bind; throttling answers back off and retry; anything written and not
   * answered is remembered for a late answer and reported unknown.
   */
  async #sendPart(pdu: Pdu, context: { attemptId: string; part: number; parts: number; destination: string }): Promise<{ kind: 'accepted'; id: string } | { kind: 'failed'; failure: PartFailure }> {
    let throttles = 0;
    const reference = this.#nextUserReference();
    pdu.user_message_reference = reference;
    // Sessions that could not take this part (closing, link gone): not tried again for it.
    const unusable = new Set<SmppSession>();
    const deadline = Date.now() + this.#bindWaitMs;
    for (;;) {
      await this.#waitOutThrottle();
      const session = await this.#pickSession(unusable, deadline);
      if (!session) return { kind: 'failed', failure: { kind: 'no-bind' } };
      let response: Pdu;
      try {
        response = await session.request(pdu, this.#submitTimeoutMs);
      } catch (error) {
        if (error instanceof SessionRequestError && !error.written) {
          // Never left us: safe to send again. A link that is going away is not tried again for
          // this part; a window that stayed full is, until the deadline.
          if (error.reason !== 'timeout') unusable.add(session);
          if (Date.now() >= deadline) return { kind: 'failed', failure: { kind: 'no-bind' } };
          continue;
        }
        this.#rememberUnanswered(session, pdu.sequence_number, `${context.destination}:${reference}`, context);
        return { kind: 'failed', failure: { kind: 'unknown', error: error instanceof Error ? error : new Error(String(error)) } };
      }
      const status = response.command_status;
      if (status === CommandStatus.ESME_ROK && response.command !== 'generic_nack') {
        this.#consecutiveThrottles = 0;
        const id = stringField(response, 'message_id')?.trim();
        if (!id) {
          // Accepted, so it will probably be delivered, but no receipt can ever be matched to it.
          return { kind: 'failed', failure: { kind: 'unknown', error: new Error('submit_sm_resp carried no message_id') } };
        }
        return { kind: 'accepted', id: normaliseProviderMessageId(id) };
      }
      if (THROTTLE_STATUSES.has(status)) {
        this.#options.metrics?.throttled(this.name);
        this.#throttled();
        if (throttles++ < this.#throttleRetries) continue;
      }
      return { kind: 'failed', failure: { kind: 'refused', status, throttled: THROTTLE_STATUSES.has(status) } };
    }
  }

  /** Final receipts the carrier sends for a text submitted as `parts` separate submit_sm. */
  #receiptsFor(parts: number): number {
    return this.#options.partReceipts === 'one' ? 1 : parts;
  }

  /**
   * The error for a part that was not accepted. Before any part went, it is the part's own
   * outcome; once parts were taken, resending would repeat them, so it is outcome unknown with
   * the taken parts named (their receipts are still followed).
   */
  #partFailed(failure: PartFailure, acceptedIds: readonly string[], parts: number, part: number, logFields: object): ProviderError {
    const acceptedParts = acceptedIds.length > 0 ? { partMessageIds: acceptedIds, parts, receiptsExpected: this.#receiptsFor(parts) } : undefined;
    const where = parts > 1 ? ` (part ${part} of ${parts})` : '';
    if (failure.kind === 'no-bind') {
      this.#log.warn({ ...logFields, part }, 'no bind available for submit_sm');
      return acceptedParts
        ? new ProviderError(`${this.name}: binds lost mid-message${where}; outcome unknown`, { retryable: false, outcomeUnknown: true, acceptedParts })
        : new ProviderError(`${this.name}: not bound (${this.state()})`, { retryable: true, notConnected: true });
    }
    if (failure.kind === 'unknown') {
      this.#log.warn({ ...logFields, part, err: failure.error }, 'submit_sm got no usable answer');
      return new ProviderError(`${this.name}: no submit_sm_resp${where} (${failure.error.message}); outcome unknown`, {
        retryable: false,
        outcomeUnknown: true,
        acceptedParts,
        cause: failure.error,
      });
    }
    const providerCode = formatCommandStatus(failure.status);
    this.#log.info({ ...logFields, part, providerCode }, 'submit_sm refused');
    if (acceptedParts) {
      return new ProviderError(`${this.name}: submit_sm${where} refused with ${providerCode} after earlier parts were accepted; outcome unknown`, {
        retryable: false,
        outcomeUnknown: true,
        providerCode,
        acceptedParts,
      });
    }
    return new ProviderError(`${this.name}: submit_sm refused with ${providerCode}`, { retryable: failure.throttled, providerCode });
  }

  /**
   * The session with the most room: bound, able to submit, fewest requests outstanding or
   * queued, not in `unusable`. Waits for a bind to come (back) up until `deadline`.
   */
  async #pickSession(unusable: ReadonlySet<SmppSession>, deadline: number): Promise<SmppSession | undefined> {
    for (;;) {
      const candidates = this.#binds.flatMap((bind) => {
        const session = bind.canSubmit ? bind.session : undefined;
        return session && !unusable.has(session) ? [session] : [];
      });
      if (candidates.length > 0) {
        return candidates.reduce((best, session) => (load(session) < load(best) ? session : best));
      }
      const remaining = deadline - Date.now();
      if (this.#stopped || remaining <= 0) return undefined;
      // Woken by a bind coming up; polled too, since a closing session only leaves the list on
      // its 'close' event.
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.#bindWaiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, Math.min(remaining, 100));
        this.#bindWaiters.add(wake);
      });
    }
  }

  #wakeBindWaiters(): void {
    for (const wake of [...this.#bindWaiters]) wake();
  }

  /** After a throttling answer every submit of this provider waits: the SMSC speaks for all binds. */
  #throttled(): void {
    // Capped low: the dispatcher retries a message that stays refused with its own back-off, and
    // re-checks before each try that the code is still worth sending.
    const delay = Math.min(2_000, this.#throttleBackoffMs * 2 ** Math.min(this.#consecutiveThrottles, 10));
    this.#consecutiveThrottles += 1;
    this.#pausedUntil = Math.max(this.#pausedUntil, Date.now() + delay * (0.8 + Math.random() * 0.4));
  }

  /**
   * Holds a submit (before anything is written, so nothing can go twice) while the SMSC asked us
   * to slow down, or while the receipts being stored are backed up. The second wait is bounded by
   * `bindWaitMs`: a store that is stuck for another reason must not stop sending altogether.
   */
  async #waitOutThrottle(): Promise<void> {
    const wait = this.#pausedUntil - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    if (!this.#receiptsBackedUp()) return;
    const { promise, resolve } = Promise.withResolvers<undefined>();
    const wake = () => { resolve(undefined); };
    this.#deliveryWaiters.add(wake);
    const timer = setTimeout(wake, this.#bindWaitMs);
    await promise;
    clearTimeout(timer);
    this.#deliveryWaiters.delete(wake);
  }

  #receiptsBackedUp(): boolean {
    return !this.#stopped && this.#deliveriesInFlight >= Math.ceil((this.#options.maxDeliveriesInFlight ?? DEFAULT_MAX_DELIVERIES_IN_FLIGHT) / 2);
  }

  #wakeDeliveryWaiters(): void {
    for (const wake of [...this.#deliveryWaiters]) wake();
  }

  #nextUserReference(): number {
    this.#userReference = (this.#userReference + 1) % 0x10000;
    return this.#userReference;
  }

  #rememberUnanswered(session: SmppSession, sequence: number, referenceKey: string, context: { attemptId: string; part: number; parts: number }): void {
    const entry: Unanswered = { attemptId: context.attemptId, part: context.part, parts: context.parts, at: Date.now() };
    let bySequence = this.#unansweredBySequence.get(session);
    if (!bySequence) {
      bySequence = new Map();
      this.#unansweredBySequence.set(session, bySequence);
    }
    bySequence.set(sequence, entry);
    if (bySequence.size > UNANSWERED_MAX) {
      const oldest = bySequence.keys().next().value;
      if (oldest !== undefined) bySequence.delete(oldest);
    }
    this.#unansweredByReference.set(referenceKey, entry);
    if (this.#unansweredByReference.size > UNANSWERED_MAX) {
      const oldest = this.#unansweredByReference.keys().next().value;
      if (oldest !== undefined) this.#unansweredByReference.delete(oldest);
    }
  }

  /** A submit_sm_resp after we gave up waiting: the part was accepted after all (or refused). */
  #handleStrayResponse(session: SmppSession, pdu: Pdu): void {
    const entry = this.#unansweredBySequence.get(session)?.get(pdu.sequence_number);
    const messageId = stringField(pdu, 'message_id')?.trim();
    if (!entry || pdu.command !== 'submit_sm_resp') {
      this.#log.warn({ provider: this.name, command: pdu.command, sequence: pdu.sequence_number }, 'response to a request nobody waits for');
      return;
    }
    this.#unansweredBySequence.get(session)?.delete(pdu.sequence_number);
    if (pdu.command_status !== CommandStatus.ESME_ROK || !messageId) {
      // Refused after all: the attempt stays unknown and ends at its receipt deadline, not resent.
      this.#log.warn({ provider: this.name, attemptId: entry.attemptId, status: formatCommandStatus(pdu.command_status) }, 'late submit_sm_resp refused the part');
      return;
    }
    void this.#reportLateAcceptance(entry, normaliseProviderMessageId(messageId));
  }

  async #reportLateAcceptance(entry: Unanswered, providerMessageId: string): Promise<void> {
    const sink = this.#options.lateAcceptanceSink;
    if (!sink) return;
    try {
      await sink(this.name, { attemptId: entry.attemptId, part: entry.part, parts: entry.parts, receiptsExpected: this.#receiptsFor(entry.parts), providerMessageId });
    } catch (error) {
      this.#log.error({ provider: this.name, attemptId: entry.attemptId, err: error }, 'late acceptance could not be recorded');
    }
  }

  #handleRequest(session: SmppSession, pdu: Pdu): void {
    switch (pdu.command) {
      case 'deliver_sm':
      case 'data_sm':
        if (this.#deliveriesInFlight >= (this.#options.maxDeliveriesInFlight ?? DEFAULT_MAX_DELIVERIES_IN_FLIGHT)) {
          this.#log.warn({ provider: this.name, inFlight: this.#deliveriesInFlight }, 'deliver_sm refused as throttled: too many being stored');
          session.respond(pdu.response({ command_status: CommandStatus.ESME_RTHROTTLED }));
          return;
        }
        this.#deliveriesInFlight += 1;
        void this.#handleDelivery(session, pdu).finally(() => {
          this.#deliveriesInFlight -= 1;
          if (this.#deliveryWaiters.size > 0 && !this.#receiptsBackedUp()) this.#wakeDeliveryWaiters();
        });
        return;
      case 'alert_notification':
        return; // §4.12: no response is sent
      default:
        // §3.3: generic_nack for commands an ESME does not take.
        session.respond(createPdu('generic_nack', { sequence_number: pdu.sequence_number, command_status: CommandStatus.ESME_RINVCMDID }));
    }
  }

  async #handleDelivery(session: SmppSession, pdu: Pdu): Promise<void> {
    let status: number = CommandStatus.ESME_ROK;
    try {
      const esmClass = intField(pdu, 'esm_class') ?? 0;
      const type = esmClass & ESM_TYPE_MASK;
      if (type === ESM_TYPE_DELIVERY_RECEIPT || type === ESM_TYPE_INTERMEDIATE_NOTIFICATION) status = await this.#handleReceipt(pdu);
      else status = await this.#handleInbound(pdu);
    } catch (error) {
      // Not acknowledged as taken: the SMSC redelivers it later.
      status = CommandStatus.ESME_RX_T_APPN;
      this.#log.error({ provider: this.name, err: error }, 'deliver_sm handling failed');
    } finally {
      // Every deliver_sm/data_sm is answered, or the SMSC keeps resending it and may throttle us.
      session.respond(pdu.response({ command_status: status }));
    }
  }

  async #handleReceipt(pdu: Pdu): Promise<number> {
    const text = messageField(pdu, 'message_payload') ?? messageField(pdu, 'short_message');
    const parsed = parseReceipt({
      receiptedMessageId: stringField(pdu, 'receipted_message_id'),
      messageState: intField(pdu, 'message_state'),
      networkErrorCode: bufferField(pdu, 'network_error_code'),
      text: typeof text === 'string' ? text : text?.toString('latin1'),
    });
    if (!parsed.ok) {
      this.#log.warn({ provider: this.name, reason: parsed.reason }, 'unreadable delivery receipt dropped');
      this.#options.metrics?.protocolError(this.name, 'unreadable-receipt');
      return CommandStatus.ESME_ROK;
    }
    // SMPP 3.4 §4.6.1: a receipt's source_addr is the original destination, the handset.
    const source = stringField(pdu, 'source_addr');
    const receipt: DeliveryReceipt = {
      ...parsed.receipt,
      providerMessageId: receiptIdAsIssued(parsed.receipt.providerMessageId, this.#options.receiptIdBase ?? 'same'),
      ...(source ? { handset: source } : {}),
    };
    // A receipt for a submit whose answer never came: SMSCs that echo user_message_reference
    // (§5.3.2.17) let us learn the id from the receipt itself.
    const reference = intField(pdu, 'user_message_reference');
    if (reference !== undefined && source !== undefined) {
      const key = `${source}:${reference}`;
      const entry = this.#unansweredByReference.get(key);
      if (entry) {
        this.#unansweredByReference.delete(key);
        await this.#reportLateAcceptance(entry, receipt.providerMessageId);
      }
    }
    return this.#deliverReceipt(receipt);
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

  /** A mobile-originated message (or one part of it): stored once whole, answered either way. */
  async #handleInbound(pdu: Pdu): Promise<number> {
    const sink = this.#options.inboundSink;
    if (!sink) {
      this.#log.debug({ provider: this.name }, 'mobile-originated message dropped (no inbound sink)');
      return CommandStatus.ESME_ROK;
    }
    const whole = this.#assembler.accept(inboundPartFromPdu(pdu));
    if (this.#assembler.overflowing) this.#storeIncomplete('inbound parts held for too many messages; oldest stored with gaps');
    if (whole === null) return CommandStatus.ESME_ROK; // more parts to come
    try {
      await sink(this.name, whole);
      return CommandStatus.ESME_ROK;
    } catch (error) {
      this.#log.error({ provider: this.name, err: error }, 'inbound message could not be stored; asking the SMSC to redeliver');
      return CommandStatus.ESME_RX_T_APPN;
    }
  }

  #housekeep(): void {
    const cutoff = Date.now() - UNANSWERED_MEMORY_MS;
    for (const [key, entry] of this.#unansweredByReference) {
      if (entry.at < cutoff) this.#unansweredByReference.delete(key);
    }
    this.#storeIncomplete('inbound message incomplete after waiting; stored with gaps');
  }

  #storeIncomplete(why: string): void {
    for (const whole of this.#assembler.takeExpired()) {
      this.#log.warn({ provider: this.name, parts: whole.parts }, why);
      void this.#options.inboundSink?.(this.name, whole).catch((error: unknown) => {
        this.#log.error({ provider: this.name, err: error }, 'incomplete inbound message could not be stored');
      });
    }
  }
}

function load(session: SmppSession): number {
  return session.outstanding + session.queued;
}

/** The submit_sm fields of one part: short_message or message_payload, esm_class, SAR TLVs. */
function partFields(part: SubmitPart): Record<string, unknown> {
  return {
    esm_class: part.esmClass,
    ...(part.shortMessage ? { short_message: part.shortMessage } : {}),
    // §5.3.2.32: message_payload with sm_length 0, for the SMSC to split.
    ...(part.messagePayload ? { message_payload: part.messagePayload } : {}),
    ...(part.sar ? { sar_msg_ref_num: part.sar.reference, sar_total_segments: part.sar.total, sar_segment_seqnum: part.sar.sequence } : {}),
  };
}
