/**
 * SMS over SMPP 3.4 as carriers expect an ESME to behave: several binds (transceivers, or
 * transmitter + receiver pairs), a window of outstanding submits per bind, back-off on
 * ESME_RTHROTTLED / ESME_RMSGQFUL, long texts as UDH or SAR parts or message_payload, receipts
 * matched per part, late submit_sm_resp reconciled, and mobile-originated messages handed on.
 * Submit failures are mapped to `ProviderError`s that say whether the message may be retried and
 * whether it may already have been accepted; nothing the SMSC may have taken is ever resent.
 */
import { ProviderError } from '../../shared/errors.js';
import { silentLogger, type Logger } from '../../shared/logger.js';
import { maskPhoneNumber } from '../../shared/masking.js';
import { normaliseProviderMessageId, type OutboundSms, type ProviderStatus, type ChannelProvider, type SubmitAccepted } from '../channel-provider.js';
import { destinationAddress, InvalidAddressError, sourceAddress } from './smpp-address.js';
import { SmppBind, type SmppBindTimings } from './smpp-bind.js';
import { SmppDeliveries } from './smpp-deliveries.js';
import {
  DEFAULT_RECONNECT_MAX_MS,
  DEFAULT_RECONNECT_MIN_MS,
  DEFAULT_STABLE_BIND_MS,
  validateSmppOptions,
  type ReceiptRequest,
  type SmppProviderOptions,
  type SmppProviderState,
} from './smpp-provider-options.js';
import { MessageSegmentationError, segmentMessage, type SubmitPart } from './smpp-segmentation.js';
import { SessionRequestError, type SmppSession } from './smpp-session.js';
import { InvalidValidityError, relativeValidityPeriod } from './smpp-time.js';
import { CommandStatus, createPdu, formatCommandStatus, stringField, type Pdu } from './smpp-wire.js';
import { UnansweredSubmits, type Unanswered } from './unanswered-submits.js';

const THROTTLE_STATUSES: ReadonlySet<number> = new Set([CommandStatus.ESME_RTHROTTLED, CommandStatus.ESME_RMSGQFUL]);

// §5.2.17: bits 1-0 = 01 final receipt on success or failure; bit 4 = intermediate notification.
const REGISTERED_DELIVERY: Readonly<Record<ReceiptRequest, number>> = { final: 0x01, 'final-and-intermediate': 0x11 };

/** Why a part did not get accepted; `written` says whether the SMSC may have it anyway. */
type PartFailure =
  | { readonly kind: 'refused'; readonly status: number; readonly throttled: boolean }
  | { readonly kind: 'unknown'; readonly error: Error }
  | { readonly kind: 'no-bind' };

/** An `ChannelProvider` speaking SMPP 3.4 as an ESME over one or more binds. */
export class SmppProvider implements ChannelProvider {
  readonly name: string;
  readonly #options: SmppProviderOptions;
  readonly #log: Logger;
  readonly #binds: SmppBind[];
  readonly #submitTimeoutMs: number;
  readonly #bindWaitMs: number;
  readonly #throttleRetries: number;
  readonly #throttleBackoffMs: number;
  readonly #unanswered = new UnansweredSubmits();
  readonly #deliveries: SmppDeliveries;
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
    validateSmppOptions(options);
    this.name = options.name;
    this.#options = options;
    this.#log = options.logger ?? silentLogger;
    this.#deliveries = new SmppDeliveries({
      provider: options.name,
      settings: options,
      unanswered: this.#unanswered,
      lateAcceptance: (entry, providerMessageId) => this.#reportLateAcceptance(entry, providerMessageId),
      logger: this.#log,
    });
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
              this.#deliveries.handleRequest(session, pdu);
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
    this.#deliveries.stop();
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
        this.#unanswered.remember(session, pdu.sequence_number, `${context.destination}:${reference}`, context);
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
    await this.#deliveries.waitWhileBackedUp(this.#bindWaitMs);
  }

  #nextUserReference(): number {
    this.#userReference = (this.#userReference + 1) % 0x10000;
    return this.#userReference;
  }

  /** A submit_sm_resp after we gave up waiting: the part was accepted after all (or refused). */
  #handleStrayResponse(session: SmppSession, pdu: Pdu): void {
    const entry = pdu.command === 'submit_sm_resp' ? this.#unanswered.takeBySequence(session, pdu.sequence_number) : undefined;
    if (!entry) {
      this.#log.warn({ provider: this.name, command: pdu.command, sequence: pdu.sequence_number }, 'response to a request nobody waits for');
      return;
    }
    const messageId = stringField(pdu, 'message_id')?.trim();
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

  #housekeep(): void {
    this.#unanswered.expire();
    this.#deliveries.storeIncomplete();
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
