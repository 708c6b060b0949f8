import type { OtpContent } from '../providers/channel-provider.js';
import type { Channel, MessageKind } from '../routing/routing-model.js';
import type { AttemptChange, AttemptState, MessageChange, MessageState, PartState, ReportedState } from './attempt-lifecycle.js';

/** One step of a message's stored plan; costs in millionths of `currency`. */
export interface StoredStep {
  readonly provider: string;
  readonly channel: Channel;
  readonly expectedCostMicros: number | null;
  readonly currency: string;
  readonly receiptTimeoutSeconds: number;
}

/** A message this replica holds under its lease, ready for its next attempt. */
export interface ClaimedMessage {
  readonly id: string;
  readonly verificationId: string | null;
  readonly to: string;
  readonly country: string;
  readonly channel: Channel;
  readonly kind: MessageKind;
  /** Name of the calling app (route rules match on it). */
  readonly app: string;
  /** SMS parts the text splits into. */
  readonly parts: number;
  readonly from: string;
  /** Decrypted text; null when it cannot be decrypted (key changed). Never logged. */
  readonly text: string | null;
  /** For a code: what voice and e-mail steps render it from; null for plain messages. Never logged. */
  readonly otp: OtpContent | null;
  /** The user's e-mail address; null when none is known (e-mail steps are then skipped). */
  readonly email: string | null;
  /** The plan fixed at the first attempt; null until then. */
  readonly plan: readonly StoredStep[] | null;
  readonly routeRule: string | null;
  readonly step: number;
  readonly retries: number;
  /** When the message was accepted. */
  readonly createdAt: Date;
  /** For a code: whether its verification can still be approved (pending and not expired). */
  readonly verificationOpen: boolean;
  /** For a code: when its verification expires. */
  readonly verificationExpiresAt: Date | null;
}

/** A message row as a transaction has locked it. */
export interface LockedMessage extends MessageState {
  /** Destination, E.164. */
  readonly to: string;
  /** The replica holding its lease (null: none). */
  readonly leaseOwner: string | null;
  /** For a code: whether its verification can still be approved (pending, not expired); true for other messages. */
  readonly verificationOpen: boolean;
}

/** A part of some attempt that carries a receipt's id (a match candidate). */
export interface StoredPartRef {
  readonly attemptId: string;
  readonly messageId: string;
  readonly part: number;
  readonly to: string;
  /** The attempt is open and this part has no final report yet. */
  readonly open: boolean;
  /** When its attempt was started, ms since epoch. */
  readonly startedAt: number;
}

/** A final receipt no part matched when it came, kept until its submit is recorded. */
export interface PendingReceipt {
  readonly id: string;
  readonly provider: string;
  readonly providerMessageId: string;
  readonly state: ReportedState;
  readonly errorCode: string | null;
  readonly handset: string | null;
  readonly attemptHint: string | null;
  /** Database time it was stored, ms since epoch. */
  readonly receivedAt: number;
}

/** An attempt row to insert when its submit starts (with the message going to `sending`). */
export interface AttemptStart {
  readonly attemptId: string;
  readonly messageId: string;
  readonly provider: string;
  readonly step: number;
  readonly channel: Channel;
  readonly expectedCostMicros: number | null;
  readonly currency: string;
  readonly receiptTimeoutSeconds: number;
  readonly plan: readonly StoredStep[];
  /** The rule that made the plan; null when the plan was stored before. */
  readonly routeRule: string | null;
}

/** What the provider answered, stored on the attempt when it becomes known. */
export interface SubmitFacts {
  /** Sets submitted_at (a submit answer, or its absence, was recorded; not a late answer). */
  readonly markSubmitted: boolean;
  /** Normalised id of the first part. */
  readonly providerMessageId: string | null;
  /** SMS parts the network bills. */
  readonly billedParts: number | null;
  readonly actualCostMicros: number | null;
  /** Appended to the attempt's error message (e.g. that a part was accepted late). */
  readonly note?: string | undefined;
}

/** Every write of one hot-path transaction, applied in a handful of batched statements. */
export interface DispatchWrites {
  readonly starts: AttemptStart[];
  readonly attempts: { readonly id: string; readonly change: AttemptChange; readonly submit?: SubmitFacts | undefined }[];
  readonly newParts: { readonly attemptId: string; readonly provider: string; readonly part: PartState }[];
  readonly reportedParts: { readonly attemptId: string; readonly part: PartState }[];
  /** `plan`: stored with the change when the message was planned in this transaction. */
  readonly messages: { readonly id: string; readonly change: MessageChange; readonly plan?: { readonly steps: readonly StoredStep[]; readonly rule: string | null } | undefined }[];
  readonly verifications: { readonly id: string; readonly delivery: 'submitted' | 'delivered' | 'failed'; readonly fail: boolean }[];
  readonly pendingReceipts: Omit<PendingReceipt, 'id' | 'receivedAt'>[];
  readonly consumedPendingReceipts: string[];
}

/** The reads and writes of one transaction of the hot path; see `DispatchStore.transaction`. */
export interface DispatchTransaction {
  /** Locks messages in id order (so concurrent transactions never deadlock on them) and reads them. */
  lockMessages(ids: readonly string[]): Promise<Map<string, LockedMessage>>;
  /** Attempts with their parts. */
  attempts(ids: readonly string[]): Promise<Map<string, AttemptState>>;
  /** The attempt of each message at its current step that is still open. */
  openAttempts(messageIds: readonly string[]): Promise<Map<string, AttemptState>>;
  /** Parts carrying these (provider, id) pairs, with what choosing between them needs. Not locked. */
  partsWithIds(keys: readonly { provider: string; providerMessageId: string }[]): Promise<Map<string, StoredPartRef[]>>;
  /** The message and provider of attempts named by id (webhook correlations). Not locked. */
  attemptOwners(attemptIds: readonly string[]): Promise<Map<string, { messageId: string; provider: string }>>;
  /** Stored receipts naming these (provider, id) pairs, locked so only one transaction consumes each. */
  pendingReceiptsFor(keys: readonly { provider: string; providerMessageId: string }[]): Promise<PendingReceipt[]>;
  /**
   * Of these verifications (locked here, after the messages), the ones that still have another
   * message under way or delivered besides `excluding`.
   */
  verificationsStillLive(verificationIds: readonly string[], excluding: readonly string[]): Promise<Set<string>>;
  /** Submitted messages whose receipt is overdue, locked, skipping those another transaction holds. */
  overdueMessages(limit: number): Promise<Map<string, LockedMessage>>;
  /** Messages left `sending` by a replica whose lease ran out, locked likewise. */
  staleSends(limit: number): Promise<Map<string, LockedMessage>>;
  write(writes: DispatchWrites): Promise<void>;
}

/** The message table as the dispatcher's work queue, in PostgreSQL or PGlite. */
export interface DispatchStore {
  /** Runs `work` in one transaction; a deadlock runs it again. */
  transaction<T>(work: (tx: DispatchTransaction) => Promise<T>): Promise<T>;
  /**
   * Leases up to `limit` due queued messages nobody holds to `owner` (one statement, SKIP LOCKED:
   * replicas claiming at once take different rows) and reads them, decrypted.
   */
  claimDue(owner: string, leaseSeconds: number, limit: number): Promise<ClaimedMessage[]>;
  /** Extends the leases `owner` holds on these messages. */
  renewLeases(owner: string, leaseSeconds: number, messageIds: readonly string[]): Promise<void>;
  /** Gives up the leases of queued messages (a stopping replica), so any replica takes them at once. */
  releaseLeases(owner: string, messageIds: readonly string[]): Promise<void>;
  /** Deletes stored receipts older than `seconds` nothing claimed; returns them, to be logged. */
  purgePendingReceipts(olderThanSeconds: number, limit: number): Promise<PendingReceipt[]>;
  /** Stored receipts that a part recorded since now matches: the residue of a race, re-tried by the sweep. */
  matchablePendingReceipts(limit: number): Promise<PendingReceipt[]>;
  /** Forgets idempotency keys created before `before`. */
  deleteIdempotencyKeysBefore(before: Date): Promise<void>;
  /** Tells every replica that queued messages wait for whoever has room (LISTEN/NOTIFY). */
  announceWork(): Promise<void>;
}

/** What the dispatcher counts (Prometheus in production, nothing in unit tests). */
export interface DispatchMetrics {
  submit(provider: string, outcome: 'accepted' | 'failed' | 'unknown'): void;
  receipt(provider: string, state: string): void;
  /** A message reached its end: delivered, or failed (dropped, unroutable, every step tried). */
  finished?(status: 'delivered' | 'failed'): void;
  /** Size of a committed hot-path transaction (items in it). */
  batch?(kind: 'dispatch' | 'sweep', size: number): void;
}
