import { randomUUID } from 'node:crypto';
import type { SqlEntityManager } from '@mikro-orm/sql';
import type { EmailTemplate } from '../verification/email-template.js';
import type { AppProfile } from '../verification/app-profile.js';
import { ApiKeySchema, AppSchema, type App } from './entities.js';
import { generateApiKey, hashApiKey } from '../shared/api-keys.js';

export function toAppProfile(app: App): AppProfile {
  return {
    id: app.id,
    name: app.name,
    domain: app.domain ?? null,
    defaultLocale: app.defaultLocale,
    senderId: app.senderId,
    templates: app.templates,
    emailTemplates: app.emailTemplates,
    allowedCountries: app.allowedCountries,
    defaultCodeLength: app.defaultCodeLength,
  };
}

export interface NewApp {
  readonly name: string;
  readonly senderId: string;
  readonly domain?: string | null;
  readonly defaultLocale?: string;
  readonly templates?: Record<string, Record<string, string>>;
  readonly emailTemplates?: Record<string, EmailTemplate>;
  readonly allowedCountries?: string[];
  readonly defaultCodeLength?: number;
}

/** Apps and their API keys. */
export class AppRepository {
  constructor(private readonly em: SqlEntityManager) {}

  /** The app an active API key belongs to, or null. Only the key's hash is looked up. */
  async findByApiKey(key: string): Promise<AppProfile | null> {
    const em = this.em.fork();
    const apiKey = await em.findOne(ApiKeySchema, { keyHash: hashApiKey(key), revokedAt: null });
    if (!apiKey) return null;
    const app = await em.findOne(AppSchema, { id: apiKey.app });
    return app ? toAppProfile(app) : null;
  }

  async findByName(name: string): Promise<AppProfile | null> {
    const app = await this.em.fork().findOne(AppSchema, { name });
    return app ? toAppProfile(app) : null;
  }

  async create(input: NewApp): Promise<AppProfile> {
    const em = this.em.fork();
    const row = {
      id: randomUUID(),
      name: input.name,
      domain: input.domain ?? null,
      defaultLocale: input.defaultLocale ?? 'en',
      senderId: input.senderId,
      templates: input.templates ?? {},
      emailTemplates: input.emailTemplates ?? {},
      allowedCountries: input.allowedCountries ?? [],
      defaultCodeLength: input.defaultCodeLength ?? 6,
      createdAt: new Date(),
    };
    await em.insert(AppSchema, row);
    return toAppProfile(row);
  }

  /** Stores a key for the app (a given one, e.g. from config, or a new random one) and returns it. */
  async addApiKey(appId: string, key: string = generateApiKey()): Promise<string> {
    const em = this.em.fork();
    const keyHash = hashApiKey(key);
    const existing = await em.findOne(ApiKeySchema, { keyHash });
    if (existing) {
      if (existing.app !== appId) throw new Error('that API key already belongs to another app');
      return key;
    }
    await em.insert(ApiKeySchema, { id: randomUUID(), app: appId, keyHash, prefix: key.slice(0, 8), createdAt: new Date(), revokedAt: null });
    return key;
  }
}
