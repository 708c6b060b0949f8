import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { ServiceConfig } from './config/config.js';
import { Dispatcher } from './dispatch/dispatcher.js';
import { startGrpcServer } from './grpc/server.js';
import { verifyServiceHandlers } from './grpc/verify.handlers.js';
import { AppRepository } from './persistence/app.repository.js';
import { OrmDispatchStore } from './persistence/dispatch.repository.js';
import { openDatabase, type Database } from './persistence/orm.js';
import { ProviderRepository } from './persistence/provider.repository.js';
import { OrmVerificationRepository } from './persistence/verification.repository.js';
import { createProvider } from './providers/provider-factory.js';
import { keepStarting } from './providers/provider-starter.js';
import type { SmsProvider } from './providers/sms-provider.js';
import type { Logger } from './shared/logger.js';
import { SecretBox } from './shared/secret-box.js';
import { CodeHasher } from './verification/code.js';
import { VerificationService } from './verification/verification.service.js';

/** A running Switchboard: what main.ts, the demo and the end-to-end tests start and stop. */
export interface RunningSwitchboard {
  readonly grpcPort: number;
  readonly database: Database;
  readonly dispatcher: Dispatcher;
  readonly apps: AppRepository;
  readonly providers: ProviderRepository;
  /** Graceful stop: refuse new calls, finish running ones, unbind providers, close the database. */
  stop(): Promise<void>;
}

/** Hook to put data in place after migrations and before providers start (demo seeding, tests). */
export type BeforeStart = (context: { apps: AppRepository; providers: ProviderRepository; database: Database }) => Promise<void>;

/** The composition root: config in, a serving process out. */
export async function startSwitchboard(config: ServiceConfig, logger: Logger, beforeStart?: BeforeStart): Promise<RunningSwitchboard> {
  const database = await openDatabase(
    config.databaseUrl ? { kind: 'postgres', url: config.databaseUrl } : { kind: 'pglite', dataDir: config.dataDir },
  );
  const running: SmsProvider[] = [];
  const stopStarting: (() => void)[] = [];
  try {
    const applied = await database.migrate();
    logger.info({ database: database.target.kind, migrations: applied }, 'database ready');

    const box = new SecretBox(config.encryptionKey);
    const apps = new AppRepository(database.em);
    const providerRepository = new ProviderRepository(database.em, box);
    if (beforeStart) await beforeStart({ apps, providers: providerRepository, database });

    const providers = new Map<string, SmsProvider>();
    const dispatcher = new Dispatcher({
      store: new OrmDispatchStore(database.em, box),
      providers,
      owner: `${hostname().slice(0, 40)}-${process.pid}-${randomUUID().slice(0, 8)}`,
      leaseSeconds: config.dispatch.leaseSeconds,
      sweepIntervalMs: config.dispatch.sweepIntervalMs,
      messageValiditySeconds: config.dispatch.messageValiditySeconds,
      receiptTimeoutSeconds: config.dispatch.receiptTimeoutSeconds,
      logger: logger.child({ component: 'dispatch' }),
    });
    for (const definition of await providerRepository.listEnabled()) {
      let provider: SmsProvider;
      try {
        provider = createProvider(definition, dispatcher.onReceipt, logger.child({ provider: definition.name }));
      } catch (error) {
        // One misconfigured provider must not take the others down: routing skips it.
        logger.error({ provider: definition.name, err: error }, 'provider not started: bad settings');
        continue;
      }
      providers.set(definition.name, provider);
      running.push(provider);
      // A provider that is down at start must not keep the service down: it is retried.
      stopStarting.push(keepStarting(provider, logger));
    }

    const verification = new VerificationService({
      repository: new OrmVerificationRepository(database.em, box),
      hasher: new CodeHasher(config.codeHmacKey),
      dispatch: dispatcher,
      settings: config.verification,
    });
    const grpc = await startGrpcServer({
      host: config.grpc.host,
      port: config.grpc.port,
      verify: verifyServiceHandlers({ verification, apps, logger: logger.child({ component: 'grpc' }) }),
    });
    dispatcher.start();
    logger.info({ port: grpc.port, host: config.grpc.host }, 'gRPC server listening');

    return {
      grpcPort: grpc.port,
      database,
      dispatcher,
      apps,
      providers: providerRepository,
      async stop() {
        await grpc.stop(5000);
        await dispatcher.stop();
        for (const cancel of stopStarting) cancel();
        await Promise.allSettled(running.map((provider) => provider.stop()));
        await database.close();
      },
    };
  } catch (error) {
    for (const cancel of stopStarting) cancel();
    await Promise.allSettled(running.map((provider) => provider.stop()));
    await database.close();
    throw error;
  }
}
