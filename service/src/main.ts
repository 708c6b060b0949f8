#!/usr/bin/env node
import { loadConfigOrExit } from './config/config.js';
import { stopOnSignals } from './shared/graceful-shutdown.js';
import { createLogger } from './shared/logger.js';
import { startSwitchboard } from './composition-root.js';

/** Starts the service from the environment; SIGINT/SIGTERM stop it gracefully. */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config.logLevel, undefined, config.logFormat ?? 'json');
  const switchboard = await startSwitchboard(config, logger);
  // Each step of the stop is bounded; the deadline is the backstop should one hang all the same.
  stopOnSignals({ stop: () => switchboard.stop(), logger, deadlineMs: config.shutdownTimeoutMs + 5000 });
}

await main();
