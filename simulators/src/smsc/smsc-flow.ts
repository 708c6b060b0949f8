/**
 * Flow control as SMSCs enforce it: a submit rate per account (SMPP 3.4 §5.1.3 ESME_RTHROTTLED)
 * and a random source that tests can seed, so "one submit in ten fails" fails the same ones on
 * every run.
 */

/** A number in [0, 1). */
export type Random = () => number;

/**
 * Seeded: Marsaglia's xorshift32 (Journal of Statistical Software 8(14), 2003), small, fast and
 * good enough to pick which submits fail. Its state must never be 0, and nearby seeds would start
 * out alike, so the seed is first scattered by a multiplicative (golden-ratio) hash.
 */
export function seededRandom(seed: number): Random {
  let state = (Math.imul(seed >>> 0, 0x9e3779b9) ^ 0x6a09e667) >>> 0 || 1;
  return () => {
    let x = state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    state = x >>> 0;
    return (state - 1) / 0xffffffff;
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
