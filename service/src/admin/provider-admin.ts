/** AdminService: providers (create, update, delete, list) and the kinds they can be. */
import { randomUUID } from 'node:crypto';
import { AlreadyExistsError, FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../shared/errors.js';
import { assertValid, toProtoProblems } from './admin-problems.js';
import type { ProviderDraft, ProviderKindView, ProviderView } from './admin-model.js';
import { PROVIDER_KINDS } from './admin-model.js';
import { validateProvider } from './provider-validation.js';
import { PROVIDER_KIND_DESCRIPTORS } from '../providers/provider-kinds.js';
import { providerView, type AdminContext } from './admin-context.js';
import type { AdminReads, StoredProvider } from './admin.ports.js';

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
    return (await this.#ctx.read().listProviders()).map(providerView);
  }

  /** Creates a provider. @throws AlreadyExistsError when the name is taken. */
  async create(actor: string, draft: ProviderDraft): Promise<ProviderView> {
    const credentials = nonEmpty(draft.credentials);
    assertValid(toProtoProblems('provider.', validateProvider(draft, credentials)));
    const taken = () => new AlreadyExistsError(`provider "${draft.name}" already exists`);
    return this.#ctx.change(
      actor,
      async (change) => {
        if (await change.findProvider(draft.name)) throw taken();
        await assertAgentRegistered(change, draft);
        const now = this.#ctx.now();
        const provider: StoredProvider = {
          id: randomUUID(),
          name: draft.name,
          kind: draft.kind,
          enabled: draft.enabled,
          channels: [...draft.channels],
          settings: { ...draft.settings },
          credentials,
          throughputPerSecond: draft.throughputPerSecond,
          burst: draft.burst,
          maxInFlight: draft.maxInFlight,
          priceCurrency: 'EUR',
          createdAt: now,
          updatedAt: now,
        };
        await change.insertProvider(provider);
        const view = providerView(provider);
        await change.audit('provider.create', draft.name, null, providerAudit(view));
        await change.announce(`provider.create ${draft.name}`);
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
    return this.#ctx.change(
      actor,
      async (change) => {
        const existing = await change.findProvider(draft.name);
        // Validate before NOT_FOUND would hide the problem: a bad name is also unknown.
        const credentials = { ...existing?.credentials, ...nonEmpty(draft.credentials) };
        assertValid(toProtoProblems('provider.', validateProvider(draft, credentials)));
        await assertAgentRegistered(change, draft);
        if (!existing) throw new NotFoundError(`provider "${draft.name}" does not exist`);
        const before = providerView(existing);
        const now = this.#ctx.now();
        const changes = {
          kind: draft.kind,
          enabled: draft.enabled,
          channels: [...draft.channels],
          settings: { ...draft.settings },
          credentials,
          throughputPerSecond: draft.throughputPerSecond,
          burst: draft.burst,
          maxInFlight: draft.maxInFlight,
          updatedAt: now,
        };
        await change.updateProvider(existing.id, changes);
        const view = providerView({ ...existing, ...changes });
        await change.audit('provider.update', draft.name, providerAudit(before), providerAudit(view));
        await change.announce(`provider.update ${draft.name}`);
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
    await this.#ctx.change(actor, async (change) => {
      const existing = await change.findProvider(name);
      if (!existing) throw new NotFoundError(`provider "${name}" does not exist`);
      const naming = (await change.listRules()).filter((rule) => rule.candidates.includes(name) || rule.fallback.some((step) => step.provider === name));
      if (naming.length > 0) {
        throw new FailedPreconditionError(`provider "${name}" is named by route rule(s) ${naming.map((rule) => `"${rule.name}"`).join(', ')}; remove it from them first`);
      }
      if (await change.providerHasAttempts(existing.id)) {
        throw new FailedPreconditionError(`provider "${name}" has attempts in the delivery log; disable it instead of deleting it`);
      }
      await change.deleteProvider(existing.id);
      await change.audit('provider.delete', name, providerAudit(providerView(existing)), null);
      await change.announce(`provider.delete ${name}`);
    });
  }
}

/**
 * A provider of kind `agent` must name a registered agent: checked inside the change, so an agent
 * deleted meanwhile cannot slip through. (Validation has already checked the id's form.)
 */
async function assertAgentRegistered(reads: AdminReads, draft: ProviderDraft): Promise<void> {
  if (draft.kind !== 'agent') return;
  const id = (draft.settings.agent ?? '').trim();
  if (await reads.findAgent(id)) return;
  throw new InvalidArgumentError('provider.settings.agent', `no modem agent "${id}" is registered; create it with CreateAgent first`);
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
