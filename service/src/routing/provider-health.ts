/**
 * The live health of every provider in this replica: a circuit breaker and a throughput limiter
 * each. The planner reads it through {@link ProviderHealth}; the dispatcher feeds it submit
 * outcomes and receipts; AdminService reads its snapshot.
 */
import { CircuitBreaker, validateCircuitBreakerOptions, type CircuitBreakerOptions, type CircuitBreakerSnapshot } from './circuit-breaker.js';
import type { CapacityVerdict, CircuitState, ProviderHealth } from './routing-model.js';
import { ThroughputLimiter, type ThroughputLimits, type ThroughputSnapshot } from './throughput-limiter.js';

/** One provider's health, for AdminService. */
export interface ProviderHealthSnapshot {
  readonly provider: string;
  readonly breaker: CircuitBreakerSnapshot;
  /** `null` when the provider has no limits configured. */
  readonly throughput: ThroughputSnapshot | null;
}

const OK: CapacityVerdict = { ok: true };

/** Breakers and limiters by provider name. */
export class ProviderHealthRegistry implements ProviderHealth {
  readonly #now: () => number;
  readonly #breakerOptions: CircuitBreakerOptions;
  readonly #breakers = new Map<string, CircuitBreaker>();
  readonly #limiters = new Map<string, ThroughputLimiter>();

  /**
   * `breaker` holds the thresholds every provider's breaker uses.
   * @throws InvalidArgumentError when the breaker options are out of range.
   */
  constructor(options: { readonly now: () => number; readonly breaker: CircuitBreakerOptions }) {
    validateCircuitBreakerOptions(options.breaker);
    this.#now = options.now;
    this.#breakerOptions = options.breaker;
  }

  /**
   * Sets a provider's limits (`null`: unlimited). Changed limits replace the limiter but keep its
   * in-flight count, so a config edit cannot let a full provider take a burst on top.
   */
  setLimits(provider: string, limits: ThroughputLimits | null): void {
    const existing = this.#limiters.get(provider);
    if (limits === null) {
      this.#limiters.delete(provider);
      return;
    }
    if (existing && sameLimits(existing.limits, limits)) return;
    this.#limiters.set(provider, new ThroughputLimiter(limits, this.#now, existing?.inFlight ?? 0));
  }

  /** Forgets a provider that was deleted. */
  remove(provider: string): void {
    this.#breakers.delete(provider);
    this.#limiters.delete(provider);
  }

  /** The provider's breaker, created closed on first use. */
  breaker(provider: string): CircuitBreaker {
    let breaker = this.#breakers.get(provider);
    if (breaker === undefined) {
      breaker = new CircuitBreaker(this.#breakerOptions, this.#now);
      this.#breakers.set(provider, breaker);
    }
    return breaker;
  }

  /** The provider's limiter; `undefined` when it is unlimited. */
  limiter(provider: string): ThroughputLimiter | undefined {
    return this.#limiters.get(provider);
  }

  /** {@inheritDoc ProviderHealth.state} */
  state(provider: string): CircuitState {
    return this.#breakers.get(provider)?.state ?? 'closed';
  }

  /** {@inheritDoc ProviderHealth.allowsProbe} */
  allowsProbe(provider: string): boolean {
    return this.#breakers.get(provider)?.allowsProbe() ?? false;
  }

  /** {@inheritDoc ProviderHealth.hasCapacity} */
  hasCapacity(provider: string): CapacityVerdict {
    return this.#limiters.get(provider)?.check() ?? OK;
  }

  /** Every known provider's health, sorted by name. */
  snapshot(): ProviderHealthSnapshot[] {
    const names = [...new Set([...this.#breakers.keys(), ...this.#limiters.keys()])].sort();
    return names.map((provider) => ({
      provider,
      breaker: this.breaker(provider).snapshot(),
      throughput: this.#limiters.get(provider)?.snapshot() ?? null,
    }));
  }
}

function sameLimits(a: ThroughputLimits, b: ThroughputLimits): boolean {
  return a.messagesPerSecond === b.messagesPerSecond && a.burst === b.burst && a.maxInFlight === b.maxInFlight;
}
