import type { Logger } from './logger.js';

/**
 * How something that keeps failing is logged: its first failure, and each failure for a new
 * reason, at warn; the same failure again at debug (a carrier down for an hour is one warning,
 * not 120); and once at info when it works again, saying how long it was down. An operator's
 * log then shows state changes, and the retries are there at debug for whoever needs them.
 */
export class OutageLog {
  readonly #logger: Logger;
  readonly #fields: object;
  readonly #now: () => number;
  #failures = 0;
  #reason: string | undefined;
  #since: number | undefined;

  constructor(logger: Logger, fields: object, now: () => number = Date.now) {
    this.#logger = logger;
    this.#fields = fields;
    this.#now = now;
  }

  /** Failures since it last worked. */
  get failures(): number {
    return this.#failures;
  }

  failed(error: unknown, message: string, extra: object = {}): void {
    const reason = error instanceof Error ? error.message : String(error);
    this.#failures += 1;
    this.#since ??= this.#now();
    const fields = { ...this.#fields, ...extra, err: error, failures: this.#failures };
    if (reason === this.#reason) {
      this.#logger.debug(fields, `${message} (again)`);
    } else {
      this.#reason = reason;
      this.#logger.warn(fields, message);
    }
  }

  /** It works (again); logs the recovery when there was an outage, and forgets it. */
  recovered(message: string, extra: object = {}): void {
    if (this.#failures > 0 && this.#since !== undefined) {
      this.#logger.info({ ...this.#fields, ...extra, failures: this.#failures, downMs: this.#now() - this.#since }, message);
    }
    this.#failures = 0;
    this.#reason = undefined;
    this.#since = undefined;
  }
}
