// The queue's only notion of time. Injected, so tests advance it by hand and never wait.

/** A pending timeout. */
export interface ScheduledTimeout {
  cancel(): void;
}

/** Starts timeouts. */
export interface TimeoutScheduler {
  schedule(delayMs: number, onTimeout: () => void): ScheduledTimeout;
}

/** The process's timers, for the agent's composition root. */
export const systemTimeouts: TimeoutScheduler = {
  schedule(delayMs, onTimeout) {
    const timer = setTimeout(onTimeout, delayMs);
    return {
      cancel: () => {
        clearTimeout(timer);
      },
    };
  },
};
