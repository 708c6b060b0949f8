/**
 * Reads the routing configuration (providers, price tables, route rules) out of the database as
 * one {@link RoutingSnapshot}, ready for `compileRoutingTable`. Used at start, on every config
 * change notification, and by AdminService to check references.
 */
import { IsolationLevel } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import type { Channel, MessageKind, PriceEntry, PriceTable, ProviderProfile, RouteRule, RoutingSnapshot, RoutingStrategy } from '../routing/routing-model.js';
import { ProviderSchema, RouteRuleSchema, type ProviderRow, type RouteRuleRow } from './entities.js';
import { MICROS } from '../shared/money.js';

/** Settings of the snapshot that come from config rather than the database. */
export interface RoutingSnapshotOptions {
  /** ISO 4217 currency every cost is compared and reported in. */
  readonly routingCurrency: string;
  /** Units of the routing currency per 1 unit of the keyed currency. */
  readonly rates: Record<string, number>;
  /** Receipt timeout of primary steps. */
  readonly defaultReceiptTimeoutSeconds: number;
}


/**
 * One consistent read of the routing configuration. REPEATABLE READ makes the three reads see the
 * same committed state, so a rule never refers to a provider from a newer edit than its prices.
 */
export async function loadRoutingSnapshot(em: SqlEntityManager, options: RoutingSnapshotOptions): Promise<RoutingSnapshot> {
  return em.fork().transactional(
    async (tx) => {
      const providers = await tx.find(ProviderSchema, {}, { orderBy: { name: 'asc' } });
      const rules = await tx.find(RouteRuleSchema, {}, { orderBy: { priority: 'asc', name: 'asc' } });
      // Raw rows: a rate sheet can hold 100,000 prefixes, too many to hydrate as entities.
      const prices = await tx.execute<{ provider_id: string; country: string | null; prefix: string | null; price_micros: string | number }[]>(
        'select provider_id, country, prefix, price_micros from price_entry order by provider_id, country nulls last, prefix',
      );
      return {
        providers: providers.map(toProviderProfile),
        priceTables: toPriceTables(providers, prices),
        rules: rules.map(toRouteRule),
        routingCurrency: options.routingCurrency,
        rates: { ...options.rates },
        defaultReceiptTimeoutSeconds: options.defaultReceiptTimeoutSeconds,
      };
    },
    { isolationLevel: IsolationLevel.REPEATABLE_READ, readOnly: true },
  );
}

/** A provider row as the router sees it. */
export function toProviderProfile(row: ProviderRow): ProviderProfile {
  // Channels were validated on the way in; the router re-checks them when compiling.
  return { name: row.name, enabled: row.enabled, channels: row.channels as Channel[] };
}

/** A route rule row as the routing model's rule. */
export function toRouteRule(row: RouteRuleRow): RouteRule {
  const match = row.match;
  return {
    id: row.id,
    name: row.name,
    priority: row.priority,
    enabled: row.enabled,
    isDefault: row.isDefault,
    match: {
      countries: [...match.countries],
      prefixes: [...match.prefixes],
      apps: [...match.apps],
      channels: match.channels as Channel[],
      kinds: match.kinds as MessageKind[],
      timeWindow: match.timeWindow === null ? null : { ...match.timeWindow, days: [...match.timeWindow.days] },
    },
    candidates: [...row.candidates],
    strategy: row.strategy as RoutingStrategy,
    weights: { ...row.weights },
    fallback: row.fallback.map((step) => ({ provider: step.provider, channel: step.channel as Channel, receiptTimeoutSeconds: step.receiptTimeoutSeconds })),
  };
}

/** One price table per provider that has prices, in the provider's price currency. */
function toPriceTables(providers: readonly ProviderRow[], prices: readonly { provider_id: string; country: string | null; prefix: string | null; price_micros: string | number }[]): PriceTable[] {
  const entries = new Map<string, PriceEntry[]>();
  for (const row of prices) {
    const list = entries.get(row.provider_id) ?? [];
    // bigint arrives as text from node-postgres; micros stay far below 2^53.
    const price = Number(row.price_micros) / MICROS;
    list.push(row.prefix !== null && row.prefix !== '' ? { prefix: row.prefix, price } : { country: row.country ?? '', price });
    entries.set(row.provider_id, list);
  }
  return providers.flatMap((provider) => {
    const list = entries.get(provider.id);
    return list === undefined ? [] : [{ provider: provider.name, currency: provider.priceCurrency, entries: list }];
  });
}
