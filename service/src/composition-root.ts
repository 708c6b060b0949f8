import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { MessagingServiceService } from '@switchboard/proto/switchboard/v1/messaging';
import { VerifyServiceService } from '@switchboard/proto/switchboard/v1/verify';
import type { ServiceConfig } from './config/config.js';
import type { DispatchStore } from './dispatch/dispatch.ports.js';
import { Dispatcher, type DispatcherOptions } from './dispatch/dispatcher.js';
import { messagingServiceHandlers } from './grpc/messaging.handlers.js';
import { AdminServiceService } from '@switchboard/proto/switchboard/v1/admin';
import { AgentServiceService } from '@switchboard/proto/switchboard/v1/agent';
import { AgentHub } from './agents/agent-hub.js';
import { agentServiceHandlers } from './grpc/agent.handlers.js';
import { AGENT_CHANNEL, parseAgentNotice, SqlAgentLinkStore } from './persistence/agent-link.store.js';
import { AdminService } from './admin/admin.service.js';
import { SqlAdminStore } from './persistence/admin-store.js';
import type { ProviderHealthSnapshot } from './admin/admin-model.js';
import { adminServiceHandlers } from './grpc/admin.handlers.js';
import { startGrpcServer } from './grpc/server.js';
import { HttpServer } from './http-server/http-server.js';
import { PrometheusMetrics } from './http-server/metrics.js';
import { verifyServiceHandlers } from './grpc/verify.handlers.js';
import { MessagingService } from './messaging/messaging.service.js';
import { AppRepository } from './persistence/app.repository.js';
import { CachedAppAuthenticator } from './persistence/app-cache.js';
import { CONFIG_CHANNEL, listenForNotifications } from './persistence/config-changes.js';
import { InboundMessageRepository } from './persistence/inbound.repository.js';
import { SqlDispatchStore, WORK_CHANNEL } from './persistence/dispatch.store.js';
import { OrmMessagingRepository } from './persistence/messaging.repository.js';
import { openDatabase, type Database } from './persistence/orm.js';
import { ProviderRepository } from './persistence/provider.repository.js';
import { loadRoutingSnapshot } from './persistence/routing-config.repository.js';
import { SqlVerificationRepository } from './persistence/verification.repository.js';
import { createProvider } from './providers/provider-factory.js';
import { deriveAnswerTokenKey } from './providers/voice/voice-answer-token.js';
import { voiceAnswerHandler, webhookHandler } from './http-server/provider-webhooks.js';
import { loadAnswerSource } from './persistence/voice-answer.repository.js';
import { ProviderPool } from './providers/provider-pool.js';
import type { ChannelProvider } from './providers/channel-provider.js';
import { LiveRouting } from './routing/live-routing.js';
import { ProviderHealthRegistry } from './routing/provider-health.js';
import type { ProcessLogger } from './shared/logger.js';
import { UnavailableError } from './shared/errors.js';
import { SecretBox } from './shared/secret-box.js';
import { CodeHasher } from './verification/code.js';
import { RequestBatcher } from './verification/request-batcher.js';
import { VerificationService } from './verification/verification.service.js';

/** A running Switchboard: what main.ts, the demo and the end-to-end tests start and stop. */
export interface RunningSwitchboard {
  readonly grpcPort: number;
  /** Port of the HTTP server (`/metrics`, `/healthz`, webhooks). */
  readonly httpPort: number;
  /** How providers reach the HTTP server: PUBLIC_BASE_URL, or derived from the bound address. */
  readonly publicBaseUrl: string;
  readonly database: Database;
  readonly dispatcher: Dispatcher;
  readonly apps: AppRepository;
  readonly providers: ProviderRepository;
  readonly routing: LiveRouting;
  readonly health: ProviderHealthRegistry;
  /** Graceful stop: refuse new calls, finish running ones, unbind providers, close the database. */
  stop(): Promise<void>;
}

/**
 * Hook to put data in place after migrations and before providers start (demo seeding, tests).
 * Seed through `admin` (validated and audited like any admin's edit); `providers` is for rows of
 * code-supplied test providers, which no provider kind describes.
 */
export type BeforeStart = (context: { apps: AppRepository; admin: AdminService; providers: ProviderRepository; database: Database }) => Promise<void>;

/** Ways to start that only tests and the demo use. */
export interface StartOptions {
  readonly beforeStart?: BeforeStart;
  /**
   * Providers to run in addition to those built from provider rows, by name (tests use this for
   * channels whose real providers arrive later). A row of the same name must exist for routing.
   */
  readonly extraProviders?: ReadonlyMap<string, ChannelProvider>;
  /** Wraps the dispatcher's store (tests inject database faults with it). */
  readonly wrapDispatchStore?: (store: DispatchStore) => DispatchStore;
  /** Wraps what the dispatcher plans with (tests inject planning faults with it). */
  readonly wrapDispatchRouting?: (routing: DispatcherOptions['routing']) => DispatcherOptions['routing'];
}

/** Provider health for AdminService: breaker and limiter of this replica, plus connection state. */
function healthSnapshot(health: ProviderHealthRegistry, providers: ReadonlyMap<string, ChannelProvider>): ProviderHealthSnapshot[] {
  const byName = new Map(health.snapshot().map((entry) => [entry.provider, entry]));
  const names = [...new Set([...byName.keys(), ...providers.keys()])].sort();
  return names.map((provider) => {
    const entry = byName.get(provider);
    const breaker = entry?.breaker;
    const running = providers.get(provider);
    const status = running?.status?.();
    return {
      provider,
      circuit: breaker?.state ?? 'closed',
      consecutiveFailures: breaker?.consecutiveSubmitFailures ?? 0,
      receiptFailureRate: breaker && breaker.receiptsInWindow > 0 ? breaker.failedReceiptsInWindow / breaker.receiptsInWindow : 0,
      inFlight: entry?.throughput?.inFlight ?? 0,
      connection: running === undefined ? 'not running' : (status?.connection ?? 'running'),
      retryAt: breaker?.halfOpensAt ? new Date(breaker.halfOpensAt) : null,
      binds: status?.binds ?? [],
      lastError: status?.lastError ?? '',
    };
  });
}

/** The composition root: config in, a serving process out. */
export async function startSwitchboard(config: ServiceConfig, logger: ProcessLogger, options: StartOptions = {}): Promise<RunningSwitchboard> {
  const database = await openDatabase(config.databaseUrl ? { kind: 'postgres', url: config.databaseUrl } : { kind: 'pglite', dataDir: config.dataDir }, {
    pool: { max: config.database.poolSize, connectTimeoutMs: config.database.connectTimeoutMs, statementTimeoutMs: config.database.statementTimeoutMs },
    logger: logger.child({ component: 'database' }),
  });
  let stopPool: (() => Promise<void>) | undefined;
  let stopListening: (() => Promise<void>) | undefined;
  let stopHttp: (() => Promise<void>) | undefined;
  let stopAgents: (() => Promise<void>) | undefined;
  try {
    const applied = await database.migrate();
    logger.info({ database: database.target.kind, migrations: applied }, 'database ready');

    const box = new SecretBox(config.encryptionKey);
    const replica = `${hostname().slice(0, 40)}-${process.pid}-${randomUUID().slice(0, 8)}`;
    const agentStore = new SqlAgentLinkStore(database.sql, box);
    const agents = new AgentHub({
      store: agentStore,
      logger: logger.child({ component: 'agents' }),
      answerGraceMs: config.agents.answerGraceSeconds * 1000,
      // Three missed heartbeats, and never less than a link flap.
      offlineAfterMs: Math.max(45_000, 3 * config.agents.heartbeatSeconds * 1000),
    });
    await agents.start();
    stopAgents = () => agents.stop();
    const apps = new AppRepository(database.em);
    const providerRepository = new ProviderRepository(database.em, box);
    // Built before routing and the providers so seeding goes through it; what it reads of them
    // (SimulateRoute, GetProviderHealth) is looked up when asked.
    let live: { routing: LiveRouting; providers: ReadonlyMap<string, ChannelProvider> } | undefined = undefined;
    const health = new ProviderHealthRegistry({ now: Date.now, breaker: config.routing.breaker });
    const admin = new AdminService({
      store: new SqlAdminStore({ em: database.em, box }),
      routing: {
        current: () => {
          if (live === undefined) throw new UnavailableError('routing is not loaded yet', 1000);
          return live.routing.current();
        },
      },
      health: { snapshot: () => healthSnapshot(health, live?.providers ?? new Map()) },
    });
    if (options.beforeStart) await options.beforeStart({ apps, admin, providers: providerRepository, database });

    const routing = await LiveRouting.start(
      async () => ({
        snapshot: await loadRoutingSnapshot(database.em, {
          routingCurrency: config.routing.currency,
          rates: config.routing.rates,
          defaultReceiptTimeoutSeconds: config.dispatch.receiptTimeoutSeconds,
        }),
        limits: await providerRepository.limits(),
      }),
      (limits) => { for (const [name, value] of limits) health.setLimits(name, value); },
      logger.child({ component: 'routing' }),
    );

    // The HTTP server listens before providers are built: webhook and answer URLs handed to
    // providers need the public base URL, which without PUBLIC_BASE_URL comes from the bound port.
    const http = new HttpServer(logger.child({ component: 'http' }));
    stopHttp = () => http.close();
    const httpPort = await http.listen(config.http.host, config.http.port);
    const publicBaseUrl = config.http.publicBaseUrl ?? derivedBaseUrl(config.http.host, httpPort);
    if (config.http.publicBaseUrl === undefined) {
      logger.warn({ publicBaseUrl }, 'PUBLIC_BASE_URL is not set: HTTP providers are given this address for webhooks and voice answers');
    }
    const answerTokenKey = deriveAnswerTokenKey(config.codeHmacKey);

    let onReceipt: Dispatcher['onReceipt'] = () => Promise.resolve();
    let onLateAcceptance: Dispatcher['onLateAcceptance'] = () => Promise.resolve();
    const inbound = new InboundMessageRepository(database.em, box);
    // Read at scrape time; `providers` is assigned below (a scrape before then sees none).
    let runningProviders: ReadonlyMap<string, ChannelProvider> = new Map();
    const metrics = new PrometheusMetrics({
      providerStatus: () => new Map([...runningProviders].map(([name, provider]) => [name, provider.status?.()])),
      breakers: () => health.snapshot().map((entry) => ({ provider: entry.provider, state: entry.breaker.state })),
    });
    const pool = new ProviderPool({
      fixed: options.extraProviders ?? new Map(),
      load: () => providerRepository.listEnabled(),
      create: (definition) =>
        createProvider(definition, {
          receipts: (name, receipt) => onReceipt(name, receipt),
          lateAcceptances: (name, acceptance) => onLateAcceptance(name, acceptance),
          inbound: async (name, message) => {
            await inbound.store(name, message);
            metrics.inbound(name);
          },
          metrics,
          logger: logger.child({ provider: definition.name }),
          publicBaseUrl,
          answerTokenKey,
          agents,
        }),
      onRemoved: (name) => { health.remove(name); },
      logger,
    });
    const providers = pool.running;
    live = { routing, providers };
    runningProviders = providers;
    const dispatcher = new Dispatcher({
      store: options.wrapDispatchStore ? options.wrapDispatchStore(new SqlDispatchStore(database.sql, box)) : new SqlDispatchStore(database.sql, box),
      providers,
      routing: options.wrapDispatchRouting ? options.wrapDispatchRouting(routing) : routing,
      health,
      owner: replica,
      leaseSeconds: config.dispatch.leaseSeconds,
      sweepIntervalMs: config.dispatch.sweepIntervalMs,
      messageValiditySeconds: config.dispatch.messageValiditySeconds,
      maxHeld: config.dispatch.maxHeld,
      inProcessDatabase: database.target.kind === 'pglite',
      logger: logger.child({ component: 'dispatch' }),
      metrics,
    });
    onReceipt = dispatcher.onReceipt;
    onLateAcceptance = dispatcher.onLateAcceptance;
    stopPool = () => pool.stop();
    await pool.sync();
    const cachedApps = new CachedAppAuthenticator(apps);
    // Every replica follows any committed edit within a moment (LISTEN/NOTIFY): routing reloads,
    // providers are started, restarted or stopped to match their rows, cached apps are dropped.
    // Queued messages nobody holds (a backlog, a replica that stopped) wake every replica.
    stopListening = await listenForNotifications(
      database,
      {
        [CONFIG_CHANNEL]: () => {
          cachedApps.invalidate();
          void routing.reload();
          void pool.sync();
        },
        [WORK_CHANNEL]: () => { dispatcher.wake(); },
        [AGENT_CHANNEL]: (payload) => {
          const notice = parseAgentNotice(payload);
          if (notice) agents.notice(notice);
          else agents.resync(); // `reconnected`: notices may have been missed
        },
      },
      logger.child({ component: 'notifications' }),
    );

    const verificationRepository = new SqlVerificationRepository(database.sql, box);
    const batcher = new RequestBatcher(verificationRepository, {
      maxWaiting: config.acceptQueueLimit,
      // PGlite is one connection: one transaction at a time.
      concurrency: database.target.kind === 'pglite' ? 1 : 2,
      gatherTurn: database.target.kind === 'pglite',
      onBatch: (size) => { metrics.batch('accept', size); },
    });
    const verification = new VerificationService({
      repository: verificationRepository,
      batcher,
      hasher: new CodeHasher(config.codeHmacKey),
      dispatch: dispatcher,
      settings: config.verification,
    });
    const messaging = new MessagingService({ repository: new OrmMessagingRepository(database.em), batcher, dispatch: dispatcher });
    const grpcLogger = logger.child({ component: 'grpc' });
    if (!config.adminToken) logger.warn({}, 'ADMIN_TOKEN is not set: AdminService refuses every call');
    const grpc = await startGrpcServer({
      host: config.grpc.host,
      port: config.grpc.port,
      services: [
        { name: 'switchboard.v1.VerifyService', definition: VerifyServiceService, implementation: verifyServiceHandlers({ verification, apps: cachedApps, logger: grpcLogger }) },
        { name: 'switchboard.v1.MessagingService', definition: MessagingServiceService, implementation: messagingServiceHandlers({ messaging, apps: cachedApps, logger: grpcLogger }) },
        {
          name: 'switchboard.v1.AdminService',
          definition: AdminServiceService,
          implementation: adminServiceHandlers({ admin, adminToken: config.adminToken ?? '', logger: grpcLogger }),
        },
        {
          name: 'switchboard.v1.AgentService',
          definition: AgentServiceService,
          implementation: agentServiceHandlers({
            hub: agents,
            store: agentStore,
            replica,
            heartbeatSeconds: config.agents.heartbeatSeconds,
            receipts: dispatcher.onReceipt,
            lateAcceptances: dispatcher.onLateAcceptance,
            inbound: async (name, message) => {
              await inbound.store(name, message);
              metrics.inbound(name);
            },
            logger: logger.child({ component: 'agents' }),
          }),
        },
      ],
    });
    dispatcher.start();
    logger.info({ port: grpc.port, host: config.grpc.host }, 'gRPC server listening');
    http.route('GET', '/metrics', async () => ({ status: 200, body: await metrics.registry.metrics(), contentType: metrics.registry.contentType }));
    http.route('GET', '/healthz', () => Promise.resolve({ status: 200, body: 'ok\n' }));
    const endpoints = {
      endpoints: pool.endpoints,
      onReceipt: dispatcher.onReceipt,
      onLateAcceptance: dispatcher.onLateAcceptance,
      loadAnswer: (attemptId: string) => loadAnswerSource(database.em, box, attemptId),
      answerTokenKey,
      publicBaseUrl,
      logger: logger.child({ component: 'webhooks' }),
    };
    for (const method of ['GET', 'POST']) {
      http.route(method, '/webhooks/:provider', webhookHandler(endpoints));
      http.route(method, '/voice/answer/:token', voiceAnswerHandler(endpoints));
    }
    logger.info({ port: httpPort, host: config.http.host, publicBaseUrl }, 'HTTP server listening (/metrics, /healthz, webhooks, voice answers)');

    return {
      grpcPort: grpc.port,
      httpPort,
      publicBaseUrl,
      database,
      dispatcher,
      apps,
      providers: providerRepository,
      routing,
      health,
      async stop() {
        // Bounded as a whole: a stuck peer or database must not keep a stopping replica alive.
        // Whatever is cut short is safe: accepted requests were committed, sends under way are
        // settled by recovery (outcome unknown, never resent).
        const deadline = Date.now() + config.shutdownTimeoutMs;
        const left = () => Math.max(500, deadline - Date.now());
        // Agent streams never end on their own: close them first so agents move to another replica.
        await withDeadline(agents.stop(), Math.min(5000, left()), 'modem agent commands to settle', logger);
        await grpc.stop(Math.min(5000, left()));
        await withDeadline(batcher.close(), left(), 'requests waiting for the database', logger);
        await withDeadline(http.close(), Math.min(2000, left()), 'HTTP connections to close', logger);
        await withDeadline(dispatcher.stop(left()), left(), 'the dispatcher', logger);
        await withDeadline(stopListening?.() ?? Promise.resolve(), Math.min(2000, left()), 'the notification listener', logger);
        await withDeadline(stopPool?.() ?? Promise.resolve(), left(), 'providers to unbind', logger);
        await withDeadline(database.close(), left(), 'the database to close', logger);
      },
    };
  } catch (error) {
    await stopAgents?.();
    await stopHttp?.();
    await stopListening?.();
    await stopPool?.();
    await database.close();
    throw error;
  }
}

/** Waits for `work` at most `ms`; logs and moves on when it takes longer. */
async function withDeadline(work: Promise<unknown>, ms: number, what: string, logger: ProcessLogger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => { timer = setTimeout(() => { resolve('late'); }, ms); });
  const result = await Promise.race([work.then(() => 'done' as const), late]);
  clearTimeout(timer);
  if (result === 'late') logger.warn({ waitedMs: ms }, `shutdown: stopped waiting for ${what}`);
}

/**
 * The base URL providers use when PUBLIC_BASE_URL is unset: the bound address, with a wildcard
 * address replaced by loopback (only right when providers run on this machine, e.g. simulators).
 */
function derivedBaseUrl(host: string, port: number): string {
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}
