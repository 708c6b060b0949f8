/**
 * AdminService: edits providers, prices, route rules, apps and API keys; reads the delivery log,
 * the audit log and provider health; simulates routes. Every edit validates the whole object
 * first, runs in one transaction with its audit record, and (for routing configuration) announces
 * itself to every replica from inside that transaction.
 */
import { randomUUID } from 'node:crypto';
import type { SqlEntityManager } from '@mikro-orm/sql';
import { generateApiKey, hashApiKey } from '../persistence/app.repository.js';
import { AdminRepository, inTransaction, type KeysetRow } from '../persistence/admin.repository.js';
import { notifyConfigChanged } from '../persistence/config-changes.js';
import { inboundBodyContext } from '../persistence/inbound.repository.js';
import type { ApiKey, App, ProviderRow, RouteRuleRow } from '../persistence/entities.js';
import { MICROS, toRouteRule } from '../persistence/routing-config.repository.js';
import { formatPriceCsv, formatPriceCsvProblem, parsePriceCsv } from '../routing/price-csv.js';
import { validatePriceTable } from '../routing/price-table.js';
import { validateRouteRule } from '../routing/route-rule.js';
import type { RoutingTable } from '../routing/router.js';
import { CHANNELS, MESSAGE_KINDS, type CapacityVerdict, type Channel, type MessageKind, type ProviderHealth, type RouteRule } from '../routing/routing-model.js';
import type { ValidationProblem } from '../shared/validation-problem.js';
import { AlreadyExistsError, FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../shared/errors.js';
import type { SecretBox } from '../shared/secret-box.js';
import { parsePhoneNumber } from '../verification/phone-number.js';
import { assertId, assertValid, invalidArgument, toProtoProblems } from './admin-problems.js';
import type {
  InboundMessageView,
  InboundQuery,
  ApiKeyView,
  AppDraft,
  AppView,
  AuditRecordView,
  MessageQuery,
  MessageView,
  Page,
  PriceCsv,
  PriceEntryMicros,
  PriceTableMicros,
  ProviderDraft,
  ProviderHealthSnapshot,
  ProviderKindView,
  ProviderView,
  RouteRuleDraft,
  SimulateRouteQuery,
  SimulatedRoute,
} from './admin-model.js';
import { PROVIDER_KINDS } from './admin-model.js';
import { validateApp } from './app-validation.js';
import { decodePageToken, encodePageToken, pageSize } from './page-token.js';
import { validateProvider } from './provider-validation.js';
import { PROVIDER_KIND_DESCRIPTORS } from '../providers/provider-kinds.js';

/** What AdminService needs from the rest of the process. */
export interface AdminServiceDeps {
  readonly em: SqlEntityManager;
  /** Seals provider credentials at rest. */
  readonly box: SecretBox;
  /** The routing table this replica routes with right now (SimulateRoute asks it). */
  readonly routing: { current(): RoutingTable };
  /** Live provider health of this replica. */
  readonly health: { snapshot(): ProviderHealthSnapshot[] };
  readonly now?: () => Date;
}

/** Audit records keep whole price tables only up to this size; rate sheets can hold 100,000 rows. */
const AUDITED_PRICE_ENTRIES = 1_000;
/** Rule priorities are spaced so one rule can later be slotted between two without a reorder. */
const PRIORITY_STEP = 10;
const INT32_MAX = 2_147_483_647;

/** The seal context of a provider's credentials: a ciphertext opens only for its own provider. */
export function credentialsContext(providerId: string): string {
  return `provider:${providerId}`;
}

/** AdminService's operations over plain domain types; `actor` names who makes a change. */
export class AdminService {
  readonly #em: SqlEntityManager;
  readonly #box: SecretBox;
  readonly #routing: { current(): RoutingTable };
  readonly #health: { snapshot(): ProviderHealthSnapshot[] };
  readonly #now: () => Date;

  constructor(deps: AdminServiceDeps) {
    this.#em = deps.em;
    this.#box = deps.box;
    this.#routing = deps.routing;
    this.#health = deps.health;
    this.#now = deps.now ?? (() => new Date());
  }

  // Providers

  /** Every kind of provider with its fields, as the descriptors give them. */
  listProviderKinds(): ProviderKindView[] {
    return PROVIDER_KIND_DESCRIPTORS.flatMap((descriptor) => {
      const kind = PROVIDER_KINDS.find((known) => known === descriptor.kind);
      if (kind === undefined) return [];
      const { title, description, channels, available, fields, openCredentials } = descriptor;
      return [{ kind, title, description, channels, available, fields, openCredentials }];
    });
  }

  /** Every provider by name; credentials only by name. */
  async listProviders(): Promise<ProviderView[]> {
    const rows = await this.#read().listProviders();
    return rows.map((row) => this.#providerView(row, this.#credentials(row)));
  }

  /** Creates a provider. @throws AlreadyExistsError when the name is taken. */
  async createProvider(actor: string, draft: ProviderDraft): Promise<ProviderView> {
    const credentials = nonEmpty(draft.credentials);
    assertValid(toProtoProblems('provider.', validateProvider(draft, credentials)));
    const taken = () => new AlreadyExistsError(`provider "${draft.name}" already exists`);
    return inTransaction(
      this.#em,
      async (repository, tx) => {
        if (await repository.findProvider(draft.name)) throw taken();
        const now = this.#now();
        const id = randomUUID();
        const row: ProviderRow = {
          id,
          name: draft.name,
          kind: draft.kind,
          enabled: draft.enabled,
          channels: [...draft.channels],
          settings: { ...draft.settings },
          credentialsCiphertext: this.#seal(id, credentials),
          throughputPerSecond: draft.throughputPerSecond,
          burst: draft.burst,
          maxInFlight: draft.maxInFlight,
          priceCurrency: 'EUR',
          createdAt: now,
          updatedAt: now,
        };
        await repository.insertProvider(row);
        const view = this.#providerView(row, credentials);
        await this.#audit(repository, actor, 'provider.create', draft.name, null, providerAudit(view));
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
  async updateProvider(actor: string, draft: ProviderDraft): Promise<ProviderView> {
    return inTransaction(
      this.#em,
      async (repository, tx) => {
        const existing = await repository.findProvider(draft.name);
        // Validate before NOT_FOUND would hide the problem: a bad name is also unknown.
        const stored = existing ? this.#credentials(existing) : {};
        const credentials = { ...stored, ...nonEmpty(draft.credentials) };
        assertValid(toProtoProblems('provider.', validateProvider(draft, credentials)));
        if (!existing) throw new NotFoundError(`provider "${draft.name}" does not exist`);
        const before = this.#providerView(existing, stored);
        const now = this.#now();
        const changes = {
          kind: draft.kind,
          enabled: draft.enabled,
          channels: [...draft.channels],
          settings: { ...draft.settings },
          credentialsCiphertext: this.#seal(existing.id, credentials),
          throughputPerSecond: draft.throughputPerSecond,
          burst: draft.burst,
          maxInFlight: draft.maxInFlight,
          updatedAt: now,
        };
        await repository.updateProvider(existing.id, changes);
        const view = this.#providerView({ ...existing, ...changes }, credentials);
        await this.#audit(repository, actor, 'provider.update', draft.name, providerAudit(before), providerAudit(view));
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
  async deleteProvider(actor: string, name: string): Promise<void> {
    if (name === '') throw new InvalidArgumentError('name', 'is required');
    await this.#mutate(async (repository, tx) => {
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
      await this.#audit(repository, actor, 'provider.delete', name, providerAudit(this.#providerView(existing, this.#credentials(existing))), null);
      await notifyConfigChanged(tx, `provider.delete ${name}`);
    });
  }

  // Price tables

  /** A provider's price table (no entries when none were set). */
  async getPriceTable(provider: string): Promise<PriceTableMicros> {
    const repository = this.#read();
    const row = await this.#provider(repository, provider, 'provider');
    return { provider, currency: row.priceCurrency, entries: await repository.priceEntries(row.id) };
  }

  /** Replaces a provider's price table. */
  async setPriceTable(actor: string, table: PriceTableMicros): Promise<PriceTableMicros> {
    assertValid(toProtoProblems('price_table.', priceTableProblems(table)));
    return this.#storePriceTable(actor, 'price_table.set', normalizeEntries(table), 'price_table.provider');
  }

  /**
   * Replaces a provider's price table from CSV; every problem names its line.
   * @returns the number of entries stored.
   */
  async importPriceTable(actor: string, input: { provider: string; currency: string; csv: string }): Promise<number> {
    if (input.provider === '') throw new InvalidArgumentError('provider', 'is required');
    const parsed = parsePriceCsv(input.csv, { provider: input.provider, currency: input.currency });
    if (!parsed.ok) {
      throw invalidArgument(
        parsed.problems.map((problem) => {
          // Line 0 is the separately given provider or currency (`currency: …`), not the file.
          const field = problem.line === 0 ? (/^(provider|currency):/.exec(problem.reason)?.[1] ?? 'csv') : 'csv';
          return { field, reason: problem.line === 0 ? problem.reason.replace(/^(provider|currency):\s*/, '') : formatPriceCsvProblem(problem) };
        }),
      );
    }
    const table: PriceTableMicros = {
      provider: input.provider,
      currency: input.currency,
      // Rate sheets give decimals; storage keeps integer micros (a millionth of the unit).
      entries: parsed.table.entries.map((entry) => ({ country: entry.country ?? null, prefix: entry.prefix ?? null, priceMicros: Math.round(entry.price * MICROS) })),
    };
    assertValid(toProtoProblems('', priceTableProblems(table)).map((problem) => ({ ...problem, field: problem.field.startsWith('entries') ? 'csv' : problem.field })));
    const stored = await this.#storePriceTable(actor, 'price_table.import', table, 'provider');
    return stored.entries.length;
  }

  /** A provider's price table as CSV (`country,prefix,price`, prices as decimals). */
  async exportPriceTable(provider: string): Promise<PriceCsv> {
    const table = await this.getPriceTable(provider);
    const csv = formatPriceCsv({
      provider,
      currency: table.currency,
      entries: table.entries.map((entry) => ({ ...(entry.prefix !== null ? { prefix: entry.prefix } : { country: entry.country ?? '' }), price: entry.priceMicros / MICROS })),
    });
    return { currency: table.currency, csv };
  }

  async #storePriceTable(actor: string, action: string, table: PriceTableMicros, providerField: string): Promise<PriceTableMicros> {
    return this.#mutate(async (repository, tx) => {
      const row = await this.#provider(repository, table.provider, providerField);
      const before = { currency: row.priceCurrency, entries: await repository.priceEntries(row.id) };
      await repository.replacePriceEntries(row.id, table.entries);
      await repository.updateProvider(row.id, { priceCurrency: table.currency, updatedAt: this.#now() });
      await this.#audit(repository, actor, action, table.provider, priceAudit(table.provider, before.currency, before.entries), priceAudit(table.provider, table.currency, table.entries));
      await notifyConfigChanged(tx, `${action} ${table.provider}`);
      return { provider: table.provider, currency: table.currency, entries: await repository.priceEntries(row.id) };
    });
  }

  // Route rules

  /** Rules in the order they are tried. */
  async listRouteRules(): Promise<RouteRule[]> {
    return (await this.#read().listRules()).map(toRouteRule);
  }

  /** Creates a rule; without a priority it goes last. */
  async createRouteRule(actor: string, draft: RouteRuleDraft): Promise<RouteRule> {
    const taken = () => new AlreadyExistsError(`route rule "${draft.name}" already exists`);
    return inTransaction(
      this.#em,
      async (repository, tx) => {
        const rules = await repository.listRules();
        const id = randomUUID();
        const last = rules.reduce((max, rule) => Math.max(max, rule.priority), 0);
        const rule: RouteRule = { ...draft, id, priority: draft.priority ?? last + PRIORITY_STEP };
        await this.#checkRule(repository, rule, rules);
        if (rules.some((other) => other.name === rule.name)) throw taken();
        const now = this.#now();
        await repository.insertRule({ ...toRuleRow(rule), createdAt: now, updatedAt: now });
        await this.#audit(repository, actor, 'route_rule.create', id, null, ruleAudit(rule));
        await notifyConfigChanged(tx, `route_rule.create ${rule.name}`);
        return rule;
      },
      taken,
    );
  }

  /** Replaces rule `id`; a `null` priority keeps the current one. */
  async updateRouteRule(actor: string, id: string, draft: RouteRuleDraft): Promise<RouteRule> {
    assertId(id, 'rule.id');
    const taken = () => new AlreadyExistsError(`route rule "${draft.name}" already exists`);
    return inTransaction(
      this.#em,
      async (repository, tx) => {
        const rules = await repository.listRules();
        const existing = rules.find((rule) => rule.id === id);
        const rule: RouteRule = { ...draft, id, priority: draft.priority ?? existing?.priority ?? 0 };
        await this.#checkRule(repository, rule, rules);
        if (!existing) throw new NotFoundError(`route rule ${id} does not exist`);
        if (rules.some((other) => other.name === rule.name && other.id !== id)) throw taken();
        await repository.updateRule(id, { ...toRuleRow(rule), updatedAt: this.#now() });
        await this.#audit(repository, actor, 'route_rule.update', id, ruleAudit(toRouteRule(existing)), ruleAudit(rule));
        await notifyConfigChanged(tx, `route_rule.update ${rule.name}`);
        return rule;
      },
      taken,
    );
  }

  async deleteRouteRule(actor: string, id: string): Promise<void> {
    assertId(id, 'id');
    await this.#mutate(async (repository, tx) => {
      const existing = await repository.findRule(id);
      if (!existing) throw new NotFoundError(`route rule ${id} does not exist`);
      await repository.deleteRule(id);
      await this.#audit(repository, actor, 'route_rule.delete', id, ruleAudit(toRouteRule(existing)), null);
      await notifyConfigChanged(tx, `route_rule.delete ${existing.name}`);
    });
  }

  /** Sets the order of every rule: priorities become 10, 20, … in the order of `ids`. */
  async reorderRouteRules(actor: string, ids: readonly string[]): Promise<RouteRule[]> {
    return this.#mutate(async (repository, tx) => {
      const rules = await repository.listRules();
      const problems = reorderProblems(ids, rules);
      if (problems.length > 0) throw new InvalidArgumentError('ids', `must name every rule exactly once: ${problems.join('; ')}`);
      const now = this.#now();
      const byId = new Map(rules.map((rule) => [rule.id, rule]));
      const reordered: RouteRule[] = [];
      for (const [index, id] of ids.entries()) {
        const row = byId.get(id);
        if (row === undefined) continue;
        const priority = (index + 1) * PRIORITY_STEP;
        if (row.priority !== priority) await repository.updateRule(id, { priority, updatedAt: now });
        reordered.push({ ...toRouteRule(row), priority });
      }
      const order = (list: readonly { id: string; name: string; priority: number }[]) => list.map(({ id, name, priority }) => ({ id, name, priority }));
      await this.#audit(repository, actor, 'route_rule.reorder', 'route_rules', order(rules), order(reordered));
      await notifyConfigChanged(tx, 'route_rule.reorder');
      return reordered;
    });
  }

  /** Validates a rule against the known providers and the one-default limit. */
  async #checkRule(repository: AdminRepository, rule: RouteRule, rules: readonly RouteRuleRow[]): Promise<void> {
    const providers = new Set((await repository.listProviders()).map((provider) => provider.name));
    const problems: ValidationProblem[] = validateRouteRule(rule, { providers });
    if (!Number.isInteger(rule.priority) || Math.abs(rule.priority) > INT32_MAX) problems.push({ field: 'priority', reason: 'must be a whole number (int32)' });
    if (rule.name.length > 64) problems.push({ field: 'name', reason: 'must be at most 64 characters' });
    const otherDefault = rules.find((other) => other.isDefault && other.id !== rule.id);
    if (rule.isDefault && otherDefault) problems.push({ field: 'isDefault', reason: `route rule "${otherDefault.name}" is already the default; there can be only one` });
    assertValid(toProtoProblems('rule.', problems));
  }

  // Apps and API keys

  async listApps(): Promise<AppView[]> {
    return (await this.#read().listApps()).map(appView);
  }

  /** Creates an app. @throws AlreadyExistsError when the name is taken. */
  async createApp(actor: string, draft: AppDraft): Promise<AppView> {
    assertValid(toProtoProblems('app.', validateApp(draft)));
    const taken = () => new AlreadyExistsError(`app "${draft.name}" already exists`);
    return inTransaction(
      this.#em,
      async (repository) => {
        if (await repository.findAppByName(draft.name)) throw taken();
        const row: App = { id: randomUUID(), ...appRow(draft), createdAt: this.#now() };
        await repository.insertApp(row);
        const view = appView(row);
        await this.#audit(repository, actor, 'app.create', row.id, null, view);
        return view;
      },
      taken,
    );
  }

  /** Replaces app `id`'s settings. */
  async updateApp(actor: string, id: string, draft: AppDraft): Promise<AppView> {
    assertId(id, 'app.id');
    assertValid(toProtoProblems('app.', validateApp(draft)));
    const taken = () => new AlreadyExistsError(`app "${draft.name}" already exists`);
    return inTransaction(
      this.#em,
      async (repository, tx) => {
        const existing = await repository.findApp(id);
        if (!existing) throw new NotFoundError(`app ${id} does not exist`);
        const sameName = await repository.findAppByName(draft.name);
        if (sameName && sameName.id !== id) throw taken();
        await repository.updateApp(id, appRow(draft));
        const view = appView({ ...existing, ...appRow(draft) });
        await this.#audit(repository, actor, 'app.update', id, appView(existing), view);
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
    return this.#mutate(async (repository) => {
      if (!(await repository.findApp(appId))) throw new NotFoundError(`app ${appId} does not exist`);
      const secret = generateApiKey();
      const row: ApiKey = { id: randomUUID(), app: appId, keyHash: hashApiKey(secret), prefix: secret.slice(0, 8), createdAt: this.#now(), revokedAt: null };
      await repository.insertApiKey(row);
      const apiKey = apiKeyView(row);
      await this.#audit(repository, actor, 'api_key.create', row.id, null, apiKey);
      return { apiKey, secret };
    });
  }

  /** An app's API keys, newest first. */
  async listApiKeys(appId: string): Promise<ApiKeyView[]> {
    assertId(appId, 'app_id');
    const repository = this.#read();
    if (!(await repository.findApp(appId))) throw new NotFoundError(`app ${appId} does not exist`);
    return (await repository.listApiKeys(appId)).map(apiKeyView);
  }

  /** Revokes a key at once; revoking a revoked key changes nothing. */
  async revokeApiKey(actor: string, id: string): Promise<ApiKeyView> {
    assertId(id, 'id');
    return this.#mutate(async (repository, tx) => {
      const existing = await repository.findApiKey(id);
      if (!existing) throw new NotFoundError(`API key ${id} does not exist`);
      if (existing.revokedAt) return apiKeyView(existing);
      const revoked = { ...existing, revokedAt: this.#now() };
      await repository.revokeApiKey(id, revoked.revokedAt);
      await this.#audit(repository, actor, 'api_key.revoke', id, apiKeyView(existing), apiKeyView(revoked));
      // Replicas cache apps by API key: a revoked key stops working on every replica at once.
      await notifyConfigChanged(tx, `api_key.revoke ${id}`);
      return apiKeyView(revoked);
    });
  }

  // Routing, delivery log, health, audit log

  /**
   * The plan a message would get now, from this replica's routing table and health.
   * @throws NoRouteError (FAILED_PRECONDITION) when no route can carry it.
   */
  async simulateRoute(query: SimulateRouteQuery): Promise<SimulatedRoute> {
    const number = parsePhoneNumber(query.to, 'to');
    const channel = CHANNELS.find((known) => known === query.channel);
    if (channel === undefined) throw new InvalidArgumentError('channel', `"${query.channel}" is not one of ${CHANNELS.join(', ')}`);
    const kind = MESSAGE_KINDS.find((known) => known === query.kind);
    if (kind === undefined) throw new InvalidArgumentError('kind', `"${query.kind}" is not one of ${MESSAGE_KINDS.join(', ')}`);
    if (!Number.isInteger(query.parts) || query.parts < 1 || query.parts > 255) throw new InvalidArgumentError('parts', 'must be 1 to 255 (0: 1)');

    const limits = new Map((await this.#read().listProviders()).map((row) => [row.name, row.maxInFlight]));
    const plan = this.#routing.current().plan(
      { to: number.e164, country: number.country, app: query.app, channel: channel satisfies Channel, kind: kind satisfies MessageKind, parts: query.parts },
      healthView(this.#health.snapshot(), limits),
      this.#now().getTime(),
      Math.random,
    );
    return {
      rule: plan.rule,
      country: number.country,
      steps: plan.steps.map((step) => ({
        provider: step.provider,
        channel: step.channel,
        expectedCostMicros: step.expectedCost === null ? null : Math.round(step.expectedCost * MICROS),
        currency: step.currency,
        receiptTimeoutSeconds: step.receiptTimeoutSeconds,
      })),
      skipped: plan.skipped.map((skip) => ({ provider: skip.provider, channel: skip.channel, reason: skip.reason })),
    };
  }

  /** Messages newest first, filtered, one page at a time, each with its attempts. */
  async listMessages(query: MessageQuery): Promise<Page<MessageView>> {
    if (query.to !== '' && !/^\+\d{1,15}$/.test(query.to)) throw new InvalidArgumentError('to', 'must be E.164: "+" and up to 15 digits');
    if (query.createdAfter !== null && Number.isNaN(query.createdAfter.getTime())) throw new InvalidArgumentError('created_after', 'is not a valid time');
    if (query.createdBefore !== null && Number.isNaN(query.createdBefore.getTime())) throw new InvalidArgumentError('created_before', 'is not a valid time');
    const size = pageSize(query.pageSize);
    const position = decodePageToken(query.pageToken);
    const repository = this.#read();
    const keys = await repository.messageKeys(query, position, size + 1);
    const page = keys.slice(0, size);
    const items = await repository.messagesWithAttempts(page.map((key) => key.id));
    return { items, nextPageToken: nextToken(keys, page) };
  }

  /** One message (of any app) with its attempt timeline. */
  async getMessage(id: string): Promise<MessageView> {
    assertId(id, 'message_id');
    const [message] = await this.#read().messagesWithAttempts([id]);
    if (message === undefined) throw new NotFoundError(`message ${id} does not exist`);
    return message;
  }

  /** Health of every provider, as this replica sees it. */
  providerHealth(): ProviderHealthSnapshot[] {
    return this.#health.snapshot();
  }

  /** Audit records newest first, one page at a time. */
  async listAuditRecords(request: { pageSize: number; pageToken: string }): Promise<Page<AuditRecordView>> {
    const size = pageSize(request.pageSize);
    const position = decodePageToken(request.pageToken);
    const { rows, keys } = await this.#read().auditPage(position, size + 1);
    return { items: rows.slice(0, size), nextPageToken: nextToken(keys, keys.slice(0, size)) };
  }

  /** Inbound (mobile-originated) messages newest first, one page at a time. */
  async listInboundMessages(query: InboundQuery): Promise<Page<InboundMessageView>> {
    if (query.provider.length > 64) throw new InvalidArgumentError('provider', 'is longer than 64 characters');
    if (query.from.length > 32) throw new InvalidArgumentError('from', 'is longer than 32 characters');
    const size = pageSize(query.pageSize);
    const position = decodePageToken(query.pageToken);
    const { rows, keys } = await this.#read().inboundPage({ provider: query.provider, from: query.from.replace(/^\+/, '') }, position, size + 1);
    return {
      items: rows.slice(0, size).map((row) => ({
        id: row.id,
        provider: row.providerName,
        from: row.source,
        to: row.destination,
        text: this.#openInbound(row.id, row.bodyCiphertext),
        parts: row.parts,
        receivedAt: row.receivedAt,
      })),
      nextPageToken: nextToken(keys, keys.slice(0, size)),
    };
  }

  #openInbound(id: string, sealed: string): string {
    try {
      return this.#box.open(sealed, inboundBodyContext(id));
    } catch {
      return '';
    }
  }

  // Plumbing

  #read(): AdminRepository {
    return new AdminRepository(this.#em.fork());
  }

  async #mutate<T>(work: (repository: AdminRepository, tx: SqlEntityManager) => Promise<T>): Promise<T> {
    return inTransaction(this.#em, work, () => new FailedPreconditionError('a concurrent change conflicts with this one; try again'));
  }

  async #provider(repository: AdminRepository, name: string, field: string): Promise<ProviderRow> {
    if (name === '') throw new InvalidArgumentError(field, 'is required');
    const row = await repository.findProvider(name);
    if (!row) throw new NotFoundError(`provider "${name}" does not exist`);
    return row;
  }

  async #audit(repository: AdminRepository, actor: string, action: string, subject: string, before: unknown, after: unknown): Promise<void> {
    await repository.insertAudit({ actor, action, subject, before: plainJson(before), after: plainJson(after), createdAt: this.#now() });
  }

  #seal(providerId: string, credentials: Readonly<Record<string, string>>): string | null {
    return Object.keys(credentials).length === 0 ? null : this.#box.seal(JSON.stringify(credentials), credentialsContext(providerId));
  }

  /** Stored credentials; empty when they cannot be opened (e.g. after a key change). */
  #credentials(row: ProviderRow): Record<string, string> {
    const sealed = row.credentialsCiphertext ?? null;
    if (sealed === null) return {};
    try {
      return JSON.parse(this.#box.open(sealed, credentialsContext(row.id))) as Record<string, string>;
    } catch {
      return {};
    }
  }

  #providerView(row: ProviderRow, credentials: Readonly<Record<string, string>>): ProviderView {
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

/** Keeps only credentials with a value: an empty one means "keep what is stored". */
function nonEmpty(credentials: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(credentials).filter(([, value]) => value !== ''));
}

/** A provider for the audit log: credentials by name only, never their values. */
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

function priceAudit(provider: string, currency: string, entries: readonly PriceEntryMicros[]): object {
  if (entries.length > AUDITED_PRICE_ENTRIES) return { provider, currency, entryCount: entries.length, entriesOmitted: true };
  return { provider, currency, entryCount: entries.length, entries };
}

/** A rule for the audit log: the whole rule (it holds no secrets). */
function ruleAudit(rule: RouteRule): RouteRule {
  return rule;
}

/** Dates become ISO text and `undefined` disappears, as they would in the jsonb column anyway. */
function plainJson(value: unknown): unknown {
  return value === null || value === undefined ? null : (JSON.parse(JSON.stringify(value)) as unknown);
}

/** Problems of a price table in micros, fields as the .proto spells them inside the table. */
function priceTableProblems(table: PriceTableMicros): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  table.entries.forEach((entry, index) => {
    if (!Number.isSafeInteger(entry.priceMicros) || entry.priceMicros < 0) problems.push({ field: `entries[${index}].priceMicros`, reason: 'must be a whole number of micros, at least 0' });
  });
  const domain = {
    provider: table.provider,
    currency: table.currency,
    entries: table.entries.map((entry) => ({ country: entry.country ?? '', prefix: entry.prefix ?? '', price: entry.priceMicros / MICROS })),
  };
  // validatePriceTable names `price`; the API's field is `price_micros`, already checked above.
  problems.push(...validatePriceTable(domain).filter((problem) => !problem.field.endsWith('.price')));
  return problems.sort((a, b) => fieldOrder(a.field) - fieldOrder(b.field));
}

/** Orders problems as the fields appear in the table, so the first named is the first in it. */
function fieldOrder(field: string): number {
  const entry = /^entries\[(\d+)\]/.exec(field);
  if (entry) return 2 + Number(entry[1]);
  return field === 'provider' ? 0 : 1;
}

function normalizeEntries(table: PriceTableMicros): PriceTableMicros {
  return {
    ...table,
    entries: table.entries.map((entry) => ({
      country: entry.country === '' ? null : entry.country,
      prefix: entry.prefix === '' ? null : entry.prefix,
      priceMicros: entry.priceMicros,
    })),
  };
}

function reorderProblems(ids: readonly string[], rules: readonly RouteRuleRow[]): string[] {
  const known = new Set(rules.map((rule) => rule.id));
  const seen = new Set<string>();
  const problems: string[] = [];
  ids.forEach((id, index) => {
    if (!known.has(id)) problems.push(`ids[${index}] "${id.slice(0, 64)}" is not a rule`);
    else if (seen.has(id)) problems.push(`ids[${index}] is listed twice`);
    seen.add(id);
  });
  const missing = rules.filter((rule) => !seen.has(rule.id));
  if (missing.length > 0) problems.push(`missing ${missing.map((rule) => `"${rule.name}" (${rule.id})`).join(', ')}`);
  return problems;
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

function nextToken(keys: readonly KeysetRow[], page: readonly KeysetRow[]): string {
  const last = page.at(-1);
  return keys.length > page.length && last !== undefined ? encodePageToken(last.position) : '';
}

const HAS_CAPACITY: CapacityVerdict = { ok: true };

/**
 * The planner's view of health from this replica's snapshot. A simulation takes no probe slot, so
 * a half-open breaker counts as probing; throughput is not in the snapshot, so only the in-flight
 * cap can make a provider full here.
 */
function healthView(snapshot: readonly ProviderHealthSnapshot[], maxInFlight: ReadonlyMap<string, number>): ProviderHealth {
  const byName = new Map(snapshot.map((entry) => [entry.provider, entry]));
  return {
    state: (provider) => byName.get(provider)?.circuit ?? 'closed',
    allowsProbe: () => true,
    hasCapacity: (provider) => {
      const cap = maxInFlight.get(provider) ?? 0;
      const inFlight = byName.get(provider)?.inFlight ?? 0;
      return cap > 0 && inFlight >= cap ? { ok: false, reason: 'in-flight cap' } : HAS_CAPACITY;
    },
  };
}
