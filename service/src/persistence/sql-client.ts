/**
 * Plain parameterised SQL for the hot path (accepting, claiming, recording and settling messages),
 * on PostgreSQL through a `pg` pool or on the embedded PGlite instance the ORM opened. MikroORM
 * keeps admin CRUD and migrations; here there is no unit of work, identity map or hydration, only
 * batched statements: one round trip per statement, whatever the batch size.
 */
import pg from 'pg';
import type { Logger } from '../shared/logger.js';

/** A statement with a stable name: PostgreSQL parses and plans it once per connection. */
export interface Sql {
  readonly name: string;
  readonly text: string;
}

/** Names a statement. Names must be unique per text (the pool prepares by name). */
export function sql(name: string, text: string): Sql {
  return { name, text };
}

/**
 * One statement made of several data-modifying ones (`with a as (…), b as (…) select …`), their
 * parameters numbered on: one round trip instead of one per statement. PostgreSQL runs every part
 * exactly once, whether or not its output is read, all on one snapshot; so the parts must write
 * different rows (a part must not change what another part writes). `params` says how many
 * parameters each part takes.
 */
export function combined(name: string, parts: readonly { readonly sql: Sql; readonly params: number }[], select = 'select 1'): Sql {
  let offset = 0;
  const ctes = parts.map((part, index) => {
    const text = part.sql.text.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
    offset += part.params;
    return `w${index} as (${text})`;
  });
  return sql(name, `with ${ctes.join(',\n')}\n${select}`);
}

/** Runs statements; rows come back as plain objects keyed by column name. */
export interface SqlRunner {
  query<R extends object>(statement: Sql, params?: readonly unknown[]): Promise<R[]>;
}

export interface SqlClient extends SqlRunner {
  /**
   * Runs `work` in one transaction. A deadlock or serialization failure (PostgreSQL rolled it
   * back, so nothing of it happened) runs it again, a few times; any other error rolls back and
   * is thrown.
   */
  transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** How the PostgreSQL pool bounds everything it does. */
export interface PoolSettings {
  readonly max: number;
  /** Wait for a connection (to open, or free in the pool) before the query fails. */
  readonly connectTimeoutMs: number;
  /** Longest any statement may run (server-side `statement_timeout`). */
  readonly statementTimeoutMs: number;
}

/** SQLSTATEs after which PostgreSQL has rolled the transaction back and it may simply run again. */
const RETRYABLE = new Set(['40001', '40P01']);
const MAX_TRANSACTION_RUNS = 5;

function sqlState(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

async function retrying<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (attempt >= MAX_TRANSACTION_RUNS || !RETRYABLE.has(sqlState(error) ?? '')) throw error;
      // Jittered, so two transactions that deadlocked do not collide again in step.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
    }
  }
}

/** PostgreSQL through a pool of its own, with timeouts and TCP keepalive on every connection. */
export function postgresSqlClient(url: string, settings: PoolSettings, logger: Logger): SqlClient {
  const pool = new pg.Pool({
    connectionString: url,
    max: settings.max,
    connectionTimeoutMillis: settings.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    // A connection that died silently (a NAT or a failover) is noticed by the kernel, not never.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    statement_timeout: settings.statementTimeoutMs,
    // The client gives up a little after the server would have: a dead socket cannot hang a query.
    query_timeout: settings.statementTimeoutMs + 5_000,
    idle_in_transaction_session_timeout: Math.max(60_000, settings.statementTimeoutMs * 2),
    application_name: 'switchboard',
    // Every hot-path statement is a keyed batch written for an index. On a young database the
    // tables have no statistics (autovacuum analyses them a minute or more later) and the planner,
    // guessing, read the whole table for each batch: a benchmark's receipt batches each scanned
    // every open part, half of PostgreSQL's time. Sequential scans stay possible where no index
    // serves; they are only never preferred. The ORM's admin connections keep the defaults.
    options: '-c enable_seqscan=off',
  });
  // An idle connection that breaks emits here; without a listener it would end the process.
  pool.on('error', (error) => { logger.warn({ err: error }, 'idle database connection failed; the pool replaces it'); });
  const runner = (client: pg.Pool | pg.PoolClient): SqlRunner => ({
    async query<R extends object>(statement: Sql, params: readonly unknown[] = []) {
      const result = await client.query<R>({ name: statement.name, text: statement.text, values: [...params] });
      return result.rows;
    },
  });
  return {
    ...runner(pool),
    transaction<T>(work: (tx: SqlRunner) => Promise<T>) {
      return retrying(async () => {
        const client = await pool.connect();
        let broken: unknown;
        try {
          await client.query('begin');
          const result = await work(runner(client));
          await client.query('commit');
          return result;
        } catch (error) {
          try {
            await client.query('rollback');
          } catch (rollbackError) {
            broken = rollbackError; // the connection is gone: do not return it to the pool
          }
          throw error;
        } finally {
          client.release(broken instanceof Error ? broken : undefined);
        }
      });
    },
    async close() {
      await pool.end();
    },
  };
}

/** The part of PGlite used here (the ORM opens the instance; the hot path shares it). */
export interface PgliteHandle {
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
  transaction<T>(work: (tx: { query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }> }) => Promise<T>): Promise<T>;
}

/**
 * The embedded PGlite instance. It is one connection: PGlite runs one transaction at a time and
 * makes every other query wait for it, the ORM's included, so nothing interleaves.
 */
export function pgliteSqlClient(pglite: PgliteHandle): SqlClient {
  return {
    async query<R extends object>(statement: Sql, params: readonly unknown[] = []) {
      return (await pglite.query(statement.text, [...params])).rows as R[];
    },
    transaction<T>(work: (tx: SqlRunner) => Promise<T>) {
      return retrying(() =>
        pglite.transaction((tx) =>
          work({
            async query<R extends object>(statement: Sql, params: readonly unknown[] = []) {
              return (await tx.query(statement.text, [...params])).rows as R[];
            },
          }),
        ),
      );
    },
    close: () => Promise.resolve(), // the ORM closes PGlite
  };
}
