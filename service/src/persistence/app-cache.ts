import { createHash } from 'node:crypto';
import type { AppAuthenticator } from '../grpc/auth.js';
import type { AppProfile } from '../verification/verification.ports.js';

/** Most keys remembered; beyond, the oldest is forgotten (a cache, not a registry). */
const MAX_ENTRIES = 10_000;

/**
 * Every call authenticates its API key; looking it up in the database each time would cost a
 * query per SendCode. Apps found are remembered for a few seconds, and forgotten at once when any
 * replica commits a configuration change (an app edited, a key revoked: see `notifyConfigChanged`).
 * Unknown keys are not remembered, so a key created a moment ago works at once.
 */
export class CachedAppAuthenticator implements AppAuthenticator {
  readonly #source: AppAuthenticator;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, { app: AppProfile; until: number }>();

  constructor(source: AppAuthenticator, options: { ttlMs?: number; now?: () => number } = {}) {
    this.#source = source;
    this.#ttlMs = options.ttlMs ?? 5000;
    this.#now = options.now ?? Date.now;
  }

  async findByApiKey(key: string): Promise<AppProfile | null> {
    // Keyed by a digest: raw keys are not kept in memory longer than a call.
    const digest = createHash('sha256').update(key).digest('base64');
    const entry = this.#entries.get(digest);
    if (entry && entry.until > this.#now()) return entry.app;
    const app = await this.#source.findByApiKey(key);
    if (app === null) {
      this.#entries.delete(digest);
      return null;
    }
    if (this.#entries.size >= MAX_ENTRIES) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(digest, { app, until: this.#now() + this.#ttlMs });
    return app;
  }

  /** Forgets every app (a configuration change was committed somewhere). */
  invalidate(): void {
    this.#entries.clear();
  }
}
