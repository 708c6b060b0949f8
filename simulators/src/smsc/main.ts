/**
 * Runs the SMSC simulator on its own: `pnpm --filter @switchboard/simulators smsc-simulator`
 * (`node simulators/dist/smsc/main.js`).
 * Configured by SMSC_SIM_* variables (see `parseSmscEnv` in smsc-config.ts for the list):
 * ports, hosts and credentials; receipts, throttling, errors and disconnects; TLS key and
 * certificate files.
 */
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { parseSmscEnv } from './smsc-config.js';
import { SmscSimulator } from './smsc.simulator.js';
import { stopOnSignals } from '../shared/stop-on-signals.js';

const logger = pino({ name: 'smsc-simulator' });
const config = parseSmscEnv(process.env);
if (!config.ok) {
  logger.error({ errors: config.errors }, 'invalid configuration');
  process.exit(2);
}

let tls: { key: Buffer; cert: Buffer } | undefined;
if (config.tlsFiles) {
  try {
    tls = { key: readFileSync(config.tlsFiles.key), cert: readFileSync(config.tlsFiles.cert) };
  } catch (error) {
    logger.error({ err: error }, 'cannot read the TLS key or certificate');
    process.exit(2);
  }
}

const simulator = new SmscSimulator({ ...config.options, tls, logger });
await simulator.start();

stopOnSignals(() => simulator.stop(), logger);
