/** The plumbing AdminService's features share: reads, transactions, audit records, sealed credentials. */
import type { SqlEntityManager } from '@mikro-orm/sql';
import { AdminRepository, inTransaction, type KeysetRow } from '../persistence/admin.repository.js';
import type { ProviderRow } from '../persistence/entities.js';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../shared/errors.js';
import type { SecretBox } from '../shared/secret-box.js';
import type { ProviderView } from './admin-model.js';
import { encodePageToken } from './page-token.js';

/** The seal context of a provider's credentials: a ciphertext opens only for its own provider. */
export function credentialsContext(providerId: string): string {
  return `provider:${providerId}`;
}

/** What every AdminService feature shares: the database, the seal for credentials, the clock. */
export class AdminContext {
  readonly em: SqlEntityManager;
  readonly box: SecretBox;
  readonly now: () => Date;

  constructor(deps: { readonly em: SqlEntityManager; readonly box: SecretBox; readonly now?: (() => Date) | undefined }) {
    this.em = deps.em;
    this.box = deps.box;
    this.now = deps.now ?? (() => new Date());
  }

  /** Runs `work` in one transaction; a unique-key race is thrown as `onConflict()`. */
  transaction<T>(work: (repository: AdminRepository, tx: SqlEntityManager) => Promise<T>, onConflict: () => Error): Promise<T> {
    return inTransaction(this.em, work, onConflict);
  }

  read(): AdminRepository {
    return new AdminRepository(this.em.fork());
  }

  async mutate<T>(work: (repository: AdminRepository, tx: SqlEntityManager) => Promise<T>): Promise<T> {
    return inTransaction(this.em, work, () => new FailedPreconditionError('a concurrent change conflicts with this one; try again'));
  }

  async provider(repository: AdminRepository, name: string, field: string): Promise<ProviderRow> {
    if (name === '') throw new InvalidArgumentError(field, 'is required');
    const row = await repository.findProvider(name);
    if (!row) throw new NotFoundError(`provider "${name}" does not exist`);
    return row;
  }

  async audit(repository: AdminRepository, actor: string, action: string, subject: string, before: unknown, after: unknown): Promise<void> {
    await repository.insertAudit({ actor, action, subject, before: plainJson(before), after: plainJson(after), createdAt: this.now() });
  }

  seal(providerId: string, credentials: Readonly<Record<string, string>>): string | null {
    return Object.keys(credentials).length === 0 ? null : this.box.seal(JSON.stringify(credentials), credentialsContext(providerId));
  }

  /** Stored credentials; empty when they cannot be opened (e.g. after a key change). */
  credentials(row: ProviderRow): Record<string, string> {
    const sealed = row.credentialsCiphertext ?? null;
    if (sealed === null) return {};
    try {
      return JSON.parse(this.box.open(sealed, credentialsContext(row.id))) as Record<string, string>;
    } catch {
      return {};
    }
  }

  providerView(row: ProviderRow, credentials: Readonly<Record<string, string>>): ProviderView {
    return {
      name: row.name,
      kind: row.kind,
      enabled: row.enabled,
      channels: [...row.channels],
      throughputPerSecond: row.throughputPerSecond,
      burst: row.burst,
      maxInFlight: row.maxInFlight,
      // Older rows hold numbers (a port); the API speaks text.
      settings: Object.fromEntries(Object.entries(row.settings).map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)])),
      credentialNames: Object.keys(credentials).sort(),
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    };
  }
}

export function plainJson(value: unknown): unknown {
  return value === null || value === undefined ? null : (JSON.parse(JSON.stringify(value)) as unknown);
}

export function nextToken(keys: readonly KeysetRow[], page: readonly KeysetRow[]): string {
  const last = page.at(-1);
  return keys.length > page.length && last !== undefined ? encodePageToken(last.position) : '';
}
