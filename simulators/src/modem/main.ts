#!/usr/bin/env node
/**
 * Runs emulated modems on pty links: `pnpm --filter @switchboard/simulators modem-emulator --
 * --link /tmp/ttyModem0` (`node simulators/dist/modem/main.js`). Arguments, MODEM_EMU_* variables
 * and the JSON file are described in modem-config.ts. Needs socat (`apt-get install -y socat`).
 */
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { stopOnSignals } from '../shared/stop-on-signals.js';
import { parseModemEmulatorConfig } from './modem-config.js';
import { PtyModemLink } from './modem-pty.js';
import { ModemEmulator } from './modem.emulator.js';

const logger = pino({ name: 'modem-emulator' });
const config = parseModemEmulatorConfig(process.argv.slice(2), process.env, (path) => readFileSync(path, 'utf8'));
if (!config.ok) {
  logger.error({ errors: config.errors }, 'invalid configuration');
  process.exit(2);
}

const running: { modem: ModemEmulator; link: PtyModemLink }[] = [];
try {
  for (const [at, settings] of config.modems.entries()) {
    const modem = new ModemEmulator({ name: `modem-${at}`, vendor: settings.vendor, pin: settings.pin, behaviour: settings.behaviour, logger });
    const link = await PtyModemLink.open(modem, { hostPath: settings.link, logger });
    running.push({ modem, link });
    logger.info({ link: settings.link, vendor: settings.vendor }, 'emulated modem ready');
  }
} catch (error) {
  logger.error({ err: error }, 'cannot start the emulated modems');
  await Promise.all(running.map(({ link }) => link.close()));
  process.exit(1);
}

stopOnSignals(async () => {
  await Promise.all(
    running.map(async ({ modem, link }) => {
      await link.close();
      modem.close();
    }),
  );
}, logger);
