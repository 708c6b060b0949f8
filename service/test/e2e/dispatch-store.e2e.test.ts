import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppRepository } from '../../src/persistence/app.repository.js';
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
