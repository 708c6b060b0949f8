/**
 * Runs the SMSC simulator on its own: `node dist/simulators/smsc/main.js`.
 * Configured by SMSC_SIM_PORT, SMSC_SIM_HTTP_PORT, SMSC_SIM_SYSTEM_ID, SMSC_SIM_PASSWORD,
 * SMSC_SIM_RECEIPT_DELAY_MS (and SMSC_SIM_HOST / SMSC_SIM_HTTP_HOST, both 127.0.0.1 by default).
 */
import { pino } from 'pino';
import { parseSmscEnv } from './smsc-config.js';
import { SmscSimulator } from './smsc.simulator.js';

const logger = pino({ name: 'smsc-simulator' });
const config = parseSmscEnv(process.env);
if (!config.ok) {
  logger.error({ errors: config.errors }, 'invalid configuration');
  process.exit(2);
}

const simulator = new SmscSimulator({ ...config.options, logger });
await simulator.start();

let stopping = false;
const shutdown = (signal: string): void => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'stopping');
  simulator.stop().then(
    () => process.exit(0),
    (error: unknown) => {
      logger.error({ err: error }, 'stop failed');
      process.exit(1);
    },
  );
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
