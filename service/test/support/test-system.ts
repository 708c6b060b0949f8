import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { MikroORM } from '@mikro-orm/postgresql';
import {
  VerifyServiceClient,
  type CancelVerificationRequest,
  type CancelVerificationResponse,
  type GetVerificationRequest,
  type GetVerificationResponse,
  type SendCodeRequest,
  type SendCodeResponse,
  type VerifyCodeRequest,
  type VerifyCodeResponse,
} from '@switchboard/proto/switchboard/v1/verify';
import { loadConfig } from '../../src/config/config.js';
import { generateApiKey } from '../../src/shared/api-keys.js';
import { createLogger } from '../../src/shared/logger.js';
import { SmscSimulator } from '@switchboard/simulators/smsc';
import type { DispatchStore } from '../../src/dispatch/dispatch.ports.js';
import type { ChannelProvider } from '../../src/providers/channel-provider.js';
import { TEST_ADMIN_TOKEN } from './admin-client.js';
import { startSwitchboard, type RunningSwitchboard, type StartOptions } from '../../src/composition-root.js';
import { waitFor as pollUntil } from './waiting.js';

/**
 * The databases the end-to-end suites run on: always embedded PGlite, and PostgreSQL when
 * TEST_DATABASE_URL names a server (CI sets it; there it is required).
 */
export function databaseTargets(): { name: string; url: string | undefined }[] {
  const url = process.env.TEST_DATABASE_URL;
  if (!url && process.env.CI) throw new Error('CI must run the end-to-end suites on PostgreSQL: set TEST_DATABASE_URL');
  return url ? [{ name: 'pglite', url: undefined }, { name: 'postgresql', url }] : [{ name: 'pglite', url: undefined }];
}

/** Creates an empty database on the server for one suite, so suites never see each other's rows. */
export async function createScratchDatabase(serverUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `switchboard_test_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const admin = await MikroORM.init({ clientUrl: serverUrl, entities: [], discovery: { warnWhenNoEntities: false } });
  await admin.em.getConnection().execute(`create database "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await admin.em.getConnection().execute(`drop database if exists "${name}" with (force)`);
      await admin.close(true);
    },
  };
}

/** A provider row as `startTestSystem` writes it. */
export interface ProviderRow {
  name: string;
  kind: string;
  channels: string[];
  settings: Record<string, unknown>;
  credentials: Record<string, string>;
}

export interface TestSystem {
  readonly switchboard: RunningSwitchboard;
  /** The first SMSC (provider `smsc-a`). */
  readonly smsc: SmscSimulator;
  /** Every SMSC, in provider order: smsc-a, smsc-b, … */
  readonly smscs: readonly SmscSimulator[];
  readonly client: VerifyServiceClient;
  readonly apiKey: string;
  /** The API key of a second app, to prove apps cannot see each other's verifications. */
  readonly otherApiKey: string;
  /** Starts another replica on the same database (PostgreSQL only), stopped with the system. */
  startReplica(): Promise<RunningSwitchboard>;
  stop(): Promise<void>;
}

/** A real Switchboard on a loopback port, bound over SMPP to real SMSC simulators. */
export async function startTestSystem(options: {
  databaseUrl: string | undefined;
  env?: Record<string, string>;
  /** False: the SMSC is down when the service starts; the test starts it (on `smppPort`). */
  smscUp?: boolean;
  smppPort?: number;
  /** How many SMSCs (providers smsc-a, smsc-b, …), all candidates of the default rule in order. */
  smscCount?: number;
  /** Providers without a simulator (e.g. a voice test provider), with the rows routing needs. */
  extraProviders?: { provider: ChannelProvider; channels: string[]; throughputPerSecond?: number; burst?: number; maxInFlight?: number }[];
  /** Where the service's log lines go (default: nowhere, or stdout with TEST_LOG_LEVEL). */
  logTo?: NodeJS.WritableStream;
  /** Extra settings of every SMPP provider (binds, windowSize, longMessage, submitTimeoutMs …). */
  smppSettings?: Record<string, string>;
  /** Provider rows of other kinds (http, voice, email), run by the service like any row. */
  providerRows?: ProviderRow[];
  /** The default rule's candidates (default: every SMSC) and fallback steps (default: none). */
  defaultRule?: { candidates?: string[]; fallback?: { provider: string | null; channel: string; receiptTimeoutSeconds: number }[] };
  /** Wraps the dispatcher's store (database faults). */
  wrapDispatchStore?: (store: DispatchStore) => DispatchStore;
  /** Wraps what the dispatcher plans with (planning faults). */
  wrapDispatchRouting?: StartOptions['wrapDispatchRouting'];
  /** More route rules, e.g. by prefix, besides the default one. */
  rules?: { name: string; priority: number; prefixes?: string[]; candidates: string[]; fallback?: { provider: string | null; channel: string; receiptTimeoutSeconds: number }[] }[];
}): Promise<TestSystem> {
  const smscUp = options.smscUp ?? true;
  const smscs = Array.from(
    { length: options.smscCount ?? 1 },
    (_, i) => new SmscSimulator({ smppPort: i === 0 ? (options.smppPort ?? 0) : 0, httpPort: 0, systemId: 'switchboard', password: 'secret', receiptDelayMs: 20 }),
  );
  const smsc = smscs[0] as SmscSimulator;
  const ports = smscUp ? await Promise.all(smscs.map((s) => s.start())) : [{ smppPort: options.smppPort ?? 0 }];
  const scratch = options.databaseUrl ? await createScratchDatabase(options.databaseUrl) : undefined;
  const config = loadConfig({
    GRPC_HOST: '127.0.0.1',
    GRPC_PORT: '0',
    HTTP_PORT: '0',
    DATA_DIR: 'memory://',
    ...(scratch ? { DATABASE_URL: scratch.url } : {}),
    CODE_HMAC_KEY: randomBytes(32).toString('hex'),
    ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    DISPATCH_SWEEP_INTERVAL_MS: '200',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    // Most suites resend at once to test resends and send limits; the cooldown has its own test.
    RESEND_COOLDOWN_SECONDS: '0',
    ...options.env,
  });
  const apiKey = generateApiKey();
  const otherApiKey = generateApiKey();
  const names = ports.map((_, i) => `smsc-${String.fromCharCode(97 + i)}`);
  const extra = options.extraProviders ?? [];
  const switchboard = await startSwitchboard(config, createLogger(config.logLevel, options.logTo), {
    extraProviders: new Map(extra.map(({ provider }) => [provider.name, provider])),
    ...(options.wrapDispatchStore ? { wrapDispatchStore: options.wrapDispatchStore } : {}),
    ...(options.wrapDispatchRouting ? { wrapDispatchRouting: options.wrapDispatchRouting } : {}),
    beforeStart: async ({ apps, providers }) => {
      const app = await apps.create({ name: 'checkout', senderId: 'Checkout', domain: 'shop.example.com' });
      await apps.addApiKey(app.id, apiKey);
      const other = await apps.create({ name: 'other', senderId: 'Other' });
      await apps.addApiKey(other.id, otherApiKey);
      for (const [i, port] of ports.entries()) {
        await providers.upsert({
          name: names[i] ?? '',
          kind: 'smpp',
          channels: ['sms'],
          settings: { host: '127.0.0.1', port: port.smppPort, systemId: 'switchboard', ...options.smppSettings },
          credentials: { password: 'secret' },
        });
      }
      for (const { provider, channels, throughputPerSecond, burst, maxInFlight } of extra) {
        await providers.upsert({ name: provider.name, kind: 'test', channels, settings: {}, credentials: {}, throughputPerSecond, burst, maxInFlight });
      }
      for (const row of options.providerRows ?? []) await providers.upsert(row);
      await providers.upsertRouteRule({
        name: 'default',
        priority: 100,
        isDefault: true,
        candidates: options.defaultRule?.candidates ?? names,
        fallback: options.defaultRule?.fallback ?? [],
      });
      for (const rule of options.rules ?? []) await providers.upsertRouteRule(rule);
    },
  });
  if (smscUp) await waitFor(() => smscs.every((s) => s.boundSessionCount() > 0), 'the providers to bind to the SMSC simulators');
  const client = new VerifyServiceClient(`127.0.0.1:${switchboard.grpcPort}`, credentials.createInsecure());
  const replicas: RunningSwitchboard[] = [];
  return {
    switchboard,
    smsc,
    smscs,
    client,
    apiKey,
    otherApiKey,
    async startReplica() {
      if (!scratch) throw new Error('replicas need PostgreSQL');
      const replica = await startSwitchboard(config, createLogger(config.logLevel, options.logTo), {});
      replicas.push(replica);
      return replica;
    },
    async stop() {
      client.close();
      for (const replica of replicas) await replica.stop();
      await switchboard.stop();
      await Promise.all(smscs.map((s) => s.stop()));
      await scratch?.drop();
    },
  };
}

/** Metadata carrying an API key the way callers send it. */
export function withKey(key: string, style: 'bearer' | 'x-api-key' = 'bearer'): Metadata {
  const metadata = new Metadata();
  if (style === 'bearer') metadata.set('authorization', `Bearer ${key}`);
  else metadata.set('x-api-key', key);
  return metadata;
}

/** VerifyService as promises, for one API key (or raw metadata). */
export interface VerifyApi {
  sendCode(request: SendCodeRequest): Promise<SendCodeResponse>;
  verifyCode(request: VerifyCodeRequest): Promise<VerifyCodeResponse>;
  getVerification(request: GetVerificationRequest): Promise<GetVerificationResponse>;
  cancelVerification(request: CancelVerificationRequest): Promise<CancelVerificationResponse>;
}

function promised<Req, Res>(
  method: (request: Req, metadata: Metadata, callback: (error: ServiceError | null, response: Res) => void) => unknown,
  metadata: Metadata,
): (request: Req) => Promise<Res> {
  return (request) =>
    new Promise((resolve, reject) => {
      method(request, metadata, (error, response) => {
        if (error) reject(error);
        else resolve(response);
      });
    });
}

export function verifyApi(client: VerifyServiceClient, auth: string | Metadata): VerifyApi {
  const metadata = typeof auth === 'string' ? withKey(auth) : auth;
  return {
    sendCode: promised<SendCodeRequest, SendCodeResponse>((r, m, c) => client.sendCode(r, m, c), metadata),
    verifyCode: promised<VerifyCodeRequest, VerifyCodeResponse>((r, m, c) => client.verifyCode(r, m, c), metadata),
    getVerification: promised<GetVerificationRequest, GetVerificationResponse>((r, m, c) => client.getVerification(r, m, c), metadata),
    cancelVerification: promised<CancelVerificationRequest, CancelVerificationResponse>((r, m, c) => client.cancelVerification(r, m, c), metadata),
  };
}

/** A TCP port nothing listens on right now (for a server the test starts later). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}


/** The code in the last SMS the simulator received for `to` (the origin-bound line's `#code`). */
export function codeFromInbox(smsc: SmscSimulator, to: string): string {
  const message = smsc.latest(to);
  if (!message) throw new Error(`no SMS for ${to} at the simulator`);
  const match = /#(\d{4,10})$/.exec(message.text);
  if (!match?.[1]) throw new Error(`no code in the SMS text`);
  return match[1];
}

export { rejection } from './waiting.js';

/** Polls until `condition` holds (10 s by default: a whole system on a busy CI machine); fails naming `what`. */
export function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  return pollUntil(condition, what, timeoutMs, 20);
}
