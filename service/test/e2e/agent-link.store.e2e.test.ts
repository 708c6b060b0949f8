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
    expect((await store.queued('site-1', new Date(), null, 100)).commands.find((c) => c.attemptId === id)).toMatchObject({ text: 'Your code is 123456', modems: ['orange-1'], statusReport: true });
  });

  it('moves a command once: queued → accepted or expired, whichever comes first, and an outcome once per result id', async () => {
    const taken = randomUUID();
    await store.enqueue(submission(taken));
    expect(await store.markAccepted('site-1', taken)).toBe(true);
    expect(await store.expireIfQueued(taken)).toBe(false);
    expect(await store.markAccepted('site-1', taken)).toBe(false);
    const outcome = { kind: 'submitted', modemLabel: 'orange-1', modemImei: '1', references: [4], submittedAt: new Date() } as const;
    expect(await store.recordOutcome('site-1', 'r-1', taken, outcome)).toMatchObject({ fresh: true, before: 'accepted', command: { provider: 'field', to: '+33612345678' } });
    expect(await store.recordOutcome('site-1', 'r-1', taken, outcome)).toMatchObject({ fresh: false });
    expect((await store.outcomes([taken])).get(taken)).toMatchObject({ kind: 'submitted', references: [4] });
    expect(await store.abandonIfAccepted(taken)).toBe(false);

    const left = randomUUID();
    await store.enqueue(submission(left));
    expect(await store.expireIfQueued(left)).toBe(true);
    expect(await store.markAccepted('site-1', left)).toBe(false);
    expect((await store.queued('site-1', new Date(), null, 100)).commands.map((c) => c.attemptId)).not.toContain(left);
  });

  it('never withdraws a command once a stream has carried it: the agent may have it', async () => {
    const offered = randomUUID();
    await store.enqueue(submission(offered));
    expect(await store.offer('site-1', [offered])).toEqual(new Set([offered]));
    expect(await store.expireIfQueued(offered)).toBe(false);
    // Offered again on a new stream: still queued, so it may be written again (the accept is idempotent).
    expect(await store.offer('site-1', [offered])).toEqual(new Set([offered]));
    expect(await store.abandonIfOffered(offered)).toBe(true);
    expect(await store.offer('site-1', [offered])).toEqual(new Set());
  });

  it('reads a backlog page by page, each command once', async () => {
    const ids: string[] = Array.from({ length: 5 }, () => randomUUID());
    for (const id of ids) await store.enqueue(submission(id));
    const seen: string[] = [];
    let cursor = null;
    do {
      const page = await store.queued('site-1', new Date(), cursor, 2);
      seen.push(...page.commands.map((c) => c.attemptId));
      cursor = page.next;
    } while (cursor !== null);
    // Each exactly once (ties on created_at, which PGlite's clock gives, are broken by id).
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((id) => ids.includes(id)).sort()).toEqual([...ids].sort());
  });

  it('applies an outcome once per result id, and tells a resend from a fresh one', async () => {
    const id = randomUUID();
    await store.enqueue(submission(id));
    const failed = { kind: 'failed', failure: 'retryable', reason: 'busy', modemLabel: 'orange-1' } as const;
    expect(await store.recordOutcome('site-1', 'f-1', id, failed)).toMatchObject({ fresh: true, before: 'queued' });
    expect(await store.recordOutcome('site-1', 'f-1', id, failed)).toMatchObject({ fresh: false, before: 'failed' });
    const later = { kind: 'submitted', modemLabel: 'orange-1', modemImei: '1', references: [1], submittedAt: new Date() } as const;
    expect(await store.recordOutcome('site-1', 'f-2', id, later)).toMatchObject({ fresh: true, before: 'failed' });
    expect((await store.outcomes([id])).get(id)).toMatchObject({ kind: 'failed' });
    expect(await store.recordOutcome('site-1', 'f-3', randomUUID(), later)).toBeNull();
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
