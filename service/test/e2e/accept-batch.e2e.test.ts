import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppRepository } from '../../src/persistence/app.repository.js';
import { openDatabase, type Database } from '../../src/persistence/orm.js';
import { sql, type SqlClient } from '../../src/persistence/sql-client.js';
import { SqlVerificationRepository } from '../../src/persistence/verification.repository.js';
import { SecretBox } from '../../src/shared/secret-box.js';
import type { BatchRequest } from '../../src/verification/verification.ports.js';
import { createScratchDatabase, databaseTargets } from '../support/test-system.js';

/** The real client, counting what goes to the database: a window on the round trips, not a stand-in. */
function counting(client: SqlClient): SqlClient & { transactions: number; statements: number } {
  const counted = {
    transactions: 0,
    statements: 0,
    query: ((statement, params) => {
      counted.statements += 1;
      return client.query(statement, params);
    }) as SqlClient['query'],
    transaction: ((work) => {
      counted.transactions += 1;
      return client.transaction((tx) =>
        work({
          query: (statement, params) => {
            counted.statements += 1;
            return tx.query(statement, params);
          },
        }),
      );
    }) as SqlClient['transaction'],
    close: () => client.close(),
  };
  return counted;
}

/**
 * How the accept path commits a batch: in one statement alone when it reads nothing (SendMessage),
 * in a transaction when it reads (SendCode's locks and rate limits), and never half.
 */
describe.each(databaseTargets())('accept batches on $name', ({ url }) => {
  let database: Database;
  let drop: (() => Promise<void>) | undefined;
  let box: SecretBox;
  let appId: string;

  beforeAll(async () => {
    const scratch = url ? await createScratchDatabase(url) : undefined;
    drop = scratch?.drop;
    database = await openDatabase(scratch ? { kind: 'postgres', url: scratch.url } : { kind: 'pglite', dataDir: 'memory://' });
    await database.migrate();
    box = new SecretBox(randomBytes(32));
    appId = (await new AppRepository(database.em).create({ name: 'batch-test', senderId: 'Test' })).id;
  });

  afterAll(async () => {
    await database.close();
    await drop?.();
  });

  const stored = async (ids: readonly string[]) => {
    const text = 'select id from message where id = any($1::uuid[])';
    const rows = await database.sql.query<{ id: string }>(sql(`test.${createHash('sha1').update(text).digest('hex').slice(0, 12)}`, text), [ids]);
    return rows.map((row) => row.id).sort();
  };

  const message = (id: string, to = '+4915123456789'): BatchRequest<{ readonly parts: number }> => ({
    reads: {},
    work: (uow) => uow.insertMessage({ id, appId, verificationId: null, kind: 'transactional', channel: 'sms', to, country: 'DE', from: 'Test', text: 'hello', lease: null }, new Date()),
  });

  it('writes a batch that reads nothing in one statement, without BEGIN and COMMIT', async () => {
    const client = counting(database.sql);
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    const outcomes = await new SqlVerificationRepository(client, box).batch(ids.map((id) => message(id)));
    expect(outcomes.map((outcome) => outcome.ok)).toEqual([true, true, true]);
    expect([client.transactions, client.statements]).toEqual([0, 1]);
    expect(await stored(ids)).toEqual([...ids].sort());
  });

  it('leaves out the writes of a request that failed, and keeps the others', async () => {
    const client = counting(database.sql);
    const [kept, failed] = [randomUUID(), randomUUID()];
    const failing: BatchRequest<{ readonly parts: number }> = {
      reads: {},
      work: async (uow) => {
        await uow.insertMessage({ id: failed, appId, verificationId: null, kind: 'transactional', channel: 'sms', to: '+4915123456780', country: 'DE', from: 'Test', text: 'x', lease: null }, new Date());
        throw new Error('refused after writing');
      },
    };
    const outcomes = await new SqlVerificationRepository(client, box).batch([message(kept), failing]);
    expect(outcomes.map((outcome) => outcome.ok)).toEqual([true, false]);
    expect(await stored([kept, failed])).toEqual([kept]);
  });

  it('runs a batch that reads in a transaction, from the start', async () => {
    const client = counting(database.sql);
    const id = randomUUID();
    const to = '+4915123456781';
    let runs = 0;
    // Reads it did not declare, as a request may: caught at the read, then run again in a transaction.
    const reading: BatchRequest<{ readonly parts: number }> = {
      reads: {},
      work: async (uow) => {
        runs += 1;
        expect(await uow.findPendingFor(appId, to)).toBeNull();
        return uow.insertMessage({ id, appId, verificationId: null, kind: 'transactional', channel: 'sms', to, country: 'DE', from: 'Test', text: 'hi', lease: null }, new Date());
      },
    };
    const outcomes = await new SqlVerificationRepository(client, box).batch([reading]);
    expect(outcomes.map((outcome) => outcome.ok)).toEqual([true]);
    expect(client.transactions).toBe(1);
    expect(runs).toBe(2);
    expect(await stored([id])).toEqual([id]);
  });

  it('runs a batch that declares locks in a transaction', async () => {
    const client = counting(database.sql);
    const id = randomUUID();
    const to = '+4915123456782';
    const locked: BatchRequest<{ readonly parts: number }> = { ...message(id, to), reads: { destinations: [to], sendsSince: new Date(Date.now() - 60_000) } };
    await new SqlVerificationRepository(client, box).batch([locked]);
    expect(client.transactions).toBe(1);
    expect(await stored([id])).toEqual([id]);
  });
});
