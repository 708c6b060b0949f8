/**
 * Runs the HTTP provider simulator on its own: `pnpm --filter @switchboard/simulators http-simulator`
 * (`node simulators/dist/http/main.js`).
 * Configured by HTTP_SIM_* and per-provider variables (see sim-config.ts). Point a provider's
 * `baseUrl` at it: Twilio, Plivo and Vonage at the root, Auron at `/HTTP_API1`.
 */
import { pino } from 'pino';
import { HttpProviderSimulator } from './http-provider.simulator.js';
import { parseHttpSimEnv } from './sim-config.js';
import { stopOnSignals } from '../shared/stop-on-signals.js';

const logger = pino({ name: 'http-provider-simulator' });
const config = parseHttpSimEnv(process.env);
if (!config.ok) {
  logger.error({ errors: config.errors }, 'invalid configuration');
  process.exit(2);
}

const simulator = new HttpProviderSimulator({ ...config.options, logger });
await simulator.start();

stopOnSignals(() => simulator.stop(), logger);
