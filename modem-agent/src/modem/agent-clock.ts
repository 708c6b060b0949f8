// Time as the modem driver and the sender see it: the current instant and timers, injected so
// tests run minutes of modem life on a manual clock. It is a TimeoutScheduler, so the same clock
// times AT commands.
import type { ScheduledTimeout, TimeoutScheduler } from '../at/timeout-scheduler.js';

/** Milliseconds since the epoch, and timers. */
export interface AgentClock extends TimeoutScheduler {
  now(): number;
}

/** The process's own time and timers. */
export const systemClock: AgentClock = {
  now: () => Date.now(),
  schedule(delayMs, onTimeout): ScheduledTimeout {
    const timer = setTimeout(onTimeout, delayMs);
    return {
      cancel: () => {
        clearTimeout(timer);
      },
    };
  },
};

/** Resolves after `ms` on `clock`, or at once when `cancelled` is already true when it fires. */
export function sleep(clock: AgentClock, ms: number): Promise<void> {
  return new Promise((resolve) => {
    clock.schedule(ms, resolve);
  });
}
