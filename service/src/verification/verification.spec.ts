import { describe, expect, it } from 'vitest';
import { applyCheck, applyResend,
  liveCodeHashes, attemptsRemaining, effectiveStatus, settleExpiry, type Verification } from './verification.js';

const created = new Date('2026-03-01T10:00:00.000Z');
const expires = new Date('2026-03-01T10:10:00.000Z');

function atOffset(ms: number): Date {
  return new Date(expires.getTime() + ms);
}

function pendingVerification(overrides: Partial<Verification> = {}): Verification {
  return {
    id: 'ver_1',
    appId: 'app_1',
    to: '+4915123456789',
    channel: 'sms',
    status: 'pending',
    codes: [{ hash: 'hash-1', expiresAt: expires }],
    codeLength: 6,
    locale: 'en',
    expiresAt: expires,
    sendCount: 1,
    failedChecks: 0,
    maxChecks: 3,
    deliveryStatus: 'delivered',
    email: null,
    createdAt: created,
    completedAt: null,
    ...overrides,
  };
}

describe('effectiveStatus', () => {
  it('is pending before expiry', () => {
    expect(effectiveStatus(pendingVerification(), atOffset(-1))).toBe('pending');
  });

  it('is expired at the exact moment of expiry', () => {
    expect(effectiveStatus(pendingVerification(), atOffset(0))).toBe('expired');
  });

  it('is expired after expiry', () => {
    expect(effectiveStatus(pendingVerification(), atOffset(60_000))).toBe('expired');
  });

  it.each(['approved', 'canceled', 'max_attempts_reached', 'failed'] as const)('keeps a final status %s after expiry', (status) => {
    expect(effectiveStatus(pendingVerification({ status }), atOffset(60_000))).toBe(status);
  });

  it('does not change the stored status', () => {
    const v = pendingVerification();
    effectiveStatus(v, atOffset(60_000));
    expect(v.status).toBe('pending');
  });
});

describe('attemptsRemaining', () => {
  it('is maxChecks when no check has failed', () => {
    expect(attemptsRemaining(pendingVerification({ maxChecks: 5, failedChecks: 0 }))).toBe(5);
  });

  it('counts down with failed checks', () => {
    expect(attemptsRemaining(pendingVerification({ maxChecks: 5, failedChecks: 2 }))).toBe(3);
  });

  it('never goes below zero', () => {
    expect(attemptsRemaining(pendingVerification({ maxChecks: 3, failedChecks: 7 }))).toBe(0);
  });
});

describe('applyCheck', () => {
  it('approves on the right code and records when', () => {
    const v = pendingVerification();
    const now = atOffset(-5_000);
    expect(applyCheck(v, true, now)).toEqual({ approved: true, status: 'approved' });
    expect(v.status).toBe('approved');
    expect(v.completedAt).toEqual(now);
    expect(v.failedChecks).toBe(0);
  });

  it('approves on the right code even after earlier wrong ones', () => {
    const v = pendingVerification({ failedChecks: 2, maxChecks: 3 });
    expect(applyCheck(v, true, atOffset(-1))).toEqual({ approved: true, status: 'approved' });
    expect(v.failedChecks).toBe(2);
  });

  it('uses an attempt on a wrong code and stays pending while attempts remain', () => {
    const v = pendingVerification({ maxChecks: 3 });
    expect(applyCheck(v, false, atOffset(-1))).toEqual({ approved: false, status: 'pending' });
    expect(v.failedChecks).toBe(1);
    expect(v.status).toBe('pending');
    expect(v.completedAt).toBeNull();
    expect(attemptsRemaining(v)).toBe(2);
  });

  it('ends the verification as max_attempts_reached on the last wrong attempt', () => {
    const v = pendingVerification({ maxChecks: 3, failedChecks: 2 });
    const now = atOffset(-1_000);
    expect(applyCheck(v, false, now)).toEqual({ approved: false, status: 'max_attempts_reached' });
    expect(v.status).toBe('max_attempts_reached');
    expect(v.completedAt).toEqual(now);
    expect(attemptsRemaining(v)).toBe(0);
  });

  it('allows exactly maxChecks wrong codes', () => {
    const v = pendingVerification({ maxChecks: 3 });
    const statuses = [1, 2, 3].map(() => applyCheck(v, false, atOffset(-1)).status);
    expect(statuses).toEqual(['pending', 'pending', 'max_attempts_reached']);
  });
});

describe('applyResend', () => {
  const resend = { codeHash: 'hash-2', channel: 'voice' as const, locale: 'de', now: atOffset(-120_000), ttlSeconds: 600 };

  it('adds the new code with its own expiry and keeps the old one with its own', () => {
    const v = pendingVerification();
    applyResend(v, resend);
    expect(v.codes).toEqual([
      { hash: 'hash-1', expiresAt: expires },
      { hash: 'hash-2', expiresAt: new Date(resend.now.getTime() + 600_000) },
    ]);
  });

  it('does not mutate the previous list of codes in place', () => {
    const codes = [{ hash: 'hash-1', expiresAt: expires }];
    const v = pendingVerification({ codes });
    applyResend(v, resend);
    expect(codes).toHaveLength(1);
  });

  it('never stretches an old code past its own lifetime', () => {
    const v = pendingVerification();
    applyResend(v, { ...resend, now: new Date(expires.getTime() - 1000) });
    expect(liveCodeHashes(v, new Date(expires.getTime() + 1000))).toEqual(['hash-2']);
    expect(liveCodeHashes(v, new Date(expires.getTime() - 1))).toEqual(['hash-1', 'hash-2']);
  });

  it('keeps the failed check count, so resending buys no extra guesses', () => {
    const v = pendingVerification({ failedChecks: 2 });
    applyResend(v, resend);
    expect(v.failedChecks).toBe(2);
    expect(attemptsRemaining(v)).toBe(1);
  });

  it('moves the expiry to a full lifetime from now', () => {
    const v = pendingVerification();
    applyResend(v, resend);
    expect(v.expiresAt).toEqual(new Date(resend.now.getTime() + 600_000));
  });

  it('bumps the send count', () => {
    const v = pendingVerification({ sendCount: 2 });
    applyResend(v, resend);
    expect(v.sendCount).toBe(3);
  });

  it('takes the new channel and locale and queues a new delivery', () => {
    const v = pendingVerification();
    applyResend(v, resend);
    expect(v.channel).toBe('voice');
    expect(v.locale).toBe('de');
    expect(v.deliveryStatus).toBe('queued');
  });

  it('leaves status and completion untouched', () => {
    const v = pendingVerification();
    applyResend(v, resend);
    expect(v.status).toBe('pending');
    expect(v.completedAt).toBeNull();
  });
});

describe('settleExpiry', () => {
  it('marks a pending verification past its expiry expired, completed at the expiry time', () => {
    const v = pendingVerification();
    expect(settleExpiry(v, atOffset(30_000))).toBe(true);
    expect(v.status).toBe('expired');
    expect(v.completedAt).toEqual(expires);
  });

  it('settles at the exact moment of expiry', () => {
    const v = pendingVerification();
    expect(settleExpiry(v, atOffset(0))).toBe(true);
    expect(v.status).toBe('expired');
  });

  it('leaves a pending verification before expiry alone', () => {
    const v = pendingVerification();
    expect(settleExpiry(v, atOffset(-1))).toBe(false);
    expect(v.status).toBe('pending');
    expect(v.completedAt).toBeNull();
  });

  it('leaves a completed verification alone after expiry', () => {
    const approvedAt = atOffset(-60_000);
    const v = pendingVerification({ status: 'approved', completedAt: approvedAt });
    expect(settleExpiry(v, atOffset(60_000))).toBe(false);
    expect(v.status).toBe('approved');
    expect(v.completedAt).toEqual(approvedAt);
  });

  it('reports false when settling an already expired verification again', () => {
    const v = pendingVerification();
    settleExpiry(v, atOffset(1));
    expect(settleExpiry(v, atOffset(2))).toBe(false);
  });
});
