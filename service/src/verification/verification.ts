/**
 * The rules of one verification, free of storage and transport: what its status is at a given
 * moment, and what a check or a resend does to it.
 */

export type VerificationChannel = 'sms' | 'voice' | 'email';

export type VerificationStatus = 'pending' | 'approved' | 'canceled' | 'expired' | 'max_attempts_reached' | 'failed';

export type DeliveryStatus = 'queued' | 'submitted' | 'delivered' | 'failed';

/** One code sent for a verification: only its HMAC is kept. */
export interface SentCode {
  readonly hash: string;
  readonly expiresAt: Date;
}

/** Hashes of the codes that may still approve the verification at `now`. */
export function liveCodeHashes(v: Verification, now: Date): string[] {
  return v.codes.filter((code) => now.getTime() < code.expiresAt.getTime()).map((code) => code.hash);
}

/** A verification as the domain sees it. Persistence maps its rows to and from this shape. */
export interface Verification {
  readonly id: string;
  readonly appId: string;
  /** E.164 destination. */
  readonly to: string;
  channel: VerificationChannel;
  status: VerificationStatus;
  /**
   * HMACs of the codes sent for this verification, each with its own expiry: a code approves it
   * only within its own lifetime, so resending never stretches an old code's life.
   */
  codes: SentCode[];
  readonly codeLength: number;
  locale: string;
  expiresAt: Date;
  sendCount: number;
  failedChecks: number;
  readonly maxChecks: number;
  deliveryStatus: DeliveryStatus;
  /** The user's e-mail address, for e-mail sends and fallback steps; null when none is known. */
  email: string | null;
  readonly createdAt: Date;
  completedAt: Date | null;
}

/** The status as of `now`: a pending verification past its expiry is expired. */
export function effectiveStatus(v: Verification, now: Date): VerificationStatus {
  if (v.status === 'pending' && now.getTime() >= v.expiresAt.getTime()) return 'expired';
  return v.status;
}

/** Wrong codes that may still be checked. */
export function attemptsRemaining(v: Verification): number {
  return Math.max(0, v.maxChecks - v.failedChecks);
}

/** Outcome of checking a code against a pending verification. */
export interface CheckOutcome {
  readonly approved: boolean;
  readonly status: VerificationStatus;
}

/**
 * Applies one check to a pending verification (the caller made sure it is pending at `now`).
 * A right code approves it; a wrong one uses an attempt, and the last attempt ends it.
 */
export function applyCheck(v: Verification, codeMatches: boolean, now: Date): CheckOutcome {
  if (codeMatches) {
    v.status = 'approved';
    v.completedAt = now;
    return { approved: true, status: v.status };
  }
  v.failedChecks += 1;
  if (v.failedChecks >= v.maxChecks) {
    v.status = 'max_attempts_reached';
    v.completedAt = now;
  }
  return { approved: false, status: v.status };
}

/**
 * Records a resend: one more code is valid (for its own lifetime), the send count grows and the
 * verification's expiry moves to the new code's. The failure count is kept: resending must not
 * buy more guesses.
 */
export function applyResend(
  v: Verification,
  resend: { codeHash: string; channel: VerificationChannel; locale: string; now: Date; ttlSeconds: number; email?: string | null | undefined },
): void {
  if (resend.email) v.email = resend.email;
  const expiresAt = new Date(resend.now.getTime() + resend.ttlSeconds * 1000);
  v.codes = [...v.codes, { hash: resend.codeHash, expiresAt }];
  v.sendCount += 1;
  v.channel = resend.channel;
  v.locale = resend.locale;
  v.deliveryStatus = 'queued';
  v.expiresAt = expiresAt;
}

/** Marks a pending verification expired when its time is up, so stored status matches reality. */
export function settleExpiry(v: Verification, now: Date): boolean {
  if (v.status === 'pending' && effectiveStatus(v, now) === 'expired') {
    v.status = 'expired';
    v.completedAt = v.expiresAt;
    return true;
  }
  return false;
}
