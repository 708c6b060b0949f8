import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/persistence/orm.js';
import { SqlAgentLinkStore } from '../../src/persistence/agent-link.store.js';
import { SecretBox } from '../../src/shared/secret-box.js';
import { createScratchDatabase, databaseTargets } from '../support/test-system.js';

const DAY = 24 * 3600 * 1000;

describe.each(databaseTargets())('the agent link store on $name', ({ url }) => {
  let database: Database;
  let drop: (() => Promise<void>) | undefined;
  let store: SqlAgentLinkStore;

  beforeAll(async () => {
    const scratch = url ? await createScratchDatabase(url) : undefined;
    drop = scratch?.drop;
    database = await openDatabase(scratch ? { kind: 'postgres', url: scratch.url } : { kind: 'pglite', dataDir: 'memory://' });
    await database.migrate();
    store = new SqlAgentLinkStore(database.sql, new SecretBox(randomBytes(32)));
    await database.em.fork().execute(`insert into agent (id, token_hash, token_prefix, created_at, token_issued_at) values ('site-1', 'h', 'sbagent_', now(), now())`);
  });

  afterAll(async () => {
    await database.close();
    await drop?.();
  });

  const submission = (attemptId: string) => ({
    attemptId,
    messageId: randomUUID(),
    agentId: 'site-1',
    provider: 'field',
    to: '+33612345678',
    text: 'Your code is 123456',
    statusReport: true,
    validitySeconds: 600,
    sendBefore: new Date(Date.now() + 60_000),
    modems: ['orange-1'],
  });

  it('keeps a command sealed at rest and gives it back whole', async () => {
    const id = randomUUID();
    await store.enqueue(submission(id));
    const [row] = await database.em.fork().execute<{ body_ciphertext: string }[]>(`select body_ciphertext from agent_command where attempt_id = ?`, [id]);
    expect(row?.body_ciphertext).not.toContain('123456');
    expect((await store.queued('site-1', new Date())).find((c) => c.attemptId === id)).toMatchObject({ text: 'Your code is 123456', modems: ['orange-1'], statusReport: true });
  });

  it('moves a command once: queued → accepted or expired, whichever comes first, and an outcome once per result id', async () => {
    const taken = randomUUID();
    await store.enqueue(submission(taken));
    expect(await store.markAccepted('site-1', taken)).toBe(true);
    expect(await store.expireIfQueued(taken)).toBe(false);
    expect(await store.markAccepted('site-1', taken)).toBe(false);
    const outcome = { kind: 'submitted', modemLabel: 'orange-1', modemImei: '1', references: [4], submittedAt: new Date() } as const;
    expect(await store.recordOutcome('site-1', 'r-1', taken, outcome)).toMatchObject({ before: 'accepted', command: { provider: 'field', to: '+33612345678' } });
    expect(await store.recordOutcome('site-1', 'r-1', taken, outcome)).toBeNull();
    expect((await store.outcomes([taken])).get(taken)).toMatchObject({ kind: 'submitted', references: [4] });
    expect(await store.abandonIfAccepted(taken)).toBe(false);

    const left = randomUUID();
    await store.enqueue(submission(left));
    expect(await store.expireIfQueued(left)).toBe(true);
    expect(await store.markAccepted('site-1', left)).toBe(false);
    expect((await store.queued('site-1', new Date())).map((c) => c.attemptId)).not.toContain(left);
  });

  it('prunes settled commands and result ids past the retention, never live commands', async () => {
    const settled = randomUUID();
    const live = randomUUID();
    await store.enqueue(submission(settled));
    await store.enqueue(submission(live));
    await store.markAccepted('site-1', live);
    await store.expireIfQueued(settled);
    await store.rememberResult('site-1', 'old-result');
    const em = database.em.fork();
    await em.execute(`update agent_command set created_at = now() - interval '8 days' where attempt_id in (?, ?)`, [settled, live]);
    await em.execute(`update agent_result set stored_at = now() - interval '8 days' where result_id = 'old-result'`);
    expect(await store.prune(new Date(Date.now() - 7 * DAY), 5000)).toBeGreaterThanOrEqual(2);
    expect(await store.resultSeen('site-1', 'old-result')).toBe(false);
    expect(await store.command('site-1', settled)).toBeNull();
    expect(await store.command('site-1', live)).toMatchObject({ state: 'accepted' });
    expect(await store.resultSeen('site-1', 'r-1')).toBe(true);
  });
});
