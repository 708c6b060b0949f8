import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppRepository } from '../../src/persistence/app.repository.js';
import { AttemptSchema, MessageSchema, ProviderSchema } from '../../src/persistence/entities.js';
import { OrmDispatchStore } from '../../src/persistence/dispatch.repository.js';
import { openDatabase, type Database } from '../../src/persistence/orm.js';
import { OrmVerificationRepository } from '../../src/persistence/verification.repository.js';
import { SecretBox } from '../../src/shared/secret-box.js';
import { createScratchDatabase, databaseTargets } from '../support/test-system.js';

/** The message table as a work queue: claims must be exclusive, or a code goes out twice. */
describe.each(databaseTargets())('dispatch store claims on $name', ({ url }) => {
  let database: Database;
  let drop: (() => Promise<void>) | undefined;
  let store: OrmDispatchStore;
  let queueMessage: () => Promise<string>;

  beforeAll(async () => {
    const scratch = url ? await createScratchDatabase(url) : undefined;
    drop = scratch?.drop;
    database = await openDatabase(scratch ? { kind: 'postgres', url: scratch.url } : { kind: 'pglite', dataDir: 'memory://' });
    await database.migrate();
    const box = new SecretBox(randomBytes(32));
    store = new OrmDispatchStore(database.em, box);
    const app = await new AppRepository(database.em).create({ name: 'queue-test', senderId: 'Test' });
    const messages = new OrmVerificationRepository(database.em, box);
    queueMessage = async () => {
      const id = randomUUID();
      await messages.transaction((uow) =>
        uow.insertMessage({ id, appId: app.id, verificationId: null, kind: 'transactional', channel: 'sms', to: '+4915123456789', country: 'DE', from: 'Test', text: 'hello' }, new Date(Date.now() - 1000)),
      );
      return id;
    };
  });

  afterAll(async () => {
    await database.close();
    await drop?.();
  });

  const lease = () => new Date(Date.now() + 30_000);

  it('lets exactly one of many concurrent claims win', async () => {
    const id = await queueMessage();
    const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => store.claim(id, `replica-${i}`, new Date(), lease())));
    expect(claims.filter((claim) => claim !== null)).toHaveLength(1);
    expect(claims.find((claim) => claim !== null)?.text).toBe('hello');
  });

  it('does not let the same replica claim a message twice under two tokens', async () => {
    const id = await queueMessage();
    expect(await store.claim(id, 'replica-a:1', new Date(), lease())).not.toBeNull();
    expect(await store.claim(id, 'replica-a:2', new Date(), lease())).toBeNull();
  });

  it('hands a swept message only to the token the sweep leased it under', async () => {
    const id = await queueMessage();
    const due = await store.claimDue('replica-b', new Date(), lease(), 1000);
    const token = due.find((entry) => entry.id === id)?.token;
    expect(token).toBeDefined();
    expect(await store.claim(id, 'replica-b:in-process', new Date(), lease())).toBeNull();
    expect(await store.claim(id, token ?? '', new Date(), lease())).not.toBeNull();
  });

  it('lets another replica take over once a lease has run out', async () => {
    const id = await queueMessage();
    expect(await store.claim(id, 'crashed', new Date(), new Date(Date.now() - 1))).not.toBeNull();
    expect(await store.claim(id, 'survivor', new Date(), lease())).not.toBeNull();
  });
});

/** Receipts per SMS part: a long text is delivered when every part is, and ids match in either base. */
describe.each(databaseTargets())('dispatch store receipts on $name', ({ url }) => {
  let database: Database;
  let drop: (() => Promise<void>) | undefined;
  let store: OrmDispatchStore;
  let submittedMessage: (steps?: number) => Promise<{ messageId: string; attemptId: string; token: string }>;
  const provider = 'parts-smsc';

  beforeAll(async () => {
    const scratch = url ? await createScratchDatabase(url) : undefined;
    drop = scratch?.drop;
    database = await openDatabase(scratch ? { kind: 'postgres', url: scratch.url } : { kind: 'pglite', dataDir: 'memory://' });
    await database.migrate();
    const box = new SecretBox(randomBytes(32));
    store = new OrmDispatchStore(database.em, box);
    const app = await new AppRepository(database.em).create({ name: 'parts-test', senderId: 'Test' });
    await database.em.fork().insert(ProviderSchema, {
      id: randomUUID(), name: provider, kind: 'smpp', enabled: true, channels: ['sms'], settings: {}, credentialsCiphertext: null,
      throughputPerSecond: 0, burst: 0, maxInFlight: 0, priceCurrency: 'EUR', createdAt: new Date(), updatedAt: new Date(),
    });
    const messages = new OrmVerificationRepository(database.em, box);
    submittedMessage = async (steps = 2) => {
      const messageId = randomUUID();
      await messages.transaction((uow) =>
        uow.insertMessage({ id: messageId, appId: app.id, verificationId: null, kind: 'transactional', channel: 'sms', to: '+4915123456789', country: 'DE', from: 'Test', text: 'hello' }, new Date(Date.now() - 1000)),
      );
      const token = `t:${randomUUID()}`;
      expect(await store.claim(messageId, token, new Date(), new Date(Date.now() + 30_000))).not.toBeNull();
      const plan = { rule: 'r', steps: Array.from({ length: steps }, () => ({ provider, channel: 'sms' as const, expectedCostMicros: 10_000, currency: 'EUR', receiptTimeoutSeconds: 60 })) };
      const attemptId = await store.startAttempt(messageId, token, plan, 0, new Date(Date.now() + 30_000));
      if (attemptId === null) throw new Error('lease lost');
      return { messageId, attemptId, token };
    };
  });

  afterAll(async () => {
    await database.close();
    await drop?.();
  });

  const status = async (messageId: string) => {
    const row = await database.em.fork().findOneOrFail(MessageSchema, { id: messageId });
    return row.status;
  };
  const attemptStatus = async (attemptId: string) => (await database.em.fork().findOneOrFail(AttemptSchema, { id: attemptId })).status;

  it('renews the lease of a message being sent under its own token only, so the sweep leaves a long submit alone', async () => {
    const { messageId, attemptId, token } = await submittedMessage(1);
    expect(await store.renewLease(messageId, 'another-replica', new Date(Date.now() + 120_000))).toBe(false);
    expect(await store.renewLease(messageId, token, new Date(Date.now() + 120_000))).toBe(true);
    // The 30 s lease startAttempt gave would have run out by now; the renewed one has not.
    await store.recoverStaleSends(new Date(Date.now() + 60_000));
    expect(await status(messageId)).toBe('sending');
    expect(await attemptStatus(attemptId)).toBe('sending');
  });

  it('delivers a three-part text only when every part is delivered, and ignores a duplicate part report', async () => {
    const { messageId, attemptId } = await submittedMessage();
    await store.markSubmitted(attemptId, messageId, { providerMessageId: '101', partMessageIds: ['101', '102', '103'], parts: 3 }, new Date());
    expect(await store.applyReceipt(provider, { providerMessageId: '101', state: 'delivered' }, new Date())).toEqual({ kind: 'ignored' });
    expect(await store.applyReceipt(provider, { providerMessageId: '101', state: 'delivered' }, new Date())).toEqual({ kind: 'ignored' });
    expect(await store.applyReceipt(provider, { providerMessageId: '102', state: 'delivered' }, new Date())).toEqual({ kind: 'ignored' });
    expect(await status(messageId)).toBe('submitted');
    expect(await store.applyReceipt(provider, { providerMessageId: '103', state: 'delivered' }, new Date())).toMatchObject({ kind: 'final', delivered: true });
    expect(await status(messageId)).toBe('delivered');
    const attempt = await database.em.fork().findOneOrFail(AttemptSchema, { id: attemptId });
    expect(attempt).toMatchObject({ status: 'delivered', parts: 3, providerMessageId: '101', actualCostMicros: 30_000 });
  });

  it('delivers a long text sent whole (message_payload) on its one receipt, billed for every part', async () => {
    const { messageId, attemptId } = await submittedMessage();
    await store.markSubmitted(attemptId, messageId, { providerMessageId: '150', parts: 3 }, new Date());
    expect(await store.applyReceipt(provider, { providerMessageId: '150', state: 'delivered' }, new Date())).toMatchObject({ kind: 'final', delivered: true });
    const attempt = await database.em.fork().findOneOrFail(AttemptSchema, { id: attemptId });
    expect(attempt).toMatchObject({ status: 'delivered', parts: 3, receiptParts: 1, actualCostMicros: 30_000 });
  });

  it('settles a three-part text on one receipt when the carrier reports a text once, under whichever part id', async () => {
    for (const [ids, reported] of [[['160', '161', '162'], '162'], [['170', '171', '172'], '170']] as const) {
      const { messageId, attemptId } = await submittedMessage();
      await store.markSubmitted(attemptId, messageId, { providerMessageId: ids[0], partMessageIds: ids, parts: 3, receiptsExpected: 1 }, new Date());
      expect(await store.applyReceipt(provider, { providerMessageId: reported, state: 'delivered' }, new Date())).toMatchObject({ kind: 'final', delivered: true });
      expect(await status(messageId)).toBe('delivered');
      expect(await database.em.fork().findOneOrFail(AttemptSchema, { id: attemptId })).toMatchObject({ status: 'delivered', parts: 3, receiptParts: 1 });
    }
  });

  it('fails the attempt on the first failed part and moves to the next step', async () => {
    const { messageId, attemptId } = await submittedMessage();
    await store.markSubmitted(attemptId, messageId, { providerMessageId: '201', partMessageIds: ['201', '202'], parts: 2 }, new Date());
    expect(await store.applyReceipt(provider, { providerMessageId: '201', state: 'delivered' }, new Date())).toEqual({ kind: 'ignored' });
    expect(await store.applyReceipt(provider, { providerMessageId: '202', state: 'failed', errorCode: '0x0b' }, new Date())).toMatchObject({ kind: 'requeued', messageId });
    expect(await attemptStatus(attemptId)).toBe('failed');
    expect(await status(messageId)).toBe('queued');
  });

  it('compares ids exactly: an id in another base never resolves to another message', async () => {
    const exact = await submittedMessage(1);
    const other = await submittedMessage(1);
    await store.markSubmitted(exact.attemptId, exact.messageId, { providerMessageId: '3e8', parts: 1 }, new Date());
    await store.markSubmitted(other.attemptId, other.messageId, { providerMessageId: '1000', parts: 1 }, new Date());
    // 1000 decimal is 0x3e8: a carrier reporting in decimal is converted by its provider
    // (receiptIdBase), never guessed at here, where '1000' is another message's id.
    expect(await store.applyReceipt(provider, { providerMessageId: '1000', state: 'delivered' }, new Date())).toMatchObject({ kind: 'final', messageId: other.messageId });
    expect(await status(exact.messageId)).toBe('submitted');
    expect(await store.applyReceipt(provider, { providerMessageId: '03E8', state: 'delivered' }, new Date())).toMatchObject({ kind: 'final', messageId: exact.messageId });
  });

  it('records a late submit answer on an unknown attempt so its receipt still matches', async () => {
    const { messageId, attemptId } = await submittedMessage(1);
    await store.markOutcomeUnknown(attemptId, messageId, { code: 'TIMEOUT', message: 'no submit_sm_resp' }, new Date());
    expect(await store.applyReceipt(provider, { providerMessageId: '9001', state: 'delivered' }, new Date())).toEqual({ kind: 'unmatched' });
    expect(await store.recordLateAcceptance(provider, { attemptId, part: 1, parts: 1, providerMessageId: '9001' }, new Date())).toBe('recorded');
    expect(await store.applyReceipt(provider, { providerMessageId: '9001', state: 'delivered' }, new Date())).toMatchObject({ kind: 'final', delivered: true });
    expect(await status(messageId)).toBe('delivered');
    // Once the attempt is settled, a late answer changes nothing.
    expect(await store.recordLateAcceptance(provider, { attemptId, part: 1, parts: 1, providerMessageId: '9002' }, new Date())).toBe('unmatched');
    expect(await store.recordLateAcceptance('no-such-provider', { attemptId, part: 1, parts: 1, providerMessageId: '9003' }, new Date())).toBe('unmatched');
  });

  it('settles an attempt whose late answer and receipt beat the write of its unknown outcome', async () => {
    const { messageId, attemptId } = await submittedMessage(1);
    // Still 'sending': the submit's timeout is being recorded while the late answer and receipt arrive.
    expect(await store.recordLateAcceptance(provider, { attemptId, part: 1, parts: 1, providerMessageId: '7001' }, new Date())).toBe('recorded');
    expect(await store.applyReceipt(provider, { providerMessageId: '7001', state: 'delivered' }, new Date())).toEqual({ kind: 'ignored' });
    await store.markOutcomeUnknown(attemptId, messageId, { code: 'TIMEOUT', message: 'no submit_sm_resp' }, new Date());
    expect(await attemptStatus(attemptId)).toBe('delivered');
    expect(await status(messageId)).toBe('delivered');
  });

  it('settles a failure that beat the write of the unknown outcome: the message moves on', async () => {
    const { messageId, attemptId } = await submittedMessage(2);
    expect(await store.recordLateAcceptance(provider, { attemptId, part: 1, parts: 1, providerMessageId: '7101' }, new Date())).toBe('recorded');
    expect(await store.applyReceipt(provider, { providerMessageId: '7101', state: 'failed', errorCode: '0x0b' }, new Date())).toEqual({ kind: 'ignored' });
    await store.markOutcomeUnknown(attemptId, messageId, { code: 'TIMEOUT', message: 'no submit_sm_resp' }, new Date());
    expect(await attemptStatus(attemptId)).toBe('failed');
    expect(await status(messageId)).toBe('queued');
  });

  it('keeps the parts taken before a later part failed, so their receipts are followed', async () => {
    const { messageId, attemptId } = await submittedMessage(2);
    await store.markOutcomeUnknown(attemptId, messageId, { code: 'ESME_RSYSERR', message: 'part 2 refused' }, new Date(), { partMessageIds: ['301'], parts: 2 });
    // Part 1 delivered, part 2 never went: not delivered, and not resent either.
    expect(await store.applyReceipt(provider, { providerMessageId: '301', state: 'delivered' }, new Date())).toEqual({ kind: 'ignored' });
    expect(await attemptStatus(attemptId)).toBe('unknown');
    expect(await status(messageId)).toBe('submitted');
  });
});
