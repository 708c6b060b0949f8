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
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
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
