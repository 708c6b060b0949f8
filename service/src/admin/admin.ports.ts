/**
 * What AdminService needs from storage, in its own terms. The features read and change plain
 * records; the adapter behind these ports (PostgreSQL in `persistence/admin-store.ts`) owns the
 * transaction, the sealing of secrets at rest, the audit table and the change notification, so
 * the features can be read, and tested, without a database.
 */
import type { ModemReport } from '../agents/agent-link.ports.js';
import type { RouteRule } from '../routing/routing-model.js';
import type { AuditRecordView, InboundMessageView, MessageQuery, MessageView, PriceEntryMicros } from './admin-model.js';
import type { EmailTemplateSet } from '../verification/email-template.js';
import type { PagePosition } from './page-token.js';

/** A provider as stored, with its credentials in the clear (the store seals them at rest). */
export interface StoredProvider {
  readonly id: string;
  readonly name: string;
  readonly kind: string;
  readonly enabled: boolean;
  readonly channels: readonly string[];
  readonly settings: Readonly<Record<string, unknown>>;
  /** Empty when none are stored, or when the stored ones cannot be opened (a changed key). */
  readonly credentials: Readonly<Record<string, string>>;
  readonly throughputPerSecond: number;
  readonly burst: number;
  readonly maxInFlight: number;
  readonly priceCurrency: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** What an update may change; `name`, `id` and `createdAt` never change. */
export type ProviderChanges = Partial<Omit<StoredProvider, 'id' | 'name' | 'createdAt'>> & { readonly updatedAt: Date };

/** A calling app as stored. */
export interface StoredApp {
  readonly id: string;
  readonly name: string;
  readonly domain: string | null;
  readonly defaultLocale: string;
  readonly senderId: string;
  readonly templates: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly emailTemplates: EmailTemplateSet;
  readonly allowedCountries: readonly string[];
  readonly defaultCodeLength: number;
  readonly createdAt: Date;
}

/** An app's API key as stored: only its hash and a prefix to tell keys apart. */
export interface StoredApiKey {
  readonly id: string;
  readonly app: string;
  readonly keyHash: string;
  readonly prefix: string;
  readonly createdAt: Date;
  readonly revokedAt: Date | null;
}

/**
 * A modem agent as stored: its registration (what admins edit) and its presence (what the agent
 * link writes as streams come and go). Only the token's hash is kept.
 */
export interface StoredAgent {
  readonly id: string;
  readonly description: string;
  readonly tokenHash: string;
  readonly tokenPrefix: string;
  readonly createdAt: Date;
  readonly tokenIssuedAt: Date;
  readonly sessionId: string | null;
  readonly replica: string | null;
  readonly agentVersion: string;
  readonly modems: readonly ModemReport[];
  readonly connectedAt: Date | null;
  readonly lastSeenAt: Date | null;
  readonly disconnectedAt: Date | null;
}

/** What admins may change of an agent: its description, and its token on rotation. */
export type AgentChanges = Partial<Pick<StoredAgent, 'description' | 'tokenHash' | 'tokenPrefix' | 'tokenIssuedAt'>>;

/** A row id and its position for keyset pagination. */
export interface KeysetRow {
  readonly id: string;
  readonly position: PagePosition;
}

/** A page of rows and the keys they were read by (one more than asked tells a next page exists). */
export interface KeyedRows<T> {
  readonly rows: readonly T[];
  readonly keys: readonly KeysetRow[];
}

/** Reads, outside or inside a change. Lists are in the order admins see them. */
export interface AdminReads {
  /** By name. */
  listProviders(): Promise<StoredProvider[]>;
  findProvider(name: string): Promise<StoredProvider | null>;
  /** Whether the delivery log holds attempts at the provider (they keep it from being deleted). */
  providerHasAttempts(providerId: string): Promise<boolean>;
  /** Countries first (by code), then prefixes (by digits): the order export writes. */
  priceEntries(providerId: string): Promise<PriceEntryMicros[]>;
  /** In the order they are tried. */
  listRules(): Promise<RouteRule[]>;
  findRule(id: string): Promise<RouteRule | null>;
  /** By name. */
  listApps(): Promise<StoredApp[]>;
  findApp(id: string): Promise<StoredApp | null>;
  findAppByName(name: string): Promise<StoredApp | null>;
  findApiKey(id: string): Promise<StoredApiKey | null>;
  /** Newest first. */
  listApiKeys(appId: string): Promise<StoredApiKey[]>;
  /** By id. */
  listAgents(): Promise<StoredAgent[]>;
  findAgent(id: string): Promise<StoredAgent | null>;
  /** Names of the providers of kind `agent` whose `settings.agent` is `agentId`, by name. */
  providersNamingAgent(agentId: string): Promise<string[]>;
  /** Newest first after `position`. */
  auditPage(position: PagePosition | null, limit: number): Promise<KeyedRows<AuditRecordView>>;
  /** Newest first after `position`, of one provider or sender when those are not empty; bodies opened. */
  inboundPage(filter: { provider: string; from: string }, position: PagePosition | null, limit: number): Promise<KeyedRows<InboundMessageView>>;
  /** Ids of the messages matching `query`, newest first, after `position`. */
  messageKeys(query: MessageQuery, position: PagePosition | null, limit: number): Promise<KeysetRow[]>;
  /** The messages with these ids, in this order, each with its attempts. */
  messagesWithAttempts(ids: readonly string[]): Promise<MessageView[]>;
}

/**
 * One change, all or nothing: its writes, its audit record and its announcement to every replica
 * commit together or not at all.
 */
export interface AdminChange extends AdminReads {
  insertProvider(provider: StoredProvider): Promise<void>;
  updateProvider(id: string, changes: ProviderChanges): Promise<void>;
  deleteProvider(id: string): Promise<void>;
  replacePriceEntries(providerId: string, entries: readonly PriceEntryMicros[]): Promise<void>;
  insertRule(rule: RouteRule, at: Date): Promise<void>;
  updateRule(rule: RouteRule, at: Date): Promise<void>;
  setRulePriority(id: string, priority: number, at: Date): Promise<void>;
  deleteRule(id: string): Promise<void>;
  insertApp(app: StoredApp): Promise<void>;
  updateApp(id: string, app: Omit<StoredApp, 'id' | 'createdAt'>): Promise<void>;
  insertApiKey(key: StoredApiKey): Promise<void>;
  revokeApiKey(id: string, at: Date): Promise<void>;
  insertAgent(agent: StoredAgent): Promise<void>;
  updateAgent(id: string, changes: AgentChanges): Promise<void>;
  /** Deletes the agent and, with it, the commands and results stored for it. */
  deleteAgent(id: string): Promise<void>;
  /**
   * Ends the agent's live stream on whichever replica holds it, once the change commits (a
   * rotated token or a deleted agent must not keep sending); the agent's next connect is judged
   * by what the change stored.
   */
  disconnectAgent(id: string): Promise<void>;
  /** Records who did `action` to `subject`, with the state before and after (null: none). */
  audit(action: string, subject: string, before: unknown, after: unknown): Promise<void>;
  /** Tells every replica, once the change commits, to reload what it caches of the configuration. */
  announce(reason: string): Promise<void>;
}

/** Where AdminService keeps what admins edit. */
export interface AdminStore {
  reads(): AdminReads;
  /**
   * Runs `work` as one change made by `actor`. Changes run one at a time, so checks that span
   * rows (one default rule, a reorder naming every rule) hold against concurrent edits. A
   * unique-key race the work's own checks missed is thrown as `onConflict()`.
   */
  change<T>(actor: string, work: (change: AdminChange) => Promise<T>, onConflict: () => Error): Promise<T>;
}

