#!/usr/bin/env node
// Entry point of the field process: `modem-agent --config agent.yaml`. It validates its settings,
// opens its journal, starts its modems and dials the service. Only `node:util` and the config
// load eagerly, so `--help` and `--check` answer at once; the rest is imported when it runs.
import { parseArgs } from 'node:util';
import { AgentConfigError, describeAgentConfig, loadAgentConfig, type AgentConfig } from './config.js';
// Types only: erased, so `--help` and `--check` load none of it.
import type { Journal as JournalType } from './journal/index.js';
import type { AgentLink as AgentLinkType } from './link/index.js';

/** Sent in the hello; the package's version. */
const AGENT_VERSION = '0.1.0';

const USAGE = `usage: modem-agent --config <agent.yaml> [--check]

  --config <file>  the agent's settings (see agent.example.yaml)
  --check          validate the settings, print them without secrets and exit: 0 valid, 1 not
  --help           show this help`;

// Exit codes: 0 done, 1 invalid settings or journal, 2 a command line that cannot be understood.
async function run(args: readonly string[]): Promise<number> {
  let options: { config?: string; check?: boolean; help?: boolean };
  try {
    options = parseArgs({
      args: [...args],
      options: {
        config: { type: 'string', short: 'c' },
        check: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    console.error(`modem-agent: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  if (options.help === true) {
    console.info(USAGE);
    return 0;
  }
  if (options.config === undefined) {
    console.error(`modem-agent: --config <file> is required\n\n${USAGE}`);
    return 2;
  }

  let config: AgentConfig;
  try {
    config = loadAgentConfig(options.config);
  } catch (error) {
    if (!(error instanceof AgentConfigError)) throw error;
    console.error(error.message);
    return 1;
  }
  if (options.check === true) {
    console.info(`${options.config}: valid`);
    for (const line of describeAgentConfig(config)) console.info(`  ${line}`);
    return 0;
  }
  return runAgent(config);
}

/**
 * Runs the agent until SIGTERM or SIGINT: the journal first (a crash's repairs are logged), then
 * the modems, then the link, which starts taking commands. Stopping runs the other way round, so
 * nothing is accepted that no modem will send and the journal closes last.
 */
async function runAgent(config: AgentConfig): Promise<number> {
  const [{ Journal, JournalError }, { AgentLink }, { ModemDriver, openSerialPort, listSerialDevices }, { ModemPool }, { createAgentLogger }] = await Promise.all([
    import('./journal/index.js'),
    import('./link/index.js'),
    import('./modem/index.js'),
    import('./sending/index.js'),
    import('./agent-logger.js'),
  ]);
  const logger = createAgentLogger(config.logLevel, { agent: config.agent.id });
  let journal: JournalType;
  try {
    journal = await Journal.open(config.journal.path);
  } catch (error) {
    if (!(error instanceof JournalError)) throw error;
    console.error(`modem-agent: ${error.message}`);
    return 1;
  }
  const { recovery } = journal;
  if (recovery.discardedTailBytes > 0) {
    logger.warn('discarded an incomplete last write in the journal (a crash mid-write; it had not been confirmed to anyone)', { bytes: recovery.discardedTailBytes });
  }
  for (const messageId of recovery.outcomeUnknown) {
    logger.warn('a message was with a modem when the agent stopped: reported as outcome unknown, never sent again', { messageId });
  }

  const drivers = config.modems.map(
    (modem) =>
      new ModemDriver({
        config: modem,
        openLine: openSerialPort,
        listDevices: listSerialDevices,
        log: (level, message) => { logger[level](message, { modem: modem.label }); },
      }),
  );
  // The pool reports each journalled result to the link, which needs the pool to exist first.
  const forward: { to?: AgentLinkType } = {};
  const sender = new ModemPool({
    journal,
    modems: drivers,
    onResult: (result) => forward.to?.onResult(result),
    log: (level, message) => { logger[level](message); },
  });
  const link = new AgentLink({ config, journal, sender, logger, agentVersion: AGENT_VERSION });
  forward.to = link;
  sender.start();
  link.start();
  logger.info('modem agent started', {
    service: `${config.service.address.host}:${config.service.address.port}`,
    modems: config.modems.length,
    pendingCommands: journal.pendingCommands().length,
    unackedResults: journal.unackedResults().length,
  });

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => { resolve('SIGTERM'); });
    process.once('SIGINT', () => { resolve('SIGINT'); });
  });
  logger.info('stopping', { signal });
  // A second signal, or a stop that hangs on a wedged device, must not keep the process alive:
  // the journal is safe at any point.
  const force = setTimeout(() => {
    logger.error('stop took too long; exiting (the journal is consistent)');
    process.exit(1);
  }, 10_000);
  force.unref();
  process.once('SIGTERM', () => process.exit(1));
  process.once('SIGINT', () => process.exit(1));
  await link.stop();
  await sender.stop();
  await journal.close();
  clearTimeout(force);
  logger.info('stopped');
  return 0;
}

// exitCode rather than exit(): lets stdout and stderr flush before the process ends.
process.exitCode = await run(process.argv.slice(2));
