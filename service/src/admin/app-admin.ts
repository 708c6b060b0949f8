/** AdminService: calling apps and their API keys. */
import { randomUUID } from 'node:crypto';
import { generateApiKey, hashApiKey } from '../persistence/app.repository.js';
import { notifyConfigChanged } from '../persistence/config-changes.js';
import type { ApiKey, App } from '../persistence/entities.js';
import { AlreadyExistsError, NotFoundError } from '../shared/errors.js';
import { assertId, assertValid, toProtoProblems } from './admin-problems.js';
import type { ApiKeyView, AppDraft, AppView } from './admin-model.js';
import { validateApp } from './app-validation.js';
import type { AdminContext } from './admin-context.js';

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
    return this.#ctx.transaction(
      async (repository) => {
        if (await repository.findAppByName(draft.name)) throw taken();
        const row: App = { id: randomUUID(), ...appRow(draft), createdAt: this.#ctx.now() };
        await repository.insertApp(row);
        const view = appView(row);
        await this.#ctx.audit(repository, actor, 'app.create', row.id, null, view);
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
    return this.#ctx.transaction(
      async (repository, tx) => {
        const existing = await repository.findApp(id);
        if (!existing) throw new NotFoundError(`app ${id} does not exist`);
        const sameName = await repository.findAppByName(draft.name);
        if (sameName && sameName.id !== id) throw taken();
        await repository.updateApp(id, appRow(draft));
        const view = appView({ ...existing, ...appRow(draft) });
        await this.#ctx.audit(repository, actor, 'app.update', id, appView(existing), view);
        // Replicas cache apps by API key: they drop the cache on this.
        await notifyConfigChanged(tx, `app.update ${id}`);
        return view;
      },
      taken,
    );
  }

  /** Creates an API key for an app; `secret` is the key itself, returned only here. */
  async createApiKey(actor: string, appId: string): Promise<{ apiKey: ApiKeyView; secret: string }> {
    assertId(appId, 'app_id');
    return this.#ctx.mutate(async (repository) => {
      if (!(await repository.findApp(appId))) throw new NotFoundError(`app ${appId} does not exist`);
      const secret = generateApiKey();
      const row: ApiKey = { id: randomUUID(), app: appId, keyHash: hashApiKey(secret), prefix: secret.slice(0, 8), createdAt: this.#ctx.now(), revokedAt: null };
      await repository.insertApiKey(row);
      const apiKey = apiKeyView(row);
      await this.#ctx.audit(repository, actor, 'api_key.create', row.id, null, apiKey);
      return { apiKey, secret };
    });
  }

  /** An app's API keys, newest first. */
  async listApiKeys(appId: string): Promise<ApiKeyView[]> {
    assertId(appId, 'app_id');
    const repository = this.#ctx.read();
    if (!(await repository.findApp(appId))) throw new NotFoundError(`app ${appId} does not exist`);
    return (await repository.listApiKeys(appId)).map(apiKeyView);
  }

  /** Revokes a key at once; revoking a revoked key changes nothing. */
  async revokeApiKey(actor: string, id: string): Promise<ApiKeyView> {
    assertId(id, 'id');
    return this.#ctx.mutate(async (repository, tx) => {
      const existing = await repository.findApiKey(id);
      if (!existing) throw new NotFoundError(`API key ${id} does not exist`);
      if (existing.revokedAt) return apiKeyView(existing);
      const revoked = { ...existing, revokedAt: this.#ctx.now() };
      await repository.revokeApiKey(id, revoked.revokedAt);
      await this.#ctx.audit(repository, actor, 'api_key.revoke', id, apiKeyView(existing), apiKeyView(revoked));
      // Replicas cache apps by API key: a revoked key stops working on every replica at once.
      await notifyConfigChanged(tx, `api_key.revoke ${id}`);
      return apiKeyView(revoked);
    });
  }
}

function appRow(draft: AppDraft): Omit<App, 'id' | 'createdAt'> {
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

function appView(row: App): AppView {
  return {
    id: row.id,
    name: row.name,
    senderId: row.senderId,
    domain: row.domain ?? null,
    defaultLocale: row.defaultLocale,
    allowedCountries: [...row.allowedCountries],
    defaultCodeLength: row.defaultCodeLength,
    templates: row.templates,
    emailTemplates: row.emailTemplates,
    createdAt: row.createdAt,
  };
}

function apiKeyView(row: ApiKey): ApiKeyView {
  return { id: row.id, appId: row.app, prefix: row.prefix, createdAt: row.createdAt, revokedAt: row.revokedAt ?? null };
}
