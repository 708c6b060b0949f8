import pg from 'pg';
import type { SqlEntityManager } from '@mikro-orm/sql';
import type { Database } from './orm.js';

/** The PostgreSQL channel every replica listens on for configuration edits. */
export const CONFIG_CHANNEL = 'switchboard_config';

/**
 * Announces a configuration change from inside the editing transaction: PostgreSQL delivers
 * NOTIFY only when that transaction commits, so replicas never reload a change that rolled back.
 */
export async function notifyConfigChanged(em: SqlEntityManager, what: string): Promise<void> {
  await em.execute('select pg_notify(?, ?)', [CONFIG_CHANNEL, what.slice(0, 200)]);
}

interface Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/**
 * Calls `onChange` whenever any replica commits a configuration change. PostgreSQL: a dedicated
 * LISTEN connection, re-established with backoff if it drops (a reload follows each reconnect, as
 * changes may have been missed). PGlite: its in-process listen API. Returns a stop function.
 */
export async function listenForConfigChanges(database: Database, onChange: (what: string) => void, logger: Logger): Promise<() => Promise<void>> {
  if (database.target.kind === 'pglite') {
    const unlisten = await database.listen(CONFIG_CHANNEL, onChange);
    return unlisten;
  }
  const url = database.target.url;
  let client: pg.Client | undefined;
  let stopped = false;
  let delayMs = 500;
  let timer: NodeJS.Timeout | undefined;

  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: url });
    next.on('notification', (message) => { onChange(message.payload ?? ''); });
    next.on('error', (error) => { logger.warn({ err: error }, 'config listener connection failed; reconnecting'); });
    next.on('end', () => {
      if (stopped) return;
      timer = setTimeout(() => { void reconnect(); }, delayMs);
      delayMs = Math.min(delayMs * 2, 30_000);
    });
    await next.connect();
    await next.query(`LISTEN ${CONFIG_CHANNEL}`);
    client = next;
    delayMs = 500;
  };
  const reconnect = async (): Promise<void> => {
    try {
      await connect();
      logger.info({}, 'config listener reconnected');
      onChange('reconnected');
    } catch (error) {
      logger.warn({ err: error }, 'config listener reconnect failed');
      timer = setTimeout(() => { void reconnect(); }, delayMs);
      delayMs = Math.min(delayMs * 2, 30_000);
    }
  };
  await connect();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await client?.end().catch(() => undefined);
  };
}
