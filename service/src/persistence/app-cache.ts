import { createHash } from 'node:crypto';
import type { AppAuthenticator, AppProfile } from '../verification/app-profile.js';

/** Most keys remembered; beyond, the oldest is forgotten (a cache, not a registry). */
const MAX_ENTRIES = 10_000;

/**
 * Every call authenticates its API key; looking it up in the database each time would cost a
 * query per SendCode. Apps found are remembered for a few seconds, and forgotten at once when any
 * replica commits a configuration change (an app edited, a key revoked: see `notifyConfigChanged`).
 * Unknown keys are not remembered, so a key created a moment ago works at once.
 *
 * Under load the expiry of an entry must not become a stampede: every call in flight would miss
 * at the same moment and each take a connection for the same lookup (at 2,000 calls a second
 * that exhausted the pool and failed calls). So one lookup per key runs at a time and the calls
 * that miss meanwhile share it, and an entry past its time is still served for one more period
 * while a single lookup refreshes it in the background. Invalidation drops entries at once, stale
 * ones included; only a lost change notification can make a revoked key live longer, by one period.
 */
export class CachedAppAuthenticator implements AppAuthenticator {
  readonly #source: AppAuthenticator;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, { app: AppProfile; until: number }>();
  readonly #lookups = new Map<string, Promise<AppProfile | null>>();
  /** Bumped by `invalidate`: a lookup that began before it must not store what it read. */
  #generation = 0;

  constructor(source: AppAuthenticator, options: { ttlMs?: number; now?: () => number } = {}) {
    this.#source = source;
    this.#ttlMs = options.ttlMs ?? 5000;
    this.#now = options.now ?? Date.now;
  }

  async findByApiKey(key: string): Promise<AppProfile | null> {
    // Keyed by a digest: raw keys are not kept in memory longer than a call.
    const digest = createHash('sha256').update(key).digest('base64');
    const entry = this.#entries.get(digest);
    const now = this.#now();
    if (entry && entry.until > now) return entry.app;
    if (entry && entry.until + this.#ttlMs > now) {
      // Stale: served while one lookup refreshes it; a failed refresh leaves it to expire.
      this.#lookup(key, digest).catch(() => undefined);
      return entry.app;
    }
    return this.#lookup(key, digest);
  }

  /** Forgets every app (a configuration change was committed somewhere). */
  invalidate(): void {
    this.#generation += 1;
    this.#entries.clear();
    this.#lookups.clear();
  }

  #lookup(key: string, digest: string): Promise<AppProfile | null> {
    const running = this.#lookups.get(digest);
    if (running) return running;
    const generation = this.#generation;
    const lookup = this.#source.findByApiKey(key).then((app) => {
      if (generation === this.#generation) this.#remember(digest, app);
      return app;
    });
    this.#lookups.set(digest, lookup);
    const done = () => {
      if (this.#lookups.get(digest) === lookup) this.#lookups.delete(digest);
    };
    lookup.then(done, done);
    return lookup;
  }

  #remember(digest: string, app: AppProfile | null): void {
    if (app === null) {
      this.#entries.delete(digest);
      return;
    }
    this.#entries.delete(digest); // re-inserted last: the map's order is the age order
    if (this.#entries.size >= MAX_ENTRIES) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(digest, { app, until: this.#now() + this.#ttlMs });
  }
}
