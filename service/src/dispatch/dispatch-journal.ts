/**
 * The dispatcher's writes, batched: every start of a submit, submit result, receipt, late submit
 * answer and passed-over step handed in while a transaction runs goes into the next one. Each
 * transaction locks the messages it touches (in id order), reads their attempts, lets the
 * attempt lifecycle decide every event in order, and stores the decisions in a handful of
 * statements. A caller's promise resolves only after the transaction holding its event committed:
 * a submit starts only once its attempt is durable, and a receipt is acknowledged to the carrier
 * only once it is stored (applied, or kept for the submit it overtook).
 */
import { normaliseProviderMessageId, type DeliveryReceipt, type LateAcceptance, type SubmitAccepted } from '../providers/channel-provider.js';
import { GroupCommit, type ItemOutcome } from '../shared/group-commit.js';
import {
  chooseReceiptPart,
  dropped,
  interrupted,
  isFinalReport,
  receiptOverdue,
  reportPart,
  sameHandset,
  settleOnParts,
  stepPassedOver,
  submitAccepted,
  submitRefused,
  submitUnknown,
  unroutable,
  verificationEffect,
  type AttemptChange,
  type AttemptError,
  type AttemptState,
  type BreakerSignal,
  type Decision,
  type MessageChange,
  type PartState,
  type RetryPolicy,
} from './attempt-lifecycle.js';
import type { AttemptStart, DispatchStore, DispatchTransaction, DispatchWrites, LockedMessage, PendingReceipt, StoredPartRef, StoredStep, SubmitFacts } from './dispatch.ports.js';

/** How a submit ended, as the dispatcher saw it. */
export type SubmitResult =
  | { readonly kind: 'accepted'; readonly accepted: SubmitAccepted }
  | { readonly kind: 'refused'; readonly error: AttemptError; readonly retryable: boolean; readonly notConnected: boolean }
  | {
      readonly kind: 'unknown';
      readonly error: AttemptError;
      /** Parts a provider took before a later one failed or went unanswered. */
      readonly acceptedParts?: { readonly partMessageIds: readonly string[]; readonly parts: number; readonly receiptsExpected?: number | undefined } | undefined;
    };

/** What a message's event led to: its change, if any (`lost`: the lease was no longer this replica's). */
export interface EventOutcome {
  readonly change: MessageChange | undefined;
  readonly lost: boolean;
}

/** What became of a receipt. */
export type ReceiptFate =
  /** Applied to its part; `change` is what it did to the message. */
  | { readonly kind: 'applied'; readonly messageId: string; readonly change: MessageChange | undefined }
  /** Stored until the submit it names is recorded (or dropped after a while if never). */
  | { readonly kind: 'kept' }
  /** A duplicate, a report for an ended part, or one that ends nothing (intermediate). */
  | { readonly kind: 'ignored' };

/** Breaker signals and finished messages from a committed transaction, for the dispatcher to act on. */
export interface CommittedEffects {
  readonly breaker: readonly { readonly provider: string; readonly signal: BreakerSignal }[];
  readonly finished: readonly { readonly messageId: string; readonly status: 'delivered' | 'failed' }[];
  /** Messages queued again without a lease (a failed receipt, a deadline): any replica may take them. */
  readonly released: readonly string[];
}

type Item =
  | { readonly kind: 'start'; readonly owner: string; readonly start: AttemptStart }
  | { readonly kind: 'pass'; readonly owner: string; readonly messageId: string; readonly how: 'skip' | 'drop' | 'unroutable'; readonly reason: string; readonly retryable: boolean; readonly policy: RetryPolicy; readonly plan: { readonly steps: readonly StoredStep[]; readonly rule: string | null } | null }
  | {
      readonly kind: 'record';
      readonly messageId: string;
      readonly attemptId: string;
      readonly result: SubmitResult;
      readonly policy: RetryPolicy;
      /** Cost the router expected for `predictedParts` parts; the attempt is charged for the parts sent. */
      readonly expectedCostMicros: number | null;
      readonly predictedParts: number;
      /**
       * Receipts that came on this replica while the result was waiting to be written: certainly
       * its. The transaction seals the list when it reads it; later ones go their own way.
       */
      readonly held: { sealed: boolean; readonly receipts: readonly DeliveryReceipt[] };
    }
  | { readonly kind: 'late'; readonly provider: string; readonly acceptance: LateAcceptance }
  | { readonly kind: 'receipt'; readonly provider: string; readonly receipt: DeliveryReceipt; readonly pendingId?: string | undefined };

type Outcome = boolean | EventOutcome | ReceiptFate | 'recorded' | 'unmatched';

export interface DispatchJournalOptions {
  readonly store: DispatchStore;
  /** Told what every committed transaction did (breakers, metrics, waking the claim loop). */
  readonly onCommitted: (effects: CommittedEffects) => void;
  readonly now?: () => Date;
  readonly maxBatch?: number;
  readonly concurrency?: number;
  readonly onBatch?: (size: number) => void;
  /** Gather a turn's events before each transaction (for PGlite: see GroupCommitOptions). */
  readonly gatherTurn?: boolean;
  /** Told when acting on a committed transaction's effects threw (the events stay committed, once). */
  readonly onEffectsFailed?: (error: unknown) => void;
}

const NO_CHANGE: EventOutcome = { change: undefined, lost: false };
const LOST: EventOutcome = { change: undefined, lost: true };

export class DispatchJournal {
  readonly #store: DispatchStore;
  readonly #now: () => Date;
  readonly #onCommitted: (effects: CommittedEffects) => void;
  readonly #onEffectsFailed: (error: unknown) => void;
  readonly #group: GroupCommit<Item, Outcome>;

  constructor(options: DispatchJournalOptions) {
    this.#store = options.store;
    this.#now = options.now ?? (() => new Date());
    this.#onCommitted = options.onCommitted;
    this.#onEffectsFailed = options.onEffectsFailed ?? (() => undefined);
    this.#group = new GroupCommit<Item, Outcome>({
      commit: (items) => this.#commit(items),
      maxBatch: options.maxBatch ?? 500,
      // One transaction at a time per replica: a receipt and the record of the submit it overtook
      // are then never in two transactions at once here (across replicas, the sweep matches them).
      concurrency: options.concurrency ?? 1,
      // The dispatcher bounds what it holds; receipts are bounded by each provider's own window.
      maxWaiting: 1_000_000,
      overloaded: (reason) => new Error(`dispatch journal ${reason}`),
      onBatch: options.onBatch,
      // Starts queue by the thousand under a backlog; a receipt or submit result waiting behind them
      // holds the carrier's window (and, past it, is refused and resent), so those go first.
      urgent: (item) => item.kind !== 'start' && item.kind !== 'pass',
      gatherTurn: options.gatherTurn,
    });
  }

  /** Stores the attempt and moves the message to `sending`; false when the lease is no longer `owner`'s (then nothing may be sent). */
  async start(owner: string, start: AttemptStart): Promise<boolean> {
    return (await this.#group.submit({ kind: 'start', owner, start })) as boolean;
  }

  /** Stores what a submit led to, with receipts that already came for it. */
  async record(item: Omit<Extract<Item, { kind: 'record' }>, 'kind'>): Promise<EventOutcome> {
    return (await this.#group.submit({ kind: 'record', ...item })) as EventOutcome;
  }

  /** A step passed over (skip), a message that must not be sent (drop), or one nothing can carry. */
  async pass(item: Omit<Extract<Item, { kind: 'pass' }>, 'kind'>): Promise<EventOutcome> {
    return (await this.#group.submit({ kind: 'pass', ...item })) as EventOutcome;
  }

  async receipt(provider: string, receipt: DeliveryReceipt, pendingId?: string): Promise<ReceiptFate> {
    // Intermediate reports change nothing and are not kept: no transaction for them.
    if (!isFinalReport(receipt.state)) return { kind: 'ignored' };
    return (await this.#group.submit({ kind: 'receipt', provider, receipt, pendingId })) as ReceiptFate;
  }

  async lateAcceptance(provider: string, acceptance: LateAcceptance): Promise<'recorded' | 'unmatched'> {
    return (await this.#group.submit({ kind: 'late', provider, acceptance })) as 'recorded' | 'unmatched';
  }

  /** Waits for everything handed in so far; takes nothing after. */
  close(): Promise<void> {
    return this.#group.close();
  }

  /**
   * One sweep transaction: attempts whose receipt is overdue end (the message moves on or ends),
   * and sends a dead replica left mid-submit become outcome unknown (never resent).
   */
  async sweep(limit: number): Promise<{ overdue: number; interrupted: number }> {
    const now = this.#now();
    const { counts, effects } = await this.#store.transaction(async (tx) => {
      const batch = new Batch(tx, now);
      const overdue = await tx.overdueMessages(limit);
      const stale = await tx.staleSends(limit);
      const locked = new Map([...overdue, ...stale]);
      batch.adopt(locked);
      const open = await tx.openAttempts([...locked.keys()]);
      for (const attempt of open.values()) batch.adoptAttempt(attempt);
      for (const message of overdue.values()) {
        const attempt = open.get(message.id);
        batch.apply(message.id, attempt, attempt ? receiptOverdue(message, attempt, now) : { message: { status: 'failed', lastError: 'no open attempt past its receipt deadline', failVerification: false } });
      }
      for (const message of stale.values()) {
        const attempt = open.get(message.id);
        batch.apply(message.id, attempt, attempt ? interrupted(message, attempt, now) : { message: { status: 'submitted', receiptDueInSeconds: 0, lastError: 'interrupted before its attempt was stored' } });
      }
      await batch.commit();
      return { counts: { overdue: overdue.size, interrupted: stale.size }, effects: batch.effects() };
    });
    this.#tell(effects);
    return counts;
  }

  #tell(effects: CommittedEffects): void {
    try {
      this.#onCommitted(effects);
    } catch (error) {
      this.#onEffectsFailed(error);
    }
  }

  async #commit(items: readonly Item[]): Promise<readonly ItemOutcome<Outcome>[]> {
    const now = this.#now();
    const { outcomes, effects } = await this.#store.transaction(async (tx) => {
      const batch = new Batch(tx, now);
      const decided = await batch.run(items);
      await batch.commit();
      return { outcomes: decided, effects: batch.effects() };
    });
    // Committed: a throw from here on would make the group commit run these events again.
    this.#tell(effects);
    return outcomes.map((value) => ({ ok: true, value }));
  }
}

const partKey = (attemptId: string, part: number) => `${attemptId}#${part}`;
const receiptKey = (provider: string, id: string) => `${provider}\u0000${normaliseProviderMessageId(id)}`;

/** One transaction's working state: what it read, what it decided, what it will write. */
class Batch {
  readonly #tx: DispatchTransaction;
  readonly #now: Date;
  readonly #messages = new Map<string, LockedMessage>();
  readonly #attempts = new Map<string, AttemptState>();
  readonly #starts: AttemptStart[] = [];
  readonly #attemptWrites = new Map<string, { change: AttemptChange; submit?: SubmitFacts | undefined }>();
  readonly #messageWrites = new Map<string, { change: MessageChange; plan?: { steps: readonly StoredStep[]; rule: string | null } | undefined }>();
  readonly #newParts = new Map<string, { attemptId: string; provider: string; part: PartState }>();
  readonly #reportedParts = new Map<string, { attemptId: string; part: PartState }>();
  readonly #pendingInserts: Omit<PendingReceipt, 'id' | 'receivedAt'>[] = [];
  readonly #consumed = new Set<string>();
  readonly #breaker: { provider: string; signal: BreakerSignal }[] = [];
  /** Parts this transaction created, by (provider, id), so a receipt behind their record finds them. */
  readonly #createdParts = new Map<string, StoredPartRef[]>();

  constructor(tx: DispatchTransaction, now: Date) {
    this.#tx = tx;
    this.#now = now;
  }

  adopt(messages: ReadonlyMap<string, LockedMessage>): void {
    for (const [id, message] of messages) this.#messages.set(id, message);
  }

  adoptAttempt(attempt: AttemptState): void {
    this.#attempts.set(attempt.id, attempt);
  }

  /** Reads and locks what the items touch, then decides each, in order: starts, passes, records, late answers, receipts. */
  async run(items: readonly Item[]): Promise<Outcome[]> {
    const receiptItems = items.filter((item): item is Extract<Item, { kind: 'receipt' }> => item.kind === 'receipt');
    const lateItems = items.filter((item): item is Extract<Item, { kind: 'late' }> => item.kind === 'late');
    // Unlocked reads first, to learn which messages the receipts and late answers are about.
    const candidates = await this.#tx.partsWithIds(receiptItems.map((item) => ({ provider: item.provider, providerMessageId: normaliseProviderMessageId(item.receipt.providerMessageId) })));
    const owners = await this.#tx.attemptOwners(lateItems.map((item) => item.acceptance.attemptId));
    const messageIds = new Set<string>();
    for (const item of items) {
      if (item.kind === 'start') messageIds.add(item.start.messageId);
      else if (item.kind === 'pass' || item.kind === 'record') messageIds.add(item.messageId);
    }
    for (const list of candidates.values()) for (const candidate of list) messageIds.add(candidate.messageId);
    for (const owner of owners.values()) messageIds.add(owner.messageId);
    this.adopt(await this.#tx.lockMessages([...messageIds]));
    // Attempts are read after the lock: what another transaction committed before is seen.
    const attemptIds = new Set<string>();
    for (const item of items) if (item.kind === 'record') attemptIds.add(item.attemptId);
    for (const list of candidates.values()) for (const candidate of list) attemptIds.add(candidate.attemptId);
    for (const item of lateItems) if (owners.has(item.acceptance.attemptId)) attemptIds.add(item.acceptance.attemptId);
    for (const attempt of (await this.#tx.attempts([...attemptIds])).values()) this.#attempts.set(attempt.id, attempt);
    // Receipts stored earlier (on any replica) for the ids these submits and late answers name.
    const named: { provider: string; providerMessageId: string }[] = [];
    for (const item of items) {
      const provider = item.kind === 'record' ? this.#attempts.get(item.attemptId)?.provider : item.kind === 'late' ? item.provider : undefined;
      if (provider === undefined) continue;
      for (const id of idsOf(item)) named.push({ provider, providerMessageId: id });
    }
    const pending = await this.#tx.pendingReceiptsFor(named);

    const outcomes = new Map<Item, Outcome>();
    for (const item of items) if (item.kind === 'start') outcomes.set(item, this.#start(item));
    for (const item of items) if (item.kind === 'pass') outcomes.set(item, this.#pass(item));
    for (const item of items) if (item.kind === 'record') outcomes.set(item, this.#record(item, pending));
    for (const item of lateItems) outcomes.set(item, this.#late(item, owners, pending));
    for (const item of receiptItems) outcomes.set(item, this.#receipt(item, candidates));
    return items.map((item) => outcomes.get(item) ?? NO_CHANGE);
  }

  #start(item: Extract<Item, { kind: 'start' }>): boolean {
    const message = this.#messages.get(item.start.messageId);
    if (message?.status !== 'queued' || message.leaseOwner !== item.owner) return false;
    if (!message.verificationOpen) {
      // Canceled, approved or expired while the message waited (a retry, a full provider): never sent.
      this.apply(message.id, undefined, dropped('its verification is no longer pending'));
      return false;
    }
    this.#starts.push(item.start);
    this.#messages.set(message.id, { ...message, status: 'sending', step: item.start.step, planLength: item.start.plan.length });
    return true;
  }

  #pass(item: Extract<Item, { kind: 'pass' }>): EventOutcome {
    const message = this.#messages.get(item.messageId);
    if (message?.status !== 'queued' || message.leaseOwner !== item.owner) return LOST;
    const planned = item.plan ? { ...message, planLength: item.plan.steps.length } : message;
    const decision = item.how === 'skip' ? stepPassedOver(planned, item.reason, item.retryable, item.policy) : item.how === 'drop' ? dropped(item.reason) : unroutable(item.reason);
    this.apply(message.id, undefined, decision, item.plan ?? undefined);
    return { change: decision.message, lost: false };
  }

  #record(item: Extract<Item, { kind: 'record' }>, pending: readonly PendingReceipt[]): EventOutcome {
    item.held.sealed = true;
    const held = item.held.receipts;
    const message = this.#messages.get(item.messageId);
    const attempt = this.#attempts.get(item.attemptId);
    if (!message || !attempt) return LOST;
    const { result } = item;
    if (attempt.status !== 'sending') {
      // Recovery took the send for interrupted (this replica lost its lease): the ids it got still
      // let receipts find the attempt, as a late answer would.
      if (result.kind === 'accepted') this.#addParts(message, attempt, idsOf(item), result.accepted.receiptsExpected ?? idsOf(item).length, pending, held, true);
      return LOST;
    }
    if (result.kind === 'refused') {
      const decision = submitRefused(message, attempt, result, item.policy);
      this.apply(message.id, attempt, decision);
      return { change: decision.message, lost: false };
    }
    const ids = idsOf(item);
    const receiptParts = result.kind === 'accepted' ? (result.accepted.receiptsExpected ?? ids.length) : result.acceptedParts ? (result.acceptedParts.receiptsExpected ?? result.acceptedParts.parts) : null;
    const withParts = this.#addParts(message, attempt, ids, receiptParts, pending, held, false);
    const decision =
      result.kind === 'accepted'
        ? submitAccepted(message, withParts, { receiptParts: receiptParts ?? 1, final: result.accepted.final === true }, this.#now)
        : submitUnknown(message, withParts, { error: result.error, receiptParts }, this.#now);
    const billed = result.kind === 'accepted' ? result.accepted.parts : null;
    const submit: SubmitFacts = {
      markSubmitted: true,
      providerMessageId: ids[0] ?? null,
      billedParts: billed,
      // Expected cost was priced for the parts we predicted; charge for the parts actually sent.
      actualCostMicros: billed === null || item.expectedCostMicros === null ? null : Math.round((item.expectedCostMicros / Math.max(1, item.predictedParts)) * billed),
    };
    this.apply(message.id, withParts, decision, undefined, submit);
    return { change: decision.message, lost: false };
  }

  #late(item: Extract<Item, { kind: 'late' }>, owners: ReadonlyMap<string, { messageId: string; provider: string }>, pending: readonly PendingReceipt[]): 'recorded' | 'unmatched' {
    const owner = owners.get(item.acceptance.attemptId);
    if (owner?.provider !== item.provider) return 'unmatched';
    const message = this.#messages.get(owner.messageId);
    const attempt = this.#attempts.get(item.acceptance.attemptId);
    // Only an attempt whose outcome is still open may learn its ids this late.
    if (!message || !attempt || attempt.completed || (attempt.status !== 'sending' && attempt.status !== 'unknown')) return 'unmatched';
    if (attempt.parts.some((part) => part.part === item.acceptance.part)) return 'unmatched';
    const receiptParts = item.acceptance.receiptsExpected ?? item.acceptance.parts;
    const id = normaliseProviderMessageId(item.acceptance.providerMessageId);
    this.#mergeAttempt(attempt.id, { status: attempt.status, completed: false }, {
      markSubmitted: false,
      providerMessageId: id,
      billedParts: null,
      actualCostMicros: null,
      note: `part ${item.acceptance.part} accepted late at ${this.#now.toISOString()}`,
    });
    this.#addParts(message, attempt, [], receiptParts, pending, [], attempt.status === 'unknown', { part: item.acceptance.part, id });
    return 'recorded';
  }

  #receipt(item: Extract<Item, { kind: 'receipt' }>, candidates: ReadonlyMap<string, StoredPartRef[]>): ReceiptFate {
    const key = receiptKey(item.provider, item.receipt.providerMessageId);
    const refs = [...(candidates.get(key) ?? []), ...(this.#createdParts.get(key) ?? [])];
    // Whether each is still open, by what this transaction knows now (read after the lock, and
    // changed by the events before this one).
    const fresh = refs.map((ref) => {
      const attempt = this.#attempts.get(ref.attemptId);
      const part = attempt?.parts.find((p) => p.part === ref.part);
      const open = attempt !== undefined && !attempt.completed && ['sending', 'submitted', 'unknown'].includes(attempt.status) && part?.status === 'submitted';
      return { ...ref, partKey: partKey(ref.attemptId, ref.part), open };
    });
    const target = chooseReceiptPart(fresh, item.receipt);
    if (!target) {
      if (item.pendingId !== undefined) return { kind: 'kept' }; // already stored; it waits on
      // No open part: it overtook its submit's record, or it repeats a report for a part that
      // ended. Kept either way: ids are reused, so it may be a new submit's whose record is not
      // in yet. Unclaimed, it is dropped after a while.
      this.#pendingInserts.push({
        provider: item.provider,
        providerMessageId: normaliseProviderMessageId(item.receipt.providerMessageId),
        state: item.receipt.state,
        errorCode: item.receipt.errorCode ?? null,
        handset: item.receipt.handset ?? null,
        attemptHint: item.receipt.attemptId ?? null,
      });
      return { kind: 'kept' };
    }
    const attempt = this.#attempts.get(target.attemptId);
    const message = this.#messages.get(target.messageId);
    if (!attempt || !message) return { kind: 'ignored' };
    const reported = this.#report(attempt, target.part, item.receipt.state, item.receipt.errorCode ?? null);
    if (item.pendingId !== undefined) this.#consumed.add(item.pendingId);
    if (!reported) return { kind: 'ignored' };
    const decision = settleOnParts(message, reported, this.#now);
    this.apply(message.id, reported, decision);
    return { kind: 'applied', messageId: message.id, change: decision.message };
  }

  /**
   * Adds parts with these ids to the attempt (and `extra`), applies the receipts already here for
   * them (stored ones, on any replica, and those this replica held), and settles the attempt on
   * them when `settle` (an attempt no submit result will settle any more).
   */
  #addParts(
    message: LockedMessage,
    attempt: AttemptState,
    ids: readonly string[],
    receiptParts: number | null,
    pending: readonly PendingReceipt[],
    held: readonly DeliveryReceipt[],
    settle: boolean,
    extra?: { part: number; id: string },
  ): AttemptState {
    const additions = extra ? [extra] : ids.map((id, index) => ({ part: index + 1, id }));
    let current: AttemptState = attempt;
    const parts = [...attempt.parts];
    for (const { part, id } of additions) {
      if (parts.some((known) => known.part === part)) continue;
      const created: PartState = { part, providerMessageId: id, status: 'submitted', errorCode: null };
      parts.push(created);
      this.#newParts.set(partKey(attempt.id, part), { attemptId: attempt.id, provider: attempt.provider, part: created });
      const key = receiptKey(attempt.provider, id);
      const refs = this.#createdParts.get(key) ?? [];
      refs.push({ attemptId: attempt.id, messageId: message.id, part, to: message.to, open: true, startedAt: attempt.startedAt });
      this.#createdParts.set(key, refs);
    }
    current = { ...current, parts, receiptParts: receiptParts ?? current.receiptParts };
    this.#attempts.set(attempt.id, current);
    const change: AttemptChange = { status: current.status, completed: current.completed, receiptParts: receiptParts ?? undefined };
    this.#mergeAttempt(attempt.id, change, undefined);
    for (const { part, id } of additions) {
      // Receipts kept in the database: plausible only if stored after this attempt started, and for its handset.
      for (const stored of pending) {
        if (this.#consumed.has(stored.id) || stored.provider !== attempt.provider || stored.providerMessageId !== id) continue;
        if (stored.receivedAt < attempt.startedAt || (stored.attemptHint !== null && stored.attemptHint !== attempt.id)) continue;
        if (stored.handset !== null && !this.#sendsTo(message.id, stored.handset)) continue;
        this.#consumed.add(stored.id);
        current = this.#report(current, part, stored.state, stored.errorCode) ?? current;
      }
      for (const receipt of held) {
        if (normaliseProviderMessageId(receipt.providerMessageId) === id) current = this.#report(current, part, receipt.state, receipt.errorCode ?? null) ?? current;
      }
    }
    if (settle) this.apply(message.id, current, settleOnParts(message, current, this.#now));
    return current;
  }

  #sendsTo(messageId: string, handset: string): boolean {
    const to = this.#messages.get(messageId)?.to;
    return to === undefined || sameHandset(to, handset);
  }

  /** Applies a final report to one part; the attempt as it now is, or null when the part had one already. */
  #report(attempt: AttemptState, part: number, state: DeliveryReceipt['state'], errorCode: string | null): AttemptState | null {
    const index = attempt.parts.findIndex((p) => p.part === part);
    const existing = attempt.parts[index];
    if (existing === undefined) return null;
    const updated = reportPart(existing, state, errorCode);
    if (updated === null) return null;
    const parts = [...attempt.parts];
    parts[index] = updated;
    const next = { ...attempt, parts };
    this.#attempts.set(attempt.id, next);
    const key = partKey(attempt.id, part);
    const created = this.#newParts.get(key);
    if (created) this.#newParts.set(key, { ...created, part: updated });
    else this.#reportedParts.set(key, { attemptId: attempt.id, part: updated });
    return next;
  }

  #mergeAttempt(id: string, change: AttemptChange, submit: SubmitFacts | undefined): void {
    const earlier = this.#attemptWrites.get(id);
    this.#attemptWrites.set(id, {
      change: { ...earlier?.change, ...change, error: change.error ?? earlier?.change.error, receiptParts: change.receiptParts ?? earlier?.change.receiptParts },
      submit: submit && earlier?.submit ? { ...earlier.submit, ...definedOnly(submit), note: [earlier.submit.note, submit.note].filter(Boolean).join('; ') || undefined } : (submit ?? earlier?.submit),
    });
  }

  /** Takes a decision into the working state and the writes. */
  apply(messageId: string, attempt: AttemptState | undefined, decision: Decision, plan?: { steps: readonly StoredStep[]; rule: string | null }, submit?: SubmitFacts): void {
    if (attempt && (decision.attempt || submit)) {
      const change = decision.attempt ?? { status: attempt.status, completed: attempt.completed };
      this.#attempts.set(attempt.id, { ...attempt, status: change.status, completed: attempt.completed || change.completed, receiptParts: change.receiptParts ?? attempt.receiptParts });
      this.#mergeAttempt(attempt.id, change, submit);
    }
    if (attempt) for (const signal of decision.breaker ?? []) this.#breaker.push({ provider: attempt.provider, signal });
    const message = this.#messages.get(messageId);
    if (decision.message && message) {
      const change = decision.message;
      this.#messages.set(messageId, {
        ...message,
        status: change.status,
        ...(change.status === 'queued' ? { step: change.step, retries: change.retries, leaseOwner: change.keepLease ? message.leaseOwner : null } : {}),
        ...(plan ? { planLength: plan.steps.length } : {}),
      });
      this.#messageWrites.set(messageId, { change, plan: plan ?? this.#messageWrites.get(messageId)?.plan });
    }
  }

  /** What the committed transaction did, for breakers, metrics and the claim loop. */
  effects(): CommittedEffects {
    const finished: { messageId: string; status: 'delivered' | 'failed' }[] = [];
    const released: string[] = [];
    for (const [messageId, { change }] of this.#messageWrites) {
      if (change.status === 'delivered' || change.status === 'failed') finished.push({ messageId, status: change.status });
      else if (change.status === 'queued' && !change.keepLease) released.push(messageId);
    }
    return { breaker: this.#breaker, finished, released };
  }

  /** Works out what the messages' changes mean for their verifications, and writes everything. */
  async commit(): Promise<void> {
    const byVerification = new Map<string, MessageChange[]>();
    for (const [messageId, { change }] of this.#messageWrites) {
      const verificationId = this.#messages.get(messageId)?.verificationId ?? null;
      if (verificationId === null || verificationEffect(change) === null) continue;
      const list = byVerification.get(verificationId) ?? [];
      list.push(change);
      byVerification.set(verificationId, list);
    }
    const failing = [...byVerification].filter(([, changes]) => changes.every((change) => change.status === 'failed')).map(([id]) => id);
    const live = await this.#tx.verificationsStillLive(failing, [...this.#messageWrites.keys()]);
    // A verification's other messages changed in this transaction count as they now stand.
    for (const message of this.#messages.values()) {
      if (message.verificationId !== null && ['queued', 'sending', 'submitted', 'delivered'].includes(message.status)) live.add(message.verificationId);
    }
    const verifications: DispatchWrites['verifications'] = [];
    for (const [id, changes] of byVerification) {
      if (changes.some((change) => change.status === 'delivered')) verifications.push({ id, delivery: 'delivered', fail: false });
      else if (changes.some((change) => change.status === 'submitted')) verifications.push({ id, delivery: 'submitted', fail: false });
      else if (!live.has(id)) verifications.push({ id, delivery: 'failed', fail: changes.some((change) => change.status === 'failed' && change.failVerification) });
    }
    await this.#tx.write({
      starts: this.#starts,
      attempts: [...this.#attemptWrites].map(([id, write]) => ({ id, change: write.change, submit: write.submit })),
      newParts: [...this.#newParts.values()],
      reportedParts: [...this.#reportedParts.values()],
      messages: [...this.#messageWrites].map(([id, write]) => ({ id, change: write.change, plan: write.plan })),
      verifications,
      pendingReceipts: this.#pendingInserts,
      consumedPendingReceipts: [...this.#consumed],
    });
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined && field !== null)) as Partial<T>;
}

/** The normalised provider ids a record or late-answer item names. */
function idsOf(item: Item): string[] {
  if (item.kind === 'late') return [normaliseProviderMessageId(item.acceptance.providerMessageId)];
  if (item.kind !== 'record') return [];
  const { result } = item;
  if (result.kind === 'accepted') return (result.accepted.partMessageIds ?? [result.accepted.providerMessageId]).map(normaliseProviderMessageId);
  if (result.kind === 'unknown' && result.acceptedParts) return result.acceptedParts.partMessageIds.map(normaliseProviderMessageId);
  return [];
}
