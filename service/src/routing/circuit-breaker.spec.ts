import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../shared/errors.js';
import { CircuitBreaker, type CircuitBreakerOptions } from './circuit-breaker.js';

const options: CircuitBreakerOptions = {
  consecutiveFailureThreshold: 3,
  receiptWindowSize: 10,
  minReceiptSample: 5,
  receiptFailureRateThreshold: 0.5,
  coolDownMs: 30_000,
};

function breaker(overrides: Partial<CircuitBreakerOptions> = {}) {
  const clock = { t: 1_000_000 };
  return { clock, breaker: new CircuitBreaker({ ...options, ...overrides }, () => clock.t) };
}

function openByFailures(b: CircuitBreaker): void {
  for (let i = 0; i < options.consecutiveFailureThreshold; i++) b.recordSubmitFailure();
}

describe('CircuitBreaker', () => {
  it('starts closed and lets messages through', () => {
    const { breaker: b } = breaker();
    expect(b.state).toBe('closed');
    expect(b.tryAcquire()).toBe(true);
  });

  it('opens after N consecutive submit failures, not before', () => {
    const { breaker: b } = breaker();
    b.recordSubmitFailure();
    b.recordSubmitFailure();
    expect(b.state).toBe('closed');
    b.recordSubmitFailure();
    expect(b.state).toBe('open');
    expect(b.tryAcquire()).toBe(false);
    expect(b.snapshot().lastOpenReason).toBe('consecutive submit failures');
  });

  it('resets the consecutive count on a submit success', () => {
    const { breaker: b } = breaker();
    b.recordSubmitFailure();
    b.recordSubmitFailure();
    b.recordSubmitSuccess();
    b.recordSubmitFailure();
    b.recordSubmitFailure();
    expect(b.state).toBe('closed');
    expect(b.snapshot().consecutiveSubmitFailures).toBe(2);
  });

  it.each([
    { why: 'below the minimum sample, even if all failed', outcomes: ['failed', 'failed', 'failed', 'failed'], state: 'closed' },
    { why: 'at exactly the threshold rate (not above it)', outcomes: ['delivered', 'failed', 'delivered', 'failed', 'delivered', 'failed'], state: 'closed' },
    { why: 'above the threshold rate with the minimum sample', outcomes: ['failed', 'delivered', 'failed', 'expired', 'delivered'], state: 'open' },
    { why: 'when expired receipts count as failures', outcomes: ['expired', 'expired', 'expired', 'delivered', 'delivered'], state: 'open' },
  ] as const)('judges the receipt failure rate: $why → $state', ({ outcomes, state }) => {
    const { breaker: b } = breaker();
    for (const outcome of outcomes) b.recordReceipt(outcome);
    expect(b.state).toBe(state);
  });

  it('judges only the last M receipts: old failures slide out of the window', () => {
    const { breaker: b } = breaker();
    for (let i = 0; i < 5; i++) b.recordReceipt('failed'); // opens
    expect(b.state).toBe('open');

    const fresh = breaker().breaker;
    for (let i = 0; i < 5; i++) fresh.recordReceipt('delivered');
    for (let i = 0; i < 5; i++) fresh.recordReceipt('failed'); // 5 of 10 failed: not above 0.5
    expect(fresh.state).toBe('closed');
    for (let i = 0; i < 5; i++) fresh.recordReceipt('delivered'); // the 5 failures are still in the window of 10
    fresh.recordReceipt('failed'); // window: 4 failed, 5 delivered, 1 failed → 5/10
    expect(fresh.snapshot()).toMatchObject({ receiptsInWindow: 10, failedReceiptsInWindow: 5, state: 'closed' });
    fresh.recordReceipt('failed'); // oldest failure slides out, new one in: still 5/10
    expect(fresh.snapshot().failedReceiptsInWindow).toBe(5);
    for (let i = 0; i < 4; i++) fresh.recordReceipt('failed'); // the delivered ones slide out one by one
    expect(fresh.snapshot().lastOpenReason).toBe('receipt failure rate');
    expect(fresh.state).toBe('open');
  });

  it('turns half-open after the cool-down, not before', () => {
    const { clock, breaker: b } = breaker();
    openByFailures(b);
    clock.t += 29_999;
    expect(b.state).toBe('open');
    expect(b.snapshot().halfOpensAt).toBe(clock.t + 1);
    clock.t += 1;
    expect(b.state).toBe('half_open');
  });

  it('allows one probe at a time when half-open', () => {
    const { clock, breaker: b } = breaker();
    openByFailures(b);
    clock.t += 30_000;
    expect(b.allowsProbe()).toBe(true);
    expect(b.tryAcquire()).toBe(true);
    expect(b.allowsProbe()).toBe(false);
    expect(b.tryAcquire()).toBe(false);
    expect(b.snapshot().probeInFlight).toBe(true);
  });

  it('allows another probe when the first one never reports back within the probe timeout', () => {
    const { clock, breaker: b } = breaker({ probeTimeoutMs: 5_000 });
    openByFailures(b);
    clock.t += 30_000;
    expect(b.tryAcquire()).toBe(true);
    clock.t += 4_999;
    expect(b.tryAcquire()).toBe(false);
    clock.t += 1;
    expect(b.tryAcquire()).toBe(true);
  });

  it('closes on a successful probe and starts counting afresh', () => {
    const { clock, breaker: b } = breaker();
    for (let i = 0; i < 5; i++) b.recordReceipt('failed');
    clock.t += 30_000;
    b.tryAcquire();
    b.recordSubmitSuccess();
    expect(b.snapshot()).toMatchObject({ state: 'closed', receiptsInWindow: 0, failedReceiptsInWindow: 0, consecutiveSubmitFailures: 0 });
  });

  it('reopens on a failed probe, with a fresh cool-down', () => {
    const { clock, breaker: b } = breaker();
    openByFailures(b);
    clock.t += 30_000;
    b.tryAcquire();
    b.recordSubmitFailure();
    expect(b.state).toBe('open');
    expect(b.snapshot()).toMatchObject({ lastOpenReason: 'probe failed', timesOpened: 2, openedAt: clock.t });
    clock.t += 29_999;
    expect(b.state).toBe('open');
    clock.t += 1;
    expect(b.state).toBe('half_open');
  });

  it('ignores receipts while open: they belong to messages sent before it opened', () => {
    const { breaker: b } = breaker();
    openByFailures(b);
    for (let i = 0; i < 10; i++) b.recordReceipt('failed');
    expect(b.snapshot().receiptsInWindow).toBe(0);
  });

  it.each([
    { field: 'consecutiveFailureThreshold', overrides: { consecutiveFailureThreshold: 0 } },
    { field: 'minReceiptSample', overrides: { minReceiptSample: 11 } },
    { field: 'receiptFailureRateThreshold', overrides: { receiptFailureRateThreshold: 1 } },
    { field: 'coolDownMs', overrides: { coolDownMs: -1 } },
  ])('rejects a bad $field', ({ field, overrides }) => {
    let error: unknown;
    try {
      breaker(overrides);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).field).toBe(field);
  });
});
