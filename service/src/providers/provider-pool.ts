import { createHash } from 'node:crypto';
import type { ProviderDefinition } from '../persistence/provider.repository.js';
import type { BuiltProvider, ProviderEndpoints } from './provider-kind.js';
import { keepStarting } from './provider-starter.js';
import type { ChannelProvider } from './channel-provider.js';
import type { Logger } from '../shared/logger.js';

interface Running {
  readonly provider: ChannelProvider;
  readonly fingerprint: string;
  readonly cancelStart: () => void;
}

/**
 * The providers this replica runs, kept in line with the provider rows: `sync()` starts new or
 * re-enabled ones, restarts those whose settings or credentials changed, and stops deleted or
 * disabled ones. `running` is the live map dispatch reads.
 */
export class ProviderPool {
  /** Providers by name, for dispatch. Mutated in place by `sync()`. */
  readonly running = new Map<string, ChannelProvider>();
  /** Where each running provider's reports arrive (webhooks, voice answers), by name. */
  readonly endpoints = new Map<string, ProviderEndpoints>();
  readonly #state = new Map<string, Running>();
  readonly #fixed: ReadonlyMap<string, ChannelProvider>;
  readonly #load: () => Promise<ProviderDefinition[]>;
  readonly #create: (definition: ProviderDefinition) => BuiltProvider;
  readonly #onRemoved: (name: string) => void;
  readonly #logger: Logger;
  #syncing: Promise<void> = Promise.resolve();

  constructor(options: {
    /** Providers supplied by code (tests), never built from rows nor stopped by sync. */
    fixed: ReadonlyMap<string, ChannelProvider>;
    load: () => Promise<ProviderDefinition[]>;
    create: (definition: ProviderDefinition) => BuiltProvider;
    onRemoved: (name: string) => void;
    logger: Logger;
  }) {
    this.#fixed = options.fixed;
    this.#load = options.load;
    this.#create = options.create;
    this.#onRemoved = options.onRemoved;
    this.#logger = options.logger;
    for (const [name, provider] of options.fixed) this.running.set(name, provider);
  }

  /** Brings the running set in line with the rows. Calls are serialised. */
  sync(): Promise<void> {
    this.#syncing = this.#syncing.then(() => this.#sync()).catch((error: unknown) => {
      this.#logger.error({ err: error }, 'provider sync failed');
    });
    return this.#syncing;
  }

  async #sync(): Promise<void> {
    const definitions = (await this.#load()).filter((definition) => !this.#fixed.has(definition.name));
    const wanted = new Map(definitions.map((definition) => [definition.name, definition]));
    for (const [name, running] of this.#state) {
      const definition = wanted.get(name);
      if (definition && fingerprint(definition) === running.fingerprint) continue;
      await this.#stopOne(name, running);
      if (!definition) this.#onRemoved(name);
    }
    for (const [name, definition] of wanted) {
      if (this.#state.has(name)) continue;
      let built: BuiltProvider;
      try {
        built = this.#create(definition);
      } catch (error) {
        // One misconfigured provider must not take the others down: routing skips it.
        this.#logger.error({ provider: name, err: error }, 'provider not started: bad settings');
        continue;
      }
      const { provider } = built;
      this.running.set(name, provider);
      this.endpoints.set(name, built.endpoints);
      // A provider that is down now must not stay down: it is retried until it answers.
      this.#state.set(name, { provider, fingerprint: fingerprint(definition), cancelStart: keepStarting(provider, this.#logger) });
    }
  }

  async #stopOne(name: string, running: Running): Promise<void> {
    running.cancelStart();
    this.running.delete(name);
    this.endpoints.delete(name);
    this.#state.delete(name);
    await running.provider.stop().catch((error: unknown) => {
      this.#logger.warn({ provider: name, err: error }, 'provider did not stop cleanly');
    });
    this.#logger.info({ provider: name }, 'provider stopped');
  }

  /** Stops every provider the pool started. */
  async stop(): Promise<void> {
    await this.#syncing;
    await Promise.allSettled([...this.#state].map(([name, running]) => this.#stopOne(name, running)));
  }
}

/**
 * What makes a provider need a restart: kind, channels, settings and credentials. Values are
 * compared as text (a port stored as 2775 or "2775" is the same), so an edit that only changes
 * limits or prices never drops a bind.
 */
function fingerprint(definition: ProviderDefinition): string {
  const asText = (record: Readonly<Record<string, unknown>>) =>
    Object.entries(record)
      .map(([key, value]) => [key, String(value)])
      .sort(([a = ''], [b = '']) => a.localeCompare(b));
  return createHash('sha256')
    .update(JSON.stringify([definition.kind, [...definition.channels].sort(), asText(definition.settings), asText(definition.credentials)]))
    .digest('hex');
}
