/**
 * AdminService's vocabulary: what an admin sends and reads, as plain data. The gRPC mappers turn
 * wire messages into these; the service never sees protobuf types.
 *
 * Enum-like fields of drafts are plain strings on purpose: an unknown value from the wire stays
 * visible as text, so validation can name the field that holds it instead of failing in a mapper.
 */
import type { ModemReport } from '../agents/agent-link.ports.js';
import type { ProviderKindDescriptor } from '../providers/provider-kind.js';
import type { CircuitState, RouteRule } from '../routing/routing-model.js';
import type { EmailTemplateSet } from '../verification/email-template.js';

/** Kinds of provider the model knows; each kind's transport arrives with its own issue. */
export type ProviderKind = 'smpp' | 'http' | 'agent' | 'voice' | 'email';

/** Every provider kind. */
export const PROVIDER_KINDS: readonly ProviderKind[] = ['smpp', 'http', 'agent', 'voice', 'email'];

/** A kind of provider as forms draw it: the descriptor's data, without its reader and builder. */
export type ProviderKindView = Omit<ProviderKindDescriptor, 'kind' | 'validate' | 'build'> & { readonly kind: ProviderKind };

/** A provider as an admin writes it. */
export interface ProviderDraft {
  readonly name: string;
  /** One of {@link PROVIDER_KINDS}; anything else is a validation problem. */
  readonly kind: string;
  readonly enabled: boolean;
  /** `sms` | `voice` | `email`; anything else is a validation problem. */
  readonly channels: readonly string[];
  readonly throughputPerSecond: number;
  readonly burst: number;
  readonly maxInFlight: number;
  readonly settings: Readonly<Record<string, string>>;
  /** Secret settings. On update, names left out (or given empty) keep their stored value. */
  readonly credentials: Readonly<Record<string, string>>;
}

/** A provider as stored, without secrets: only the names of its credentials. */
export interface ProviderView {
  readonly name: string;
  readonly kind: string;
  readonly enabled: boolean;
  readonly channels: readonly string[];
  readonly throughputPerSecond: number;
  readonly burst: number;
  readonly maxInFlight: number;
  readonly settings: Readonly<Record<string, string>>;
  readonly credentialNames: readonly string[];
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** One price in millionths of the table's currency, by country or by prefix. */
export interface PriceEntryMicros {
  readonly country: string | null;
  readonly prefix: string | null;
  readonly priceMicros: number;
}

/** A provider's price table with prices as integer micros, as the API and the database hold them. */
export interface PriceTableMicros {
  readonly provider: string;
  readonly currency: string;
  readonly entries: readonly PriceEntryMicros[];
}

/** The same table as CSV (`country,prefix,price`). */
export interface PriceCsv {
  readonly currency: string;
  readonly csv: string;
}

/**
 * A route rule as an admin writes it: the routing model's rule without the id (the service sets
 * it) and with an optional priority (`null`: last on create, unchanged on update).
 */
export interface RouteRuleDraft extends Omit<RouteRule, 'id' | 'priority'> {
  readonly priority: number | null;
}

/** An app as an admin writes it. */
export interface AppDraft {
  readonly name: string;
  readonly senderId: string;
  /** `null`: no origin-bound line in codes. */
  readonly domain: string | null;
  readonly defaultLocale: string;
  readonly allowedCountries: readonly string[];
  readonly defaultCodeLength: number;
  /** template name -> locale -> text. */
  readonly templates: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** locale -> the e-mail carrying a code; empty: the built-in e-mails. */
  readonly emailTemplates: EmailTemplateSet;
}

/** An app as stored. */
export interface AppView extends AppDraft {
  readonly id: string;
  readonly createdAt: Date;
}

/** An API key as listed: never the key, only its first characters. */
export interface ApiKeyView {
  readonly id: string;
  readonly appId: string;
  readonly prefix: string;
  readonly createdAt: Date;
  readonly revokedAt: Date | null;
}

/** A modem agent as an admin writes it: only its id (on create) and its description change. */
export interface AgentDraft {
  readonly id: string;
  readonly description: string;
}

/** A modem agent as admins read it: never its token, only the token's first characters. */
export interface AgentView {
  readonly id: string;
  readonly description: string;
  readonly tokenPrefix: string;
  readonly createdAt: Date;
  readonly tokenIssuedAt: Date;
  /** A stream holds it and it was heard from within `AGENT_OFFLINE_AFTER_MS`. */
  readonly connected: boolean;
  /** The replica holding its stream; null when none does. */
  readonly replica: string | null;
  /** '' until it first connects. */
  readonly agentVersion: string;
  readonly connectedAt: Date | null;
  readonly lastSeenAt: Date | null;
  readonly disconnectedAt: Date | null;
  /** As its last hello or heartbeat reported them. */
  readonly modems: readonly ModemReport[];
}

/** A hypothetical message for SimulateRoute. */
export interface SimulateRouteQuery {
  readonly to: string;
  /** App name; empty matches rules without an app filter only. */
  readonly app: string;
  /** `sms` | `voice` | `email`. */
  readonly channel: string;
  /** `otp` | `transactional`. */
  readonly kind: string;
  readonly parts: number;
}

/** One step of a simulated plan; costs in integer micros of `currency`. */
export interface SimulatedStep {
  readonly provider: string;
  readonly channel: string;
  readonly expectedCostMicros: number | null;
  readonly currency: string;
  readonly receiptTimeoutSeconds: number;
}

/** The plan a message would get now. */
export interface SimulatedRoute {
  readonly rule: string;
  readonly country: string;
  readonly steps: readonly SimulatedStep[];
  readonly skipped: readonly { readonly provider: string; readonly channel: string; readonly reason: string }[];
}

/** Message statuses as stored. */
export type MessageStatus = 'queued' | 'sending' | 'submitted' | 'delivered' | 'failed';

/** Every message status. */
export const MESSAGE_STATUSES: readonly MessageStatus[] = ['queued', 'sending', 'submitted', 'delivered', 'failed'];

/** Filters and page of ListMessages. Empty strings and `null` mean "no filter". */
export interface MessageQuery {
  readonly to: string;
  readonly status: MessageStatus | null;
  readonly provider: string;
  readonly app: string;
  readonly createdAfter: Date | null;
  readonly createdBefore: Date | null;
  /** 0 means the default (50). */
  readonly pageSize: number;
  readonly pageToken: string;
}

export type { AttemptView, MessageView } from '../messaging/message-view.js';

/** One page of a keyset-paginated list. */
export interface Page<T> {
  readonly items: readonly T[];
  /** Empty on the last page. */
  readonly nextPageToken: string;
}

/** One change made through AdminService. */
export interface AuditRecordView {
  readonly id: string;
  readonly actor: string;
  readonly action: string;
  readonly subject: string;
  /** `null` when the thing was created. */
  readonly before: unknown;
  /** `null` when the thing was deleted. */
  readonly after: unknown;
  readonly createdAt: Date;
}

/**
 * One provider's health as this replica sees it, for GetProviderHealth and SimulateRoute. The
 * composition root adapts the live breakers, limiters and connections into this shape.
 */
export interface ProviderHealthSnapshot {
  readonly provider: string;
  readonly circuit: CircuitState;
  /** Submit failures in a row. */
  readonly consecutiveFailures: number;
  /** Share of failed delivery reports in the recent window (0-1). */
  readonly receiptFailureRate: number;
  /** Messages submitted without a final report. */
  readonly inFlight: number;
  /** Connection state, e.g. SMPP `bound`. */
  readonly connection: string;
  /** When an open breaker may let a probe through; `null` otherwise. */
  readonly retryAt: Date | null;
  /** The provider's connections (SMPP binds) on this replica. */
  readonly binds: readonly BindStatusView[];
  /** Why it last failed to connect; '' when it did not. */
  readonly lastError: string;
}

/** One connection of a provider (an SMPP bind) as admins see it. */
export interface BindStatusView {
  readonly id: string;
  readonly bindType: string;
  readonly state: string;
  readonly outstanding: number;
  readonly since: Date;
  readonly lastError: string;
}

/** A mobile-originated message as admins read it. */
export interface InboundMessageView {
  readonly id: string;
  readonly provider: string;
  readonly from: string;
  readonly to: string;
  /** The text; '' when it cannot be decrypted (ENCRYPTION_KEY changed). */
  readonly text: string;
  readonly parts: number;
  readonly receivedAt: Date;
}

/** Filters and page of ListInboundMessages; '' means no filter. */
export interface InboundQuery {
  readonly pageSize: number;
  readonly pageToken: string;
  readonly provider: string;
  readonly from: string;
}
