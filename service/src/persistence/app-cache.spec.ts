import { describe, expect, it } from 'vitest';
import type { AppProfile } from '../verification/app-profile.js';
import { CachedAppAuthenticator } from './app-cache.js';

const app = (name: string): AppProfile => ({ id: `id-${name}`, name, domain: null, defaultLocale: 'en', senderId: 'Acme', templates: {}, emailTemplates: {}, allowedCountries: [], defaultCodeLength: 6 });

/** A key store whose lookups the test answers by hand, counting them. */
function slowSource(initial: Record<string, AppProfile | null>) {
  const apps = new Map(Object.entries(initial));
  const pending: (() => void)[] = [];
  let lookups = 0;
  let failing = false;
  return {
    apps,
    get lookups() {
      return lookups;
    },
    fail(value: boolean) {
      failing = value;
    },
    answerAll() {
      for (const answer of pending.splice(0)) answer();
    },
    findByApiKey(key: string): Promise<AppProfile | null> {
      lookups += 1;
      return new Promise((resolve, reject) => {
        pending.push(() => {
          if (failing) reject(new Error('timeout exceeded when trying to connect'));
          else resolve(apps.get(key) ?? null);
        });
      });
    },
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

/** A cache (1 s entries, a clock the test moves) that has looked up key k1, app "acme", at time 0. */
async function cachedAcme() {
  const clock = { now: 0 };
  const source = slowSource({ k1: app('acme') });
  const cache = new CachedAppAuthenticator(source, { ttlMs: 1000, now: () => clock.now });
  const first = cache.findByApiKey('k1');
  source.answerAll();
  await first;
  return { source, cache, clock };
}

describe('CachedAppAuthenticator', () => {
  it('looks a key up once while many calls miss at the same moment', async () => {
    const source = slowSource({ k1: app('acme') });
    const cache = new CachedAppAuthenticator(source);

    const calls = Array.from({ length: 200 }, () => cache.findByApiKey('k1'));
    source.answerAll();

    expect((await Promise.all(calls)).every((found) => found?.name === 'acme')).toBe(true);
    expect(source.lookups).toBe(1);
  });

  it('serves an expired entry for one more period while a single lookup refreshes it', async () => {
    const { source, cache, clock } = await cachedAcme();

    clock.now = 1500;
    source.apps.set('k1', app('acme-renamed'));
    const stale = await Promise.all([cache.findByApiKey('k1'), cache.findByApiKey('k1')]);
    expect(stale.map((found) => found?.name)).toEqual(['acme', 'acme']);
    expect(source.lookups).toBe(2);

    source.answerAll();
    await settle();
    expect((await cache.findByApiKey('k1'))?.name).toBe('acme-renamed');
    expect(source.lookups).toBe(2);
  });

  it('waits for the lookup once an entry is past its extra period', async () => {
    const { source, cache, clock } = await cachedAcme();

    clock.now = 2500;
    source.apps.delete('k1');
    const found = cache.findByApiKey('k1');
    source.answerAll();
    expect(await found).toBeNull();
  });

  it('forgets a key that a background refresh no longer finds (revoked without a notification)', async () => {
    const { source, cache, clock } = await cachedAcme();

    clock.now = 1200;
    source.apps.delete('k1');
    expect((await cache.findByApiKey('k1'))?.name).toBe('acme');
    source.answerAll();
    await settle();
    const after = cache.findByApiKey('k1');
    source.answerAll();
    expect(await after).toBeNull();
  });

  it('drops stale entries at once on invalidation, and a lookup begun before it stores nothing', async () => {
    const { source, cache, clock } = await cachedAcme();

    clock.now = 1200;
    void cache.findByApiKey('k1'); // starts a refresh that reads the old app
    cache.invalidate();
    source.apps.delete('k1');
    source.answerAll();
    await settle();

    const after = cache.findByApiKey('k1');
    source.answerAll();
    expect(await after).toBeNull();
  });

  it('passes a failed lookup to every call that shared it, and tries again on the next call', async () => {
    const source = slowSource({ k1: app('acme') });
    const cache = new CachedAppAuthenticator(source);
    source.fail(true);
    const calls = [cache.findByApiKey('k1'), cache.findByApiKey('k1')];
    source.answerAll();
    await expect(Promise.all(calls)).rejects.toThrow('timeout exceeded');
    expect(source.lookups).toBe(1);

    source.fail(false);
    const retry = cache.findByApiKey('k1');
    source.answerAll();
    expect((await retry)?.name).toBe('acme');
    expect(source.lookups).toBe(2);
  });
});
