/**
 * The database side of AdminService: reads and writes of providers, prices, route rules, apps,
 * API keys, audit records and the delivery log. Every method runs on the entity manager it was
 * built with, so the service decides the transaction.
 */
import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import type { AttemptView, AuditRecordView, MessageQuery, MessageView, PriceEntryMicros } from '../admin/admin-model.js';
import type { PagePosition } from '../admin/page-token.js';
import {
  ApiKeySchema,
  AppSchema,
  AttemptSchema,
  AuditRecordSchema,
  InboundMessageSchema,
  MessageSchema,
  PriceEntrySchema,
  ProviderSchema,
  RouteRuleSchema,
  type ApiKey,
  type InboundMessageRow,
  type App,
  type ProviderRow,
  type RouteRuleRow,
} from './entities.js';

/** A row id and its position for keyset pagination (`created_at` as PostgreSQL prints it). */
export interface KeysetRow {
  readonly id: string;
  readonly position: PagePosition;
}

/**
 * PostgreSQL allows 65,535 bind parameters per statement; 4 columns × 5,000 rows stays well below
 * while keeping a 100,000-prefix rate sheet to 20 statements.
 */
const INSERT_CHUNK = 5_000;

/**
 * Runs `work` in one transaction on a fresh fork. A unique-constraint violation (two admins
 * creating the same name at once, past the service's own check) becomes `onDuplicate()`.
 */
export async function inTransaction<T>(em: SqlEntityManager, work: (repository: AdminRepository, tx: SqlEntityManager) => Promise<T>, onDuplicate: () => Error): Promise<T> {
  try {
    return await em.fork().transactional(async (tx) => {
      // Admin edits are rare; running them one at a time makes their checks (one default rule,
      // reorder naming every rule) hold against concurrent edits too.
      await tx.execute('select pg_advisory_xact_lock(hashtext(?))', ['switchboard:admin']);
      return work(new AdminRepository(tx), tx);
    });
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException) throw onDuplicate();
    throw error;
  }
}

/** AdminService's queries over one entity manager (usually a transaction). */
export class AdminRepository {
  constructor(readonly em: SqlEntityManager) {}

  // Providers

  async listProviders(): Promise<ProviderRow[]> {
    return this.em.find(ProviderSchema, {}, { orderBy: { name: 'asc' } });
  }

  async findProvider(name: string): Promise<ProviderRow | null> {
    return this.em.findOne(ProviderSchema, { name });
  }

  async insertProvider(row: ProviderRow): Promise<void> {
    await this.em.insert(ProviderSchema, row);
  }

  async updateProvider(id: string, changes: Partial<ProviderRow>): Promise<void> {
    await this.em.nativeUpdate(ProviderSchema, { id }, changes);
  }

  async deleteProvider(id: string): Promise<void> {
    await this.em.nativeDelete(ProviderSchema, { id });
  }

  /** Whether any attempt in the delivery log went to the provider (the log keeps a foreign key). */
  async providerHasAttempts(id: string): Promise<boolean> {
    return (await this.em.count(AttemptSchema, { provider: id })) > 0;
  }

  // Prices

  async priceEntries(providerId: string): Promise<PriceEntryMicros[]> {
    const rows = await this.em.find(PriceEntrySchema, { provider: providerId });
    return rows
      .map((row) => ({ country: row.country ?? null, prefix: row.prefix ?? null, priceMicros: row.priceMicros }))
      .sort((a, b) => compareEntries(a, b));
  }

  async countPriceEntries(providerId: string): Promise<number> {
    return this.em.count(PriceEntrySchema, { provider: providerId });
  }

  async replacePriceEntries(providerId: string, entries: readonly PriceEntryMicros[]): Promise<void> {
    await this.em.nativeDelete(PriceEntrySchema, { provider: providerId });
    for (let start = 0; start < entries.length; start += INSERT_CHUNK) {
      const rows = entries.slice(start, start + INSERT_CHUNK).map((entry) => ({
        id: randomUUID(),
        provider: providerId,
        country: entry.country,
        prefix: entry.prefix,
        priceMicros: entry.priceMicros,
      }));
      await this.em.insertMany(PriceEntrySchema, rows);
    }
  }

  // Route rules

  /** Rules in the order they are tried. */
  async listRules(): Promise<RouteRuleRow[]> {
    return this.em.find(RouteRuleSchema, {}, { orderBy: { priority: 'asc', name: 'asc' } });
  }

  async findRule(id: string): Promise<RouteRuleRow | null> {
    return this.em.findOne(RouteRuleSchema, { id });
  }

  async insertRule(row: RouteRuleRow): Promise<void> {
    await this.em.insert(RouteRuleSchema, row);
  }

  async updateRule(id: string, changes: Partial<RouteRuleRow>): Promise<void> {
    await this.em.nativeUpdate(RouteRuleSchema, { id }, changes);
  }

  async deleteRule(id: string): Promise<void> {
    await this.em.nativeDelete(RouteRuleSchema, { id });
  }

  // Apps and API keys

  async listApps(): Promise<App[]> {
    return this.em.find(AppSchema, {}, { orderBy: { name: 'asc' } });
  }

  async findApp(id: string): Promise<App | null> {
    return this.em.findOne(AppSchema, { id });
  }

  async findAppByName(name: string): Promise<App | null> {
    return this.em.findOne(AppSchema, { name });
  }

  async insertApp(row: App): Promise<void> {
    await this.em.insert(AppSchema, row);
  }

  async updateApp(id: string, changes: Partial<App>): Promise<void> {
    await this.em.nativeUpdate(AppSchema, { id }, changes);
  }

  async insertApiKey(row: ApiKey): Promise<void> {
    await this.em.insert(ApiKeySchema, row);
  }

  async findApiKey(id: string): Promise<ApiKey | null> {
    return this.em.findOne(ApiKeySchema, { id });
  }

  async listApiKeys(appId: string): Promise<ApiKey[]> {
    return this.em.find(ApiKeySchema, { app: appId }, { orderBy: { createdAt: 'desc', id: 'desc' } });
  }

  async revokeApiKey(id: string, at: Date): Promise<void> {
    await this.em.nativeUpdate(ApiKeySchema, { id, revokedAt: null }, { revokedAt: at });
  }

  // Audit

  async insertAudit(record: { actor: string; action: string; subject: string; before: unknown; after: unknown; createdAt: Date }): Promise<void> {
    await this.em.insert(AuditRecordSchema, { id: randomUUID(), ...record, subject: record.subject.slice(0, 128) });
  }

  /** Audit records newest first, after `position`; one more than `limit` tells whether a next page exists. */
  async auditPage(position: PagePosition | null, limit: number): Promise<{ rows: AuditRecordView[]; keys: KeysetRow[] }> {
    const params: unknown[] = [];
    let where = '';
    if (position !== null) {
      where = 'where (created_at, id) < (?::timestamptz, ?::uuid)';
      params.push(position.createdAt, position.id);
    }
    const keys = await this.#keys(`select id, created_at::text as created_key from audit_record ${where} order by created_at desc, id desc limit ?`, [...params, limit]);
    const rows = keys.length === 0 ? [] : await this.em.find(AuditRecordSchema, { id: { $in: keys.map((key) => key.id) } });
    const byId = new Map(rows.map((row) => [row.id, row]));
    return {
      keys,
      rows: keys.flatMap((key) => {
        const row = byId.get(key.id);
        return row === undefined
          ? []
          : [{ id: row.id, actor: row.actor, action: row.action, subject: row.subject, before: row.before ?? null, after: row.after ?? null, createdAt: row.createdAt }];
      }),
    };
  }

  /** Inbound messages newest first after `position`, optionally of one provider or sender. */
  async inboundPage(filter: { provider: string; from: string }, position: PagePosition | null, limit: number): Promise<{ rows: InboundMessageRow[]; keys: KeysetRow[] }> {
    const conditions: string[] = [];
    const params: unknown[] = [];
    if (filter.provider !== '') {
      conditions.push('provider_name = ?');
      params.push(filter.provider);
    }
    if (filter.from !== '') {
      conditions.push('source = ?');
      params.push(filter.from);
    }
    if (position !== null) {
      conditions.push('(received_at, id) < (?::timestamptz, ?::uuid)');
      params.push(position.createdAt, position.id);
    }
    const where = conditions.length === 0 ? '' : `where ${conditions.join(' and ')}`;
    const keys = await this.#keys(`select id, received_at::text as created_key from inbound_message ${where} order by received_at desc, id desc limit ?`, [...params, limit]);
    const rows = keys.length === 0 ? [] : await this.em.find(InboundMessageSchema, { id: { $in: keys.map((key) => key.id) } });
    const byId = new Map(rows.map((row) => [row.id, row]));
    return { keys, rows: keys.flatMap((key) => byId.get(key.id) ?? []) };
  }

  // Delivery log

  /**
   * Ids of messages matching `query`, newest first, after `position`. Filters on app and provider
   * are joins by name, so the log reads the way admins name things.
   */
  async messageKeys(query: MessageQuery, position: PagePosition | null, limit: number): Promise<KeysetRow[]> {
    const conditions: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, ...values: unknown[]) => {
      conditions.push(sql);
      params.push(...values);
    };
    if (query.to !== '') add('m."to" = ?', query.to);
    if (query.status !== null) add('m.status = ?', query.status);
    if (query.app !== '') add('m.app_id = (select a.id from app a where a.name = ?)', query.app);
    if (query.provider !== '') {
      add('exists (select 1 from attempt t join provider p on p.id = t.provider_id where t.message_id = m.id and p.name = ?)', query.provider);
    }
    if (query.createdAfter !== null) add('m.created_at >= ?', query.createdAfter);
    if (query.createdBefore !== null) add('m.created_at < ?', query.createdBefore);
    if (position !== null) add('(m.created_at, m.id) < (?::timestamptz, ?::uuid)', position.createdAt, position.id);
    const where = conditions.length === 0 ? '' : `where ${conditions.join(' and ')}`;
    return this.#keys(`select m.id, m.created_at::text as created_key from message m ${where} order by m.created_at desc, m.id desc limit ?`, [...params, limit]);
  }

  /** The messages with these ids, in the given order, each with its attempts. */
  messagesWithAttempts(ids: readonly string[]): Promise<MessageView[]> {
    return loadMessageViews(this.em, ids);
  }


  async #keys(sql: string, params: unknown[]): Promise<KeysetRow[]> {
    const rows = await this.em.execute<{ id: string; created_key: string }[]>(sql, params);
    return rows.map((row) => ({ id: row.id, position: { createdAt: row.created_key, id: row.id } }));
  }
}

/** Countries first (by code), then prefixes (by digits): the order export writes. */
function compareEntries(a: PriceEntryMicros, b: PriceEntryMicros): number {
  if ((a.country === null) !== (b.country === null)) return a.country === null ? 1 : -1;
  const left = a.country ?? a.prefix ?? '';
  const right = b.country ?? b.prefix ?? '';
  return left < right ? -1 : left > right ? 1 : 0;
}

/**
 * The messages with these ids, in the given order, each with its attempts. Four queries for the
 * whole page (messages, attempts, their providers, apps), never one per message.
 */
export async function loadMessageViews(em: SqlEntityManager, ids: readonly string[]): Promise<MessageView[]> {
  if (ids.length === 0) return [];
  const messages = await em.find(MessageSchema, { id: { $in: [...ids] } });
  const attempts = await em.find(AttemptSchema, { message: { $in: [...ids] } }, { orderBy: { step: 'asc', createdAt: 'asc', id: 'asc' } });
  const providerIds = [...new Set(attempts.map((attempt) => attempt.provider))];
  const appIds = [...new Set(messages.map((message) => message.app))];
  const providers = providerIds.length === 0 ? [] : await em.find(ProviderSchema, { id: { $in: providerIds } });
  const apps = await em.find(AppSchema, { id: { $in: appIds } });
  const providerNames = new Map(providers.map((provider) => [provider.id, provider.name]));
  const appNames = new Map(apps.map((app) => [app.id, app.name]));

  const attemptsByMessage = new Map<string, AttemptView[]>();
  for (const attempt of attempts) {
    const list = attemptsByMessage.get(attempt.message) ?? [];
    list.push({
      id: attempt.id,
      step: attempt.step,
      provider: providerNames.get(attempt.provider) ?? '',
      channel: attempt.channel,
      status: attempt.status,
      providerMessageId: attempt.providerMessageId ?? null,
      parts: attempt.parts ?? null,
      expectedCostMicros: attempt.expectedCostMicros ?? null,
      actualCostMicros: attempt.actualCostMicros ?? null,
      currency: attempt.currency ?? null,
      errorCode: attempt.errorCode ?? null,
      errorMessage: attempt.errorMessage ?? null,
      createdAt: attempt.createdAt,
      submittedAt: attempt.submittedAt ?? null,
      completedAt: attempt.completedAt ?? null,
    });
    attemptsByMessage.set(attempt.message, list);
  }
  const byId = new Map(messages.map((message) => [message.id, message]));
  return ids.flatMap((id) => {
    const message = byId.get(id);
    if (message === undefined) return [];
    return [
      {
        id: message.id,
        to: message.to,
        country: message.country,
        kind: message.kind,
        channel: message.channel,
        status: message.status,
        app: appNames.get(message.app) ?? '',
        verificationId: message.verification ?? null,
        routeRule: message.routeRule ?? null,
        lastError: message.lastError ?? null,
        createdAt: message.createdAt,
        updatedAt: message.updatedAt,
        attempts: attemptsByMessage.get(message.id) ?? [],
      },
    ];
  });
}
