import type { DeliveryReceipt, LateAcceptance, OtpContent, SubmitAccepted } from '../providers/sms-provider.js';
import type { Channel, MessageKind } from '../routing/routing-model.js';

/** One step of a message's stored plan; costs in millionths of `currency`. */
export interface StoredStep {
  readonly provider: string;
  readonly channel: Channel;
  readonly expectedCostMicros: number | null;
  readonly currency: string;
  readonly receiptTimeoutSeconds: number;
}

/** A message claimed under a lease token, ready for its next attempt. */
export interface ClaimedMessage {
  readonly id: string;
  /** The lease token this claim holds; writes about the attempt present it. */
  readonly token: string;
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
  /** The plan fixed at the first claim; null until then. */
  readonly plan: readonly StoredStep[] | null;
  readonly step: number;
  readonly retries: number;
  /** When the message was accepted. */
  readonly createdAt: Date;
  /** For a code: whether its verification can still be approved (pending and not expired). */
  readonly verificationOpen: boolean;
  /** For a code: when its verification expires. */
  readonly verificationExpiresAt: Date | null;
}

/** The result of a receipt for the attempt it belongs to. */
export type ReceiptOutcome =
  | { readonly kind: 'unmatched' }
  | { readonly kind: 'ignored' }
  | { readonly kind: 'final'; readonly messageId: string; readonly delivered: boolean; readonly provider: string }
  /** The attempt failed and the plan has another step: the message is queued for it. */
  | { readonly kind: 'requeued'; readonly messageId: string; readonly provider: string };

/** A failure as recorded on an attempt. */
export interface AttemptError {
  readonly code: string;
  readonly message: string;
}

/** Parts a provider took before a later part failed or went unanswered (outcome unknown). */
export interface PartialAcceptance {
  /** Ids of the parts taken, in order from part 1. */
  readonly partMessageIds: readonly string[];
  /** Parts the text was submitted as, each answered (and reported on) separately. */
  readonly parts: number;
  /** Final receipts expected for the text, when not one per part. */
  readonly receiptsExpected?: number | undefined;
}

/** Where a message goes after a failed attempt: another step, or the same one again later. */
export interface NextStep {
  readonly step: number;
  readonly retries: number;
  readonly notBefore: Date;
}

/**
 * What the dispatcher reads and writes. Each method is one transaction. Writes about an attempt
 * change the message only while it is still in the state the dispatcher left it in, so a late
 * write can never resurrect a message that recovery already settled.
 */
export interface DispatchStore {
  /**
   * Leases the message under `token` if it is queued, due, and either unleased (or the lease ran
   * out) or already leased under `token` (handed over by `claimDue`); null otherwise. Tokens are
   * unique per claim, so two claims never both succeed, even within one replica.
   */
  claim(messageId: string, token: string, now: Date, leaseUntil: Date): Promise<ClaimedMessage | null>;
  /**
   * Due messages nobody holds, locked with SKIP LOCKED and leased, each under a fresh token
   * derived from `owner`; the caller then claims each with its token.
   */
  claimDue(owner: string, now: Date, leaseUntil: Date, limit: number): Promise<{ id: string; token: string }[]>;
  /**
   * Stores the plan, renews the lease and records an attempt as `sending`; returns the attempt id,
   * or null when the claim's lease was lost meanwhile (then nothing may be sent).
   */
  startAttempt(messageId: string, token: string, plan: { rule: string; steps: readonly StoredStep[] }, step: number, leaseUntil: Date): Promise<string | null>;
  /**
   * Extends the lease of a message being submitted under `token`, so a long submit (many parts,
   * throttling back-off) is not taken for a dead replica's; false when the lease is no longer ours.
   */
  renewLease(messageId: string, token: string, leaseUntil: Date): Promise<boolean>;
  /** A step that cannot be tried now (breaker open, provider full): move on without an attempt row. */
  skipStep(messageId: string, token: string, plan: { rule: string; steps: readonly StoredStep[] }, next: NextStep | null, reason: string, now: Date): Promise<void>;
  /** The provider accepted the message; its part ids are recorded for receipts to match. */
  markSubmitted(attemptId: string, messageId: string, accepted: SubmitAccepted, now: Date): Promise<void>;
  /** The attempt failed for sure; the message goes to `next` or fails. */
  markAttemptFailed(attemptId: string, messageId: string, error: AttemptError, next: NextStep | null, now: Date): Promise<void>;
  /** The provider may have taken the message: never resend; the receipt deadline settles it. */
  markOutcomeUnknown(attemptId: string, messageId: string, error: AttemptError, now: Date, accepted?: PartialAcceptance): Promise<void>;
  /**
   * A part whose submit went unanswered was accepted after all (late submit_sm_resp): records its
   * id on the still-open attempt so its receipt matches. 'unmatched' when no open attempt fits.
   */
  recordLateAcceptance(providerName: string, acceptance: LateAcceptance, now: Date): Promise<'recorded' | 'unmatched'>;
  /** Ends a message that must not be sent (expired, verification closed, unreadable) without failing its verification. */
  dropMessage(messageId: string, reason: string, now: Date): Promise<void>;
  /** Fails a message no route can carry, and its verification when nothing else is under way. */
  failUnroutable(messageId: string, reason: string, now: Date): Promise<void>;
  /**
   * Applies a receipt to the newest part with that provider message id (in the reported form,
   * else converted between hex and decimal). The attempt is delivered once every part is, and
   * fails with the first failed part.
   */
  applyReceipt(providerName: string, receipt: DeliveryReceipt, now: Date): Promise<ReceiptOutcome>;
  /** Sends whose lease ran out mid-submit (a replica died): recorded as outcome unknown, never resent. */
  recoverStaleSends(now: Date): Promise<number>;
  /**
   * Attempts without a final receipt within their step's receipt timeout: a submitted one expires
   * and the message moves to its next step (returned) or fails; an unknown one ends the message.
   */
  expireOverdueAttempts(now: Date): Promise<{ requeued: string[]; expired: { provider: string; wasUnknown: boolean }[] }>;
  /** Forgets idempotency keys created before `before`. */
  deleteIdempotencyKeysBefore(before: Date): Promise<number>;
}

/** What the dispatcher counts (Prometheus in production, nothing in unit tests). */
export interface DispatchMetrics {
  submit(provider: string, outcome: 'accepted' | 'failed' | 'unknown'): void;
  receipt(provider: string, state: string): void;
}
