/**
 * Per-provider throughput: a token bucket for the carrier's contracted messages per second (with
 * the burst the contract allows) and a cap on messages in flight (submitted, submit response not
 * yet back), which SMPP binds enforce as a window. Pure: the clock is injected.
 */
import { InvalidArgumentError } from '../shared/errors.js';
import type { CapacityVerdict } from './routing-model.js';

/** A provider's limits; `null` means unlimited. */
export interface ThroughputLimits {
  readonly messagesPerSecond: number | null;
  /** Bucket size: messages that may go at once after a quiet spell. At least 1 when a rate is set. */
  readonly burst: number;
  readonly maxInFlight: number | null;
}

/** Limiter counters, for AdminService. */
export interface ThroughputSnapshot {
  readonly limits: ThroughputLimits;
  /** Tokens now in the bucket; `null` when unlimited. */
  readonly tokens: number | null;
  readonly inFlight: number;
}

// Float refills can land a hair below a whole token (1/3 s × 3/s); count that as whole.
const WHOLE_TOKEN = 1 - 1e-9;
const OK: CapacityVerdict = { ok: true };
const OVER_THROUGHPUT: CapacityVerdict = { ok: false, reason: 'over throughput' };
const IN_FLIGHT_CAP: CapacityVerdict = { ok: false, reason: 'in-flight cap' };

/** Validates limits; the fields are named as in {@link ThroughputLimits}. */
export function validateThroughputLimits(limits: ThroughputLimits): void {
  const rate = limits.messagesPerSecond;
  if (rate !== null && !(Number.isFinite(rate) && rate > 0)) throw new InvalidArgumentError('messagesPerSecond', 'must be greater than 0, or null for unlimited');
  if (rate !== null && !(Number.isFinite(limits.burst) && limits.burst >= 1)) throw new InvalidArgumentError('burst', 'must be at least 1');
  const cap = limits.maxInFlight;
  if (cap !== null && !(Number.isInteger(cap) && cap >= 1)) throw new InvalidArgumentError('maxInFlight', 'must be a whole number of at least 1, or null for unlimited');
}

/** Token bucket plus in-flight counter for one provider. */
export class ThroughputLimiter {
  readonly limits: ThroughputLimits;
  readonly #now: () => number;
  #tokens: number;
  #refilledAt: number;
  #inFlight = 0;

  /**
   * The bucket starts full. `inFlight` carries over the count of a limiter this one replaces.
   * @throws InvalidArgumentError when the limits are out of range.
   */
  constructor(limits: ThroughputLimits, now: () => number, inFlight = 0) {
    validateThroughputLimits(limits);
    this.limits = limits;
    this.#now = now;
    this.#tokens = limits.messagesPerSecond === null ? Infinity : limits.burst;
    this.#refilledAt = now();
    this.#inFlight = inFlight;
  }

  /** Messages submitted and not yet released. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Whether one more message could go now, without taking anything. */
  check(): CapacityVerdict {
    if (this.limits.maxInFlight !== null && this.#inFlight >= this.limits.maxInFlight) return IN_FLIGHT_CAP;
    return this.#refill() >= WHOLE_TOKEN ? OK : OVER_THROUGHPUT;
  }

  /** Takes a token and an in-flight slot if both are free; pair every success with {@link release}. */
  tryAcquire(): CapacityVerdict {
    const verdict = this.check();
    if (!verdict.ok) return verdict;
    this.#tokens = Math.max(0, this.#tokens - 1);
    this.#inFlight++;
    return verdict;
  }

  /**
   * Frees an in-flight slot once the submit is answered. Extra releases are ignored: a count below
   * zero would let the cap be exceeded for good.
   */
  release(): void {
    if (this.#inFlight > 0) this.#inFlight--;
  }

  /** Milliseconds until a token is available (0 if one is); the in-flight cap is not a matter of time. */
  msUntilToken(): number {
    const rate = this.limits.messagesPerSecond;
    const tokens = this.#refill();
    if (rate === null || tokens >= WHOLE_TOKEN) return 0;
    return Math.ceil(((1 - tokens) * 1000) / rate - 1e-6); // float noise must not add a millisecond
  }

  /** Counters, for AdminService. */
  snapshot(): ThroughputSnapshot {
    const tokens = this.#refill();
    return { limits: this.limits, tokens: Number.isFinite(tokens) ? tokens : null, inFlight: this.#inFlight };
  }

  #refill(): number {
    const rate = this.limits.messagesPerSecond;
    if (rate === null) return this.#tokens;
    const now = this.#now();
    // A clock that steps back (NTP) must not drain the bucket.
    const elapsed = Math.max(0, now - this.#refilledAt);
    this.#tokens = Math.min(this.limits.burst, this.#tokens + (elapsed * rate) / 1000);
    this.#refilledAt = Math.max(now, this.#refilledAt);
    return this.#tokens;
  }
}
