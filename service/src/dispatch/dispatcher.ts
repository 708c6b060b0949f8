import { randomUUID } from 'node:crypto';
import { normaliseProviderMessageId, type DeliveryReceipt, type LateAcceptance, type OutboundSms, type SmsProvider, type SubmitAccepted } from '../providers/sms-provider.js';
import type { ProviderHealthRegistry } from '../routing/provider-health.js';
import { NoRouteError, type RoutingTable } from '../routing/router.js';
import type { ProviderHealth, ProviderProfile } from '../routing/routing-model.js';
import { ProviderError } from '../shared/errors.js';
import type { DispatchQueue } from '../verification/verification.ports.js';
import type { ClaimedMessage, DispatchMetrics, DispatchStore, NextStep, ReceiptOutcome, StoredStep } from './dispatch.ports.js';
import { IDEMPOTENCY_WINDOW_MS } from '../shared/request-rules.js';

/** Minimal logger shape (pino's). */
export interface DispatchLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface DispatcherOptions {
  readonly store: DispatchStore;
  /** Providers by name; a plan step naming a missing one fails that step. */
  readonly providers: ReadonlyMap<string, SmsProvider>;
  /** The routing table in force (swapped on configuration changes) and the providers it knows. */
  readonly routing: { current(): RoutingTable; provider(name: string): ProviderProfile | undefined };
  /** Circuit breakers and throughput limits per provider, fed by what happens here. */
  readonly health: ProviderHealthRegistry;
  /** Source of randomness for weighted splits. */
  readonly random?: () => number;
  /** Identifies this replica in leases. */
  readonly owner: string;
  readonly leaseSeconds: number;
  readonly sweepIntervalMs: number;
  /**
   * How long after it was accepted a message may still be sent. Retryable failures (throttling,
   * a provider that is down) are retried with backoff until then; an OTP older than its code's
   * lifetime is useless, and a late SMS confuses more than it helps.
   */
  readonly messageValiditySeconds: number;
  readonly logger: DispatchLogger;
  readonly metrics?: DispatchMetrics;
  readonly now?: () => Date;
}

/** What planning sees of health: everyone healthy (the dispatcher checks health per step). */
const ALWAYS_HEALTHY: ProviderHealth = {
  state: () => 'closed',
  allowsProbe: () => true,
  hasCapacity: () => ({ ok: true }),
};

/** Receipts that arrive before the submit's result is stored are held this long, then dropped. */
const EARLY_RECEIPT_HOLD_MS = 60_000;
/** Most receipts held at once: an SMSC reporting ids we never had cannot fill memory. */
const EARLY_RECEIPTS_MAX = 10_000;
/** How often to delete old idempotency keys, in sweeps. */
const HOUSEKEEPING_EVERY_SWEEPS = 30;

/**
 * Moves stored messages to providers. A message committed by SendCode is handed over in process
 * at once; a periodic sweep (SELECT … FOR UPDATE SKIP LOCKED with a lease) picks up whatever no
 * replica is working on, recovers sends a dead replica left mid-submit (as outcome unknown, never
 * resent), and ends attempts whose delivery report never came. Each submit is an attempt row; a
 * failed submit moves to the next plan step or retries with backoff; a failed receipt moves on.
 */
export class Dispatcher implements DispatchQueue {
  readonly #options: DispatcherOptions;
  readonly #now: () => Date;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #earlyReceipts = new Map<string, { provider: string; receipt: DeliveryReceipt; at: number }>();
  #sweepTimer: NodeJS.Timeout | undefined;
  #sweeps = 0;
  #stopped = false;

  constructor(options: DispatcherOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
  }

  /** Starts the recovery sweep. */
  start(): void {
    this.#stopped = false;
    const tick = () => {
      void this.#track(this.sweep()).finally(() => {
        if (!this.#stopped) this.#sweepTimer = setTimeout(tick, this.#options.sweepIntervalMs);
      });
    };
    this.#sweepTimer = setTimeout(tick, this.#options.sweepIntervalMs);
  }

  /** Stops sweeping and waits for submits under way; queued messages stay for the next start. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#sweepTimer);
    await this.idle();
  }

  enqueue(messageId: string): void {
    if (this.#stopped) return; // the sweep of a running replica will pick it up
    void this.#track(this.process(messageId));
  }

  /** Resolves when every dispatch under way has settled (tests and shutdown use it). */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  /** One pass of the recovery sweep. */
  async sweep(): Promise<void> {
    const { store, owner, logger } = this.#options;
    const now = this.#now();
    try {
      const recovered = await store.recoverStaleSends(now);
      if (recovered > 0) logger.warn({ recovered }, 'sends interrupted mid-submit: outcome unknown, not resent');
      const { requeued, expired } = await store.expireOverdueAttempts(now);
      for (const { provider, wasUnknown } of expired) if (!wasUnknown) this.#receiptOutcome(provider, 'expired');
      for (const id of requeued) this.enqueue(id);
      const due = await store.claimDue(owner, now, this.#leaseUntil(), 50);
      for (const { id, token } of due) void this.#track(this.process(id, token));
      this.#pruneEarlyReceipts();
      if (++this.#sweeps % HOUSEKEEPING_EVERY_SWEEPS === 0) {
        await store.deleteIdempotencyKeysBefore(new Date(now.getTime() - IDEMPOTENCY_WINDOW_MS));
      }
    } catch (error) {
      logger.error({ err: error }, 'dispatch sweep failed');
    }
  }

  /**
   * Sends the message's next step, unless someone else holds it or it is not due. `token` is the
   * lease the sweep already took for it; without one, a fresh token is claimed.
   */
  async process(messageId: string, token = `${this.#options.owner}:${randomUUID()}`): Promise<void> {
    const { store, logger } = this.#options;
    try {
      const message = await store.claim(messageId, token, this.#now(), this.#leaseUntil());
      if (message) await this.#attempt(message);
    } catch (error) {
      logger.error({ err: error, messageId }, 'dispatch failed; the sweep will retry after the lease');
    }
  }

  async #attempt(message: ClaimedMessage): Promise<void> {
    const { store, providers, logger } = this.#options;
    const now = this.#now();
    const validUntil = this.#validUntil(message);
    const unsendable =
      !message.verificationOpen ? 'its verification is no longer pending'
      : validUntil.getTime() <= now.getTime() ? 'it expired before it could be sent'
      : message.text === null ? 'its text cannot be decrypted (was ENCRYPTION_KEY changed?)'
      : null;
    if (unsendable !== null || message.text === null) {
      await store.dropMessage(message.id, `not sent: ${unsendable ?? 'no text'}`, now);
      logger.warn({ messageId: message.id, reason: unsendable }, 'message dropped unsent');
      return;
    }
    let plan: { rule: string; steps: readonly StoredStep[] };
    if (message.plan === null) {
      try {
        // Planned on static facts only (enabled, channel, price, rule): breakers and limits change
        // by the second and are checked when each step runs, so a burst or a sick provider
        // delays or skips a step instead of failing the whole message at planning time.
        const routed = this.#options.routing.current().plan(
          { to: message.to, country: message.country, app: message.app, channel: message.channel, kind: message.kind, parts: message.parts },
          ALWAYS_HEALTHY,
          now.getTime(),
          this.#options.random ?? Math.random,
        );
        plan = {
          rule: routed.rule,
          steps: routed.steps.map((step) => ({
            provider: step.provider,
            channel: step.channel,
            expectedCostMicros: step.expectedCost === null ? null : Math.round(step.expectedCost * 1_000_000),
            currency: step.currency,
            receiptTimeoutSeconds: step.receiptTimeoutSeconds,
          })),
        };
      } catch (error) {
        if (!(error instanceof NoRouteError)) throw error;
        await store.failUnroutable(message.id, error.message, now);
        logger.warn({ messageId: message.id, reason: error.message }, 'message has no route');
        return;
      }
    } else {
      plan = { rule: '', steps: message.plan };
    }
    const step = plan.steps[message.step];
    if (step === undefined) {
      await store.failUnroutable(message.id, 'every step of the plan was tried', now);
      return;
    }
    // The configuration may have changed since the plan was made: a provider that was deleted,
    // disabled or no longer serves the channel is passed over (no attempt, nothing sent).
    const profile = this.#options.routing.provider(step.provider);
    const gone =
      !profile ? 'unknown provider'
      : !profile.enabled ? 'disabled'
      : !profile.channels.includes(step.channel) ? 'channel not served'
      // A channel step without what it needs is passed over (no attempt) with its reason recorded.
      : step.channel === 'email' && message.email === null ? 'no e-mail address for this message'
      : step.channel === 'voice' && message.otp === null ? 'no code to read out (voice carries verification codes only)'
      : null;
    const verdict = gone === null ? this.#reserve(step.provider) : ({ kind: 'skip', reason: gone } as const);
    if (verdict.kind === 'wait') {
      // Full right now (rate or in-flight window): same step, a little later. Not a failure.
      const next = { step: message.step, retries: message.retries, notBefore: new Date(now.getTime() + verdict.ms) };
      await store.skipStep(message.id, message.token, plan, next, `${step.provider}: ${verdict.reason}, waiting`, now);
      this.#enqueueAt(message.id, next.notBefore);
      return;
    }
    if (verdict.kind === 'skip') {
      // An open circuit closes again; a deleted or disabled provider on the last step does not.
      const next = this.#nextStep(message, plan.steps.length, verdict.reason === 'circuit open');
      await store.skipStep(message.id, message.token, plan, next, `${step.provider}: ${verdict.reason}`, now);
      logger.warn({ messageId: message.id, provider: step.provider, reason: verdict.reason, next }, 'step skipped');
      if (next) this.#enqueueAt(message.id, next.notBefore);
      return;
    }

    // The in-flight slot is held for the submit only: it is this replica's submit window.
    let accepted: SubmitAccepted;
    let attemptId: string | null = null;
    try {
      attemptId = await store.startAttempt(message.id, message.token, plan, message.step, this.#leaseUntil());
      if (attemptId === null) {
        this.#health.limiter(step.provider)?.release();
        return; // the lease was lost: whoever holds it now sends
      }
      try {
        const provider = providers.get(step.provider);
        if (!provider) throw new ProviderError(`provider ${step.provider} is not running on this replica`, { retryable: true, notConnected: true });
        const outbound: OutboundSms = {
          messageId: message.id,
          attemptId,
          to: message.to,
          from: message.from,
          text: message.text,
          validUntil,
          otp: message.otp ?? undefined,
          email: message.email ?? undefined,
        };
        accepted = await this.#keepingLease(message.id, message.token, () => provider.submit(outbound));
      } catch (error) {
        this.#health.limiter(step.provider)?.release();
        await this.#submitFailed(message, plan.steps.length, attemptId, step.provider, error);
        return;
      }
      this.#health.limiter(step.provider)?.release();
    } catch (error) {
      if (attemptId === null) this.#health.limiter(step.provider)?.release();
      throw error;
    }
    this.#health.breaker(step.provider).recordSubmitSuccess();
    this.#options.metrics?.submit(step.provider, 'accepted');
    // From here the provider HAS the message: no failure below may lead to a resend.
    await this.#recordSubmitted(message.id, attemptId, step.provider, accepted);
  }

  get #health() {
    return this.#options.health;
  }

  /**
   * Whether the step may run now: a throughput token and an in-flight slot (else wait), and the
   * breaker's permission (else skip; when half-open this takes its single probe slot). The limiter
   * is asked first, so a full provider never holds the breaker's probe slot.
   */
  #reserve(provider: string): { kind: 'go' } | { kind: 'wait'; reason: string; ms: number } | { kind: 'skip'; reason: string } {
    const limiter = this.#health.limiter(provider);
    if (this.#health.breaker(provider).state === 'open') return { kind: 'skip', reason: 'circuit open' };
    const capacity = limiter?.tryAcquire() ?? { ok: true as const };
    if (!capacity.ok) return { kind: 'wait', reason: capacity.reason, ms: Math.max(50, Math.min(5000, limiter?.msUntilToken() ?? 1000)) };
    if (!this.#health.breaker(provider).tryAcquire()) {
      limiter?.release();
      return { kind: 'skip', reason: 'circuit open' };
    }
    return { kind: 'go' };
  }

  /** Tells the breaker how a delivery report went. */
  #receiptOutcome(provider: string, receipt: 'delivered' | 'failed' | 'expired'): void {
    this.#health.breaker(provider).recordReceipt(receipt);
  }

  #enqueueAt(messageId: string, notBefore: Date): void {
    const delay = notBefore.getTime() - this.#now().getTime();
    if (delay <= 0) this.enqueue(messageId);
    else setTimeout(() => { this.enqueue(messageId); }, delay).unref();
  }

  async #submitFailed(message: ClaimedMessage, planLength: number, attemptId: string, providerName: string, error: unknown): Promise<void> {
    const { store, logger } = this.#options;
    const now = this.#now();
    const failure = error instanceof ProviderError ? error : new ProviderError('submit threw', { retryable: false, outcomeUnknown: true, cause: error });
    const detail = { code: failure.providerCode ?? failure.code, message: failure.message };
    this.#options.metrics?.submit(providerName, failure.outcomeUnknown ? 'unknown' : 'failed');
    if (failure.outcomeUnknown) {
      await store.markOutcomeUnknown(attemptId, message.id, detail, now, failure.acceptedParts);
      // Receipts for the parts that were taken may already be waiting.
      for (const id of failure.acceptedParts?.partMessageIds ?? []) await this.#replayEarlyReceipt(providerName, id);
      logger.warn({ messageId: message.id, provider: providerName, error: detail }, 'submit outcome unknown; not resending');
      return;
    }
    if (!failure.notConnected) this.#health.breaker(providerName).recordSubmitFailure();
    const next = this.#nextStep(message, planLength, failure.retryable);
    await store.markAttemptFailed(attemptId, message.id, detail, next, now);
    logger.warn({ messageId: message.id, provider: providerName, error: detail, next }, 'submit failed');
    if (next) this.#enqueueAt(message.id, next.notBefore);
  }

  /**
   * Stores the provider's acceptance, retrying briefly: a database hiccup here must not turn an
   * accepted message into a failed one. If it cannot be stored, the attempt stays `sending` and
   * recovery records it as outcome unknown once the lease runs out; it is never resent.
   */
  async #recordSubmitted(messageId: string, attemptId: string, providerName: string, accepted: SubmitAccepted): Promise<void> {
    const { store, logger } = this.#options;
    for (let attempt = 1; ; attempt++) {
      try {
        await store.markSubmitted(attemptId, messageId, accepted, this.#now());
        break;
      } catch (error) {
        if (attempt >= 3) {
          logger.error({ err: error, messageId, provider: providerName }, 'submitted but not recorded; recovery will mark it outcome unknown');
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    }
    logger.info({ messageId, provider: providerName, parts: accepted.parts }, 'message submitted');
    for (const id of accepted.partMessageIds ?? [accepted.providerMessageId]) await this.#replayEarlyReceipt(providerName, id);
    // Acceptance is the provider's last word (SMTP): settle the attempt through the same receipt path.
    if (accepted.final === true) await this.onReceipt(providerName, { providerMessageId: accepted.providerMessageId, state: 'delivered', doneAt: this.#now() });
  }

  /** The message is useless after this: its validity, or its verification's expiry if sooner. */
  #validUntil(message: ClaimedMessage): Date {
    const validity = message.createdAt.getTime() + this.#options.messageValiditySeconds * 1000;
    const expiry = message.verificationExpiresAt?.getTime() ?? Number.POSITIVE_INFINITY;
    return new Date(Math.min(validity, expiry));
  }

  /**
   * After a failed submit: the next plan step at once; on the last step, a retryable failure is
   * tried again with exponential backoff while the message is still valid; otherwise none.
   */
  #nextStep(message: ClaimedMessage, planLength: number, retryable: boolean): NextStep | null {
    const now = this.#now().getTime();
    if (message.step + 1 < planLength) return { step: message.step + 1, retries: 0, notBefore: new Date(now) };
    const backoffMs = Math.min(30_000, 500 * 2 ** Math.min(message.retries, 10));
    if (retryable && now + backoffMs < this.#validUntil(message).getTime()) {
      return { step: message.step, retries: message.retries + 1, notBefore: new Date(now + backoffMs) };
    }
    return null;
  }

  /** Entry point for every provider's receipts (the providers' ReceiptSink). */
  readonly onReceipt = async (providerName: string, receipt: DeliveryReceipt): Promise<void> => {
    this.#options.metrics?.receipt(providerName, receipt.state);
    await this.#receive(providerName, receipt);
  };

  async #receive(providerName: string, receipt: DeliveryReceipt): Promise<void> {
    const { store } = this.#options;
    const outcome = await store.applyReceipt(providerName, receipt, this.#now());
    if (outcome.kind !== 'unmatched') {
      this.#afterReceipt(providerName, receipt, outcome);
      return;
    }
    // SMPP lets the receipt overtake our write of the submit's result. Hold it, then look once
    // more: either that write has committed by now (and this second look matches), or it has
    // not, and #recordSubmitted will find the receipt held.
    const key = `${providerName}\u0000${normaliseProviderMessageId(receipt.providerMessageId)}`;
    this.#earlyReceipts.set(key, { provider: providerName, receipt, at: Date.now() });
    if (this.#earlyReceipts.size > EARLY_RECEIPTS_MAX) {
      const [oldestKey, oldest] = this.#earlyReceipts.entries().next().value ?? [];
      if (oldestKey !== undefined && oldest !== undefined) {
        this.#earlyReceipts.delete(oldestKey);
        this.#options.logger.warn({ provider: oldest.provider, providerMessageId: oldest.receipt.providerMessageId }, 'receipt hold full; oldest unknown receipt dropped');
      }
    }
    const again = await store.applyReceipt(providerName, receipt, this.#now());
    if (again.kind !== 'unmatched') {
      this.#earlyReceipts.delete(key);
      this.#afterReceipt(providerName, receipt, again);
    }
  }

  /**
   * Entry point for late submit answers: a part we recorded as outcome unknown was accepted after
   * all. Its id is stored so the part's receipt matches, and a receipt that already came is replayed.
   */
  readonly onLateAcceptance = async (providerName: string, acceptance: LateAcceptance): Promise<void> => {
    const { store, logger } = this.#options;
    const result = await store.recordLateAcceptance(providerName, acceptance, this.#now());
    // Unmatched is the common case for webhooks, which correlate every report whose attempt
    // already has its id; only a reconciled outcome is news.
    if (result !== 'recorded') return;
    logger.warn({ provider: providerName, attemptId: acceptance.attemptId, part: acceptance.part }, 'late submit answer reconciled');
    await this.#replayEarlyReceipt(providerName, acceptance.providerMessageId);
  };

  #afterReceipt(providerName: string, receipt: DeliveryReceipt, outcome: ReceiptOutcome): void {
    const { logger } = this.#options;
    if (outcome.kind === 'requeued' || outcome.kind === 'final') {
      this.#receiptOutcome(providerName, receipt.state === 'delivered' ? 'delivered' : receipt.state === 'expired' ? 'expired' : 'failed');
    }
    if (outcome.kind === 'requeued') {
      logger.info({ messageId: outcome.messageId, provider: providerName, state: receipt.state }, 'receipt failed; trying next step');
      this.enqueue(outcome.messageId);
    } else if (outcome.kind === 'final') {
      logger.info({ messageId: outcome.messageId, provider: providerName, delivered: outcome.delivered }, 'delivery final');
    }
  }

  async #replayEarlyReceipt(providerName: string, providerMessageId: string): Promise<void> {
    const key = `${providerName}\u0000${normaliseProviderMessageId(providerMessageId)}`;
    const early = this.#earlyReceipts.get(key);
    if (!early) return;
    this.#earlyReceipts.delete(key);
    try {
      await this.#receive(early.provider, early.receipt);
    } catch (error) {
      this.#options.logger.error({ err: error, provider: providerName }, 'held receipt could not be applied');
    }
  }

  #pruneEarlyReceipts(): void {
    const cutoff = Date.now() - EARLY_RECEIPT_HOLD_MS;
    for (const [key, value] of this.#earlyReceipts) {
      if (value.at >= cutoff) continue;
      this.#earlyReceipts.delete(key);
      this.#options.logger.warn({ provider: value.provider, providerMessageId: value.receipt.providerMessageId }, 'receipt for an unknown message dropped');
    }
  }

  /**
   * Runs a submit while renewing the message's lease every third of its length. A submit may
   * legitimately take longer than one lease (many parts, throttling back-off); without this the
   * sweep would take it for a dead replica's and end the attempt as outcome unknown mid-send.
   */
  async #keepingLease<T>(messageId: string, token: string, submit: () => Promise<T>): Promise<T> {
    const { store, logger, leaseSeconds } = this.#options;
    const timer = setInterval(() => {
      store.renewLease(messageId, token, this.#leaseUntil()).then(
        (renewed) => {
          if (!renewed) logger.warn({ messageId }, 'lease lost during a submit; the sweep may record its outcome as unknown');
        },
        (error: unknown) => {
          logger.error({ err: error, messageId }, 'lease renewal failed during a submit');
        },
      );
    }, Math.max(100, (leaseSeconds * 1000) / 3));
    try {
      return await submit();
    } finally {
      clearInterval(timer);
    }
  }

  #leaseUntil(): Date {
    return new Date(this.#now().getTime() + this.#options.leaseSeconds * 1000);
  }

  #track(work: Promise<void>): Promise<void> {
    this.#inFlight.add(work);
    void work.finally(() => this.#inFlight.delete(work));
    return work;
  }
}
