import pg from 'pg';
import type { SqlEntityManager } from '@mikro-orm/sql';
import type { Database } from './orm.js';
import type { Logger } from '../shared/logger.js';

/** The PostgreSQL channel every replica listens on for configuration edits. */
export const CONFIG_CHANNEL = 'switchboard_config';

/**
 * Announces a configuration change from inside the editing transaction: PostgreSQL delivers
 * NOTIFY only when that transaction commits, so replicas never reload a change that rolled back.
 */
export async function notifyConfigChanged(em: SqlEntityManager, what: string): Promise<void> {
  await em.execute('select pg_notify(?, ?)', [CONFIG_CHANNEL, what.slice(0, 200)]);
}

/**
 * Calls `onChange` whenever any replica commits a configuration change. See `listenForNotifications`.
 */
export function listenForConfigChanges(database: Database, onChange: (what: string) => void, logger: Logger): Promise<() => Promise<void>> {
  return listenForNotifications(database, { [CONFIG_CHANNEL]: onChange }, logger);
}

/**
 * Calls each channel's handler whenever any replica NOTIFYs on it. PostgreSQL: one dedicated
 * LISTEN connection with TCP keepalive, re-established with backoff if it drops; every handler is
 * called once after a reconnect (`reconnected`), as notifications may have been missed. PGlite:
 * its in-process listen API. Returns a stop function.
 */
export async function listenForNotifications(
  database: Database,
  handlers: Readonly<Record<string, (payload: string) => void>>,
  logger: Logger,
): Promise<() => Promise<void>> {
  const channels = Object.keys(handlers);
  if (database.target.kind === 'pglite') {
    const stops = await Promise.all(channels.map((channel) => database.listen(channel, (payload) => handlers[channel]?.(payload))));
    return async () => {
      for (const stop of stops) await stop();
    };
  }
  const url = database.target.url;
  let client: pg.Client | undefined;
  let stopped = false;
  let delayMs = 500;
  let timer: NodeJS.Timeout | undefined;
  let attaching: Promise<void> | undefined;

  // One chain of reconnects at a time: pg both rejects connect() and emits 'end' on a failed
  // attempt, so reacting to both would fork the chain (and the LISTEN connections) every time.
  const scheduleReconnect = (): void => {
    if (stopped || timer !== undefined || attaching !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      attaching = attach().finally(() => { attaching = undefined; });
    }, delayMs);
    delayMs = Math.min(delayMs * 2, 30_000);
  };

  const attach = async (): Promise<void> => {
    // Keepalive: a connection that died silently (NAT, failover) is noticed, not listened on forever.
    const next = new pg.Client({ connectionString: url, keepAlive: true, keepAliveInitialDelayMillis: 10_000, application_name: 'switchboard-listen' });
    next.on('notification', (message) => { handlers[message.channel]?.(message.payload ?? ''); });
    next.on('error', (error) => { logger.warn({ err: error }, 'notification listener connection failed; reconnecting'); });
    next.on('end', () => {
      if (client === next) client = undefined;
      scheduleReconnect();
    });
    try {
      await next.connect();
      for (const channel of channels) await next.query(`LISTEN ${channel}`);
    } catch (error) {
      next.removeAllListeners('end');
      await next.end().catch(() => undefined);
      logger.warn({ err: error }, 'notification listener could not connect; retrying');
      if (!stopped) scheduleReconnect();
      return;
    }
    if (stopped) {
      await next.end().catch(() => undefined);
      return;
    }
    const reconnected = delayMs > 500;
    client = next;
    delayMs = 500;
    // Notifications sent while we were not listening were missed: act once as if told.
    if (reconnected) for (const handler of Object.values(handlers)) handler('reconnected');
  };

  attaching = attach().finally(() => { attaching = undefined; });
  await attaching;
  if (!client) throw new Error(`could not LISTEN on ${channels.join(', ')}`);
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await attaching;
    const last = client;
    client = undefined;
    last?.removeAllListeners('end');
    await last?.end().catch(() => undefined);
  };
}
