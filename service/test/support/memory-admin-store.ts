/* eslint-disable @typescript-eslint/require-await -- memory answers at once; the port is async for the SQL store */
/**
 * AdminStore in memory, for unit tests of AdminService's features without a database. Each change
 * works on a copy of the state and replaces it only when the work resolves, so a failed change
 * leaves nothing behind, as a rolled-back transaction would; audit records and announcements are
 * kept in commit order for tests to read, and so are the agents whose live stream a change ended. The delivery log and inbound messages are always empty:
 * those reads are SQL by nature and are tested over the real store.
 */
import type { AuditRecordView, InboundMessageView, MessageView, PriceEntryMicros } from '../../src/admin/admin-model.js';
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
} from '../../src/admin/admin.ports.js';
import type { RouteRule } from '../../src/routing/routing-model.js';

interface State {
  providers: Map<string, StoredProvider>;
  prices: Map<string, PriceEntryMicros[]>;
  rules: Map<string, RouteRule>;
  apps: Map<string, StoredApp>;
  keys: Map<string, StoredApiKey>;
  agents: Map<string, StoredAgent>;
  /** Providers the delivery log holds attempts at (a test sets this). */
  attemptedProviders: Set<string>;
}

export interface AuditEntry {
  readonly actor: string;
  readonly action: string;
  readonly subject: string;
  readonly before: unknown;
  readonly after: unknown;
}

export class MemoryAdminStore implements AdminStore {
  #state: State = { providers: new Map(), prices: new Map(), rules: new Map(), apps: new Map(), keys: new Map(), agents: new Map(), attemptedProviders: new Set() };
  readonly audits: AuditEntry[] = [];
  readonly announcements: string[] = [];
  /** Agents whose live stream committed changes ended (`disconnectAgent`), in commit order. */
  readonly disconnects: string[] = [];

  reads(): AdminReads {
    return new MemoryChange(this.#state, '', [], [], []);
  }

  async change<T>(actor: string, work: (change: AdminChange) => Promise<T>): Promise<T> {
    const draft = structuredClone(this.#state);
    const audits: AuditEntry[] = [];
    const announcements: string[] = [];
    const disconnects: string[] = [];
    const result = await work(new MemoryChange(draft, actor, audits, announcements, disconnects));
    this.#state = draft;
    this.audits.push(...audits);
    this.announcements.push(...announcements);
    this.disconnects.push(...disconnects);
    return result;
  }

  /** Stores what the agent link writes when the agent connects (a test of presence sets this). */
  agentConnected(id: string, presence: Pick<StoredAgent, 'sessionId' | 'replica' | 'agentVersion' | 'modems' | 'connectedAt' | 'lastSeenAt'>): void {
    const agent = this.#state.agents.get(id);
    if (agent) this.#state.agents.set(id, { ...agent, ...presence, disconnectedAt: null });
  }

  /** Marks a provider as having attempts in the delivery log. */
  markAttempted(providerId: string): void {
    this.#state.attemptedProviders.add(providerId);
  }
}

class MemoryChange implements AdminChange {
  constructor(
    private readonly state: State,
    private readonly actor: string,
    private readonly audits: AuditEntry[],
    private readonly announcements: string[],
    private readonly disconnects: string[],
  ) {}

  async listProviders(): Promise<StoredProvider[]> {
    return [...this.state.providers.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  async findProvider(name: string): Promise<StoredProvider | null> {
    return [...this.state.providers.values()].find((provider) => provider.name === name) ?? null;
  }

  async providerHasAttempts(providerId: string): Promise<boolean> {
    return this.state.attemptedProviders.has(providerId);
  }

  async priceEntries(providerId: string): Promise<PriceEntryMicros[]> {
    return [...(this.state.prices.get(providerId) ?? [])];
  }

  async listRules(): Promise<RouteRule[]> {
    return [...this.state.rules.values()].sort((a, b) => a.priority - b.priority || a.name.localeCompare(b.name));
  }

  async findRule(id: string): Promise<RouteRule | null> {
    return this.state.rules.get(id) ?? null;
  }

  async listApps(): Promise<StoredApp[]> {
    return [...this.state.apps.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  async findApp(id: string): Promise<StoredApp | null> {
    return this.state.apps.get(id) ?? null;
  }

  async findAppByName(name: string): Promise<StoredApp | null> {
    return [...this.state.apps.values()].find((app) => app.name === name) ?? null;
  }

  async findApiKey(id: string): Promise<StoredApiKey | null> {
    return this.state.keys.get(id) ?? null;
  }

  async listApiKeys(appId: string): Promise<StoredApiKey[]> {
    return [...this.state.keys.values()].filter((key) => key.app === appId).sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  }

  async listAgents(): Promise<StoredAgent[]> {
    return [...this.state.agents.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async findAgent(id: string): Promise<StoredAgent | null> {
    return this.state.agents.get(id) ?? null;
  }

  async providersNamingAgent(agentId: string): Promise<string[]> {
    return (await this.listProviders()).filter((provider) => provider.kind === 'agent' && namedAgent(provider.settings) === agentId).map((provider) => provider.name);
  }

  async auditPage(): Promise<KeyedRows<AuditRecordView>> {
    return { rows: [], keys: [] };
  }

  async inboundPage(): Promise<KeyedRows<InboundMessageView>> {
    return { rows: [], keys: [] };
  }

  async messageKeys(): Promise<KeysetRow[]> {
    return [];
  }

  async messagesWithAttempts(): Promise<MessageView[]> {
    return [];
  }

  async insertProvider(provider: StoredProvider): Promise<void> {
    this.state.providers.set(provider.id, provider);
  }

  async updateProvider(id: string, changes: ProviderChanges): Promise<void> {
    const existing = this.state.providers.get(id);
    if (existing) this.state.providers.set(id, { ...existing, ...changes });
  }

  async deleteProvider(id: string): Promise<void> {
    this.state.providers.delete(id);
    this.state.prices.delete(id);
  }

  async replacePriceEntries(providerId: string, entries: readonly PriceEntryMicros[]): Promise<void> {
    this.state.prices.set(providerId, [...entries]);
  }

  async insertRule(rule: RouteRule): Promise<void> {
    this.state.rules.set(rule.id, rule);
  }

  async updateRule(rule: RouteRule): Promise<void> {
    this.state.rules.set(rule.id, rule);
  }

  async setRulePriority(id: string, priority: number): Promise<void> {
    const existing = this.state.rules.get(id);
    if (existing) this.state.rules.set(id, { ...existing, priority });
  }

  async deleteRule(id: string): Promise<void> {
    this.state.rules.delete(id);
  }

  async insertApp(app: StoredApp): Promise<void> {
    this.state.apps.set(app.id, app);
  }

  async updateApp(id: string, app: Omit<StoredApp, 'id' | 'createdAt'>): Promise<void> {
    const existing = this.state.apps.get(id);
    if (existing) this.state.apps.set(id, { ...existing, ...app });
  }

  async insertApiKey(key: StoredApiKey): Promise<void> {
    this.state.keys.set(key.id, key);
  }

  async revokeApiKey(id: string, at: Date): Promise<void> {
    const existing = this.state.keys.get(id);
    if (existing && existing.revokedAt === null) this.state.keys.set(id, { ...existing, revokedAt: at });
  }

  async insertAgent(agent: StoredAgent): Promise<void> {
    this.state.agents.set(agent.id, agent);
  }

  async updateAgent(id: string, changes: AgentChanges): Promise<void> {
    const existing = this.state.agents.get(id);
    if (existing) this.state.agents.set(id, { ...existing, ...changes });
  }

  async deleteAgent(id: string): Promise<void> {
    this.state.agents.delete(id);
  }

  async disconnectAgent(id: string): Promise<void> {
    this.disconnects.push(id);
  }

  async audit(action: string, subject: string, before: unknown, after: unknown): Promise<void> {
    this.audits.push({ actor: this.actor, action, subject, before, after });
  }

  async announce(reason: string): Promise<void> {
    this.announcements.push(reason);
  }
}

function namedAgent(settings: Readonly<Record<string, unknown>>): string {
  return typeof settings.agent === 'string' ? settings.agent.trim() : '';
}
