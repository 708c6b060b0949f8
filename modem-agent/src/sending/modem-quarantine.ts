// Takes a modem out of the pool after repeated faults (no prompt, ME failure, hangs), for a
// while: a modem that keeps failing would otherwise take every message first, as the one with
// the most room, and fail it.

/** The quarantine of one modem. */
export class ModemQuarantine {
  readonly #threshold: number;
  readonly #durationMs: number;
  #consecutiveFaults = 0;
  #until = 0;
  #reason = '';

  constructor(threshold: number, durationMs: number) {
    this.#threshold = threshold;
    this.#durationMs = durationMs;
  }

  /** An attempt worked: the count starts again. */
  worked(): void {
    this.#consecutiveFaults = 0;
  }

  /** An attempt failed for the modem's sake; returns true when this puts it in quarantine. */
  fault(now: number, reason: string): boolean {
    this.#consecutiveFaults += 1;
    if (this.#consecutiveFaults < this.#threshold) return false;
    this.#consecutiveFaults = 0;
    this.#until = now + this.#durationMs;
    this.#reason = `${this.#threshold} consecutive failures, last: ${reason}; back in service at ${new Date(this.#until).toISOString()}`;
    return true;
  }

  isQuarantined(now: number): boolean {
    return now < this.#until;
  }

  /** When the quarantine ends (ms since the epoch); 0 when never quarantined. */
  get until(): number {
    return this.#until;
  }

  /** Why, while quarantined. */
  get reason(): string {
    return this.#reason;
  }
}
