#!/usr/bin/env node
/**
 * `pnpm start`: the whole system on one machine with nothing installed. Embedded PGlite in
 * ./data; the SMSC simulator, the HTTP provider simulator, a mail catcher and an emulated GSM modem
 * in process, and a modem-agent process driving that modem; and demo data (one app; an SMPP, a
 * voice, an e-mail and an agent provider; one route falling back SMS → voice call → e-mail, and
 * one sending French numbers through the agent). Development secrets are generated once and kept in ./data so restarts can read old
 * data.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { ProviderDraft } from './admin/admin-model.js';
import type { AdminService } from './admin/admin.service.js';
import { loadConfigOrExit } from './config/config.js';
import { generateApiKey } from './shared/api-keys.js';
import { AlreadyExistsError } from './shared/errors.js';
import { stopOnSignals } from './shared/graceful-shutdown.js';
import { createLogger } from './shared/logger.js';
import { DEFAULT_SIM_ACCOUNTS, HttpProviderSimulator } from '@switchboard/simulators/http';
import { SmscSimulator } from '@switchboard/simulators/smsc';
import { MailCatcher } from '@switchboard/simulators/smtp';
import { startSwitchboard } from './composition-root.js';
import { DEMO_AGENT_ID, DEMO_AGENT_PROVIDER, seedDemoAgent, startDemoAgent, startDemoModem } from './demo-field-site.js';

interface DemoSecrets {
  CODE_HMAC_KEY: string;
  ENCRYPTION_KEY: string;
  DEMO_API_KEY: string;
  ADMIN_TOKEN?: string;
}

function demoSecrets(dataDir: string): DemoSecrets {
  const file = join(dataDir, 'demo-secrets.json');
  const stored = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as DemoSecrets) : undefined;
  if (stored?.ADMIN_TOKEN) return stored;
  mkdirSync(dataDir, { recursive: true });
  const secrets = {
    CODE_HMAC_KEY: randomBytes(32).toString('hex'),
    ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    DEMO_API_KEY: generateApiKey(),
    ...stored,
    ADMIN_TOKEN: randomBytes(24).toString('base64url'),
  };
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

const env = { ...process.env };
const dataDir = env.DATA_DIR ?? './data';
const secrets = demoSecrets(dataDir);
env.CODE_HMAC_KEY ??= secrets.CODE_HMAC_KEY;
env.ENCRYPTION_KEY ??= secrets.ENCRYPTION_KEY;
env.ADMIN_TOKEN ??= secrets.ADMIN_TOKEN;
const apiKey = env.DEMO_API_KEY ?? secrets.DEMO_API_KEY;

const config = loadConfigOrExit(env);
// A person at a terminal reads this: pretty lines, unless LOG_FORMAT says otherwise.
const logger = createLogger(config.logLevel, undefined, config.logFormat ?? (process.stdout.isTTY ? 'pretty' : 'json'));
const smscPort = Number(env.SMSC_SIM_PORT ?? 2775);
const smscHttpPort = Number(env.SMSC_SIM_HTTP_PORT ?? 8025);
const simulator = new SmscSimulator({ smppPort: smscPort, httpPort: smscHttpPort, systemId: 'switchboard', password: 'secret', receiptDelayMs: 300, logger: logger.child({ component: 'smsc-simulator' }) });
const ports = await simulator.start();
const httpSimulator = new HttpProviderSimulator({ port: Number(env.HTTP_SIM_PORT ?? 8026), logger: logger.child({ component: 'http-simulator' }) });
const httpSim = await httpSimulator.start();
const mailCatcher = new MailCatcher({
  smtpPort: Number(env.MAIL_SIM_SMTP_PORT ?? 2525),
  httpPort: Number(env.MAIL_SIM_HTTP_PORT ?? 8027),
  logger: logger.child({ component: 'mail-catcher' }),
});
const mail = await mailCatcher.start();
const demoModem = await startDemoModem(Number(env.MODEM_SIM_PORT ?? 2776), Number(env.MODEM_SIM_HTTP_PORT ?? 8028), logger.child({ component: 'modem-emulator' }));
let agentToken = '';
const twilio = DEFAULT_SIM_ACCOUNTS.twilio;

/** Who the demo's seeding is recorded as in the audit log. */
const SEEDER = 'demo-seed';

/** Creates the provider, or updates it to `draft` when an earlier run created it. */
async function seedProvider(admin: AdminService, draft: Omit<ProviderDraft, 'enabled' | 'throughputPerSecond' | 'burst' | 'maxInFlight'>): Promise<void> {
  const full: ProviderDraft = { enabled: true, throughputPerSecond: 0, burst: 0, maxInFlight: 0, ...draft };
  try {
    await admin.providers.create(SEEDER, full);
  } catch (error) {
    if (!(error instanceof AlreadyExistsError)) throw error;
    await admin.providers.update(SEEDER, full);
  }
}

/** The demo's one rule, created on the first run and left as an admin may have edited it since. */
async function seedDefaultRule(admin: AdminService): Promise<void> {
  if ((await admin.routes.list()).some((rule) => rule.name === 'default')) return;
  await admin.routes.create(SEEDER, {
    name: 'default',
    priority: 1000,
    enabled: true,
    isDefault: true,
    match: { countries: [], prefixes: [], apps: [], channels: [], kinds: [], timeWindow: null },
    candidates: ['smsc-sim', 'voice-sim', 'mail-sim'],
    strategy: 'lowest_cost',
    weights: {},
    fallback: [
      { provider: 'voice-sim', channel: 'voice', receiptTimeoutSeconds: 60 },
      { provider: 'mail-sim', channel: 'email', receiptTimeoutSeconds: 60 },
    ],
  });
}

/** French numbers go out through the demo's field site (the modem agent), falling back to the SMSC. */
async function seedFranceRule(admin: AdminService): Promise<void> {
  if ((await admin.routes.list()).some((rule) => rule.name === 'france')) return;
  await admin.routes.create(SEEDER, {
    name: 'france',
    priority: 100,
    enabled: true,
    isDefault: false,
    match: { countries: ['FR'], prefixes: [], apps: [], channels: [], kinds: [] , timeWindow: null },
    candidates: [DEMO_AGENT_PROVIDER, 'smsc-sim'],
    strategy: 'priority',
    weights: {},
    fallback: [{ provider: 'smsc-sim', channel: 'sms', receiptTimeoutSeconds: 60 }],
  });
}

/** Prices in EUR by country, on the first run; later runs keep what an admin set. */
async function seedPrices(admin: AdminService, provider: string, prices: Readonly<Record<string, number>>): Promise<void> {
  if ((await admin.prices.get(provider)).entries.length > 0) return;
  const entries = Object.entries(prices).map(([country, price]) => ({ country, prefix: null, priceMicros: Math.round(price * 1_000_000) }));
  await admin.prices.set(SEEDER, { provider, currency: 'EUR', entries });
}

// Seeded through AdminService, as an admin would: validated, audited, and announced to replicas.
const switchboard = await startSwitchboard(config, logger, { beforeStart: async ({ apps, admin }) => {
  const app = (await apps.findByName('demo')) ?? (await apps.create({ name: 'demo', senderId: 'Switchboard', domain: 'example.com' }));
  await apps.addApiKey(app.id, apiKey);
  // The simulators' ports may differ between runs: the provider rows follow them.
  await seedProvider(admin, {
    name: 'smsc-sim',
    kind: 'smpp',
    channels: ['sms'],
    settings: { host: '127.0.0.1', port: String(ports.smppPort), systemId: 'switchboard' },
    credentials: { password: 'secret' },
  });
  // The Twilio-style account is the simulator's own.
  await seedProvider(admin, {
    name: 'voice-sim',
    kind: 'voice',
    channels: ['voice'],
    settings: { preset: 'twilio', accountSid: twilio.accountSid, from: '+15005550006', baseUrl: httpSim.url },
    credentials: { authToken: twilio.authToken },
  });
  await seedProvider(admin, {
    name: 'mail-sim',
    kind: 'email',
    channels: ['email'],
    settings: { host: '127.0.0.1', port: String(mail.smtpPort), ignoreTLS: 'true', from: 'verify@example.com' },
    credentials: {},
  });
  agentToken = await seedDemoAgent(admin, SEEDER, (kind, name, settings) => seedProvider(admin, { name, kind, channels: ['sms'], settings, credentials: {} }));
  await seedDefaultRule(admin);
  await seedFranceRule(admin);
  // Lowest-cost routing passes over a provider without a price, so every demo provider has some.
  await seedPrices(admin, 'smsc-sim', { DE: 0.075, GB: 0.04, US: 0.0079 });
  await seedPrices(admin, 'voice-sim', { DE: 0.12, GB: 0.09, US: 0.013 });
  await seedPrices(admin, 'mail-sim', { DE: 0.0005, GB: 0.0005, US: 0.0005 });
  await seedPrices(admin, DEMO_AGENT_PROVIDER, { FR: 0.01 });
  await seedPrices(admin, 'smsc-sim', { FR: 0.065 });
} });
const agent = startDemoAgent({ dataDir, grpcPort: switchboard.grpcPort, token: agentToken, modemAddress: demoModem.address });
if (agent === undefined) logger.warn({}, 'modem-agent is not built (pnpm -r build): French numbers fall back to the SMSC simulator');

console.log(`
Switchboard is running (embedded database in ${dataDir}).
  gRPC            127.0.0.1:${switchboard.grpcPort}   (reflection on: grpcurl -plaintext 127.0.0.1:${switchboard.grpcPort} list)
  HTTP            http://127.0.0.1:${switchboard.httpPort}/metrics (Prometheus), /healthz
  demo API key    ${apiKey}
  admin token     ${env.ADMIN_TOKEN ?? ''}   (AdminService: authorization: Bearer <token>)
  SMSC simulator  smpp 127.0.0.1:${ports.smppPort}, inbox http://127.0.0.1:${ports.httpPort}/inbox
  HTTP simulator  ${httpSim.url} (Twilio, Plivo, Vonage, Auron APIs), calls ${httpSim.url}/_sim/calls
  mail catcher    smtp 127.0.0.1:${mail.smtpPort}, mails http://127.0.0.1:${mail.httpPort}/mails
  modem agent     ${agent === undefined ? 'not built' : `${DEMO_AGENT_ID}, log ${agent.log}`}: French numbers (+33) go out through it
  emulated modem  tcp ${demoModem.address}, sent ${demoModem.sentUrl}
Press Ctrl-C to stop.
`);

stopOnSignals({
  stop: async () => {
    await agent?.stop();
    await switchboard.stop();
    await Promise.all([simulator.stop(), httpSimulator.stop(), mailCatcher.stop(), demoModem.stop()]);
  },
  logger,
  deadlineMs: config.shutdownTimeoutMs + 5000,
});
