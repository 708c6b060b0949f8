/**
 * Flow control as SMSCs enforce it: a submit rate per account (SMPP 3.4 §5.1.3 ESME_RTHROTTLED)
 * and a random source that tests can seed, so "one submit in ten fails" fails the same ones on
 * every run.
 */

/** A number in [0, 1). */
export type Random = () => number;

/** mulberry32: small, fast and good enough to pick which submits fail. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A sliding one-second window of admitted submits per key (system_id). */
export class RateLimiter {
  readonly #admitted = new Map<string, number[]>();

  /** Admits one more for `key` if fewer than `perSecond` were admitted in the last second. */
  tryTake(key: string, perSecond: number, now: number = Date.now()): boolean {
    const recent = (this.#admitted.get(key) ?? []).filter((at) => now - at < 1000);
    const admitted = recent.length < perSecond;
    if (admitted) recent.push(now);
    this.#admitted.set(key, recent);
    return admitted;
  }

  reset(): void {
    this.#admitted.clear();
  }
}
