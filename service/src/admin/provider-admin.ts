/** AdminService: providers (create, update, delete, list) and the kinds they can be. */
import { randomUUID } from 'node:crypto';
import { notifyConfigChanged } from '../persistence/config-changes.js';
import type { ProviderRow } from '../persistence/entities.js';
import { AlreadyExistsError, FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../shared/errors.js';
import { assertValid, toProtoProblems } from './admin-problems.js';
import type { ProviderDraft, ProviderKindView, ProviderView } from './admin-model.js';
import { PROVIDER_KINDS } from './admin-model.js';
import { validateProvider } from './provider-validation.js';
import { PROVIDER_KIND_DESCRIPTORS } from '../providers/provider-kinds.js';
import type { AdminContext } from './admin-context.js';

/** Providers as admins edit them; credentials are write-only. */
export class ProviderAdmin {
  readonly #ctx: AdminContext;

  constructor(ctx: AdminContext) {
    this.#ctx = ctx;
  }

  /** Every kind of provider with its fields, as the descriptors give them. */
  kinds(): ProviderKindView[] {
    return PROVIDER_KIND_DESCRIPTORS.flatMap((descriptor) => {
      const kind = PROVIDER_KINDS.find((known) => known === descriptor.kind);
      if (kind === undefined) return [];
      const { title, description, channels, available, fields, openCredentials } = descriptor;
      return [{ kind, title, description, channels, available, fields, openCredentials }];
    });
  }

  /** Every provider by name; credentials only by name. */
  async list(): Promise<ProviderView[]> {
    const rows = await this.#ctx.read().listProviders();
    return rows.map((row) => this.#ctx.providerView(row, this.#ctx.credentials(row)));
  }

  /** Creates a provider. @throws AlreadyExistsError when the name is taken. */
  async create(actor: string, draft: ProviderDraft): Promise<ProviderView> {
    const credentials = nonEmpty(draft.credentials);
    assertValid(toProtoProblems('provider.', validateProvider(draft, credentials)));
    const taken = () => new AlreadyExistsError(`provider "${draft.name}" already exists`);
    return this.#ctx.transaction(
      async (repository, tx) => {
        if (await repository.findProvider(draft.name)) throw taken();
        const now = this.#ctx.now();
        const id = randomUUID();
        const row: ProviderRow = {
          id,
          name: draft.name,
          kind: draft.kind,
          enabled: draft.enabled,
          channels: [...draft.channels],
          settings: { ...draft.settings },
          credentialsCiphertext: this.#ctx.seal(id, credentials),
          throughputPerSecond: draft.throughputPerSecond,
          burst: draft.burst,
          maxInFlight: draft.maxInFlight,
          priceCurrency: 'EUR',
          createdAt: now,
          updatedAt: now,
        };
        await repository.insertProvider(row);
        const view = this.#ctx.providerView(row, credentials);
        await this.#ctx.audit(repository, actor, 'provider.create', draft.name, null, providerAudit(view));
        await notifyConfigChanged(tx, `provider.create ${draft.name}`);
        return view;
      },
      taken,
    );
  }

  /**
   * Replaces a provider's settings. Credentials left out of the draft, or given empty (reads
   * return names with empty values), keep their stored value.
   */
  async update(actor: string, draft: ProviderDraft): Promise<ProviderView> {
    return this.#ctx.transaction(
      async (repository, tx) => {
        const existing = await repository.findProvider(draft.name);
        // Validate before NOT_FOUND would hide the problem: a bad name is also unknown.
        const stored = existing ? this.#ctx.credentials(existing) : {};
        const credentials = { ...stored, ...nonEmpty(draft.credentials) };
        assertValid(toProtoProblems('provider.', validateProvider(draft, credentials)));
        if (!existing) throw new NotFoundError(`provider "${draft.name}" does not exist`);
        const before = this.#ctx.providerView(existing, stored);
        const now = this.#ctx.now();
        const changes = {
          kind: draft.kind,
          enabled: draft.enabled,
          channels: [...draft.channels],
          settings: { ...draft.settings },
          credentialsCiphertext: this.#ctx.seal(existing.id, credentials),
          throughputPerSecond: draft.throughputPerSecond,
          burst: draft.burst,
          maxInFlight: draft.maxInFlight,
          updatedAt: now,
        };
        await repository.updateProvider(existing.id, changes);
        const view = this.#ctx.providerView({ ...existing, ...changes }, credentials);
        await this.#ctx.audit(repository, actor, 'provider.update', draft.name, providerAudit(before), providerAudit(view));
        await notifyConfigChanged(tx, `provider.update ${draft.name}`);
        return view;
      },
      () => new AlreadyExistsError(`provider "${draft.name}" already exists`),
    );
  }

  /**
   * Deletes a provider and its prices.
   * @throws FailedPreconditionError while a route rule names it, or the delivery log has attempts
   * at it (those keep their history; disable the provider instead).
   */
  async delete(actor: string, name: string): Promise<void> {
    if (name === '') throw new InvalidArgumentError('name', 'is required');
    await this.#ctx.mutate(async (repository, tx) => {
      const existing = await repository.findProvider(name);
      if (!existing) throw new NotFoundError(`provider "${name}" does not exist`);
      const naming = (await repository.listRules()).filter((rule) => rule.candidates.includes(name) || rule.fallback.some((step) => step.provider === name));
      if (naming.length > 0) {
        throw new FailedPreconditionError(`provider "${name}" is named by route rule(s) ${naming.map((rule) => `"${rule.name}"`).join(', ')}; remove it from them first`);
      }
      if (await repository.providerHasAttempts(existing.id)) {
        throw new FailedPreconditionError(`provider "${name}" has attempts in the delivery log; disable it instead of deleting it`);
      }
      await repository.deleteProvider(existing.id);
      await this.#ctx.audit(repository, actor, 'provider.delete', name, providerAudit(this.#ctx.providerView(existing, this.#ctx.credentials(existing))), null);
      await notifyConfigChanged(tx, `provider.delete ${name}`);
    });
  }
}

function nonEmpty(credentials: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(credentials).filter(([, value]) => value !== ''));
}

function providerAudit(view: ProviderView): object {
  return {
    name: view.name,
    kind: view.kind,
    enabled: view.enabled,
    channels: view.channels,
    throughputPerSecond: view.throughputPerSecond,
    burst: view.burst,
    maxInFlight: view.maxInFlight,
    settings: view.settings,
    credentials: view.credentialNames,
  };
}
