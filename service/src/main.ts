#!/usr/bin/env node
import { loadConfigOrExit } from './config/config.js';
import { createLogger } from './shared/logger.js';
import { startSwitchboard } from './switchboard.js';

/** Starts the service from the environment; SIGINT/SIGTERM stop it gracefully. */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config.logLevel);
  const switchboard = await startSwitchboard(config, logger);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    // The stop is bounded step by step; this is the backstop should any step hang all the same.
    setTimeout(() => {
      logger.error({ timeoutMs: config.shutdownTimeoutMs + 5000 }, 'shutdown did not finish in time; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs + 5000).unref();
    switchboard.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => { shutdown('SIGINT'); });
  process.on('SIGTERM', () => { shutdown('SIGTERM'); });
}

await main();
