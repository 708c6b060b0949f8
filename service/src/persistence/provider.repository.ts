import { randomUUID } from 'node:crypto';
import type { SqlEntityManager } from '@mikro-orm/sql';
import type { SecretBox } from '../shared/secret-box.js';
import type { ThroughputLimits } from '../routing/throughput-limiter.js';
import { notifyConfigChanged } from './config-changes.js';
import { openCredentials, sealCredentials } from './provider-credentials.js';
import { PriceEntrySchema, ProviderSchema, RouteRuleSchema } from './entities.js';

/** A provider as the service starts it: settings plus decrypted credentials. */
export interface ProviderDefinition {
  readonly id: string;
  readonly name: string;
  readonly kind: string;
  readonly enabled: boolean;
  readonly channels: readonly string[];
  readonly settings: Readonly<Record<string, unknown>>;
  readonly credentials: Readonly<Record<string, string>>;
}

/** Providers (credentials encrypted at rest) and route rules. */
export class ProviderRepository {
  constructor(
    private readonly em: SqlEntityManager,
    private readonly box: SecretBox,
  ) {}

  async listEnabled(): Promise<ProviderDefinition[]> {
    const rows = await this.em.fork().find(ProviderSchema, { enabled: true }, { orderBy: { name: 'asc' } });
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      kind: row.kind,
      enabled: row.enabled,
      channels: row.channels,
      settings: row.settings,
      credentials: this.#credentials(row.id, row.credentialsCiphertext ?? null),
    }));
  }

  /** Decrypted credentials; empty when they cannot be read (the provider then fails its checks). */
  #credentials(providerId: string, sealed: string | null): Record<string, string> {
    return openCredentials(this.box, providerId, sealed);
  }

  /** Creates the provider, or replaces the settings and credentials of the one with that name. */
  async upsert(input: {
    name: string;
    kind: string;
    channels: string[];
    settings: Record<string, unknown>;
    credentials: Record<string, string>;
    throughputPerSecond?: number;
    burst?: number;
    maxInFlight?: number;
  }) {
    const em = this.em.fork();
    const now = new Date();
    const existing = await em.findOne(ProviderSchema, { name: input.name });
    const id = existing?.id ?? randomUUID();
    const row = {
      kind: input.kind,
      channels: input.channels,
      settings: input.settings,
      credentialsCiphertext: sealCredentials(this.box, id, input.credentials),
      throughputPerSecond: input.throughputPerSecond ?? 0,
      burst: input.burst ?? 0,
      maxInFlight: input.maxInFlight ?? 0,
      updatedAt: now,
    };
    await em.transactional(async (tx) => {
      if (existing) await tx.nativeUpdate(ProviderSchema, { id }, row);
      else await tx.insert(ProviderSchema, { id, name: input.name, enabled: true, createdAt: now, ...row });
      await notifyConfigChanged(tx, `provider:${input.name}`);
    });
    return { id };
  }

  /** Each provider's throughput limits (null: unlimited), for the health registry. */
  async limits(): Promise<Map<string, ThroughputLimits | null>> {
    const rows = await this.em.fork().findAll(ProviderSchema);
    return new Map(
      rows.map((row) => {
        const unlimited = row.throughputPerSecond <= 0 && row.maxInFlight <= 0;
        const limits: ThroughputLimits | null = unlimited
          ? null
          : {
              messagesPerSecond: row.throughputPerSecond > 0 ? row.throughputPerSecond : null,
              burst: row.burst > 0 ? row.burst : Math.max(1, Math.ceil(row.throughputPerSecond)),
              maxInFlight: row.maxInFlight > 0 ? row.maxInFlight : null,
            };
        return [row.name, limits];
      }),
    );
  }

  /** Replaces a provider's price table (prices per part, in `currency`). */
  async setPrices(provider: string, currency: string, entries: { country?: string; prefix?: string; price: number }[]) {
    await this.em.fork().transactional(async (em) => {
      const row = await em.findOneOrFail(ProviderSchema, { name: provider });
      await em.nativeDelete(PriceEntrySchema, { provider: row.id });
      for (const entry of entries) {
        await em.insert(PriceEntrySchema, {
          id: randomUUID(),
          provider: row.id,
          country: entry.country ?? null,
          prefix: entry.prefix ?? null,
          priceMicros: Math.round(entry.price * 1_000_000),
        });
      }
      await em.nativeUpdate(ProviderSchema, { id: row.id }, { priceCurrency: currency, updatedAt: new Date() });
      await notifyConfigChanged(em, `prices:${provider}`);
    });
  }

  /** Creates the route rule, or replaces the one with that name (for seeding demo and tests). */
  async upsertRouteRule(input: {
    name: string;
    priority: number;
    candidates: string[];
    isDefault?: boolean;
    countries?: string[];
    prefixes?: string[];
    apps?: string[];
    strategy?: 'lowest_cost' | 'priority' | 'weighted';
    fallback?: { provider: string | null; channel: string; receiptTimeoutSeconds: number }[];
  }) {
    await this.em.fork().transactional(async (em) => {
      const now = new Date();
      const row = {
        priority: input.priority,
        enabled: true,
        isDefault: input.isDefault ?? false,
        match: { countries: input.countries ?? [], prefixes: input.prefixes ?? [], apps: input.apps ?? [], channels: [], kinds: [], timeWindow: null },
        candidates: input.candidates,
        strategy: input.strategy ?? 'priority',
        weights: {},
        fallback: input.fallback ?? [],
        updatedAt: now,
      };
      const existing = await em.findOne(RouteRuleSchema, { name: input.name });
      if (existing) await em.nativeUpdate(RouteRuleSchema, { id: existing.id }, row);
      else await em.insert(RouteRuleSchema, { id: randomUUID(), name: input.name, createdAt: now, ...row });
      await notifyConfigChanged(em, `rule:${input.name}`);
    });
  }
}
