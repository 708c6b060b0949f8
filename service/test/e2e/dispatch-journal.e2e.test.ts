import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DispatchJournal, type CommittedEffects, type SubmitResult } from '../../src/dispatch/dispatch-journal.js';
import type { StoredStep } from '../../src/dispatch/dispatch.ports.js';
import { AppRepository } from '../../src/persistence/app.repository.js';
import { SqlDispatchStore } from '../../src/persistence/dispatch.store.js';
import { openDatabase, type Database } from '../../src/persistence/orm.js';
import { ProviderRepository } from '../../src/persistence/provider.repository.js';
import { sql } from '../../src/persistence/sql-client.js';
import { SqlVerificationRepository } from '../../src/persistence/verification.repository.js';
import type { DeliveryReceipt } from '../../src/providers/channel-provider.js';
import { SecretBox } from '../../src/shared/secret-box.js';
import { createScratchDatabase, databaseTargets } from '../support/test-system.js';

const PROVIDER = 'parts-smsc';
const OWNER = 'replica-test';
const TO = '+4915123456789';

/**
 * The journal and the SQL store together, on real databases: the message table as a work queue,
 * attempts and their parts, receipts in every order a carrier can send them.
 */
describe.each(databaseTargets())('dispatch journal and store on $name', ({ url }) => {
  let database: Database;
  let drop: (() => Promise<void>) | undefined;
  let store: SqlDispatchStore;
  let journal: DispatchJournal;
  let accepts: SqlVerificationRepository;
  let appId: string;
  let effects: CommittedEffects[];

  beforeAll(async () => {
    const scratch = url ? await createScratchDatabase(url) : undefined;
    drop = scratch?.drop;
    database = await openDatabase(scratch ? { kind: 'postgres', url: scratch.url } : { kind: 'pglite', dataDir: 'memory://' });
    await database.migrate();
    const box = new SecretBox(randomBytes(32));
    store = new SqlDispatchStore(database.sql, box);
    accepts = new SqlVerificationRepository(database.sql, box);
    appId = (await new AppRepository(database.em).create({ name: 'journal-test', senderId: 'Test' })).id;
    await new ProviderRepository(database.em, box).upsert({ name: PROVIDER, kind: 'smpp', channels: ['sms'], settings: {}, credentials: {} });
    journal = new DispatchJournal({ store, onCommitted: (committed) => effects.push(committed) });
  });

  beforeEach(() => {
    effects = [];
  });

  afterAll(async () => {
    await journal.close();
    await database.close();
    await drop?.();
  });

  const row = async <R extends object>(text: string, params: unknown[]): Promise<R | undefined> => (await database.sql.query<R>(sql(`test.${createHash('sha1').update(text).digest('hex').slice(0, 16)}`, text), params))[0];
  const message = (id: string) => row<{ status: string; step: number; lease_owner: string | null; last_error: string | null }>('select status, step, lease_owner, last_error from message where id = $1', [id]);
  const attempt = (id: string) =>
    row<{ status: string; receipt_parts: number | null; parts: number | null; provider_message_id: string | null; actual_cost_micros: number | null; error_message: string | null; completed: boolean }>(
      'select status, receipt_parts, parts, provider_message_id, actual_cost_micros::int, error_message, completed_at is not null as completed from attempt where id = $1',
      [id],
    );

  /** A message stored under this replica's lease, as SendMessage stores it. */
  async function queuedMessage(options: { lease?: string | null; to?: string; createdAgoMs?: number } = {}): Promise<string> {
    const id = randomUUID();
    const lease = options.lease === undefined ? OWNER : options.lease;
    const [outcome] = await accepts.batch([
      {
        reads: {},
        work: (uow) =>
          uow.insertMessage(
            { id, appId, verificationId: null, kind: 'transactional', channel: 'sms', to: options.to ?? TO, country: 'DE', from: 'Test', text: 'hello', lease: lease === null ? null : { owner: lease, seconds: 60 } },
            new Date(Date.now() - (options.createdAgoMs ?? 1000)),
          ),
      },
    ]);
    if (!outcome?.ok) throw new Error('message not stored');
    return id;
  }

  const plan = (steps: number): StoredStep[] => Array.from({ length: steps }, () => ({ provider: PROVIDER, channel: 'sms', expectedCostMicros: 10_000, currency: 'EUR', receiptTimeoutSeconds: 60 }));
  const policy = () => ({ now: new Date(), validUntil: new Date(Date.now() + 600_000) });

  /** A message whose attempt at step 0 has started (the submit is under way). */
  async function sending(steps = 2, to?: string): Promise<{ messageId: string; attemptId: string }> {
    const messageId = await queuedMessage({ to });
    const attemptId = randomUUID();
    const started = await journal.start(OWNER, { attemptId, messageId, provider: PROVIDER, step: 0, channel: 'sms', expectedCostMicros: 10_000, currency: 'EUR', receiptTimeoutSeconds: 60, plan: plan(steps), routeRule: 'r' });
    expect(started).toBe(true);
    return { messageId, attemptId };
  }

  const record = (messageId: string, attemptId: string, result: SubmitResult, held: DeliveryReceipt[] = []) =>
    journal.record({ messageId, attemptId, result, policy: policy(), expectedCostMicros: 10_000, predictedParts: 1, held: { sealed: false, receipts: held } });
  const accepted = (ids: string[], extra: { parts?: number; receiptsExpected?: number } = {}): SubmitResult => ({
    kind: 'accepted',
    accepted: { providerMessageId: ids[0] ?? '', ...(ids.length > 1 ? { partMessageIds: ids } : {}), parts: extra.parts ?? ids.length, receiptsExpected: extra.receiptsExpected },
  });
  const receipt = (providerMessageId: string, state: DeliveryReceipt['state'], extra: Partial<DeliveryReceipt> = {}) => journal.receipt(PROVIDER, { providerMessageId, state, ...extra });

  describe('the queue', () => {
    it('lets each due message be claimed by exactly one of many replicas claiming at once', async () => {
      const ids = await Promise.all(Array.from({ length: 20 }, () => queuedMessage({ lease: null })));
      const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => store.claimDue(`replica-${i}`, 60, 100)));
      const claimed = claims.flat().map((claimedMessage) => claimedMessage.id).filter((id) => ids.includes(id));
      expect(claimed.sort()).toEqual([...ids].sort());
      expect(claims.flat().find((claimedMessage) => claimedMessage.id === ids[0])?.text).toBe('hello');
    });

    it('does not hand out a message another replica holds, and gives it up when that replica releases it', async () => {
      const id = await queuedMessage({ lease: 'replica-a' });
      expect((await store.claimDue('replica-b', 60, 1000)).map((m) => m.id)).not.toContain(id);
      await store.releaseLeases('replica-a', [id]);
      expect((await store.claimDue('replica-b', 60, 1000)).map((m) => m.id)).toContain(id);
      expect(await message(id)).toMatchObject({ lease_owner: 'replica-b' });
    });

    it('starts an attempt only under the lease it was claimed with', async () => {
      const id = await queuedMessage({ lease: 'replica-a' });
      const start = { attemptId: randomUUID(), messageId: id, provider: PROVIDER, step: 0, channel: 'sms' as const, expectedCostMicros: null, currency: 'EUR', receiptTimeoutSeconds: 60, plan: plan(1), routeRule: null };
      expect(await journal.start('replica-b', start)).toBe(false);
      expect(await journal.start('replica-a', start)).toBe(true);
      expect(await message(id)).toMatchObject({ status: 'sending' });
    });

    it('lets another replica take a message over once its lease ran out', async () => {
      const id = await queuedMessage({ lease: 'crashed' });
      await database.sql.query(sql('test.expire-lease', `update message set lease_until = now() - interval '1 second' where id = $1`), [id]);
      expect((await store.claimDue('survivor', 60, 1000)).map((m) => m.id)).toContain(id);
    });
  });

  describe('submit results', () => {
    it('records an accepted submit with its parts, cost and receipt deadline', async () => {
      const { messageId, attemptId } = await sending();
      const outcome = await record(messageId, attemptId, accepted(['A1']));
      expect(outcome.change).toMatchObject({ status: 'submitted' });
      expect(await attempt(attemptId)).toMatchObject({ status: 'submitted', provider_message_id: 'a1', parts: 1, receipt_parts: 1, completed: false });
      expect(await message(messageId)).toMatchObject({ status: 'submitted', lease_owner: null });
    });

    it('moves to the next step at once on a refusal, keeping the message on this replica', async () => {
      const { messageId, attemptId } = await sending(2);
      const outcome = await record(messageId, attemptId, { kind: 'refused', error: { code: 'ESME_RINVDSTADR', message: 'bad number' }, retryable: false, notConnected: false });
      expect(outcome.change).toMatchObject({ status: 'queued', step: 1, keepLease: true });
      expect(await attempt(attemptId)).toMatchObject({ status: 'failed', completed: true });
      expect(await message(messageId)).toMatchObject({ status: 'queued', step: 1, lease_owner: OWNER });
      expect(effects.flatMap((e) => e.breaker)).toContainEqual({ provider: PROVIDER, signal: 'submit-failure' });
    });

    it('settles at once a submit whose receipt came on this replica before the result was written', async () => {
      const { messageId, attemptId } = await sending(1);
      await record(messageId, attemptId, accepted(['B1']), [{ providerMessageId: 'b1', state: 'delivered' }]);
      expect(await attempt(attemptId)).toMatchObject({ status: 'delivered', completed: true });
      expect(await message(messageId)).toMatchObject({ status: 'delivered' });
      expect(effects.flatMap((e) => e.finished)).toContainEqual({ messageId, status: 'delivered' });
    });
  });

  describe('receipts per part', () => {
    it('delivers a three-part text only when every part is delivered, and ignores a duplicate report', async () => {
      const { messageId, attemptId } = await sending();
      await record(messageId, attemptId, accepted(['101', '102', '103']));
      expect(await receipt('101', 'delivered')).toMatchObject({ kind: 'applied' });
      expect(await receipt('101', 'delivered')).toEqual({ kind: 'kept' }); // an ended part: kept apart, changes nothing
      expect(await receipt('102', 'delivered')).toMatchObject({ kind: 'applied' });
      expect(await message(messageId)).toMatchObject({ status: 'submitted' });
      expect(await receipt('103', 'delivered')).toMatchObject({ kind: 'applied', change: { status: 'delivered' } });
      expect(await attempt(attemptId)).toMatchObject({ status: 'delivered', parts: 3, receipt_parts: 3 });
    });

    it('delivers a long text sent whole (message_payload) on its one receipt, billed for every part', async () => {
      const { messageId, attemptId } = await sending();
      await record(messageId, attemptId, accepted(['150'], { parts: 3 }));
      await receipt('150', 'delivered');
      expect(await attempt(attemptId)).toMatchObject({ status: 'delivered', parts: 3, receipt_parts: 1, actual_cost_micros: 30_000 });
      expect(await message(messageId)).toMatchObject({ status: 'delivered' });
    });

    it('settles a three-part text on one receipt when the carrier reports a text once, under whichever part id', async () => {
      for (const [ids, reported] of [[['160', '161', '162'], '162'], [['170', '171', '172'], '170']] as const) {
        const { messageId, attemptId } = await sending();
        await record(messageId, attemptId, accepted([...ids], { receiptsExpected: 1 }));
        await receipt(reported, 'delivered');
        expect(await message(messageId)).toMatchObject({ status: 'delivered' });
        expect(await attempt(attemptId)).toMatchObject({ status: 'delivered', parts: 3, receipt_parts: 1 });
      }
    });

    it('fails the attempt on the first failed part and queues the next step for any replica', async () => {
      const { messageId, attemptId } = await sending(2);
      await record(messageId, attemptId, accepted(['201', '202']));
      await receipt('201', 'delivered');
      expect(await receipt('202', 'failed', { errorCode: '0x0b' })).toMatchObject({ kind: 'applied', change: { status: 'queued', step: 1, keepLease: false } });
      expect(await attempt(attemptId)).toMatchObject({ status: 'failed' });
      expect(await message(messageId)).toMatchObject({ status: 'queued', step: 1, lease_owner: null });
      expect(effects.flatMap((e) => e.released)).toContain(messageId);
    });

    it('compares ids exactly: an id in another base never resolves to another message', async () => {
      const exact = await sending(1);
      const other = await sending(1);
      await record(exact.messageId, exact.attemptId, accepted(['3e8']));
      await record(other.messageId, other.attemptId, accepted(['1000']));
      // 1000 decimal is 0x3e8: a carrier reporting in decimal is converted by its provider
      // (receiptIdBase), never guessed at here, where '1000' is another message's id.
      expect(await receipt('1000', 'delivered')).toMatchObject({ kind: 'applied', messageId: other.messageId });
      expect(await message(exact.messageId)).toMatchObject({ status: 'submitted' });
      expect(await receipt('03E8', 'delivered')).toMatchObject({ kind: 'applied', messageId: exact.messageId });
    });

    it('ignores intermediate reports without storing them', async () => {
      const { messageId, attemptId } = await sending(1);
      await record(messageId, attemptId, accepted(['250']));
      expect(await receipt('250', 'enroute')).toEqual({ kind: 'ignored' });
      expect(await message(messageId)).toMatchObject({ status: 'submitted' });
    });
  });

  describe('receipts racing their submit', () => {
    it('keeps a receipt that came before its submit was recorded, and applies it when it is', async () => {
      const { messageId, attemptId } = await sending(2);
      expect(await receipt('401', 'delivered', { handset: TO.slice(1) })).toEqual({ kind: 'kept' });
      await record(messageId, attemptId, accepted(['401']));
      expect(await message(messageId)).toMatchObject({ status: 'delivered' });
      expect(await row('select count(*)::int as n from pending_receipt where provider_message_id = $1', ['401'])).toEqual({ n: 0 });
    });

    it('does not give a kept receipt to a message sent to another handset under a reused id', async () => {
      const { messageId, attemptId } = await sending(2, '+4915123456700');
      await receipt('402', 'delivered', { handset: '4915123456799' });
      await record(messageId, attemptId, accepted(['402']));
      expect(await message(messageId)).toMatchObject({ status: 'submitted' });
    });

    it('does not give a receipt kept before an attempt started to that attempt', async () => {
      await receipt('403', 'delivered');
      await new Promise((resolve) => setTimeout(resolve, 20));
      const { messageId, attemptId } = await sending(2);
      await record(messageId, attemptId, accepted(['403']));
      expect(await message(messageId)).toMatchObject({ status: 'submitted' });
    });

    it('gives a receipt for a reused id to the open part of the handset it names, not to the newest part', async () => {
      const older = await sending(1, '+4915123456711');
      const newer = await sending(1, '+4915123456722');
      await record(older.messageId, older.attemptId, accepted(['404']));
      await record(newer.messageId, newer.attemptId, accepted(['404']));
      expect(await receipt('404', 'delivered', { handset: '4915123456711' })).toMatchObject({ kind: 'applied', messageId: older.messageId });
      expect(await message(newer.messageId)).toMatchObject({ status: 'submitted' });
    });

    it('the sweep applies a kept receipt whose submit was recorded in a transaction that did not see it', async () => {
      const { messageId, attemptId } = await sending(2);
      await record(messageId, attemptId, accepted(['405']));
      // As if stored by another replica while this one recorded the submit (neither saw the other).
      await database.sql.query(
        sql('test.pending', `insert into pending_receipt (id, provider_id, provider_message_id, state, received_at) select gen_random_uuid(), id, '405', 'delivered', now() - interval '2 seconds' from provider where name = $1`),
        [PROVIDER],
      );
      const [kept] = await store.matchablePendingReceipts(100);
      expect(kept).toMatchObject({ provider: PROVIDER, providerMessageId: '405' });
      await journal.receipt(PROVIDER, { providerMessageId: '405', state: 'delivered' }, kept?.id);
      expect(await message(messageId)).toMatchObject({ status: 'delivered' });
      expect(await store.matchablePendingReceipts(100)).toEqual([]);
    });
  });

  describe('unknown outcomes and late answers', () => {
    const timeout = { kind: 'unknown' as const, error: { code: 'TIMEOUT', message: 'no submit_sm_resp' } };

    it('records a late submit answer on an unknown attempt so its receipt still matches', async () => {
      const { messageId, attemptId } = await sending(1);
      await record(messageId, attemptId, timeout);
      expect(await attempt(attemptId)).toMatchObject({ status: 'unknown', completed: false });
      expect(await journal.lateAcceptance(PROVIDER, { attemptId, part: 1, parts: 1, providerMessageId: '9001' })).toBe('recorded');
      expect(await receipt('9001', 'delivered')).toMatchObject({ kind: 'applied' });
      expect(await message(messageId)).toMatchObject({ status: 'delivered' });
      expect((await attempt(attemptId))?.error_message).toMatch(/no submit_sm_resp; part 1 accepted late/);
      // Once the attempt is settled, a late answer changes nothing.
      expect(await journal.lateAcceptance(PROVIDER, { attemptId, part: 1, parts: 1, providerMessageId: '9002' })).toBe('unmatched');
      expect(await journal.lateAcceptance('no-such-provider', { attemptId, part: 1, parts: 1, providerMessageId: '9003' })).toBe('unmatched');
    });

    it('settles an attempt whose late answer and receipt beat the write of its unknown outcome', async () => {
      const { messageId, attemptId } = await sending(1);
      expect(await journal.lateAcceptance(PROVIDER, { attemptId, part: 1, parts: 1, providerMessageId: '7001' })).toBe('recorded');
      expect(await receipt('7001', 'delivered')).toMatchObject({ kind: 'applied', change: undefined });
      await record(messageId, attemptId, timeout);
      expect(await attempt(attemptId)).toMatchObject({ status: 'delivered' });
      expect(await message(messageId)).toMatchObject({ status: 'delivered' });
    });

    it('settles a failure that beat the write of the unknown outcome: the message moves on', async () => {
      const { messageId, attemptId } = await sending(2);
      await journal.lateAcceptance(PROVIDER, { attemptId, part: 1, parts: 1, providerMessageId: '7101' });
      await receipt('7101', 'failed', { errorCode: '0x0b' });
      await record(messageId, attemptId, timeout);
      expect(await attempt(attemptId)).toMatchObject({ status: 'failed' });
      expect(await message(messageId)).toMatchObject({ status: 'queued', step: 1 });
    });

    it('keeps the parts taken before a later part failed, so their receipts are followed, and sends nothing again', async () => {
      const { messageId, attemptId } = await sending(2);
      await record(messageId, attemptId, { ...timeout, acceptedParts: { partMessageIds: ['301'], parts: 2 } });
      await receipt('301', 'delivered');
      expect(await attempt(attemptId)).toMatchObject({ status: 'unknown', receipt_parts: 2 });
      expect(await message(messageId)).toMatchObject({ status: 'submitted' });
    });
  });

  describe('the sweep', () => {
    const overdue = (id: string) => database.sql.query(sql('test.overdue', `update message set not_before = now() - interval '1 second' where id = $1`), [id]);

    it('expires an attempt whose receipt never came and queues the next step', async () => {
      const { messageId, attemptId } = await sending(2);
      await record(messageId, attemptId, accepted(['501']));
      await overdue(messageId);
      expect((await journal.sweep(100)).overdue).toBeGreaterThanOrEqual(1);
      expect(await attempt(attemptId)).toMatchObject({ status: 'expired', completed: true });
      expect(await message(messageId)).toMatchObject({ status: 'queued', step: 1, lease_owner: null });
    });

    it('ends a message whose unknown attempt stayed silent, without falling back', async () => {
      const { messageId, attemptId } = await sending(2);
      await record(messageId, attemptId, { kind: 'unknown', error: { code: 'TIMEOUT', message: 'no answer' } });
      await overdue(messageId);
      await journal.sweep(100);
      expect(await attempt(attemptId)).toMatchObject({ status: 'unknown', completed: true });
      expect(await message(messageId)).toMatchObject({ status: 'failed' });
    });

    it('records a send a dead replica left as outcome unknown, never resent', async () => {
      const { messageId, attemptId } = await sending(2);
      await database.sql.query(sql('test.dead-lease', `update message set lease_until = now() - interval '1 second' where id = $1`), [messageId]);
      expect((await journal.sweep(100)).interrupted).toBeGreaterThanOrEqual(1);
      expect(await attempt(attemptId)).toMatchObject({ status: 'unknown', completed: false });
      expect(await message(messageId)).toMatchObject({ status: 'submitted', last_error: 'interrupted during submit: outcome unknown, not resent' });
    });

    it('leaves a send alone while its replica renews the lease', async () => {
      const { messageId, attemptId } = await sending(2);
      await database.sql.query(sql('test.short-lease', `update message set lease_until = now() + interval '1 second' where id = $1`), [messageId]);
      await store.renewLeases(OWNER, 120, [messageId]);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      await journal.sweep(100);
      expect(await attempt(attemptId)).toMatchObject({ status: 'sending' });
    });
  });
});
