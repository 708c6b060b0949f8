#!/usr/bin/env node
/**
 * Runs emulated modems on pty links: `pnpm --filter @switchboard/simulators modem-emulator --
 * --link /tmp/ttyModem0` (`node simulators/dist/modem/main.js`), or on a TCP port with `--link
 * tcp:7001` (as a modem behind ser2net). Arguments, MODEM_EMU_* variables and the JSON file are
 * described in modem-config.ts. A pty link needs socat (`apt-get install -y socat`).
 */
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { stopOnSignals } from '../shared/stop-on-signals.js';
import { parseModemEmulatorConfig } from './modem-config.js';
import { PtyModemLink } from './modem-pty.js';
import { TcpModemLink } from './modem-tcp.js';
import { ModemEmulator } from './modem.emulator.js';

const logger = pino({ name: 'modem-emulator' });
const config = parseModemEmulatorConfig(process.argv.slice(2), process.env, (path) => readFileSync(path, 'utf8'));
if (!config.ok) {
  logger.error({ errors: config.errors }, 'invalid configuration');
  process.exit(2);
}

/** `tcp:<port>` or `tcp:<host>:<port>`: the modem on a TCP port (as behind ser2net), else a pty path. */
function tcpTarget(link: string): { host: string; port: number } | undefined {
  const match = /^tcp:(?:(.+):)?(\d{1,5})$/.exec(link);
  return match ? { host: match[1] ?? '127.0.0.1', port: Number(match[2]) } : undefined;
}

const running: { modem: ModemEmulator; link: PtyModemLink | TcpModemLink }[] = [];
try {
  for (const [at, settings] of config.modems.entries()) {
    const modem = new ModemEmulator({ name: `modem-${at}`, vendor: settings.vendor, pin: settings.pin, behaviour: settings.behaviour, logger });
    const tcp = tcpTarget(settings.link);
    const link = tcp ? await TcpModemLink.open(modem, { ...tcp, logger }) : await PtyModemLink.open(modem, { hostPath: settings.link, logger });
    running.push({ modem, link });
    logger.info({ link: link instanceof TcpModemLink ? `tcp:${link.address}` : settings.link, vendor: settings.vendor }, 'emulated modem ready');
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
