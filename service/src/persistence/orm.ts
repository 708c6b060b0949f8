import { mkdirSync } from 'node:fs';
import { Migrator } from '@mikro-orm/migrations';
import { MikroORM as PgliteORM } from '@mikro-orm/pglite';
import { MikroORM as PostgresORM } from '@mikro-orm/postgresql';
import type { SqlEntityManager } from '@mikro-orm/sql';
import { lockDataDir } from './data-dir-lock.js';
import { allEntities } from './entities.js';
import { migrationsList } from './migrations/index.js';
import { pgliteSqlClient, postgresSqlClient, type PgliteHandle, type PoolSettings, type SqlClient } from './sql-client.js';
import { silentLogger, type Logger } from '../shared/logger.js';

/** Where the data lives: a PostgreSQL server, or embedded PGlite in a folder (or in memory). */
export type DatabaseTarget = { readonly kind: 'postgres'; readonly url: string } | { readonly kind: 'pglite'; readonly dataDir: string };

/** The ORM handle the rest of the service uses; both drivers expose the same SQL entity manager. */
export interface Database {
  readonly em: SqlEntityManager;
  /** Plain SQL for the hot path: its own pool on PostgreSQL, the same instance on PGlite. */
  readonly sql: SqlClient;
  readonly target: DatabaseTarget;
  /** Applies pending migrations; returns their names. */
  migrate(): Promise<string[]>;
  /** SQL that would bring the schema in line with the entities; empty when migrations cover them. */
  pendingSchemaDiff(): Promise<string>;
  /** PGlite only: LISTEN through its in-process API (PostgreSQL uses a dedicated connection). */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

const common = {
  entities: allEntities,
  extensions: [Migrator] as (typeof Migrator)[],
  migrations: { migrationsList, transactional: true, allOrNothing: true, snapshot: false, silent: true },
  // Nothing is discovered from the file system at run time: entities and migrations are imported.
  discovery: { warnWhenNoEntities: true },
  debug: false,
  allowGlobalContext: false,
};

/** The part of either driver's MikroORM this module uses. */
interface OrmHandle {
  readonly em: unknown;
  readonly migrator: { up(): Promise<{ name: string }[]> };
  readonly schema: { getUpdateSchemaSQL(options: { wrap: boolean }): Promise<string> };
  readonly driver: { getConnection(): unknown };
  close(force: boolean): Promise<void>;
}

/** How connections to PostgreSQL are bounded (the ORM's pool and the hot path's). */
export interface DatabaseOptions {
  readonly pool?: PoolSettings | undefined;
  readonly logger?: Logger | undefined;
}

const DEFAULT_POOL: PoolSettings = { max: 10, connectTimeoutMs: 5_000, statementTimeoutMs: 15_000 };

/**
 * Opens the database; with PGlite, creates its folder and takes its lock (one process per
 * folder). Call `migrate()` before serving.
 */
export async function openDatabase(target: DatabaseTarget, options: DatabaseOptions = {}): Promise<Database> {
  const poolSettings = options.pool ?? DEFAULT_POOL;
  const logger = options.logger ?? silentLogger;
  let orm: OrmHandle;
  let sqlClient: SqlClient;
  let unlock = (): void => undefined;
  if (target.kind === 'postgres') {
    orm = await PostgresORM.init({
      ...common,
      clientUrl: target.url,
      // Admin CRUD and migrations: a few connections; the hot path has a pool of its own.
      pool: { min: 1, max: 4 },
      driverOptions: { connectionTimeoutMillis: poolSettings.connectTimeoutMs, keepAlive: true, statement_timeout: poolSettings.statementTimeoutMs },
    });
    sqlClient = postgresSqlClient(target.url, poolSettings, logger);
  } else {
    const inMemory = target.dataDir.startsWith('memory:');
    if (!inMemory) {
      mkdirSync(target.dataDir, { recursive: true });
      unlock = lockDataDir(target.dataDir);
    }
    try {
      orm = await PgliteORM.init({ ...common, dbName: inMemory ? 'memory://' : target.dataDir });
    } catch (error) {
      unlock();
      throw error;
    }
    const connection = orm.driver.getConnection() as { getNativeClient(): Promise<PgliteHandle> };
    const native = await connection.getNativeClient();
    // As on PostgreSQL's hot-path pool (see postgresSqlClient): keyed batches by their index,
    // whatever the young tables' statistics say. PGlite is one connection, shared with the ORM.
    await native.query('set enable_seqscan = off');
    sqlClient = pgliteSqlClient(native);
  }
  return {
    em: orm.em as SqlEntityManager,
    sql: sqlClient,
    target,
    async migrate() {
      const applied = await orm.migrator.up();
      return applied.map((m) => m.name);
    },
    async pendingSchemaDiff() {
      return (await orm.schema.getUpdateSchemaSQL({ wrap: false })).trim();
    },
    async listen(channel, onNotify) {
      if (target.kind !== 'pglite') throw new Error('listen() is for PGlite; PostgreSQL uses a LISTEN connection');
      const connection = orm.driver.getConnection() as { getNativeClient(): Promise<{ listen(c: string, cb: (p: string) => void): Promise<() => Promise<void>> }> };
      const native = await connection.getNativeClient();
      return native.listen(channel, onNotify);
    },
    async close() {
      await sqlClient.close();
      await orm.close(true);
      unlock();
    },
  };
}
