import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../shared/errors.js';
import { ThroughputLimiter, type ThroughputLimits } from './throughput-limiter.js';

function limiter(limits: Partial<ThroughputLimits> = {}) {
  const clock = { t: 5_000 };
  return { clock, limiter: new ThroughputLimiter({ messagesPerSecond: 10, burst: 3, maxInFlight: null, ...limits }, () => clock.t) };
}

/** Acquires and releases at once, as if each submit were answered instantly. */
function sendBurst(l: ThroughputLimiter, count: number): number {
  let sent = 0;
  for (let i = 0; i < count; i++) {
    if (l.tryAcquire().ok) {
      sent++;
      l.release();
    }
  }
  return sent;
}

describe('ThroughputLimiter', () => {
  it('lets a full bucket go at once, then refuses with "over throughput"', () => {
    const { limiter: l } = limiter();
    expect(sendBurst(l, 10)).toBe(3);
    expect(l.check()).toEqual({ ok: false, reason: 'over throughput' });
  });

  it('refills at the configured rate', () => {
    const { clock, limiter: l } = limiter();
    sendBurst(l, 3);
    clock.t += 99;
    expect(l.check().ok).toBe(false);
    expect(l.msUntilToken()).toBe(1);
    clock.t += 1; // 100 ms at 10/s = one token
    expect(sendBurst(l, 5)).toBe(1);
  });

  it('sustains the rate over time and never stores more than the burst', () => {
    const { clock, limiter: l } = limiter({ messagesPerSecond: 3, burst: 2 });
    let sent = 0;
    for (let ms = 0; ms < 10_000; ms += 10) {
      clock.t += 10;
      sent += sendBurst(l, 1);
    }
    expect(sent).toBeGreaterThanOrEqual(30); // 2 from the full bucket + 3/s for 10 s (less rounding)
    expect(sent).toBeLessThanOrEqual(32);
    clock.t += 60_000;
    expect(sendBurst(l, 10)).toBe(2);
  });

  it('checks without taking a token', () => {
    const { limiter: l } = limiter({ burst: 1 });
    expect(l.check().ok).toBe(true);
    expect(l.check().ok).toBe(true);
    expect(l.tryAcquire().ok).toBe(true);
    expect(l.check().ok).toBe(false);
  });

  it('refuses with "in-flight cap" while the cap is reached, and frees a slot on release', () => {
    const { limiter: l } = limiter({ messagesPerSecond: null, maxInFlight: 2 });
    expect(l.tryAcquire().ok).toBe(true);
    expect(l.tryAcquire().ok).toBe(true);
    expect(l.tryAcquire()).toEqual({ ok: false, reason: 'in-flight cap' });
    l.release();
    expect(l.tryAcquire().ok).toBe(true);
    expect(l.inFlight).toBe(2);
  });

  it('does not spend a token when the in-flight cap refuses', () => {
    const { limiter: l } = limiter({ burst: 2, maxInFlight: 1 });
    l.tryAcquire();
    expect(l.tryAcquire()).toEqual({ ok: false, reason: 'in-flight cap' });
    l.release();
    expect(l.snapshot().tokens).toBe(1);
  });

  it('ignores a release without an acquire instead of raising the cap', () => {
    const { limiter: l } = limiter({ messagesPerSecond: null, maxInFlight: 1 });
    l.release();
    l.tryAcquire();
    expect(l.tryAcquire().ok).toBe(false);
  });

  it('does not drain the bucket when the clock steps back', () => {
    const { clock, limiter: l } = limiter({ burst: 2 });
    l.tryAcquire();
    clock.t -= 10_000;
    expect(l.tryAcquire().ok).toBe(true);
  });

  it.each([
    { field: 'messagesPerSecond', limits: { messagesPerSecond: 0 } },
    { field: 'burst', limits: { burst: 0.5 } },
    { field: 'maxInFlight', limits: { maxInFlight: 0 } },
  ])('rejects a bad $field', ({ field, limits }) => {
    let error: unknown;
    try {
      limiter(limits);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).field).toBe(field);
  });
});
