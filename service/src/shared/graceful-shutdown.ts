import type { Logger } from './logger.js';

/** The part of `process` a shutdown needs (a test hands in its own). */
export interface SignalTarget {
  on(signal: 'SIGINT' | 'SIGTERM', handler: () => void): unknown;
  exit(code: number): void;
}

export interface GracefulShutdownOptions {
  /** Stops everything the process runs; the process exits 0 once it resolves, 1 if it rejects. */
  readonly stop: () => Promise<unknown>;
  readonly logger: Logger;
  /**
   * The backstop: exit 1 after this long even if `stop` has not settled. Each step of a stop is
   * bounded on its own; this is for the step that hangs all the same.
   */
  readonly deadlineMs: number;
  readonly target?: SignalTarget | undefined;
}

/**
 * SIGINT and SIGTERM stop the process gracefully: the first runs `stop` within a deadline, a
 * second one (an operator pressing Ctrl-C again) exits at once.
 */
export function stopOnSignals(options: GracefulShutdownOptions): void {
  const target = options.target ?? process;
  const { logger } = options;
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      target.exit(1);
      return;
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const backstop = setTimeout(() => {
      logger.error({ timeoutMs: options.deadlineMs }, 'shutdown did not finish in time; exiting');
      target.exit(1);
    }, options.deadlineMs);
    backstop.unref();
    options.stop().then(
      () => {
        clearTimeout(backstop);
        target.exit(0);
      },
      (error: unknown) => {
        clearTimeout(backstop);
        logger.error({ err: error }, 'shutdown failed');
        target.exit(1);
      },
    );
  };
  target.on('SIGINT', () => { shutdown('SIGINT'); });
  target.on('SIGTERM', () => { shutdown('SIGTERM'); });
}
