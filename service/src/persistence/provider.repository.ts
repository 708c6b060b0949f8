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
      credentials: row.credentialsCiphertext
        ? (JSON.parse(this.box.open(row.credentialsCiphertext, credentialsContext(row.id))) as Record<string, string>)
        : {},
    }));
  }

  async findByName(name: string): Promise<{ id: string } | null> {
    const row = await this.em.fork().findOne(ProviderSchema, { name });
    return row ? { id: row.id } : null;
  }

  async create(input: { name: string; kind: string; channels: string[]; settings: Record<string, unknown>; credentials: Record<string, string> }) {
    const id = randomUUID();
    const now = new Date();
    await this.em.fork().insert(ProviderSchema, {
      id,
      name: input.name,
      kind: input.kind,
      enabled: true,
      channels: input.channels,
      settings: input.settings,
      credentialsCiphertext: this.box.seal(JSON.stringify(input.credentials), credentialsContext(id)),
      createdAt: now,
      updatedAt: now,
    });
    return { id };
  }

  async createRouteRule(input: { name: string; priority: number; countries: string[]; prefixes: string[]; providers: string[] }) {
    const now = new Date();
    await this.em.fork().insert(RouteRuleSchema, { id: randomUUID(), enabled: true, ...input, createdAt: now, updatedAt: now });
  }
}
