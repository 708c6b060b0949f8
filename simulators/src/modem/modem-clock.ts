/**
 * Time as the emulator sees it. Registration, pacing, status reports and reboots all wait on it,
 * so tests hand in a `ManualClock` and step through minutes of modem life in microseconds.
 */

/** Cancels a scheduled action; does nothing once the action has run. */
export type CancelTimer = () => void;

export interface ModemClock {
  now(): number;
  schedule(delayMs: number, action: () => void): CancelTimer;
}

/** Wall-clock time and Node's timers. */
export const systemClock: ModemClock = {
  now: () => Date.now(),
  schedule: (delayMs, action) => {
    const timer = setTimeout(action, delayMs);
    return () => {
      clearTimeout(timer);
    };
  },
};

interface ManualTimer {
  readonly at: number;
  readonly order: number;
  readonly action: () => void;
}

/** A clock that moves only when told to, running due actions in time order (ties: in the order scheduled). */
export class ManualClock implements ModemClock {
  #now: number;
  #order = 0;
  #timers: ManualTimer[] = [];

  constructor(startMs = Date.UTC(2026, 0, 2, 3, 4, 5)) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  schedule(delayMs: number, action: () => void): CancelTimer {
    const timer: ManualTimer = { at: this.#now + Math.max(0, delayMs), order: this.#order++, action };
    this.#timers.push(timer);
    return () => {
      this.#timers = this.#timers.filter((pending) => pending !== timer);
    };
  }

  /** Moves time on by `ms`, running every action that falls due on the way (also ones those actions schedule). */
  advance(ms: number): void {
    const until = this.#now + ms;
    for (;;) {
      const next = this.#timers.filter((timer) => timer.at <= until).sort((a, b) => a.at - b.at || a.order - b.order)[0];
      if (next === undefined) break;
      this.#timers = this.#timers.filter((timer) => timer !== next);
      this.#now = next.at;
      next.action();
    }
    this.#now = until;
  }

  /** Actions still waiting. */
  get pending(): number {
    return this.#timers.length;
  }
}
