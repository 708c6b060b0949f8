/**
 * A circuit breaker per provider, so a sick carrier stops receiving codes that would never arrive.
 * It opens on either of two signals, because carriers fail in two ways: they refuse submits
 * (consecutive submit failures), or they accept and then fail or never deliver (the receipt
 * failure rate over the last receipts). After a cool-down one probe message may go through; its
 * submit outcome closes the breaker again or restarts the cool-down. Pure: the clock is injected.
 */
import { InvalidArgumentError } from '../shared/errors.js';
import type { CircuitState } from './routing-model.js';

/** Thresholds of a breaker. */
export interface CircuitBreakerOptions {
  /** Open after this many submit failures in a row. */
  readonly consecutiveFailureThreshold: number;
  /** How many of the most recent receipts the failure rate is computed over. */
  readonly receiptWindowSize: number;
  /** The rate is not judged before this many receipts are in the window. */
  readonly minReceiptSample: number;
  /** Open when failed receipts / receipts in the window exceeds this (0–1). */
  readonly receiptFailureRateThreshold: number;
  /** How long the breaker stays open before allowing a probe. */
  readonly coolDownMs: number;
  /**
   * How long a probe may stay unanswered before another one is allowed, so a lost probe outcome
   * cannot hold the breaker half-open forever. Defaults to `coolDownMs`.
   */
  readonly probeTimeoutMs?: number;
}

/** How a delivery attempt ended, as far as the breaker cares: `expired` means no receipt in time. */
export type ReceiptOutcome = 'delivered' | 'failed' | 'expired';

/** Why the breaker last opened. */
export type OpenReason = 'consecutive submit failures' | 'receipt failure rate' | 'probe failed';

/** The breaker's state and counters, for AdminService and metrics. */
export interface CircuitBreakerSnapshot {
  readonly state: CircuitState;
  readonly consecutiveSubmitFailures: number;
  readonly receiptsInWindow: number;
  readonly failedReceiptsInWindow: number;
  /** Epoch ms when the breaker last opened; `null` if it never did. */
  readonly openedAt: number | null;
  /** Epoch ms when an open breaker allows a probe; `null` unless open. */
  readonly halfOpensAt: number | null;
  readonly lastOpenReason: OpenReason | null;
  readonly probeInFlight: boolean;
  /** How many times the breaker opened since it was created. */
  readonly timesOpened: number;
}

/** Validates breaker options; the fields are named as in {@link CircuitBreakerOptions}. */
export function validateCircuitBreakerOptions(options: CircuitBreakerOptions): void {
  const wholeAtLeastOne = ['consecutiveFailureThreshold', 'receiptWindowSize', 'minReceiptSample'] as const;
  for (const field of wholeAtLeastOne) {
    if (!Number.isInteger(options[field]) || options[field] < 1) throw new InvalidArgumentError(field, 'must be a whole number of at least 1');
  }
  if (options.minReceiptSample > options.receiptWindowSize) throw new InvalidArgumentError('minReceiptSample', 'must not exceed receiptWindowSize');
  const rate = options.receiptFailureRateThreshold;
  if (!(rate >= 0 && rate < 1)) throw new InvalidArgumentError('receiptFailureRateThreshold', 'must be at least 0 and below 1');
  if (!Number.isFinite(options.coolDownMs) || options.coolDownMs < 0) throw new InvalidArgumentError('coolDownMs', 'must be 0 or more');
  const probe = options.probeTimeoutMs;
  if (probe !== undefined && !(Number.isFinite(probe) && probe > 0)) throw new InvalidArgumentError('probeTimeoutMs', 'must be greater than 0');
}

/** One provider's breaker. */
export class CircuitBreaker {
  readonly #options: CircuitBreakerOptions;
  readonly #now: () => number;
  #state: CircuitState = 'closed';
  #consecutiveFailures = 0;
  /** Ring buffer of the last receipts: 1 = failed, 0 = delivered. */
  readonly #window: Uint8Array;
  #windowNext = 0;
  #windowCount = 0;
  #windowFailures = 0;
  #openedAt: number | null = null;
  #lastOpenReason: OpenReason | null = null;
  #probeStartedAt: number | null = null;
  #timesOpened = 0;

  /** @throws InvalidArgumentError when the options are out of range. */
  constructor(options: CircuitBreakerOptions, now: () => number) {
    validateCircuitBreakerOptions(options);
    this.#options = options;
    this.#now = now;
    this.#window = new Uint8Array(options.receiptWindowSize);
  }

  /** The state now; an open breaker turns half-open once its cool-down has passed. */
  get state(): CircuitState {
    this.#advance();
    return this.#state;
  }

  /** Whether a half-open breaker's probe slot is free (no probe, or the last one timed out). */
  allowsProbe(): boolean {
    this.#advance();
    if (this.#state !== 'half_open') return false;
    return this.#probeStartedAt === null || this.#now() - this.#probeStartedAt >= (this.#options.probeTimeoutMs ?? this.#options.coolDownMs);
  }

  /**
   * Whether a message may be submitted now. Closed: yes. Half-open: yes for one probe at a time,
   * and the call takes the probe slot. Open: no.
   */
  tryAcquire(): boolean {
    this.#advance();
    if (this.#state === 'closed') return true;
    if (!this.allowsProbe()) return false;
    this.#probeStartedAt = this.#now();
    return true;
  }

  /** The provider accepted a submit. In half-open this is the probe succeeding: the breaker closes. */
  recordSubmitSuccess(): void {
    this.#advance();
    this.#consecutiveFailures = 0;
    if (this.#state === 'half_open') this.#close();
  }

  /** The provider refused or failed a submit. In half-open this is the probe failing: it reopens. */
  recordSubmitFailure(): void {
    this.#advance();
    if (this.#state === 'half_open') {
      this.#open('probe failed');
      return;
    }
    if (this.#state === 'open') return;
    this.#consecutiveFailures++;
    if (this.#consecutiveFailures >= this.#options.consecutiveFailureThreshold) this.#open('consecutive submit failures');
  }

  /**
   * A delivery receipt arrived (or its wait expired). Only counted while closed: receipts that
   * trickle in while open belong to messages sent before the breaker opened, and counting them
   * would reopen it the moment it closes.
   */
  recordReceipt(outcome: ReceiptOutcome): void {
    this.#advance();
    if (this.#state !== 'closed') return;
    const failed = outcome === 'delivered' ? 0 : 1;
    if (this.#windowCount === this.#window.length) this.#windowFailures -= this.#window[this.#windowNext] ?? 0;
    else this.#windowCount++;
    this.#window[this.#windowNext] = failed;
    this.#windowFailures += failed;
    this.#windowNext = (this.#windowNext + 1) % this.#window.length;
    if (this.#windowCount >= this.#options.minReceiptSample && this.#windowFailures / this.#windowCount > this.#options.receiptFailureRateThreshold) {
      this.#open('receipt failure rate');
    }
  }

  /** State and counters, for AdminService. */
  snapshot(): CircuitBreakerSnapshot {
    this.#advance();
    return {
      state: this.#state,
      consecutiveSubmitFailures: this.#consecutiveFailures,
      receiptsInWindow: this.#windowCount,
      failedReceiptsInWindow: this.#windowFailures,
      openedAt: this.#openedAt,
      halfOpensAt: this.#state === 'open' && this.#openedAt !== null ? this.#openedAt + this.#options.coolDownMs : null,
      lastOpenReason: this.#lastOpenReason,
      probeInFlight: this.#state === 'half_open' && this.#probeStartedAt !== null && !this.allowsProbe(),
      timesOpened: this.#timesOpened,
    };
  }

  #advance(): void {
    if (this.#state === 'open' && this.#openedAt !== null && this.#now() - this.#openedAt >= this.#options.coolDownMs) {
      this.#state = 'half_open';
      this.#probeStartedAt = null;
    }
  }

  #open(reason: OpenReason): void {
    this.#state = 'open';
    this.#openedAt = this.#now();
    this.#lastOpenReason = reason;
    this.#probeStartedAt = null;
    this.#timesOpened++;
  }

  // A fresh start: the evidence that opened the breaker is stale once a probe got through.
  #close(): void {
    this.#state = 'closed';
    this.#probeStartedAt = null;
    this.#consecutiveFailures = 0;
    this.#window.fill(0);
    this.#windowNext = 0;
    this.#windowCount = 0;
    this.#windowFailures = 0;
  }
}
