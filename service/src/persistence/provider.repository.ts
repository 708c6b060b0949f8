import { randomUUID } from 'node:crypto';
import type { SqlEntityManager } from '@mikro-orm/sql';
import type { SecretBox } from '../shared/secret-box.js';
import { ProviderSchema, RouteRuleSchema } from './entities.js';

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

function credentialsContext(providerId: string): string {
  return `provider:${providerId}`;
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
    if (sealed === null) return {};
    try {
      return JSON.parse(this.box.open(sealed, credentialsContext(providerId))) as Record<string, string>;
    } catch {
      return {};
    }
  }

  /** Creates the provider, or replaces the settings and credentials of the one with that name. */
  async upsert(input: { name: string; kind: string; channels: string[]; settings: Record<string, unknown>; credentials: Record<string, string> }) {
    const em = this.em.fork();
    const now = new Date();
    const existing = await em.findOne(ProviderSchema, { name: input.name });
    const id = existing?.id ?? randomUUID();
    const row = {
      kind: input.kind,
      channels: input.channels,
      settings: input.settings,
      credentialsCiphertext: this.box.seal(JSON.stringify(input.credentials), credentialsContext(id)),
      updatedAt: now,
    };
    if (existing) await em.nativeUpdate(ProviderSchema, { id }, row);
    else await em.insert(ProviderSchema, { id, name: input.name, enabled: true, createdAt: now, ...row });
    return { id };
  }

  /** Creates the route rule, or replaces the one with that name. */
  async upsertRouteRule(input: { name: string; priority: number; countries: string[]; prefixes: string[]; providers: string[] }) {
    const em = this.em.fork();
    const now = new Date();
    const existing = await em.findOne(RouteRuleSchema, { name: input.name });
    if (existing) await em.nativeUpdate(RouteRuleSchema, { id: existing.id }, { ...input, updatedAt: now });
    else await em.insert(RouteRuleSchema, { id: randomUUID(), enabled: true, ...input, createdAt: now, updatedAt: now });
  }
}
