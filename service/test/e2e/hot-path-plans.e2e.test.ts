import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresSqlClient, sql, type SqlClient } from '../../src/persistence/sql-client.js';
import { silentLogger } from '../../src/shared/logger.js';
import { createScratchDatabase } from '../support/test-system.js';

const url = process.env.TEST_DATABASE_URL;

interface PlanNode {
  readonly 'Node Type': string;
  readonly 'Relation Name'?: string;
  readonly Plans?: readonly PlanNode[];
}

function scansOf(node: PlanNode): string[] {
  const here = node['Relation Name'] ? [`${node['Node Type']} on ${node['Relation Name']}`] : [];
  return [...here, ...(node.Plans ?? []).flatMap(scansOf)];
}

/**
 * The hot path's statements are keyed batches (`update … from unnest($1…) where t.key = u.key`).
 * On a young database the tables have no statistics yet (autovacuum analyses them a minute or
 * more later), and the planner, guessing, preferred reading the whole table into a hash or a
 * nested loop for every batch: on a benchmark each receipt batch read all open parts. The pool
 * must plan such a batch by its index whatever the statistics say.
 */
describe.skipIf(!url)('the hot-path pool on PostgreSQL', () => {
  let drop: (() => Promise<void>) | undefined;
  let client: SqlClient;

  beforeAll(async () => {
    const scratch = await createScratchDatabase(url ?? '');
    drop = scratch.drop;
    client = postgresSqlClient(scratch.url, { max: 2, connectTimeoutMs: 5_000, statementTimeoutMs: 10_000 }, silentLogger);
    await client.query(sql('test.plans.create', 'create table part (id uuid primary key, attempt_id uuid not null, part int not null, done boolean)'));
    await client.query(sql('test.plans.index', 'create index part_attempt_id_index on part (attempt_id)'));
    // Young: 20,000 rows and never analysed, as the attempt parts are a minute into a benchmark.
    await client.query(sql('test.plans.fill', 'insert into part select gen_random_uuid(), gen_random_uuid(), 1, null from generate_series(1, 20000)'));
  });

  afterAll(async () => {
    await client.close();
    await drop?.();
  });

  it('reads a batch of keyed rows by the index, not the whole young table', async () => {
    const keys = (await client.query<{ attempt_id: string }>(sql('test.plans.keys', 'select attempt_id from part order by random() limit 100'))).map((row) => row.attempt_id);
    const [row] = await client.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(
      sql(
        'test.plans.explain',
        `explain (format json)
         update part p set done = true
           from unnest($1::uuid[], $2::int[]) as u(attempt_id, part)
          where p.attempt_id = u.attempt_id and p.part = u.part and p.done is null`,
      ),
      [keys, keys.map(() => 1)],
    );
    const plan = row?.['QUERY PLAN'][0]?.Plan;
    expect(plan).toBeDefined();
    const scans = scansOf(plan as PlanNode).filter((scan) => scan.endsWith(' on part'));
    expect(scans).not.toContain('Seq Scan on part');
    expect(scans.some((scan) => /Index|Bitmap/.test(scan))).toBe(true);
  });
});
