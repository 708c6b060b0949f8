/**
 * Flow control as SMSCs enforce it: a submit rate per account (SMPP 3.4 §5.1.3 ESME_RTHROTTLED)
 * and a random source that tests can seed, so "one submit in ten fails" fails the same ones on
 * every run.
 */

/** A number in [0, 1). */
export type Random = () => number;

/** Seeded (mulberry32): small, fast and good enough to pick which submits fail. */
export { mulberry32 as seededRandom } from '../../routing/seeded-random.js';

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
