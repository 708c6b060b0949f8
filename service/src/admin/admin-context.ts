/** The plumbing AdminService's features share: the store, the clock, provider lookups and views. */
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../shared/errors.js';
import type { ProviderView } from './admin-model.js';
import type { AdminChange, AdminReads, AdminStore, KeysetRow, StoredProvider } from './admin.ports.js';
import { encodePageToken } from './page-token.js';

/** What every AdminService feature shares. */
export class AdminContext {
  readonly #store: AdminStore;
  readonly now: () => Date;

  constructor(deps: { readonly store: AdminStore; readonly now?: (() => Date) | undefined }) {
    this.#store = deps.store;
    this.now = deps.now ?? (() => new Date());
  }

  read(): AdminReads {
    return this.#store.reads();
  }

  /** Runs `work` as one change by `actor`; a unique-key race is thrown as `onConflict()`. */
  change<T>(actor: string, work: (change: AdminChange) => Promise<T>, onConflict: () => Error = concurrentChange): Promise<T> {
    return this.#store.change(actor, work, onConflict);
  }

  /** The provider named in `field`. @throws InvalidArgumentError when empty, NotFoundError when unknown. */
  async provider(reads: AdminReads, name: string, field: string): Promise<StoredProvider> {
    if (name === '') throw new InvalidArgumentError(field, 'is required');
    const provider = await reads.findProvider(name);
    if (!provider) throw new NotFoundError(`provider "${name}" does not exist`);
    return provider;
  }
}

function concurrentChange(): Error {
  return new FailedPreconditionError('a concurrent change conflicts with this one; try again');
}

/** A provider as admins read it: credentials by name only. */
export function providerView(provider: StoredProvider): ProviderView {
  return {
    name: provider.name,
    kind: provider.kind,
    enabled: provider.enabled,
    channels: [...provider.channels],
    throughputPerSecond: provider.throughputPerSecond,
    burst: provider.burst,
    maxInFlight: provider.maxInFlight,
    // Older rows hold numbers (a port); the API speaks text.
    settings: Object.fromEntries(Object.entries(provider.settings).map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)])),
    credentialNames: Object.keys(provider.credentials).sort(),
    createdAt: provider.createdAt,
    updatedAt: provider.updatedAt,
  };
}

export function nextToken(keys: readonly KeysetRow[], page: readonly KeysetRow[]): string {
  const last = page.at(-1);
  return keys.length > page.length && last !== undefined ? encodePageToken(last.position) : '';
}
