/**
 * The life of a message and its attempts, as pure functions of (state, event) → decision. Every
 * transition of the hot path is decided here: a submit accepted, refused or left without answer,
 * a part's receipt, a receipt that never came, a send a dead replica left behind, a step passed
 * over, and what each means for the verification. Repositories only store these decisions (in
 * batches); the dispatcher and the modem agent's link feed it events.
 */

/** queued → sending → submitted → delivered | failed; a failed step may queue the message again. */
export type MessageStatus = 'queued' | 'sending' | 'submitted' | 'delivered' | 'failed';
/** sending → submitted | failed | unknown → delivered | failed | expired (unknown may stay unknown). */
export type AttemptStatus = 'sending' | 'submitted' | 'delivered' | 'failed' | 'expired' | 'unknown';
export type PartStatus = 'submitted' | 'delivered' | 'failed' | 'expired';
/** A receipt's state as providers normalise it; only the first three end anything. */
export type ReportedState = 'delivered' | 'failed' | 'expired' | 'enroute' | 'accepted' | 'unknown';

/** Messages in these states are still on their way (or, delivered, have arrived). */
export const LIVE_MESSAGE_STATUSES: readonly MessageStatus[] = ['queued', 'sending', 'submitted'];

/** Receipt states that end a part. UNKNOWN does not: the message may well have arrived. */
export function isFinalReport(state: ReportedState): state is 'delivered' | 'failed' | 'expired' {
  return state === 'delivered' || state === 'failed' || state === 'expired';
}

export interface MessageState {
  readonly id: string;
  readonly status: MessageStatus;
  /** The plan step the current (or next) attempt uses. */
  readonly step: number;
  /** Submits retried on this step after retryable failures. */
  readonly retries: number;
  /** Steps in the stored plan (0 before it was planned). */
  readonly planLength: number;
  readonly verificationId: string | null;
}

export interface PartState {
  /** 1-based position in the text. */
  readonly part: number;
  readonly providerMessageId: string;
  readonly status: PartStatus;
  readonly errorCode: string | null;
}

export interface AttemptState {
  readonly id: string;
  readonly messageId: string;
  /** Provider name. */
  readonly provider: string;
  readonly step: number;
  readonly status: AttemptStatus;
  /** Closed to every later report (a verdict, or the receipt deadline, ended it). */
  readonly completed: boolean;
  /** Final receipts that settle it; null while the provider has not said (no submit answer yet). */
  readonly receiptParts: number | null;
  readonly parts: readonly PartState[];
  readonly receiptTimeoutSeconds: number;
  /** When it was started, database time (ms since epoch): a receipt stored before then is not its. */
  readonly startedAt: number;
}

export interface AttemptError {
  readonly code: string;
  readonly message: string;
}

/** What to write on an attempt. */
export interface AttemptChange {
  readonly status: AttemptStatus;
  /** Sets completed_at: no report changes the attempt after this. */
  readonly completed: boolean;
  readonly error?: AttemptError | undefined;
  /** Final receipts that settle it, when now known. */
  readonly receiptParts?: number | undefined;
}

/** What to write on a message. */
export type MessageChange =
  /** Back in the queue for `step`, not before `notBefore`; `keepLease`: this replica goes on with it. */
  | { readonly status: 'queued'; readonly step: number; readonly retries: number; readonly notBefore: Date; readonly keepLease: boolean; readonly lastError: string }
  /** Handed to the provider; its receipt is overdue `receiptDueInSeconds` from now. */
  | { readonly status: 'submitted'; readonly receiptDueInSeconds: number; readonly lastError?: string | undefined }
  | { readonly status: 'delivered' }
  /** Ended without delivery; the verification fails too when `failVerification` and nothing else is under way. */
  | { readonly status: 'failed'; readonly lastError: string; readonly failVerification: boolean };

/** What a provider's circuit breaker is told. */
export type BreakerSignal = 'submit-success' | 'submit-failure' | 'delivered' | 'failed' | 'expired';

export interface Decision {
  readonly attempt?: AttemptChange | undefined;
  readonly message?: MessageChange | undefined;
  readonly breaker?: readonly BreakerSignal[] | undefined;
}

const NOTHING: Decision = {};

/** When a message stops being worth sending, and how retries back off. */
export interface RetryPolicy {
  /** The message is useless after this (its validity, or its code's expiry if sooner). */
  readonly validUntil: Date;
  readonly now: Date;
}

/** Longest backoff between two tries of the same step. */
const MAX_BACKOFF_MS = 30_000;

/**
 * After a step failed for sure (refused, or passed over): the next plan step at once; on the
 * last step, a retryable failure tries the step again with exponential backoff while the message
 * is still worth sending; otherwise the message fails, and with it the verification.
 */
export function afterFailedStep(message: MessageState, retryable: boolean, reason: string, policy: RetryPolicy): MessageChange {
  const now = policy.now.getTime();
  if (message.step + 1 < message.planLength) {
    return { status: 'queued', step: message.step + 1, retries: 0, notBefore: policy.now, keepLease: true, lastError: reason };
  }
  const backoffMs = Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.min(message.retries, 10));
  if (retryable && now + backoffMs < policy.validUntil.getTime()) {
    return { status: 'queued', step: message.step, retries: message.retries + 1, notBefore: new Date(now + backoffMs), keepLease: true, lastError: reason };
  }
  return { status: 'failed', lastError: reason, failVerification: true };
}

/**
 * What the parts say so far: failed with the first failed or expired part (one lost part loses
 * the text), delivered once as many parts are delivered as receipts are expected, else nothing.
 */
export function verdictOfParts(attempt: AttemptState): { readonly state: 'delivered' } | { readonly state: 'failed' | 'expired'; readonly errorCode: string | null } | null {
  const failed = attempt.parts.find((part) => part.status === 'failed' || part.status === 'expired');
  if (failed) return { state: failed.status === 'expired' ? 'expired' : 'failed', errorCode: failed.errorCode };
  const delivered = attempt.parts.filter((part) => part.status === 'delivered').length;
  return attempt.parts.length > 0 && delivered >= Math.max(1, attempt.receiptParts ?? 1) ? { state: 'delivered' } : null;
}

/** A part's final receipt: the part's new state, or null when it already had one (duplicates change nothing). */
export function reportPart(part: PartState, state: ReportedState, errorCode: string | null): PartState | null {
  if (part.status !== 'submitted' || !isFinalReport(state)) return null;
  return { ...part, status: state, errorCode: state === 'delivered' ? null : errorCode };
}

function isOpen(attempt: AttemptState): boolean {
  return !attempt.completed && (attempt.status === 'submitted' || attempt.status === 'unknown');
}

/**
 * Settles an open attempt on what its parts say: delivered ends the message; a failed report
 * moves the message to its next step, or fails it (and its verification) on the last one. An
 * attempt whose parts say nothing yet, one already closed, or one the message has moved past
 * (only the attempt is closed then) changes nothing more.
 */
export function settleOnParts(message: MessageState, attempt: AttemptState, now: Date): Decision {
  if (!isOpen(attempt)) return NOTHING;
  const verdict = verdictOfParts(attempt);
  if (verdict === null) return NOTHING;
  if (verdict.state === 'delivered') {
    const live = message.status === 'submitted' || message.status === 'sending';
    return { attempt: { status: 'delivered', completed: true }, message: live ? { status: 'delivered' } : undefined, breaker: ['delivered'] };
  }
  const attemptChange: AttemptChange = { status: verdict.state, completed: true, error: verdict.errorCode === null ? undefined : { code: verdict.errorCode, message: `receipt ${verdict.state}` } };
  const breaker: BreakerSignal[] = [verdict.state];
  const current = message.step === attempt.step && (message.status === 'submitted' || message.status === 'sending');
  if (!current) return { attempt: attemptChange, breaker }; // the message already moved on
  const reason = `receipt ${verdict.state}`;
  if (attempt.step + 1 < message.planLength) {
    return { attempt: attemptChange, message: { status: 'queued', step: attempt.step + 1, retries: 0, notBefore: now, keepLease: false, lastError: reason }, breaker };
  }
  return { attempt: attemptChange, message: { status: 'failed', lastError: reason, failVerification: true }, breaker };
}

/** The provider took the message. `parts` are the attempt's parts with any receipts already in. */
export function submitAccepted(
  message: MessageState,
  attempt: AttemptState,
  accepted: { readonly receiptParts: number; readonly final: boolean },
  now: Date,
): Decision {
  if (attempt.status !== 'sending') return NOTHING;
  if (accepted.final) {
    // Acceptance is the provider's last word (SMTP has no delivery reports).
    return { attempt: { status: 'delivered', completed: true, receiptParts: accepted.receiptParts }, message: { status: 'delivered' }, breaker: ['submit-success', 'delivered'] };
  }
  const submitted: AttemptState = { ...attempt, status: 'submitted', receiptParts: accepted.receiptParts };
  // Receipts can overtake the write of the submit's result: what the parts already say counts now.
  const settled = settleOnParts({ ...message, status: 'submitted' }, submitted, now);
  if (settled.attempt) return { ...settled, attempt: { ...settled.attempt, receiptParts: accepted.receiptParts }, breaker: ['submit-success', ...(settled.breaker ?? [])] };
  return {
    attempt: { status: 'submitted', completed: false, receiptParts: accepted.receiptParts },
    message: { status: 'submitted', receiptDueInSeconds: attempt.receiptTimeoutSeconds },
    breaker: ['submit-success'],
  };
}

/** The provider refused the message for sure: the next step, a retry later, or the end. */
export function submitRefused(
  message: MessageState,
  attempt: AttemptState,
  refusal: { readonly error: AttemptError; readonly retryable: boolean; readonly notConnected: boolean },
  policy: RetryPolicy,
): Decision {
  if (attempt.status !== 'sending') return NOTHING;
  return {
    attempt: { status: 'failed', completed: true, error: refusal.error },
    message: afterFailedStep(message, refusal.retryable, refusal.error.message, policy),
    // A provider we are not connected to has not failed a message: its bind state says enough.
    breaker: refusal.notConnected ? [] : ['submit-failure'],
  };
}

/**
 * The provider may have the message (no answer, a reset after the request was written): it is
 * never sent again. Its receipt, if one comes, settles it; else the receipt deadline ends it.
 * `receiptParts` is known when some parts of a long text were answered before the rest was not.
 */
export function submitUnknown(message: MessageState, attempt: AttemptState, unknown: { readonly error: AttemptError; readonly receiptParts: number | null }, now: Date): Decision {
  if (attempt.status !== 'sending') return NOTHING;
  const waiting: AttemptState = { ...attempt, status: 'unknown', receiptParts: unknown.receiptParts ?? attempt.receiptParts };
  const settled = settleOnParts({ ...message, status: 'submitted' }, waiting, now);
  const receiptParts = unknown.receiptParts ?? undefined;
  if (settled.attempt) return { ...settled, attempt: { ...settled.attempt, error: settled.attempt.error ?? unknown.error, receiptParts } };
  return {
    attempt: { status: 'unknown', completed: false, error: unknown.error, receiptParts },
    message: { status: 'submitted', receiptDueInSeconds: attempt.receiptTimeoutSeconds, lastError: unknown.error.message },
  };
}

/**
 * A replica died mid-submit (its lease ran out with the attempt still sending): outcome unknown,
 * never resent. What reached the attempt meanwhile still counts: a late acceptance and its
 * receipts (an agent answers the replica that holds its stream, not the one that died) settle it.
 */
export function interrupted(message: MessageState, attempt: AttemptState, now: Date): Decision {
  if (attempt.status !== 'sending') return { message: { status: 'submitted', receiptDueInSeconds: attempt.receiptTimeoutSeconds, lastError: 'interrupted during submit: outcome unknown, not resent' } };
  const error = { code: 'INTERRUPTED', message: 'replica stopped during submit' };
  const settled = settleOnParts({ ...message, status: 'submitted' }, { ...attempt, status: 'unknown' }, now);
  if (settled.attempt) return { ...settled, attempt: { ...settled.attempt, error: settled.attempt.error ?? error } };
  return {
    attempt: { status: 'unknown', completed: false, error },
    message: { status: 'submitted', receiptDueInSeconds: attempt.receiptTimeoutSeconds, lastError: 'interrupted during submit: outcome unknown, not resent' },
  };
}

/**
 * No final receipt within the step's timeout. A submitted attempt expires and the message moves
 * to its next step; on the last step it ends, but the verification stays usable: silence is not
 * proof the code did not arrive. An unknown attempt may have been delivered: it is closed, the
 * message ends, and nothing falls back (a second code is worse than a missing one).
 */
export function receiptOverdue(message: MessageState, attempt: AttemptState, now: Date): Decision {
  const reason = `no delivery report within ${attempt.receiptTimeoutSeconds} s`;
  if (!isOpen(attempt)) {
    // Nothing open to wait for (a stray deadline): end the message as it stands.
    return message.status === 'submitted' ? { message: { status: 'failed', lastError: reason, failVerification: false } } : NOTHING;
  }
  if (attempt.status === 'unknown') {
    return { attempt: { status: 'unknown', completed: true }, message: { status: 'failed', lastError: `outcome unknown; ${reason}`, failVerification: false } };
  }
  const expired: AttemptChange = { status: 'expired', completed: true, error: { code: 'RECEIPT_TIMEOUT', message: reason } };
  if (message.step === attempt.step && attempt.step + 1 < message.planLength) {
    return { attempt: expired, message: { status: 'queued', step: attempt.step + 1, retries: 0, notBefore: now, keepLease: false, lastError: reason }, breaker: ['expired'] };
  }
  return { attempt: expired, message: { status: 'failed', lastError: reason, failVerification: false }, breaker: ['expired'] };
}

/** A step that cannot be tried (provider gone, disabled, circuit open, nothing to say on the channel). */
export function stepPassedOver(message: MessageState, reason: string, retryable: boolean, policy: RetryPolicy): Decision {
  return { message: afterFailedStep(message, retryable, reason, policy) };
}

/** A message that must not be sent (expired, verification closed, unreadable): it ends, the verification does not fail for it. */
export function dropped(reason: string): Decision {
  return { message: { status: 'failed', lastError: `not sent: ${reason}`, failVerification: false } };
}

/** A message no route can carry: it fails, and its verification with it. */
export function unroutable(reason: string): Decision {
  return { message: { status: 'failed', lastError: reason, failVerification: true } };
}

/** How a verification's delivery status follows one of its messages. */
export type VerificationEffect =
  | { readonly kind: 'submitted' }
  | { readonly kind: 'delivered' }
  /** The message failed: the verification's delivery fails (and the verification itself when `fail`) if none of its messages is still under way or delivered. */
  | { readonly kind: 'failed'; readonly fail: boolean };

/** The effect of a message change on its verification, if any. */
export function verificationEffect(change: MessageChange): VerificationEffect | null {
  switch (change.status) {
    case 'submitted':
      return { kind: 'submitted' };
    case 'delivered':
      return { kind: 'delivered' };
    case 'failed':
      return { kind: 'failed', fail: change.failVerification };
    case 'queued':
      return null;
  }
}

/**
 * Which of the parts with a receipt's id the receipt is about. Carriers reuse ids (after a
 * restart their counters start again), so: a receipt that names its handset belongs only to a
 * part sent to that handset; an open part wins over ended ones; the newest wins among equals.
 * None: the receipt waits for its submit's record (it may have overtaken it) or was never ours.
 */
export interface ReceiptCandidate {
  readonly partKey: string;
  readonly attemptId: string;
  readonly messageId: string;
  /** The message's destination, E.164. */
  readonly to: string;
  readonly open: boolean;
  /** When the attempt was started (ms since epoch). */
  readonly startedAt: number;
}

export function chooseReceiptPart<C extends ReceiptCandidate>(candidates: readonly C[], receipt: { readonly handset?: string | undefined; readonly attemptId?: string | undefined }): C | undefined {
  const plausible = candidates.filter(
    (candidate) =>
      candidate.open &&
      (receipt.attemptId === undefined || candidate.attemptId === receipt.attemptId) &&
      (receipt.handset === undefined || sameHandset(candidate.to, receipt.handset)),
  );
  return plausible.sort((a, b) => b.startedAt - a.startedAt)[0];
}

/** Shortest tail of two numbers compared when one is written without country code or prefix. */
const MIN_COMPARED_DIGITS = 7;

/**
 * Whether a receipt's address names the message's destination. SMSCs write it as they like
 * (`4915112345678`, `+49…`, `0049…`, national `015112345678`): the digits must match, or the
 * shorter one (at least seven digits) must end the longer. Alphanumeric addresses say nothing.
 */
export function sameHandset(e164: string, reported: string): boolean {
  const reportedDigits = reported.replace(/\D/g, '');
  if (reportedDigits.length < MIN_COMPARED_DIGITS || /[A-Za-z]/.test(reported)) return true;
  const ours = e164.replace(/\D/g, '');
  if (ours === reportedDigits) return true;
  const nationalTail = (digits: string) => digits.replace(/^0+/, '');
  const a = nationalTail(ours);
  const b = nationalTail(reportedDigits);
  const [shorter, longer] = a.length <= b.length ? [a, b] : [b, a];
  return shorter.length >= MIN_COMPARED_DIGITS && longer.endsWith(shorter);
}
