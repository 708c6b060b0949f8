/**
 * AdminService's store on PostgreSQL (or PGlite): the adapter behind `admin/admin.ports.ts`. It
 * maps rows to the records the features use, seals provider credentials and inbound bodies at
 * rest, writes the audit record and NOTIFYs replicas (of configuration, and the agent link of a
 * stream to end) inside the change's own transaction.
 */
import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import type { AuditRecordView, InboundMessageView, MessageQuery, MessageView, PriceEntryMicros } from '../admin/admin-model.js';
import { REVOKED, type ModemReport } from '../agents/agent-link.ports.js';
import type {
  AgentChanges,
  AdminChange,
  AdminReads,
  AdminStore,
  KeyedRows,
  KeysetRow,
  ProviderChanges,
  StoredApiKey,
  StoredAgent,
  StoredApp,
  StoredProvider,
} from '../admin/admin.ports.js';
import type { PagePosition } from '../admin/page-token.js';
import type { RouteRule } from '../routing/routing-model.js';
import type { SecretBox } from '../shared/secret-box.js';
import { AGENT_CHANNEL, agentNoticePayload } from './agent-link.store.js';
import { notifyConfigChanged } from './config-changes.js';
import {
  AgentSchema,
  ApiKeySchema,
  AppSchema,
  AttemptSchema,
  AuditRecordSchema,
  InboundMessageSchema,
  PriceEntrySchema,
  ProviderSchema,
  RouteRuleSchema,
  type AgentRow,
  type ApiKey,
  type App,
  type ProviderRow,
  type RouteRuleRow,
} from './entities.js';
import { toAppProfile } from './app.repository.js';
import { inboundBodyContext } from './inbound.repository.js';
import { loadMessageViews } from './message-views.js';
import { openCredentials, sealCredentials } from './provider-credentials.js';
import { toRouteRule } from './routing-config.repository.js';

/**
 * PostgreSQL allows 65,535 bind parameters per statement; 4 columns × 5,000 rows stays well below
 * while keeping a 100,000-prefix rate sheet to 20 statements.
 */
const INSERT_CHUNK = 5_000;

/** AdminService's store over one database. */
export class SqlAdminStore implements AdminStore {
  readonly #em: SqlEntityManager;
  readonly #box: SecretBox;
  readonly #now: () => Date;

  constructor(deps: { readonly em: SqlEntityManager; readonly box: SecretBox; readonly now?: (() => Date) | undefined }) {
    this.#em = deps.em;
    this.#box = deps.box;
    this.#now = deps.now ?? (() => new Date());
  }

  reads(): AdminReads {
    return new SqlAdminChange(this.#em.fork(), this.#box, '', this.#now);
  }

  async change<T>(actor: string, work: (change: AdminChange) => Promise<T>, onConflict: () => Error): Promise<T> {
    try {
      return await this.#em.fork().transactional(async (tx) => {
        // Admin edits are rare; running them one at a time makes their checks (one default rule,
        // reorder naming every rule) hold against concurrent edits too.
        await tx.execute('select pg_advisory_xact_lock(hashtext(?))', ['switchboard:admin']);
        return work(new SqlAdminChange(tx, this.#box, actor, this.#now));
      });
    } catch (error) {
      // Two admins creating the same name at once, past the feature's own check.
      if (error instanceof UniqueConstraintViolationException) throw onConflict();
      throw error;
    }
  }
}

/** Reads and writes on one entity manager: a transaction for a change, a fork for reads. */
class SqlAdminChange implements AdminChange {
  readonly #em: SqlEntityManager;
  readonly #box: SecretBox;
  readonly #actor: string;
  readonly #now: () => Date;

  constructor(em: SqlEntityManager, box: SecretBox, actor: string, now: () => Date) {
    this.#em = em;
    this.#box = box;
    this.#actor = actor;
    this.#now = now;
  }

  // Providers

  async listProviders(): Promise<StoredProvider[]> {
    const rows = await this.#em.find(ProviderSchema, {}, { orderBy: { name: 'asc' } });
    return rows.map((row) => this.#provider(row));
  }

  async findProvider(name: string): Promise<StoredProvider | null> {
    const row = await this.#em.findOne(ProviderSchema, { name });
    return row === null ? null : this.#provider(row);
  }

  async insertProvider(provider: StoredProvider): Promise<void> {
    const { credentials, channels, settings, ...rest } = provider;
    await this.#em.insert(ProviderSchema, {
      ...rest,
      channels: [...channels],
      settings: { ...settings },
      credentialsCiphertext: sealCredentials(this.#box, provider.id, credentials),
    });
  }

  async updateProvider(id: string, changes: ProviderChanges): Promise<void> {
    const { credentials, channels, settings, ...rest } = changes;
    const row: Partial<ProviderRow> = { ...rest };
    if (channels !== undefined) row.channels = [...channels];
    if (settings !== undefined) row.settings = { ...settings };
    if (credentials !== undefined) row.credentialsCiphertext = sealCredentials(this.#box, id, credentials);
    await this.#em.nativeUpdate(ProviderSchema, { id }, row);
  }

  async deleteProvider(id: string): Promise<void> {
    await this.#em.nativeDelete(ProviderSchema, { id });
  }

  /** Whether any attempt in the delivery log went to the provider (the log keeps a foreign key). */
  async providerHasAttempts(id: string): Promise<boolean> {
    return (await this.#em.count(AttemptSchema, { provider: id })) > 0;
  }

  // Prices

  async priceEntries(providerId: string): Promise<PriceEntryMicros[]> {
    const rows = await this.#em.find(PriceEntrySchema, { provider: providerId });
    return rows
      .map((row) => ({ country: row.country ?? null, prefix: row.prefix ?? null, priceMicros: row.priceMicros }))
      .sort((a, b) => compareEntries(a, b));
  }

  async replacePriceEntries(providerId: string, entries: readonly PriceEntryMicros[]): Promise<void> {
    await this.#em.nativeDelete(PriceEntrySchema, { provider: providerId });
    for (let start = 0; start < entries.length; start += INSERT_CHUNK) {
      const rows = entries.slice(start, start + INSERT_CHUNK).map((entry) => ({
        id: randomUUID(),
        provider: providerId,
        country: entry.country,
        prefix: entry.prefix,
        priceMicros: entry.priceMicros,
      }));
      await this.#em.insertMany(PriceEntrySchema, rows);
    }
  }

  // Route rules

  /** Rules in the order they are tried. */
  async listRules(): Promise<RouteRule[]> {
    const rows = await this.#em.find(RouteRuleSchema, {}, { orderBy: { priority: 'asc', name: 'asc' } });
    return rows.map(toRouteRule);
  }

  async findRule(id: string): Promise<RouteRule | null> {
    const row = await this.#em.findOne(RouteRuleSchema, { id });
    return row === null ? null : toRouteRule(row);
  }

  async insertRule(rule: RouteRule, at: Date): Promise<void> {
    await this.#em.insert(RouteRuleSchema, { ...toRuleRow(rule), createdAt: at, updatedAt: at });
  }

  async updateRule(rule: RouteRule, at: Date): Promise<void> {
    await this.#em.nativeUpdate(RouteRuleSchema, { id: rule.id }, { ...toRuleRow(rule), updatedAt: at });
  }

  async setRulePriority(id: string, priority: number, at: Date): Promise<void> {
    await this.#em.nativeUpdate(RouteRuleSchema, { id }, { priority, updatedAt: at });
  }

  async deleteRule(id: string): Promise<void> {
    await this.#em.nativeDelete(RouteRuleSchema, { id });
  }

  // Apps and API keys

  async listApps(): Promise<StoredApp[]> {
    return (await this.#em.find(AppSchema, {}, { orderBy: { name: 'asc' } })).map(toStoredApp);
  }

  async findApp(id: string): Promise<StoredApp | null> {
    const row = await this.#em.findOne(AppSchema, { id });
    return row === null ? null : toStoredApp(row);
  }

  async findAppByName(name: string): Promise<StoredApp | null> {
    const row = await this.#em.findOne(AppSchema, { name });
    return row === null ? null : toStoredApp(row);
  }

  async insertApp(app: StoredApp): Promise<void> {
    await this.#em.insert(AppSchema, { id: app.id, ...appColumns(app), createdAt: app.createdAt });
  }

  async updateApp(id: string, app: Omit<StoredApp, 'id' | 'createdAt'>): Promise<void> {
    await this.#em.nativeUpdate(AppSchema, { id }, appColumns(app));
  }

  async insertApiKey(key: StoredApiKey): Promise<void> {
    await this.#em.insert(ApiKeySchema, { ...key });
  }

  async findApiKey(id: string): Promise<StoredApiKey | null> {
    const row = await this.#em.findOne(ApiKeySchema, { id });
    return row === null ? null : toStoredApiKey(row);
  }

  async listApiKeys(appId: string): Promise<StoredApiKey[]> {
    return (await this.#em.find(ApiKeySchema, { app: appId }, { orderBy: { createdAt: 'desc', id: 'desc' } })).map(toStoredApiKey);
  }

  async revokeApiKey(id: string, at: Date): Promise<void> {
    await this.#em.nativeUpdate(ApiKeySchema, { id, revokedAt: null }, { revokedAt: at });
  }

  // Modem agents

  async listAgents(): Promise<StoredAgent[]> {
    return (await this.#em.find(AgentSchema, {}, { orderBy: { id: 'asc' } })).map(toStoredAgent);
  }

  async findAgent(id: string): Promise<StoredAgent | null> {
    const row = await this.#em.findOne(AgentSchema, { id });
    return row === null ? null : toStoredAgent(row);
  }

  async providersNamingAgent(agentId: string): Promise<string[]> {
    // Settings are stored as the admin typed them; the agent kind trims the id when it reads it.
    const rows = await this.#em.find(ProviderSchema, { kind: 'agent' }, { orderBy: { name: 'asc' } });
    return rows.filter((row) => typeof row.settings.agent === 'string' && row.settings.agent.trim() === agentId).map((row) => row.name);
  }

  async insertAgent(agent: StoredAgent): Promise<void> {
    await this.#em.insert(AgentSchema, { ...agent, modems: agent.modems.map((modem) => ({ ...modem })) });
  }

  async updateAgent(id: string, changes: AgentChanges): Promise<void> {
    await this.#em.nativeUpdate(AgentSchema, { id }, { ...changes });
  }

  async deleteAgent(id: string): Promise<void> {
    await this.#em.nativeDelete(AgentSchema, { id });
  }

  /**
   * The agent link's session notice with a session id no stream has: every replica's hub ends its
   * stream of the agent, as it does when the agent connects again elsewhere. NOTIFY inside the
   * transaction, so a change that rolls back ends nothing.
   */
  async disconnectAgent(id: string): Promise<void> {
    await this.#em.execute('select pg_notify(?, ?)', [AGENT_CHANNEL, agentNoticePayload({ kind: 'session', agentId: id, sessionId: REVOKED })]);
  }

  // Audit

  async audit(action: string, subject: string, before: unknown, after: unknown): Promise<void> {
    await this.#em.insert(AuditRecordSchema, {
      id: randomUUID(),
      actor: this.#actor,
      action,
      subject: subject.slice(0, 128),
      before: plainJson(before),
      after: plainJson(after),
      createdAt: this.#now(),
    });
  }

  /** NOTIFY inside the transaction: PostgreSQL delivers it only if the change commits. */
  async announce(reason: string): Promise<void> {
    await notifyConfigChanged(this.#em, reason);
  }

  /** Audit records newest first, after `position`; one more than `limit` tells whether a next page exists. */
  async auditPage(position: PagePosition | null, limit: number): Promise<KeyedRows<AuditRecordView>> {
    const params: unknown[] = [];
    let where = '';
    if (position !== null) {
      where = 'where (created_at, id) < (?::timestamptz, ?::uuid)';
      params.push(position.createdAt, position.id);
    }
    const keys = await this.#keys(`select id, created_at::text as created_key from audit_record ${where} order by created_at desc, id desc limit ?`, [...params, limit]);
    const rows = keys.length === 0 ? [] : await this.#em.find(AuditRecordSchema, { id: { $in: keys.map((key) => key.id) } });
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
  async inboundPage(filter: { provider: string; from: string }, position: PagePosition | null, limit: number): Promise<KeyedRows<InboundMessageView>> {
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
    const rows = keys.length === 0 ? [] : await this.#em.find(InboundMessageSchema, { id: { $in: keys.map((key) => key.id) } });
    const byId = new Map(rows.map((row) => [row.id, row]));
    return {
      keys,
      rows: keys.flatMap((key) => {
        const row = byId.get(key.id);
        if (row === undefined) return [];
        const text = this.#open(row.bodyCiphertext, inboundBodyContext(row.id));
        return [{ id: row.id, provider: row.providerName, from: row.source, to: row.destination, text, parts: row.parts, receivedAt: row.receivedAt }];
      }),
    };
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
    return loadMessageViews(this.#em, ids);
  }

  #provider(row: ProviderRow): StoredProvider {
    return {
      id: row.id,
      name: row.name,
      kind: row.kind,
      enabled: row.enabled,
      channels: row.channels,
      settings: row.settings,
      credentials: openCredentials(this.#box, row.id, row.credentialsCiphertext ?? null),
      throughputPerSecond: row.throughputPerSecond,
      burst: row.burst,
      maxInFlight: row.maxInFlight,
      priceCurrency: row.priceCurrency,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    };
  }

  /** An inbound body, or empty when it cannot be opened (a changed key): the rest still reads. */
  #open(sealed: string, context: string): string {
    try {
      return this.#box.open(sealed, context);
    } catch {
      return '';
    }
  }

  async #keys(sql: string, params: unknown[]): Promise<KeysetRow[]> {
    const rows = await this.#em.execute<{ id: string; created_key: string }[]>(sql, params);
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

function plainJson(value: unknown): unknown {
  return value === null || value === undefined ? null : (JSON.parse(JSON.stringify(value)) as unknown);
}

function toStoredApp(row: App): StoredApp {
  return { ...toAppProfile(row), createdAt: row.createdAt };
}

/** The columns an update may change. */
function appColumns(app: Omit<StoredApp, 'id' | 'createdAt'>): Omit<App, 'id' | 'createdAt'> {
  return {
    name: app.name,
    domain: app.domain,
    defaultLocale: app.defaultLocale,
    senderId: app.senderId,
    templates: Object.fromEntries(Object.entries(app.templates).map(([name, texts]) => [name, { ...texts }])),
    emailTemplates: Object.fromEntries(Object.entries(app.emailTemplates).map(([locale, { subject, text, html }]) => [locale, { subject, text, html }])),
    allowedCountries: [...app.allowedCountries],
    defaultCodeLength: app.defaultCodeLength,
  };
}

function toStoredAgent(row: AgentRow): StoredAgent {
  return {
    id: row.id,
    description: row.description,
    tokenHash: row.tokenHash,
    tokenPrefix: row.tokenPrefix,
    createdAt: row.createdAt,
    tokenIssuedAt: row.tokenIssuedAt,
    sessionId: row.sessionId ?? null,
    replica: row.replica ?? null,
    agentVersion: row.agentVersion,
    modems: Array.isArray(row.modems) ? row.modems.map(toModemReport) : [],
    connectedAt: row.connectedAt ?? null,
    lastSeenAt: row.lastSeenAt ?? null,
    disconnectedAt: row.disconnectedAt ?? null,
  };
}

const MODEM_HEALTHS: readonly ModemReport['health'][] = ['ready', 'starting', 'sim-problem', 'quarantined', 'unplugged', 'resetting', 'unknown'];

/** A modem as the agent link stored it; a field missing from an older report reads as unknown. */
function toModemReport(value: unknown): ModemReport {
  const modem = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  const text = (key: string) => (typeof modem[key] === 'string' ? modem[key] : '');
  const count = (key: string, unknown = 0) => (typeof modem[key] === 'number' ? modem[key] : unknown);
  const health = MODEM_HEALTHS.find((known) => known === modem.health) ?? 'unknown';
  return {
    label: text('label'),
    imei: text('imei'),
    imsi: text('imsi'),
    operator: text('operator'),
    signalQuality: count('signalQuality', 99),
    health,
    detail: text('detail'),
    queued: count('queued'),
    sentLastMinute: count('sentLastMinute'),
    maxPerMinute: count('maxPerMinute'),
  };
}

function toStoredApiKey(row: ApiKey): StoredApiKey {
  return { id: row.id, app: row.app, keyHash: row.keyHash, prefix: row.prefix, createdAt: row.createdAt, revokedAt: row.revokedAt ?? null };
}

function toRuleRow(rule: RouteRule): Omit<RouteRuleRow, 'createdAt' | 'updatedAt'> {
  return {
    id: rule.id,
    name: rule.name,
    priority: rule.priority,
    enabled: rule.enabled,
    isDefault: rule.isDefault,
    match: {
      countries: [...rule.match.countries],
      prefixes: [...rule.match.prefixes],
      apps: [...rule.match.apps],
      channels: [...rule.match.channels],
      kinds: [...rule.match.kinds],
      timeWindow: rule.match.timeWindow === null ? null : { ...rule.match.timeWindow, days: [...rule.match.timeWindow.days] },
    },
    candidates: [...rule.candidates],
    strategy: rule.strategy,
    weights: { ...rule.weights },
    fallback: rule.fallback.map((step) => ({ provider: step.provider, channel: step.channel, receiptTimeoutSeconds: step.receiptTimeoutSeconds })),
  };
}
