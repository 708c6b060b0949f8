import { describe, expect, it } from 'vitest';
import {
  afterFailedStep,
  chooseReceiptPart,
  dropped,
  interrupted,
  receiptOverdue,
  reportPart,
  sameHandset,
  settleOnParts,
  stepPassedOver,
  submitAccepted,
  submitRefused,
  submitUnknown,
  unroutable,
  verdictOfParts,
  verificationEffect,
  type AttemptState,
  type MessageState,
  type PartState,
  type ReceiptCandidate,
} from './attempt-lifecycle.js';

const now = new Date('2026-12-02T10:00:00Z');
const policy = { now, validUntil: new Date(now.getTime() + 600_000) };

function message(overrides: Partial<MessageState> = {}): MessageState {
  return { id: 'm', status: 'sending', step: 0, retries: 0, planLength: 2, verificationId: 'v', ...overrides };
}

function attempt(overrides: Partial<AttemptState> = {}): AttemptState {
  return { id: 'a', messageId: 'm', provider: 'smsc', step: 0, status: 'sending', completed: false, receiptParts: null, parts: [], receiptTimeoutSeconds: 120, startedAt: 0, ...overrides };
}

function part(n: number, status: PartState['status'] = 'submitted', errorCode: string | null = null): PartState {
  return { part: n, providerMessageId: `id-${n}`, status, errorCode };
}

const error = { code: 'E', message: 'refused' };

describe('submitAccepted', () => {
  it('submits the attempt and waits for its receipt for the step timeout', () => {
    expect(submitAccepted(message(), attempt({ parts: [part(1)] }), { receiptParts: 1, final: false }, now)).toEqual({
      attempt: { status: 'submitted', completed: false, receiptParts: 1 },
      message: { status: 'submitted', receiptDueInSeconds: 120 },
      breaker: ['submit-success'],
    });
  });

  it('delivers at once when the receipt overtook the submit answer', () => {
    const decision = submitAccepted(message(), attempt({ parts: [part(1, 'delivered')] }), { receiptParts: 1, final: false }, now);
    expect(decision).toMatchObject({ attempt: { status: 'delivered', completed: true, receiptParts: 1 }, message: { status: 'delivered' }, breaker: ['submit-success', 'delivered'] });
  });

  it('moves on at once when a part already reported failure', () => {
    const decision = submitAccepted(message(), attempt({ parts: [part(1, 'delivered'), part(2, 'failed', 'gsm:1')] }), { receiptParts: 2, final: false }, now);
    expect(decision.attempt).toMatchObject({ status: 'failed', completed: true, error: { code: 'gsm:1' } });
    expect(decision.message).toMatchObject({ status: 'queued', step: 1, keepLease: false });
  });

  it('waits for every part: one of three delivered is not delivered', () => {
    const decision = submitAccepted(message(), attempt({ parts: [part(1, 'delivered'), part(2), part(3)] }), { receiptParts: 3, final: false }, now);
    expect(decision.message).toEqual({ status: 'submitted', receiptDueInSeconds: 120 });
  });

  it('delivers on acceptance a provider that never reports (SMTP)', () => {
    expect(submitAccepted(message(), attempt(), { receiptParts: 1, final: true }, now)).toMatchObject({ attempt: { status: 'delivered', completed: true }, message: { status: 'delivered' } });
  });

  it('changes nothing on an attempt that is no longer being sent (recovery took it over)', () => {
    expect(submitAccepted(message(), attempt({ status: 'unknown' }), { receiptParts: 1, final: false }, now)).toEqual({});
  });
});

describe('submitRefused', () => {
  it('fails the attempt and queues the next step at once, on this replica', () => {
    expect(submitRefused(message(), attempt(), { error, retryable: false, notConnected: false }, policy)).toEqual({
      attempt: { status: 'failed', completed: true, error },
      message: { status: 'queued', step: 1, retries: 0, notBefore: now, keepLease: true, lastError: 'refused' },
      breaker: ['submit-failure'],
    });
  });

  it('on the last step, retries a retryable failure later, backing off', () => {
    const decision = submitRefused(message({ step: 1, retries: 2 }), attempt({ step: 1 }), { error, retryable: true, notConnected: false }, policy);
    expect(decision.message).toEqual({ status: 'queued', step: 1, retries: 3, notBefore: new Date(now.getTime() + 2000), keepLease: true, lastError: 'refused' });
  });

  it('on the last step, fails the message and the verification on a permanent failure', () => {
    expect(submitRefused(message({ step: 1 }), attempt({ step: 1 }), { error, retryable: false, notConnected: false }, policy).message).toEqual({ status: 'failed', lastError: 'refused', failVerification: true });
  });

  it('does not retry past the message validity', () => {
    const late = { now, validUntil: new Date(now.getTime() + 400) };
    expect(submitRefused(message({ step: 1 }), attempt({ step: 1 }), { error, retryable: true, notConnected: false }, late).message).toMatchObject({ status: 'failed' });
  });

  it('does not count a provider that is not connected against its breaker', () => {
    expect(submitRefused(message(), attempt(), { error, retryable: true, notConnected: true }, policy).breaker).toEqual([]);
  });
});

describe('submitUnknown', () => {
  it('never resends: the message waits for a receipt as if submitted', () => {
    expect(submitUnknown(message(), attempt(), { error, receiptParts: null }, now)).toEqual({
      attempt: { status: 'unknown', completed: false, error, receiptParts: undefined },
      message: { status: 'submitted', receiptDueInSeconds: 120, lastError: 'refused' },
    });
  });

  it('settles at once when a late answer and its receipt beat the write of the unknown outcome', () => {
    const decision = submitUnknown(message(), attempt({ parts: [part(1, 'delivered')] }), { error, receiptParts: null }, now);
    expect(decision).toMatchObject({ attempt: { status: 'delivered', completed: true }, message: { status: 'delivered' } });
  });

  it('keeps the parts a provider took before a later part went unanswered, expecting their receipts', () => {
    const decision = submitUnknown(message(), attempt({ parts: [part(1), part(2)] }), { error, receiptParts: 3 }, now);
    expect(decision.attempt).toEqual({ status: 'unknown', completed: false, error, receiptParts: 3 });
  });
});

describe('settleOnParts (a part reported)', () => {
  const submitted = message({ status: 'submitted' });

  it('delivers the message once every expected part is delivered', () => {
    expect(settleOnParts(submitted, attempt({ status: 'submitted', receiptParts: 2, parts: [part(1, 'delivered'), part(2, 'delivered')] }), now)).toEqual({
      attempt: { status: 'delivered', completed: true },
      message: { status: 'delivered' },
      breaker: ['delivered'],
    });
  });

  it('settles a long text on one receipt when the carrier reports a text once', () => {
    expect(settleOnParts(submitted, attempt({ status: 'submitted', receiptParts: 1, parts: [part(1), part(2), part(3, 'delivered')] }), now).message).toEqual({ status: 'delivered' });
  });

  it('falls back to the next step on a failed report', () => {
    expect(settleOnParts(submitted, attempt({ status: 'submitted', receiptParts: 1, parts: [part(1, 'failed', 'gsm:11')] }), now)).toEqual({
      attempt: { status: 'failed', completed: true, error: { code: 'gsm:11', message: 'receipt failed' } },
      message: { status: 'queued', step: 1, retries: 0, notBefore: now, keepLease: false, lastError: 'receipt failed' },
      breaker: ['failed'],
    });
  });

  it('fails the message and its verification on a failed report on the last step', () => {
    expect(settleOnParts(message({ status: 'submitted', step: 1 }), attempt({ step: 1, status: 'submitted', parts: [part(1, 'expired')] }), now).message).toEqual({
      status: 'failed',
      lastError: 'receipt expired',
      failVerification: true,
    });
  });

  it('closes only the attempt when the message already moved on', () => {
    expect(settleOnParts(message({ status: 'submitted', step: 1 }), attempt({ status: 'unknown', parts: [part(1, 'failed')] }), now)).toEqual({
      attempt: { status: 'failed', completed: true, error: undefined },
      breaker: ['failed'],
    });
  });

  it('leaves an attempt still being sent for its submit result to settle', () => {
    expect(settleOnParts(submitted, attempt({ status: 'sending', parts: [part(1, 'delivered')] }), now)).toEqual({});
  });

  it('changes nothing on a closed attempt', () => {
    expect(settleOnParts(submitted, attempt({ status: 'expired', completed: true, parts: [part(1, 'delivered')] }), now)).toEqual({});
  });
});

describe('reportPart', () => {
  it('takes the first final report of a part and no other', () => {
    expect(reportPart(part(1), 'delivered', 'ignored')).toEqual(part(1, 'delivered'));
    expect(reportPart(part(1), 'failed', 'gsm:1')).toEqual(part(1, 'failed', 'gsm:1'));
    expect(reportPart(part(1, 'delivered'), 'failed', 'gsm:1')).toBeNull();
  });

  it.each(['enroute', 'accepted', 'unknown'] as const)('ignores a report that ends nothing (%s)', (state) => {
    expect(reportPart(part(1), state, null)).toBeNull();
  });
});

describe('verdictOfParts', () => {
  it('knows nothing before any part', () => {
    expect(verdictOfParts(attempt({ status: 'unknown' }))).toBeNull();
  });
});

describe('receiptOverdue', () => {
  const submitted = message({ status: 'submitted' });

  it('expires a submitted attempt and moves to the next step', () => {
    expect(receiptOverdue(submitted, attempt({ status: 'submitted' }), now)).toEqual({
      attempt: { status: 'expired', completed: true, error: { code: 'RECEIPT_TIMEOUT', message: 'no delivery report within 120 s' } },
      message: { status: 'queued', step: 1, retries: 0, notBefore: now, keepLease: false, lastError: 'no delivery report within 120 s' },
      breaker: ['expired'],
    });
  });

  it('on the last step, ends the message but keeps the verification usable', () => {
    expect(receiptOverdue(message({ status: 'submitted', step: 1 }), attempt({ step: 1, status: 'submitted' }), now).message).toEqual({ status: 'failed', lastError: 'no delivery report within 120 s', failVerification: false });
  });

  it('never falls back from an unknown outcome: it may have been delivered', () => {
    expect(receiptOverdue(submitted, attempt({ status: 'unknown' }), now)).toEqual({
      attempt: { status: 'unknown', completed: true },
      message: { status: 'failed', lastError: 'outcome unknown; no delivery report within 120 s', failVerification: false },
    });
  });
});

describe('the other transitions', () => {
  it('records a send a dead replica left as unknown, never resent', () => {
    expect(interrupted(message(), attempt(), now)).toMatchObject({ attempt: { status: 'unknown', error: { code: 'INTERRUPTED' } }, message: { status: 'submitted' } });
  });

  it('settles an interrupted send on what reached it meanwhile: an answer and a receipt from another replica', () => {
    const delivered = interrupted(message(), attempt({ parts: [part(1, 'delivered')], receiptParts: 1 }), now);
    expect(delivered).toMatchObject({ attempt: { status: 'delivered', completed: true, error: { code: 'INTERRUPTED' } }, message: { status: 'delivered' } });
    const failed = interrupted(message(), attempt({ parts: [part(1, 'failed', '0x45')], receiptParts: 1 }), now);
    expect(failed).toMatchObject({ attempt: { status: 'failed', completed: true }, message: { status: 'queued', step: 1 } });
  });

  it('passes over a step to the next one, or retries it later when it may come back', () => {
    expect(stepPassedOver(message({ status: 'queued' }), 'p: disabled', false, policy).message).toMatchObject({ status: 'queued', step: 1 });
    expect(stepPassedOver(message({ status: 'queued', step: 1 }), 'p: circuit open', true, policy).message).toMatchObject({ status: 'queued', step: 1, retries: 1 });
    expect(stepPassedOver(message({ status: 'queued', step: 1 }), 'p: disabled', false, policy).message).toMatchObject({ status: 'failed', failVerification: true });
  });

  it('drops a message without failing its verification, and fails one no route can carry with it', () => {
    expect(dropped('expired')).toEqual({ message: { status: 'failed', lastError: 'not sent: expired', failVerification: false } });
    expect(unroutable('no rule')).toEqual({ message: { status: 'failed', lastError: 'no rule', failVerification: true } });
  });

  it('retries with doubling backoff capped at 30 s', () => {
    const last = message({ step: 1, retries: 9 });
    expect(afterFailedStep(last, true, 'x', { now, validUntil: new Date(now.getTime() + 3_600_000) })).toMatchObject({ notBefore: new Date(now.getTime() + 30_000) });
  });

  it('tells the verification what each message change means for it', () => {
    expect(verificationEffect({ status: 'submitted', receiptDueInSeconds: 1 })).toEqual({ kind: 'submitted' });
    expect(verificationEffect({ status: 'delivered' })).toEqual({ kind: 'delivered' });
    expect(verificationEffect({ status: 'failed', lastError: '', failVerification: true })).toEqual({ kind: 'failed', fail: true });
    expect(verificationEffect({ status: 'queued', step: 1, retries: 0, notBefore: now, keepLease: true, lastError: '' })).toBeNull();
  });
});

describe('chooseReceiptPart', () => {
  const candidate = (overrides: Partial<ReceiptCandidate>): ReceiptCandidate => ({ partKey: 'p', attemptId: 'a', messageId: 'm', to: '+4915112345678', open: true, startedAt: 1, ...overrides });

  it('gives a reused id to the open part sent to the handset the receipt names', () => {
    const older = candidate({ partKey: 'old', to: '+4915112340001', startedAt: 1 });
    const newer = candidate({ partKey: 'new', to: '+4915112340002', startedAt: 2 });
    expect(chooseReceiptPart([older, newer], { handset: '4915112340001' })?.partKey).toBe('old');
    expect(chooseReceiptPart([older], { handset: '4915112340002' })).toBeUndefined();
  });

  it('prefers the newest open part, and never an ended one', () => {
    expect(chooseReceiptPart([candidate({ partKey: 'a', startedAt: 1 }), candidate({ partKey: 'b', startedAt: 5 })], {})?.partKey).toBe('b');
    expect(chooseReceiptPart([candidate({ open: false })], {})).toBeUndefined();
  });

  it('keeps to the attempt a webhook named', () => {
    expect(chooseReceiptPart([candidate({ partKey: 'x', attemptId: 'a1' }), candidate({ partKey: 'y', attemptId: 'a2', startedAt: 9 })], { attemptId: 'a1' })?.partKey).toBe('x');
  });
});

describe('sameHandset', () => {
  it.each([
    ['4915112345678', true],
    ['+4915112345678', true],
    ['004915112345678', true],
    ['015112345678', true],
    ['15112345678', true],
    ['4915112345679', false],
    ['4415112345678', false],
    ['Checkout', true],
    ['', true],
  ])('reads %j as the same handset as +4915112345678: %s', (reported, same) => {
    expect(sameHandset('+4915112345678', reported)).toBe(same);
  });
});
