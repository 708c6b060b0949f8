import { compileRoutingTable, type RoutingTable } from './router.js';
import type { ProviderProfile, RoutingSnapshot } from './routing-model.js';
import type { ThroughputLimits } from './throughput-limiter.js';
import type { Logger } from '../shared/logger.js';

/** What a reload reads: the routing snapshot and each provider's limits. */
export interface RoutingConfig {
  readonly snapshot: RoutingSnapshot;
  readonly limits: ReadonlyMap<string, ThroughputLimits | null>;
}

/**
 * The routing table in force on this replica. `reload()` reads and compiles the configuration
 * and swaps the table in one assignment, so a plan in progress keeps the table it started with
 * and the next one sees the new rules. Reloads never overlap: one requested during another runs
 * once more after it, so the last committed change always wins.
 */
export class LiveRouting {
  readonly #load: () => Promise<RoutingConfig>;
  readonly #applyLimits: (limits: ReadonlyMap<string, ThroughputLimits | null>) => void;
  readonly #logger: Logger;
  #table: RoutingTable;
  #providers: ReadonlyMap<string, ProviderProfile>;
  #generation = 0;
  #running: Promise<void> | null = null;
  #again = false;

  private constructor(
    table: RoutingTable,
    providers: ReadonlyMap<string, ProviderProfile>,
    load: () => Promise<RoutingConfig>,
    applyLimits: (limits: ReadonlyMap<string, ThroughputLimits | null>) => void,
    logger: Logger,
  ) {
    this.#table = table;
    this.#providers = providers;
    this.#load = load;
    this.#applyLimits = applyLimits;
    this.#logger = logger;
  }

  /** Loads and compiles once; a configuration that does not compile stops start-up. */
  static async start(load: () => Promise<RoutingConfig>, applyLimits: (limits: ReadonlyMap<string, ThroughputLimits | null>) => void, logger: Logger): Promise<LiveRouting> {
    const config = await load();
    applyLimits(config.limits);
    return new LiveRouting(compileRoutingTable(config.snapshot), providersOf(config), load, applyLimits, logger);
  }

  current(): RoutingTable {
    return this.#table;
  }

  /** A provider as the current configuration describes it; undefined when it no longer exists. */
  provider(name: string): ProviderProfile | undefined {
    return this.#providers.get(name);
  }

  /** Counts successful reloads, so callers (and tests) can tell a change has been taken in. */
  get generation(): number {
    return this.#generation;
  }

  /** Reloads now (or right after the reload under way). Errors are logged; the old table stays. */
  reload(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      for (let pass = 0; pass === 0 || this.#again; pass++) {
        this.#again = false;
        try {
          const config = await this.#load();
          const table = compileRoutingTable(config.snapshot);
          this.#applyLimits(config.limits);
          this.#table = table;
          this.#providers = providersOf(config);
          this.#generation += 1;
          this.#logger.info({ rules: table.ruleCount }, 'routing reloaded');
        } catch (error) {
          this.#logger.error({ err: error }, 'routing reload failed; keeping the previous table');
        }
      }
    })().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }
}

function providersOf(config: RoutingConfig): ReadonlyMap<string, ProviderProfile> {
  return new Map(config.snapshot.providers.map((provider) => [provider.name, provider]));
}
