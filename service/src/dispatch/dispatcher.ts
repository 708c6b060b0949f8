import { randomUUID } from 'node:crypto';
import { ProviderError } from '../shared/errors.js';
import type { DeliveryReceipt, SmsProvider } from '../providers/sms-provider.js';
import { NoRouteError, planRoute } from '../routing/route-plan.js';
import type { DispatchQueue } from '../verification/verification.ports.js';
import type { ClaimedMessage, DispatchStore } from './dispatch.ports.js';

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
  readonly now?: () => Date;
}

/** Receipts that arrive before the submit's result is stored are held this long, then dropped. */
const EARLY_RECEIPT_HOLD_MS = 60_000;

/**
 * Moves stored messages to providers. A message committed by SendCode is handed over in process
 * at once; a periodic sweep (SELECT … FOR UPDATE SKIP LOCKED with a lease) picks up whatever no
 * replica is working on, e.g. after a crash. Each submit is an attempt row; a failed submit moves
 * to the next plan step or retries with backoff; a failed receipt moves to the next step.
 */
export class Dispatcher implements DispatchQueue {
  readonly #options: DispatcherOptions;
  readonly #now: () => Date;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #earlyReceipts = new Map<string, { provider: string; receipt: DeliveryReceipt; at: number }>();
  #sweepTimer: NodeJS.Timeout | undefined;
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
    await Promise.allSettled([...this.#inFlight]);
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
    const { store, owner } = this.#options;
    try {
      const abandoned = await store.abandonStaleSends(this.#now());
      if (abandoned > 0) this.#options.logger.warn({ abandoned }, 'sends interrupted mid-submit: outcome unknown, not resent');
      const due = await store.claimDue(owner, this.#leaseUntil(), 50);
      for (const { id, token } of due) void this.#track(this.process(id, token));
    } catch (error) {
      this.#options.logger.error({ err: error }, 'dispatch sweep failed');
    }
  }

  /**
   * Sends the message's next step, unless someone else holds it or it is not due. `token` is the
   * lease the sweep already took for it; without one, a fresh token is claimed.
   */
  async process(messageId: string, token = `${this.#options.owner}:${randomUUID()}`): Promise<void> {
    const { store, logger } = this.#options;
    try {
      const message = await store.claim(messageId, token, this.#leaseUntil());
      if (message) await this.#attempt(message);
    } catch (error) {
      logger.error({ err: error, messageId }, 'dispatch failed; the sweep will retry after the lease');
    }
  }

  async #attempt(message: ClaimedMessage): Promise<void> {
    const { store, providers, logger } = this.#options;
    let plan = message.plan;
    if (plan === null) {
      try {
        const table = await store.routingTable();
        plan = planRoute(table.rules, table.providers, message).providers;
      } catch (error) {
        if (!(error instanceof NoRouteError)) throw error;
        await store.failUnroutable(message.id, error.message);
        logger.warn({ messageId: message.id, reason: error.message }, 'message has no route');
        return;
      }
    }
    const providerName = plan[message.step];
    if (providerName === undefined) {
      await store.failUnroutable(message.id, 'every step of the plan was tried');
      return;
    }
    const attemptId = await store.startAttempt(message.id, plan, message.step, providerName);
    const provider = providers.get(providerName);
    try {
      if (!provider) throw new ProviderError(`provider ${providerName} is not running on this replica`, { retryable: true });
      const accepted = await provider.submit({ messageId: message.id, attemptId, to: message.to, from: message.from, text: message.text });
      await store.markSubmitted(attemptId, message.id, accepted.providerMessageId, accepted.parts);
      logger.info({ messageId: message.id, provider: providerName, step: message.step }, 'message submitted');
      await this.#replayEarlyReceipt(providerName, accepted.providerMessageId);
    } catch (error) {
      const failure = error instanceof ProviderError ? error : new ProviderError('submit threw', { retryable: false, cause: error });
      const detail = { code: failure.providerCode ?? failure.code, message: failure.message };
      if (failure.outcomeUnknown) {
        await store.markOutcomeUnknown(attemptId, message.id, detail);
        logger.warn({ messageId: message.id, provider: providerName, error: detail }, 'submit outcome unknown; waiting for a receipt, not resending');
        return;
      }
      const next = this.#nextStep(message, plan.length, failure.retryable);
      await store.markAttemptFailed(attemptId, message.id, detail, next);
      logger.warn({ messageId: message.id, provider: providerName, error: detail, next }, 'submit failed');
      if (next && next.notBefore.getTime() <= this.#now().getTime()) this.enqueue(message.id);
      else if (next) setTimeout(() => { this.enqueue(message.id); }, next.notBefore.getTime() - this.#now().getTime()).unref();
    }
  }

  /**
   * After a failed submit: the next plan step at once; on the last step, a retryable failure is
   * tried again with exponential backoff while the message is still valid; otherwise none.
   */
  #nextStep(message: ClaimedMessage, planLength: number, retryable: boolean) {
    const now = this.#now().getTime();
    if (message.step + 1 < planLength) return { step: message.step + 1, retries: 0, notBefore: new Date(now) };
    const backoffMs = Math.min(30_000, 500 * 2 ** Math.min(message.retries, 10));
    const validUntil = message.createdAt.getTime() + this.#options.messageValiditySeconds * 1000;
    if (retryable && now + backoffMs < validUntil) {
      return { step: message.step, retries: message.retries + 1, notBefore: new Date(now + backoffMs) };
    }
    return null;
  }

  /** Entry point for every provider's receipts (the providers' ReceiptSink). */
  readonly onReceipt = async (providerName: string, receipt: DeliveryReceipt): Promise<void> => {
    const { store, logger } = this.#options;
    const outcome = await store.applyReceipt(providerName, receipt, this.#now());
    if (outcome.kind === 'unmatched') {
      // SMPP allows the receipt to overtake our write of the submit's result: hold it briefly.
      this.#pruneEarlyReceipts();
      this.#earlyReceipts.set(`${providerName}\u0000${receipt.providerMessageId}`, { provider: providerName, receipt, at: Date.now() });
      return;
    }
    if (outcome.kind === 'requeued') {
      logger.info({ messageId: outcome.messageId, provider: providerName, state: receipt.state }, 'receipt failed; trying next step');
      this.enqueue(outcome.messageId);
    } else if (outcome.kind === 'final') {
      logger.info({ messageId: outcome.messageId, provider: providerName, delivered: outcome.delivered }, 'delivery final');
    }
  };

  async #replayEarlyReceipt(providerName: string, providerMessageId: string): Promise<void> {
    const key = `${providerName}\u0000${providerMessageId}`;
    const early = this.#earlyReceipts.get(key);
    if (!early) return;
    this.#earlyReceipts.delete(key);
    await this.onReceipt(early.provider, early.receipt);
  }

  #pruneEarlyReceipts(): void {
    const cutoff = Date.now() - EARLY_RECEIPT_HOLD_MS;
    for (const [key, value] of this.#earlyReceipts) {
      if (value.at < cutoff) {
        this.#earlyReceipts.delete(key);
        this.#options.logger.warn({ provider: value.provider, providerMessageId: value.receipt.providerMessageId }, 'receipt for an unknown message dropped');
      }
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
