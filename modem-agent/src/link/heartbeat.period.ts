// How often the link beats. The welcome names the period; the config's applies when it names
// none (0). Bounded, because a timer past 2^31 ms fires at once in Node, and a service that says
// "every 0.1 s" or "every day" is misconfigured: the agent would flood the link or look offline.

/** Shortest and longest heartbeat period the link accepts from a welcome, in seconds. */
export const HEARTBEAT_SECONDS_RANGE = { min: 1, max: 3_600 } as const;

/** The heartbeat period in milliseconds for a welcome's `heartbeat_seconds`. */
export function heartbeatPeriodMs(welcomeSeconds: number, configSeconds: number): number {
  const seconds = welcomeSeconds > 0 ? welcomeSeconds : configSeconds;
  const { min, max } = HEARTBEAT_SECONDS_RANGE;
  return Math.min(max, Math.max(min, seconds)) * 1000;
}
