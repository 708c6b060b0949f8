import { describe, expect, it } from 'vitest';
import { UnavailableError } from '../shared/errors.js';
import type { ItemOutcome } from '../shared/group-commit.js';
import { RequestBatcher } from './request-batcher.js';
import type { BatchRequest, VerificationUnitOfWork } from './verification.ports.js';

/** A database that commits only when the test says so. */
function slowDatabase() {
  const releases: (() => void)[] = [];
  const batches: number[] = [];
  return {
    batches,
    release: () => releases.shift()?.(),
    batch<R>(requests: readonly BatchRequest<R>[]): Promise<ItemOutcome<R>[]> {
      batches.push(requests.length);
      return new Promise((resolve) => {
        releases.push(() => {
          void Promise.all(requests.map((request) => request.work({} as VerificationUnitOfWork))).then((values) => {
            resolve(values.map((value) => ({ ok: true, value })));
          });
        });
      });
    },
  };
}

describe('RequestBatcher', () => {
  it('refuses a request at once with UNAVAILABLE and a retry hint when too many wait for the database', async () => {
    const database = slowDatabase();
    const batcher = new RequestBatcher(database, { maxWaiting: 2, concurrency: 1 });
    const running = batcher.run({}, () => Promise.resolve('first'));
    const waiting = [batcher.run({}, () => Promise.resolve('second')), batcher.run({}, () => Promise.resolve('third'))];

    const refused = await batcher.run({}, () => Promise.resolve('fourth')).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(UnavailableError);
    expect(refused).toMatchObject({ retryAfterMs: 250, message: '2 requests are waiting for the database' });

    database.release();
    await new Promise((resolve) => setImmediate(resolve));
    database.release();
    expect(await Promise.all([running, ...waiting])).toEqual(['first', 'second', 'third']);
    expect(database.batches).toEqual([1, 2]);
  });

  it('refuses new requests while it closes, and waits for those handed in', async () => {
    const database = slowDatabase();
    const batcher = new RequestBatcher(database, { maxWaiting: 10 });
    const handedIn = batcher.run({}, () => Promise.resolve('kept'));
    const closing = batcher.close();
    await expect(batcher.run({}, () => Promise.resolve('late'))).rejects.toMatchObject({ code: 'UNAVAILABLE', message: 'the service is shutting down' });
    database.release();
    await closing;
    expect(await handedIn).toBe('kept');
  });
});
