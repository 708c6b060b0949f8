#!/usr/bin/env node
// Entry point of the field process: `modem-agent --config agent.yaml`. For now it validates its
// settings, opens its journal and says plainly that it does nothing else: the AgentService stream
// and the serial workers arrive in later issues. Only `node:util` and the config load eagerly, so
// `--help` and `--check` answer at once; the journal is imported when it is opened.
import { parseArgs } from 'node:util';
import { AgentConfigError, describeAgentConfig, loadAgentConfig, type AgentConfig } from './config.js';

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
  return openJournal(config);
}

async function openJournal(config: AgentConfig): Promise<number> {
  const { Journal, JournalError } = await import('./journal/index.js');
  try {
    const journal = await Journal.open(config.journal.path);
    const { recovery } = journal;
    if (recovery.discardedTailBytes > 0) {
      console.warn(
        `modem-agent: discarded an incomplete last write of ${recovery.discardedTailBytes} bytes ` +
          'in the journal (a crash mid-write; it had not been confirmed to anyone)',
      );
    }
    for (const messageId of recovery.outcomeUnknown) {
      console.warn(
        `modem-agent: message ${messageId} was with a modem when the agent stopped: ` +
          'it is reported as outcome unknown and never sent again',
      );
    }
    console.info(
      `modem-agent: ${config.agent.id} configured for ${config.service.address.host}:` +
        `${config.service.address.port}, ${config.modems.length} modem(s); journal ` +
        `${config.journal.path}: ${journal.pendingCommands().length} command(s) to send, ` +
        `${journal.unackedResults().length} result(s) awaiting acknowledgement`,
    );
    await journal.close();
  } catch (error) {
    if (!(error instanceof JournalError)) throw error;
    console.error(`modem-agent: ${error.message}`);
    return 1;
  }
  console.info('modem-agent: not yet connected (AgentService arrives in a later issue)');
  return 0;
}

// exitCode rather than exit(): lets stdout and stderr flush before the process ends.
process.exitCode = await run(process.argv.slice(2));
