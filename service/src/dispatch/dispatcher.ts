import { randomUUID } from 'node:crypto';
import { normaliseProviderMessageId, type DeliveryReceipt, type LateAcceptance, type OutboundSms, type ChannelProvider } from '../providers/channel-provider.js';
import type { ProviderHealthRegistry } from '../routing/provider-health.js';
import { NoRouteError, type RoutingTable } from '../routing/router.js';
import type { ProviderHealth, ProviderProfile } from '../routing/routing-model.js';
import { ProviderError } from '../shared/errors.js';
import { IDEMPOTENCY_WINDOW_MS } from '../shared/request-rules.js';
import type { DispatchQueue } from '../verification/verification.ports.js';
import type { MessageChange, RetryPolicy } from './attempt-lifecycle.js';
import { DispatchJournal, type CommittedEffects, type EventOutcome, type SubmitResult } from './dispatch-journal.js';
import type { ClaimedMessage, DispatchMetrics, DispatchStore, StoredStep } from './dispatch.ports.js';
import type { Logger } from '../shared/logger.js';

export interface DispatcherOptions {
  readonly store: DispatchStore;
  /** Providers by name; a plan step naming a missing one waits for it (last step) or moves on. */
  readonly providers: ReadonlyMap<string, ChannelProvider>;
  /** The routing table in force (swapped on configuration changes) and the providers it knows. */
  readonly routing: { current(): RoutingTable; provider(name: string): ProviderProfile | undefined };
  /** Circuit breakers and throughput limits per provider, fed by what happens here. */
  readonly health: ProviderHealthRegistry;
  /** Source of randomness for weighted splits and jitter. */
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
  /** Most messages this replica holds in memory at once; the rest wait in the table for any replica. */
  readonly maxHeld?: number | undefined;
  /** The database runs on this thread (PGlite): gather a turn's events into each transaction. */
  readonly inProcessDatabase?: boolean | undefined;
  readonly logger: Logger;
  readonly metrics?: DispatchMetrics | undefined;
  readonly now?: () => Date;
}

/** What planning sees of health: everyone healthy (the dispatcher checks health per step). */
const ALWAYS_HEALTHY: ProviderHealth = {
  state: () => 'closed',
  allowsProbe: () => true,
  hasCapacity: () => ({ ok: true }),
};

/** Messages claimed per statement when the table has a backlog. */
const CLAIM_BATCH = 500;
/** Attempts and interrupted sends settled per sweep transaction. */
const SWEEP_BATCH = 500;
/** How often a step waits to look again at a provider that is not connected. */
const NOT_CONNECTED_RECHECK_MS = 250;
/** Receipts no submit claimed are kept this long (a restart, a slow replica), then dropped and logged. */
const PENDING_RECEIPT_HOLD_SECONDS = 600;
/** Housekeeping (idempotency keys, unclaimed receipts) every this many sweeps. */
const HOUSEKEEPING_EVERY_SWEEPS = 30;
const DEFAULT_MAX_HELD = 10_000;
/** How soon a message whose planning or queueing threw (a bug, not a missing route) is tried again. */
const PLAN_RETRY_MS = 1000;

/** A message this replica holds (leased) and is moving along its plan. */
interface Job {
  message: ClaimedMessage;
  plan: { readonly steps: readonly StoredStep[]; readonly rule: string | null } | null;
  /** Whether `plan` is stored already (the first attempt or passed-over step stores it). */
  planStored: boolean;
  step: number;
  retries: number;
  readonly validUntil: Date;
  timer: NodeJS.Timeout | undefined;
}

/** Jobs waiting for one provider's capacity (throughput, in-flight window, a bind), in order. */
interface ProviderQueue {
  readonly jobs: Job[];
  timer: NodeJS.Timeout | undefined;
}

/** A submit result on its way to the table; receipts for its ids that come meanwhile ride along. */
interface Recording {
  readonly held: { sealed: boolean; readonly receipts: DeliveryReceipt[] };
  readonly committed: Promise<EventOutcome>;
}

const receiptKey = (provider: string, id: string) => `${provider}\u0000${normaliseProviderMessageId(id)}`;

/**
 * Moves stored messages to providers. A message accepted on this replica is held here at once
 * (it was stored under this replica's lease); others are claimed from the table in batches when
 * there is room, woken by NOTIFY from any replica or by the sweep. A held message waits in memory
 * for its provider's capacity, never polling the table; every write (attempt started, submit
 * result, receipt) goes through the journal, in batches. The sweep settles attempts whose receipt
 * is overdue and sends a dead replica left mid-submit (outcome unknown, never resent).
 */
export class Dispatcher implements DispatchQueue {
  readonly #options: DispatcherOptions;
  readonly #now: () => Date;
  readonly #random: () => number;
  readonly #maxHeld: number;
  readonly #journal: DispatchJournal;
  readonly #jobs = new Map<string, Job>();
  readonly #queues = new Map<string, ProviderQueue>();
  readonly #recording = new Map<string, Recording>();
  readonly #inFlight = new Set<Promise<unknown>>();
  /** Places reserved by requests being committed (see `reserve`). */
  #reserved = 0;
  #sweepTimer: NodeJS.Timeout | undefined;
  #leaseTimer: NodeJS.Timeout | undefined;
  #sweeps = 0;
  #stopped = true;
  #claiming = false;
  #claimAgain = false;
  /** The last claim filled its batch: more may be waiting in the table. */
  #backlog = false;

  constructor(options: DispatcherOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
    this.#random = options.random ?? Math.random;
    this.#maxHeld = options.maxHeld ?? DEFAULT_MAX_HELD;
    this.#journal = new DispatchJournal({
      store: options.store,
      now: this.#now,
      onCommitted: (effects) => { this.#committed(effects); },
      onEffectsFailed: (error) => { options.logger.error({ err: error }, 'acting on a stored dispatch batch failed (breakers, metrics, claims); the batch stays stored'); },
      onBatch: (size) => options.metrics?.batch?.('dispatch', size),
      gatherTurn: options.inProcessDatabase === true,
    });
  }

  get owner(): string {
    return this.#options.owner;
  }

  get leaseSeconds(): number {
    return this.#options.leaseSeconds;
  }

  /** Messages held in memory right now (leased to this replica). */
  get held(): number {
    return this.#jobs.size;
  }

  /** How many more messages it can take now (held and reserved count). */
  room(): number {
    return this.#stopped ? 0 : Math.max(0, this.#maxHeld - this.#jobs.size - this.#reserved);
  }

  reserve(): { owner: string; seconds: number } | null {
    if (this.room() === 0) return null;
    this.#reserved += 1;
    return { owner: this.#options.owner, seconds: this.#options.leaseSeconds };
  }

  cancelReservation(): void {
    this.#reserved = Math.max(0, this.#reserved - 1);
  }

  /** Starts the sweep, the lease renewal, and a first claim of what the table holds. */
  start(): void {
    this.#stopped = false;
    const tick = () => {
      void this.#track(this.sweep()).finally(() => {
        if (!this.#stopped) this.#sweepTimer = setTimeout(tick, this.#options.sweepIntervalMs);
      });
    };
    this.#sweepTimer = setTimeout(tick, this.#options.sweepIntervalMs);
    const renewEvery = Math.max(100, (this.#options.leaseSeconds * 1000) / 3);
    const renew = () => {
      void this.#track(this.#renewLeases()).finally(() => {
        if (!this.#stopped) this.#leaseTimer = setTimeout(renew, renewEvery);
      });
    };
    this.#leaseTimer = setTimeout(renew, renewEvery);
    this.wake();
  }

  /**
   * Stops taking work, lets submits under way finish and their results be stored, then gives the
   * held messages' leases back so another replica sends them at once. Bounded by `deadlineMs`:
   * what is still under way then is left to recovery (outcome unknown, never resent).
   */
  async stop(deadlineMs = 10_000): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#sweepTimer);
    clearTimeout(this.#leaseTimer);
    for (const queue of this.#queues.values()) clearTimeout(queue.timer);
    const waiting: Job[] = [];
    for (const queue of this.#queues.values()) waiting.push(...queue.jobs.splice(0));
    for (const job of this.#jobs.values()) clearTimeout(job.timer);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'late'>((resolve) => { timer = setTimeout(() => { resolve('late'); }, deadlineMs); });
    const settled = await Promise.race([this.idle().then(() => 'done' as const), deadline]);
    clearTimeout(timer);
    if (settled === 'late') this.#options.logger.warn({ held: this.#jobs.size }, 'dispatcher stop: submits still under way at the deadline; recovery settles them');
    await Promise.race([this.#journal.close(), new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
    const queued = [...this.#jobs.values()].filter((job) => !this.#sending.has(job.message.id)).map((job) => job.message.id);
    try {
      await this.#options.store.releaseLeases(this.#options.owner, queued);
      if (queued.length > 0) await this.#options.store.announceWork();
    } catch (error) {
      this.#options.logger.warn({ err: error, messages: queued.length }, 'could not give back leases; they run out by themselves');
    }
    this.#jobs.clear();
  }

  /** Resolves when every dispatch under way has settled (tests and shutdown use it). */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  /** Messages this replica stored under its own lease (SendCode, SendMessage): held at once. */
  accepted(messages: readonly ClaimedMessage[]): void {
    this.#reserved = Math.max(0, this.#reserved - messages.length);
    for (const message of messages) this.#hold(message);
  }

  /** Queued messages nobody holds were stored: tell every replica, this one included. */
  announce(): void {
    this.#backlog = true;
    void this.#options.store.announceWork().catch((error: unknown) => {
      this.#options.logger.warn({ err: error }, 'could not announce queued work; the sweeps find it');
    });
    this.wake();
  }

  /** Something may be waiting in the table (NOTIFY from a replica, a released message): claim it if there is room. */
  wake(): void {
    if (this.#stopped) return;
    // Until a claim finds fewer than it asked for, assume the table holds more.
    this.#backlog = true;
    if (this.#claiming) {
      this.#claimAgain = true;
      return;
    }
    this.#claiming = true;
    void this.#track(
      this.#claimWhileRoom().finally(() => {
        this.#claiming = false;
        if (this.#claimAgain) {
          this.#claimAgain = false;
          this.wake();
        }
      }),
    );
  }

  async #claimWhileRoom(): Promise<void> {
    const { store, owner, leaseSeconds, logger } = this.#options;
    try {
      for (;;) {
        const room = this.room();
        if (room === 0) return;
        const limit = Math.min(CLAIM_BATCH, room);
        const claimed = await store.claimDue(owner, leaseSeconds, limit);
        for (const message of claimed) this.#hold(message);
        this.#backlog = claimed.length === limit;
        if (!this.#backlog) return;
      }
    } catch (error) {
      logger.error({ err: error }, 'claiming queued messages failed; the sweep tries again');
    }
  }

  /** One pass of the sweep: receipt deadlines, interrupted sends, claims, housekeeping. */
  async sweep(): Promise<void> {
    const { store, logger } = this.#options;
    try {
      for (;;) {
        const { overdue, interrupted } = await this.#journal.sweep(SWEEP_BATCH);
        if (interrupted > 0) logger.warn({ interrupted }, 'sends interrupted mid-submit: outcome unknown, not resent');
        if (overdue < SWEEP_BATCH && interrupted < SWEEP_BATCH) break;
      }
      // Receipts stored while the submit they name was being recorded elsewhere: apply them now.
      for (const pending of await store.matchablePendingReceipts(SWEEP_BATCH)) {
        await this.#journal.receipt(pending.provider, { providerMessageId: pending.providerMessageId, state: pending.state, errorCode: pending.errorCode ?? undefined, handset: pending.handset ?? undefined, attemptId: pending.attemptHint ?? undefined }, pending.id);
      }
      this.wake();
      if (++this.#sweeps % HOUSEKEEPING_EVERY_SWEEPS === 0) {
        await store.deleteIdempotencyKeysBefore(new Date(this.#now().getTime() - IDEMPOTENCY_WINDOW_MS));
        for (const dropped of await store.purgePendingReceipts(PENDING_RECEIPT_HOLD_SECONDS, SWEEP_BATCH)) {
          logger.warn({ provider: dropped.provider, providerMessageId: dropped.providerMessageId, state: dropped.state }, 'receipt for an unknown message dropped');
        }
      }
    } catch (error) {
      logger.error({ err: error }, 'dispatch sweep failed');
    }
  }

  async #renewLeases(): Promise<void> {
    if (this.#jobs.size === 0) return;
    try {
      await this.#options.store.renewLeases(this.#options.owner, this.#options.leaseSeconds, [...this.#jobs.keys()]);
    } catch (error) {
      this.#options.logger.error({ err: error, held: this.#jobs.size }, 'lease renewal failed; retrying at the next renewal');
    }
  }

  #hold(message: ClaimedMessage): void {
    if (this.#stopped || this.#jobs.has(message.id)) return;
    const job: Job = {
      message,
      plan: message.plan === null ? null : { steps: message.plan, rule: message.routeRule },
      planStored: message.plan !== null,
      step: message.step,
      retries: message.retries,
      validUntil: this.#validUntil(message),
      timer: undefined,
    };
    this.#jobs.set(message.id, job);
    this.#moveOn(job);
  }

  #forget(job: Job): void {
    clearTimeout(job.timer);
    this.#jobs.delete(job.message.id);
    // With a backlog in the table, claim again once a quarter batch of room is free (not per message).
    if (this.#backlog && !this.#claiming && this.room() >= Math.max(1, Math.min(CLAIM_BATCH, this.#maxHeld) / 4)) this.wake();
  }

  /** The message is useless after this: its validity, or its verification's expiry if sooner. */
  #validUntil(message: ClaimedMessage): Date {
    const validity = message.createdAt.getTime() + this.#options.messageValiditySeconds * 1000;
    const expiry = message.verificationExpiresAt?.getTime() ?? Number.POSITIVE_INFINITY;
    return new Date(Math.min(validity, expiry));
  }

  #policy(job: Job): RetryPolicy {
    return { now: this.#now(), validUntil: job.validUntil };
  }

  /**
   * `#advance`, from places that must not throw: a request handler whose message is already
   * committed (it must answer OK), a timer (a throw would end the process). Whatever throws, the
   * job stays held and is tried again shortly: never dropped, never sent twice.
   */
  #moveOn(job: Job): void {
    try {
      this.#advance(job);
    } catch (error) {
      this.#options.logger.error({ err: error, messageId: job.message.id }, 'moving a message on failed; trying again shortly');
      clearTimeout(job.timer);
      job.timer = setTimeout(() => { job.timer = undefined; this.#moveOn(job); }, PLAN_RETRY_MS).unref();
    }
  }

  /** Takes the job to its current step: drops or fails it, passes over the step, or queues it for the provider. */
  #advance(job: Job): void {
    if (this.#stopped) return;
    const now = this.#now();
    const { message } = job;
    const unsendable =
      !message.verificationOpen ? 'its verification is no longer pending'
      : job.validUntil.getTime() <= now.getTime() ? 'it expired before it could be sent'
      : message.text === null ? 'its text cannot be decrypted (was ENCRYPTION_KEY changed?)'
      : null;
    if (unsendable !== null) {
      this.#options.logger.warn({ messageId: message.id, reason: unsendable }, 'message dropped unsent');
      this.#pass(job, 'drop', unsendable, false);
      return;
    }
    if (job.plan === null) {
      try {
        job.plan = this.#planFor(message, now);
      } catch (error) {
        // Not the message's fault (a bug): `#moveOn` keeps it held and plans it again.
        if (!(error instanceof NoRouteError)) throw error;
        this.#options.logger.warn({ messageId: message.id, reason: error.message }, 'message has no route');
        this.#pass(job, 'unroutable', error.message, false);
        return;
      }
    }
    const step = job.plan.steps[job.step];
    if (step === undefined) {
      this.#pass(job, 'unroutable', 'every step of the plan was tried', false);
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
    if (gone !== null) {
      this.#options.logger.warn({ messageId: message.id, provider: step.provider, reason: gone }, 'step skipped');
      this.#pass(job, 'skip', `${step.provider}: ${gone}`, false);
      return;
    }
    const queue = this.#queueFor(step.provider);
    queue.jobs.push(job);
    this.#pump(step.provider);
  }

  #planFor(message: ClaimedMessage, now: Date): { steps: StoredStep[]; rule: string } {
    // Planned on static facts only (enabled, channel, price, rule): breakers and limits change by
    // the second and are checked when each step runs, so a burst or a sick provider delays or
    // skips a step instead of failing the whole message at planning time.
    const routed = this.#options.routing.current().plan(
      { to: message.to, country: message.country, app: message.app, channel: message.channel, kind: message.kind, parts: message.parts },
      ALWAYS_HEALTHY,
      now.getTime(),
      this.#random,
    );
    return {
      rule: routed.rule,
      steps: routed.steps.map((step) => ({
        provider: step.provider,
        channel: step.channel,
        expectedCostMicros: step.expectedCost === null ? null : Math.round(step.expectedCost * 1_000_000),
        currency: step.currency,
        receiptTimeoutSeconds: step.receiptTimeoutSeconds,
      })),
    };
  }

  #queueFor(provider: string): ProviderQueue {
    let queue = this.#queues.get(provider);
    if (!queue) {
      queue = { jobs: [], timer: undefined };
      this.#queues.set(provider, queue);
    }
    return queue;
  }

  /**
   * Starts as many of the provider's waiting jobs as it has capacity for, in order. A full
   * provider (rate or in-flight window) wakes the queue when its next token is due; one without a
   * usable connection is looked at again shortly (in memory: the table is not polled). An open
   * circuit passes every waiting job over to its next step.
   */
  #pump(name: string): void {
    const queue = this.#queues.get(name);
    if (!queue || this.#stopped) return;
    clearTimeout(queue.timer);
    queue.timer = undefined;
    const health = this.#options.health;
    while (queue.jobs.length > 0) {
      const breaker = health.breaker(name);
      if (breaker.state === 'open') {
        for (const job of queue.jobs.splice(0)) this.#pass(job, 'skip', `${name}: circuit open`, true);
        return;
      }
      const provider = this.#options.providers.get(name);
      if (!isReady(provider)) {
        // No usable connection: a later step goes on without this provider; the last step waits for it.
        const waiting = queue.jobs.splice(0);
        const stay: Job[] = [];
        for (const job of waiting) {
          if (job.plan && job.step + 1 < job.plan.steps.length) this.#pass(job, 'skip', `${name}: not connected`, false);
          else if (job.validUntil.getTime() <= this.#now().getTime()) this.#pass(job, 'drop', 'it expired before it could be sent', false);
          else stay.push(job);
        }
        queue.jobs.push(...stay);
        if (queue.jobs.length > 0) queue.timer = setTimeout(() => { this.#pump(name); }, NOT_CONNECTED_RECHECK_MS).unref();
        return;
      }
      const limiter = health.limiter(name);
      const capacity = limiter?.tryAcquire() ?? { ok: true as const };
      if (!capacity.ok) {
        // Full right now: not a failure. Woken when the next token is due (with jitter, so
        // replicas sharing a carrier do not all wake at once), or when a submit returns.
        const ms = Math.max(1, Math.min(5000, limiter?.msUntilToken() ?? 50)) + Math.floor(this.#random() * 5);
        queue.timer = setTimeout(() => { this.#pump(name); }, ms).unref();
        return;
      }
      if (!breaker.tryAcquire()) {
        limiter?.release();
        const job = queue.jobs.shift();
        if (job) this.#pass(job, 'skip', `${name}: circuit open`, true);
        continue;
      }
      const job = queue.jobs.shift();
      if (!job) {
        limiter?.release();
        return;
      }
      void this.#track(this.#send(job, name));
    }
  }

  /** Messages whose submit is under way (between attempt start and submit result). */
  readonly #sending = new Set<string>();

  async #send(job: Job, providerName: string): Promise<void> {
    const { logger, metrics } = this.#options;
    const plan = job.plan;
    const step = plan?.steps[job.step];
    const limiter = this.#options.health.limiter(providerName);
    if (!plan || !step) {
      limiter?.release();
      return;
    }
    const attemptId = randomUUID();
    let started: boolean;
    try {
      started = await this.#journal.start(this.#options.owner, {
        attemptId,
        messageId: job.message.id,
        provider: providerName,
        step: job.step,
        channel: step.channel,
        expectedCostMicros: step.expectedCostMicros,
        currency: step.currency,
        receiptTimeoutSeconds: step.receiptTimeoutSeconds,
        plan: plan.steps,
        routeRule: job.planStored ? null : plan.rule,
      });
    } catch (error) {
      limiter?.release();
      logger.error({ err: error, messageId: job.message.id }, 'could not start the attempt; the message waits for the sweep');
      this.#forget(job);
      return;
    }
    if (!started) {
      limiter?.release();
      this.#forget(job); // the lease was lost: whoever holds it now sends
      return;
    }
    job.planStored = true;
    this.#sending.add(job.message.id);
    const result = await this.#submit(job, providerName, attemptId);
    limiter?.release();
    this.#sending.delete(job.message.id);
    this.#pump(providerName);
    metrics?.submit(providerName, result.kind === 'accepted' ? 'accepted' : result.kind === 'refused' ? 'failed' : 'unknown');
    // `errorCode`, not `error.code`: the logger redacts every `code` field (codes are secrets).
    if (result.kind === 'refused') logger.warn({ messageId: job.message.id, provider: providerName, errorCode: result.error.code, error: result.error.message }, 'submit failed');
    else if (result.kind === 'unknown') logger.warn({ messageId: job.message.id, provider: providerName, errorCode: result.error.code, error: result.error.message }, 'submit outcome unknown; not resending');
    // From here the provider may have the message: no failure below may lead to a resend.
    const outcome = await this.#record(job, attemptId, providerName, result);
    if (outcome === undefined) return;
    if (result.kind === 'accepted') logger.debug({ messageId: job.message.id, provider: providerName, parts: result.accepted.parts }, 'message submitted');
    this.#continue(job, outcome.change, outcome.lost);
  }

  async #submit(job: Job, providerName: string, attemptId: string): Promise<SubmitResult> {
    const provider = this.#options.providers.get(providerName);
    const { message } = job;
    try {
      if (!provider) throw new ProviderError(`provider ${providerName} is not running on this replica`, { retryable: true, notConnected: true });
      const outbound: OutboundSms = {
        messageId: message.id,
        attemptId,
        to: message.to,
        from: message.from,
        text: message.text ?? '',
        validUntil: job.validUntil,
        otp: message.otp ?? undefined,
        email: message.email ?? undefined,
      };
      return { kind: 'accepted', accepted: await provider.submit(outbound) };
    } catch (error) {
      const failure = error instanceof ProviderError ? error : new ProviderError('submit threw', { retryable: false, outcomeUnknown: true, cause: error });
      const detail = { code: failure.providerCode ?? failure.code, message: failure.message };
      if (failure.outcomeUnknown) return { kind: 'unknown', error: detail, acceptedParts: failure.acceptedParts };
      return { kind: 'refused', error: detail, retryable: failure.retryable, notConnected: failure.notConnected };
    }
  }

  /**
   * Stores the submit's result. Receipts for its ids that arrive meanwhile on this replica ride in
   * the same transaction. A database outage must not turn an accepted message into a failed one:
   * the write is retried while the lease lasts; after that recovery records it as outcome unknown.
   */
  async #record(job: Job, attemptId: string, providerName: string, result: SubmitResult): Promise<EventOutcome | undefined> {
    const ids = result.kind === 'accepted' ? (result.accepted.partMessageIds ?? [result.accepted.providerMessageId]) : result.kind === 'unknown' ? (result.acceptedParts?.partMessageIds ?? []) : [];
    const held = { sealed: false, receipts: [] as DeliveryReceipt[] };
    const step = job.plan?.steps[job.step];
    const write = () =>
      this.#journal.record({
        messageId: job.message.id,
        attemptId,
        result,
        policy: this.#policy(job),
        expectedCostMicros: step?.expectedCostMicros ?? null,
        predictedParts: job.message.parts,
        held,
      });
    const deadline = Date.now() + this.#options.leaseSeconds * 1000;
    let committed: Promise<EventOutcome> = write();
    const keys = ids.map((id) => receiptKey(providerName, id));
    for (const key of keys) this.#recording.set(key, { held, committed });
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          return await committed;
        } catch (error) {
          if (Date.now() + 1000 * attempt > deadline || this.#stopped) {
            this.#options.logger.error({ err: error, messageId: job.message.id, provider: providerName }, 'submit result not stored; recovery will record it as outcome unknown');
            this.#forget(job);
            return undefined;
          }
          this.#options.logger.warn({ err: error, messageId: job.message.id, attempt }, 'storing a submit result failed; retrying');
          await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 200 * 2 ** attempt)));
          held.sealed = false;
          committed = write();
          for (const key of keys) this.#recording.set(key, { held, committed });
        }
      }
    } finally {
      for (const key of keys) if (this.#recording.get(key)?.held === held) this.#recording.delete(key);
    }
  }

  /** After a stored event: go on with the next step (held), try again later, or let the message go. */
  #continue(job: Job, change: MessageChange | undefined, lost: boolean): void {
    if (lost || change === undefined || change.status !== 'queued' || !change.keepLease) {
      this.#forget(job);
      return;
    }
    if (this.#stopped) return; // still held: stop() gives its lease back

    job.step = change.step;
    job.retries = change.retries;
    const delay = change.notBefore.getTime() - this.#now().getTime();
    if (delay <= 0) this.#moveOn(job);
    else job.timer = setTimeout(() => { job.timer = undefined; this.#moveOn(job); }, delay).unref();
  }

  #pass(job: Job, how: 'skip' | 'drop' | 'unroutable', reason: string, retryable: boolean): void {
    const plan = job.planStored ? null : job.plan;
    void this.#track(
      this.#journal
        .pass({ owner: this.#options.owner, messageId: job.message.id, how, reason, retryable, policy: this.#policy(job), plan })
        .then((outcome) => {
          if (plan) job.planStored = true;
          this.#continue(job, outcome.change, outcome.lost);
        })
        .catch((error: unknown) => {
          this.#options.logger.error({ err: error, messageId: job.message.id }, 'could not store a passed-over step; the sweep takes the message up again');
          this.#forget(job);
        }),
    );
  }

  /** Entry point for every provider's receipts (the providers' ReceiptSink): resolves once the receipt is stored. */
  readonly onReceipt = async (providerName: string, receipt: DeliveryReceipt): Promise<void> => {
    this.#options.metrics?.receipt(providerName, receipt.state);
    const recording = this.#recording.get(receiptKey(providerName, receipt.providerMessageId));
    if (recording) {
      if (!recording.held.sealed) {
        // Its submit's result is about to be written: the receipt goes in the same transaction.
        recording.held.receipts.push(receipt);
        await recording.committed;
        return;
      }
      await recording.committed.catch(() => undefined);
    }
    const fate = await this.#journal.receipt(providerName, receipt);
    if (fate.kind === 'applied' && fate.change?.status === 'queued') {
      this.#options.logger.info({ messageId: fate.messageId, provider: providerName, state: receipt.state }, 'receipt failed; trying next step');
    }
  };

  /**
   * Entry point for late submit answers and webhook correlations: a part recorded as outcome
   * unknown (or still being sent) was accepted after all. Its id is stored so the receipt matches.
   */
  readonly onLateAcceptance = async (providerName: string, acceptance: LateAcceptance): Promise<void> => {
    const result = await this.#journal.lateAcceptance(providerName, acceptance);
    // Unmatched is the common case for webhooks, which correlate every report whose attempt
    // already has its id; only a reconciled outcome is news.
    if (result === 'recorded') this.#options.logger.warn({ provider: providerName, attemptId: acceptance.attemptId, part: acceptance.part }, 'late submit answer reconciled');
  };

  #committed(effects: CommittedEffects): void {
    const { health, metrics } = this.#options;
    for (const { provider, signal } of effects.breaker) {
      const breaker = health.breaker(provider);
      if (signal === 'submit-success') breaker.recordSubmitSuccess();
      else if (signal === 'submit-failure') breaker.recordSubmitFailure();
      else breaker.recordReceipt(signal);
    }
    for (const { messageId, status } of effects.finished) {
      metrics?.finished?.(status);
      this.#options.logger.debug({ messageId, delivered: status === 'delivered' }, 'delivery final');
    }
    if (effects.released.length > 0) {
      this.#backlog = true;
      this.wake();
    }
  }

  #track<T>(work: Promise<T>): Promise<T> {
    this.#inFlight.add(work);
    void work.finally(() => this.#inFlight.delete(work)).catch(() => undefined);
    return work;
  }
}

/** A provider with a usable connection: SMPP with a bind that can submit; connectionless kinds always. */
function isReady(provider: ChannelProvider | undefined): boolean {
  if (!provider) return false;
  const connection = provider.status?.().connection;
  return connection === undefined || connection === 'bound' || connection === 'ready';
}
