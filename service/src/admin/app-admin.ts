/** AdminService: calling apps and their API keys. */
import { randomUUID } from 'node:crypto';
import { generateApiKey, hashApiKey } from '../shared/api-keys.js';
import { AlreadyExistsError, NotFoundError } from '../shared/errors.js';
import { assertId, assertValid, toProtoProblems } from './admin-problems.js';
import type { ApiKeyView, AppDraft, AppView } from './admin-model.js';
import { validateApp } from './app-validation.js';
import type { AdminContext } from './admin-context.js';
import type { StoredApiKey, StoredApp } from './admin.ports.js';

/** Apps and API keys as admins edit them; a key's secret is shown once, at creation. */
export class AppAdmin {
  readonly #ctx: AdminContext;

  constructor(ctx: AdminContext) {
    this.#ctx = ctx;
  }

  async list(): Promise<AppView[]> {
    return (await this.#ctx.read().listApps()).map(appView);
  }

  /** Creates an app. @throws AlreadyExistsError when the name is taken. */
  async create(actor: string, draft: AppDraft): Promise<AppView> {
    assertValid(toProtoProblems('app.', validateApp(draft)));
    const taken = () => new AlreadyExistsError(`app "${draft.name}" already exists`);
    return this.#ctx.change(
      actor,
      async (change) => {
        if (await change.findAppByName(draft.name)) throw taken();
        const app: StoredApp = { id: randomUUID(), ...appRecord(draft), createdAt: this.#ctx.now() };
        await change.insertApp(app);
        const view = appView(app);
        await change.audit('app.create', app.id, null, view);
        return view;
      },
      taken,
    );
  }

  /** Replaces app `id`'s settings. */
  async update(actor: string, id: string, draft: AppDraft): Promise<AppView> {
    assertId(id, 'app.id');
    assertValid(toProtoProblems('app.', validateApp(draft)));
    const taken = () => new AlreadyExistsError(`app "${draft.name}" already exists`);
    return this.#ctx.change(
      actor,
      async (change) => {
        const existing = await change.findApp(id);
        if (!existing) throw new NotFoundError(`app ${id} does not exist`);
        const sameName = await change.findAppByName(draft.name);
        if (sameName && sameName.id !== id) throw taken();
        await change.updateApp(id, appRecord(draft));
        const view = appView({ ...existing, ...appRecord(draft) });
        await change.audit('app.update', id, appView(existing), view);
        // Replicas cache apps by API key: they drop the cache on this.
        await change.announce(`app.update ${id}`);
        return view;
      },
      taken,
    );
  }

  /** Creates an API key for an app; `secret` is the key itself, returned only here. */
  async createApiKey(actor: string, appId: string): Promise<{ apiKey: ApiKeyView; secret: string }> {
    assertId(appId, 'app_id');
    return this.#ctx.change(actor, async (change) => {
      if (!(await change.findApp(appId))) throw new NotFoundError(`app ${appId} does not exist`);
      const secret = generateApiKey();
      const key: StoredApiKey = { id: randomUUID(), app: appId, keyHash: hashApiKey(secret), prefix: secret.slice(0, 8), createdAt: this.#ctx.now(), revokedAt: null };
      await change.insertApiKey(key);
      const apiKey = apiKeyView(key);
      await change.audit('api_key.create', key.id, null, apiKey);
      return { apiKey, secret };
    });
  }

  /** An app's API keys, newest first. */
  async listApiKeys(appId: string): Promise<ApiKeyView[]> {
    assertId(appId, 'app_id');
    const reads = this.#ctx.read();
    if (!(await reads.findApp(appId))) throw new NotFoundError(`app ${appId} does not exist`);
    return (await reads.listApiKeys(appId)).map(apiKeyView);
  }

  /** Revokes a key at once; revoking a revoked key changes nothing. */
  async revokeApiKey(actor: string, id: string): Promise<ApiKeyView> {
    assertId(id, 'id');
    return this.#ctx.change(actor, async (change) => {
      const existing = await change.findApiKey(id);
      if (!existing) throw new NotFoundError(`API key ${id} does not exist`);
      if (existing.revokedAt) return apiKeyView(existing);
      const revoked = { ...existing, revokedAt: this.#ctx.now() };
      await change.revokeApiKey(id, revoked.revokedAt);
      await change.audit('api_key.revoke', id, apiKeyView(existing), apiKeyView(revoked));
      // Replicas cache apps by API key: a revoked key stops working on every replica at once.
      await change.announce(`api_key.revoke ${id}`);
      return apiKeyView(revoked);
    });
  }
}

function appRecord(draft: AppDraft): Omit<StoredApp, 'id' | 'createdAt'> {
  return {
    name: draft.name,
    senderId: draft.senderId,
    domain: draft.domain === null ? null : draft.domain.toLowerCase(),
    defaultLocale: draft.defaultLocale,
    allowedCountries: [...draft.allowedCountries],
    defaultCodeLength: draft.defaultCodeLength,
    templates: Object.fromEntries(Object.entries(draft.templates).map(([name, texts]) => [name, { ...texts }])),
    emailTemplates: Object.fromEntries(Object.entries(draft.emailTemplates).map(([locale, { subject, text, html }]) => [locale, { subject, text, html }])),
  };
}

function appView(row: StoredApp): AppView {
  return {
    id: row.id,
    name: row.name,
    senderId: row.senderId,
    domain: row.domain,
    defaultLocale: row.defaultLocale,
    allowedCountries: [...row.allowedCountries],
    defaultCodeLength: row.defaultCodeLength,
    templates: row.templates,
    emailTemplates: row.emailTemplates,
    createdAt: row.createdAt,
  };
}

function apiKeyView(row: StoredApiKey): ApiKeyView {
  return { id: row.id, appId: row.app, prefix: row.prefix, createdAt: row.createdAt, revokedAt: row.revokedAt };
}
