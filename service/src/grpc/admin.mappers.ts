/**
 * AdminService wire messages <-> AdminService domain types. Enum values the domain does not know
 * are passed on as text (`unspecified`, `auto`) rather than rejected here, so the service's
 * whole-object validation names the field that holds them.
 */
import {
  CircuitState,
  FieldLocation,
  FieldType,
  ProviderKind,
  RouteStrategy,
  type Agent as AgentMessage,
  type ApiKey as ApiKeyMessage,
  type App as AppMessage,
  type AuditRecord as AuditRecordMessage,
  type InboundMessage as InboundMessageMessage,
  type ListMessagesRequest,
  type PriceTable as PriceTableMessage,
  type Provider as ProviderMessage,
  type ProviderField as ProviderFieldMessage,
  type ProviderHealth as ProviderHealthMessage,
  type ProviderKindDescription,
  type RouteRule as RouteRuleMessage,
  type SimulateRouteRequest,
  type SimulateRouteResponse,
} from '@switchboard/proto/switchboard/v1/admin';
import { ModemHealth } from '@switchboard/proto/switchboard/v1/agent';
import { Channel as ChannelEnum, MessageKind as MessageKindEnum, type Money } from '@switchboard/proto/switchboard/v1/channel';
import { MessageStatus as MessageStatusEnum } from '@switchboard/proto/switchboard/v1/messaging';
import type { ModemReport } from '../agents/agent-link.ports.js';
import type {
  AgentDraft,
  AgentView,
  InboundMessageView,
  ApiKeyView,
  AppDraft,
  AppView,
  AuditRecordView,
  MessageQuery,
  MessageStatus,
  PriceTableMicros,
  ProviderDraft,
  ProviderHealthSnapshot,
  ProviderKindView,
  ProviderView,
  RouteRuleDraft,
  SimulateRouteQuery,
  SimulatedRoute,
} from '../admin/admin-model.js';
import type { FieldDescriptor, FieldType as FieldTypeName } from '../providers/provider-kind.js';
import type { Channel, MessageKind, RouteRule, RoutingStrategy } from '../routing/routing-model.js';
import { InvalidArgumentError } from '../shared/errors.js';

/** Code length of an app that asks for none (proto3 sends 0 for "not set"). */
const DEFAULT_CODE_LENGTH = 6;

const CHANNEL_IN: ReadonlyMap<ChannelEnum, Channel> = new Map([
  [ChannelEnum.CHANNEL_SMS, 'sms'],
  [ChannelEnum.CHANNEL_VOICE, 'voice'],
  [ChannelEnum.CHANNEL_EMAIL, 'email'],
]);
const CHANNEL_OUT: Readonly<Record<string, ChannelEnum>> = { sms: ChannelEnum.CHANNEL_SMS, voice: ChannelEnum.CHANNEL_VOICE, email: ChannelEnum.CHANNEL_EMAIL };
const KIND_IN: ReadonlyMap<MessageKindEnum, MessageKind> = new Map([
  [MessageKindEnum.MESSAGE_KIND_OTP, 'otp'],
  [MessageKindEnum.MESSAGE_KIND_TRANSACTIONAL, 'transactional'],
]);
const KIND_OUT: Readonly<Record<string, MessageKindEnum>> = { otp: MessageKindEnum.MESSAGE_KIND_OTP, transactional: MessageKindEnum.MESSAGE_KIND_TRANSACTIONAL };
const PROVIDER_KIND_IN: ReadonlyMap<ProviderKind, string> = new Map([
  [ProviderKind.PROVIDER_KIND_SMPP, 'smpp'],
  [ProviderKind.PROVIDER_KIND_HTTP, 'http'],
  [ProviderKind.PROVIDER_KIND_AGENT, 'agent'],
  [ProviderKind.PROVIDER_KIND_VOICE, 'voice'],
  [ProviderKind.PROVIDER_KIND_EMAIL, 'email'],
]);
const PROVIDER_KIND_OUT: Readonly<Record<string, ProviderKind>> = Object.fromEntries([...PROVIDER_KIND_IN].map(([wire, domain]) => [domain, wire]));
const STRATEGY_IN: ReadonlyMap<RouteStrategy, RoutingStrategy> = new Map([
  [RouteStrategy.ROUTE_STRATEGY_LOWEST_COST, 'lowest_cost'],
  [RouteStrategy.ROUTE_STRATEGY_PRIORITY, 'priority'],
  [RouteStrategy.ROUTE_STRATEGY_WEIGHTED, 'weighted'],
]);
const STRATEGY_OUT: Readonly<Record<string, RouteStrategy>> = Object.fromEntries([...STRATEGY_IN].map(([wire, domain]) => [domain, wire]));
const MESSAGE_STATUS: Readonly<Record<MessageStatus, MessageStatusEnum>> = {
  queued: MessageStatusEnum.MESSAGE_STATUS_QUEUED,
  sending: MessageStatusEnum.MESSAGE_STATUS_SENDING,
  submitted: MessageStatusEnum.MESSAGE_STATUS_SUBMITTED,
  delivered: MessageStatusEnum.MESSAGE_STATUS_DELIVERED,
  failed: MessageStatusEnum.MESSAGE_STATUS_FAILED,
};
const CIRCUIT_OUT: Readonly<Record<ProviderHealthSnapshot['circuit'], CircuitState>> = {
  closed: CircuitState.CIRCUIT_STATE_CLOSED,
  open: CircuitState.CIRCUIT_STATE_OPEN,
  half_open: CircuitState.CIRCUIT_STATE_HALF_OPEN,
};

/** Text for an enum value the domain does not know, e.g. `CHANNEL_AUTO` -> `auto`. */
function unknownValue(name: string | undefined, value: number, prefix: string): string {
  return name === undefined ? String(value) : name.replace(prefix, '').toLowerCase();
}

function channelIn(channel: ChannelEnum): Channel {
  // Validation rejects the text of an unknown channel and names its field.
  return CHANNEL_IN.get(channel) ?? (unknownValue(ChannelEnum[channel], channel, 'CHANNEL_') as Channel);
}

function kindIn(kind: MessageKindEnum): MessageKind {
  return KIND_IN.get(kind) ?? (unknownValue(MessageKindEnum[kind], kind, 'MESSAGE_KIND_') as MessageKind);
}

function channelOut(channel: string): ChannelEnum {
  return CHANNEL_OUT[channel] ?? ChannelEnum.CHANNEL_UNSPECIFIED;
}

function money(micros: number | null, currency: string | null): Money | undefined {
  return micros === null ? undefined : { currency: currency ?? '', micros };
}

function required<T>(value: T | undefined, field: string): T {
  if (value === undefined) throw new InvalidArgumentError(field, 'is required');
  return value;
}

// Providers

/** A provider draft from CreateProvider/UpdateProvider. */
export function providerFromProto(message: ProviderMessage | undefined): ProviderDraft {
  const provider = required(message, 'provider');
  return {
    name: provider.name,
    kind: PROVIDER_KIND_IN.get(provider.kind) ?? unknownValue(ProviderKind[provider.kind], provider.kind, 'PROVIDER_KIND_'),
    enabled: provider.enabled,
    channels: provider.channels.map(channelIn),
    throughputPerSecond: provider.throughputPerSecond,
    burst: provider.burst,
    maxInFlight: provider.maxInFlight,
    settings: { ...provider.settings },
    credentials: { ...provider.credentials },
  };
}

const FIELD_TYPE_OUT: Readonly<Record<FieldTypeName, FieldType>> = {
  text: FieldType.FIELD_TYPE_TEXT,
  integer: FieldType.FIELD_TYPE_INTEGER,
  boolean: FieldType.FIELD_TYPE_BOOLEAN,
  choice: FieldType.FIELD_TYPE_CHOICE,
  url: FieldType.FIELD_TYPE_URL,
  pem: FieldType.FIELD_TYPE_PEM,
  json: FieldType.FIELD_TYPE_JSON,
  phone: FieldType.FIELD_TYPE_PHONE,
  email: FieldType.FIELD_TYPE_EMAIL,
};

function providerFieldToProto(field: FieldDescriptor): ProviderFieldMessage {
  return {
    key: field.key,
    location: field.location === 'credentials' ? FieldLocation.FIELD_LOCATION_CREDENTIALS : FieldLocation.FIELD_LOCATION_SETTINGS,
    type: FIELD_TYPE_OUT[field.type],
    label: field.label,
    help: field.help,
    required: field.required,
    defaultValue: field.defaultValue,
    choices: [...(field.choices ?? [])],
    min: field.min,
    max: field.max,
    pattern: field.pattern,
    group: field.group,
    shownWhen: field.shownWhen === undefined ? undefined : { key: field.shownWhen.key, values: [...field.shownWhen.values] },
  };
}

/** A provider kind and its fields, for ListProviderKinds. */
export function providerKindToProto(view: ProviderKindView): ProviderKindDescription {
  return {
    kind: PROVIDER_KIND_OUT[view.kind] ?? ProviderKind.PROVIDER_KIND_UNSPECIFIED,
    title: view.title,
    description: view.description,
    channels: view.channels.map(channelOut),
    available: view.available,
    fields: view.fields.map(providerFieldToProto),
    openCredentials: view.openCredentials,
  };
}

/** A provider for the wire: credentials by name, each with an empty value. */
export function providerToProto(view: ProviderView): ProviderMessage {
  return {
    name: view.name,
    kind: PROVIDER_KIND_OUT[view.kind] ?? ProviderKind.PROVIDER_KIND_UNSPECIFIED,
    enabled: view.enabled,
    channels: view.channels.map(channelOut),
    throughputPerSecond: view.throughputPerSecond,
    burst: view.burst,
    maxInFlight: view.maxInFlight,
    settings: { ...view.settings },
    credentials: Object.fromEntries(view.credentialNames.map((name) => [name, ''])),
    createdAt: view.createdAt,
    updatedAt: view.updatedAt,
  };
}

// Price tables

export function priceTableFromProto(message: PriceTableMessage | undefined): PriceTableMicros {
  const table = required(message, 'price_table');
  return {
    provider: table.provider,
    currency: table.currency,
    entries: table.entries.map((entry) => ({
      country: entry.country === '' ? null : entry.country,
      prefix: entry.prefix === '' ? null : entry.prefix,
      priceMicros: entry.priceMicros,
    })),
  };
}

export function priceTableToProto(table: PriceTableMicros): PriceTableMessage {
  return {
    provider: table.provider,
    currency: table.currency,
    entries: table.entries.map((entry) => ({ country: entry.country ?? '', prefix: entry.prefix ?? '', priceMicros: entry.priceMicros })),
  };
}

// Route rules

/**
 * A rule draft and the id it names (empty on create). Proto3 cannot tell "unset" from 0 or
 * UNSPECIFIED, so: priority 0 means "last" on create and "unchanged" on update, an unset strategy
 * means lowest cost, and an unset fallback channel means SMS.
 */
export function routeRuleFromProto(message: RouteRuleMessage | undefined): { id: string; draft: RouteRuleDraft } {
  const rule = required(message, 'rule');
  const match = rule.match;
  const window = match?.timeWindow;
  return {
    id: rule.id,
    draft: {
      name: rule.name,
      priority: rule.priority === 0 ? null : rule.priority,
      enabled: rule.enabled,
      isDefault: rule.isDefault,
      match: {
        countries: [...(match?.countries ?? [])],
        prefixes: [...(match?.prefixes ?? [])],
        apps: [...(match?.apps ?? [])],
        channels: (match?.channels ?? []).map(channelIn),
        kinds: (match?.kinds ?? []).map(kindIn),
        timeWindow: window === undefined ? null : { days: [...window.days], start: window.start, end: window.end, timeZone: window.timeZone },
      },
      candidates: [...rule.candidates],
      strategy:
        rule.strategy === RouteStrategy.ROUTE_STRATEGY_UNSPECIFIED
          ? 'lowest_cost'
          : (STRATEGY_IN.get(rule.strategy) ?? (unknownValue(RouteStrategy[rule.strategy], rule.strategy, 'ROUTE_STRATEGY_') as RoutingStrategy)),
      weights: { ...rule.weights },
      fallback: rule.fallback.map((step) => ({
        provider: step.provider === '' ? null : step.provider,
        channel: step.channel === ChannelEnum.CHANNEL_UNSPECIFIED ? 'sms' : channelIn(step.channel),
        receiptTimeoutSeconds: step.receiptTimeoutSeconds,
      })),
    },
  };
}

export function routeRuleToProto(rule: RouteRule): RouteRuleMessage {
  const window = rule.match.timeWindow;
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
      channels: rule.match.channels.map(channelOut),
      kinds: rule.match.kinds.map((kind) => KIND_OUT[kind] ?? MessageKindEnum.MESSAGE_KIND_UNSPECIFIED),
      timeWindow: window === null ? undefined : { days: [...window.days], start: window.start, end: window.end, timeZone: window.timeZone },
    },
    candidates: [...rule.candidates],
    strategy: STRATEGY_OUT[rule.strategy] ?? RouteStrategy.ROUTE_STRATEGY_UNSPECIFIED,
    weights: { ...rule.weights },
    fallback: rule.fallback.map((step) => ({ provider: step.provider ?? '', channel: channelOut(step.channel), receiptTimeoutSeconds: step.receiptTimeoutSeconds })),
  };
}

// Apps and API keys

/** An app draft and the id it names (empty on create); empty locale means `en`, length 0 means 6. */
export function appFromProto(message: AppMessage | undefined): { id: string; draft: AppDraft } {
  const app = required(message, 'app');
  return {
    id: app.id,
    draft: {
      name: app.name,
      senderId: app.senderId,
      domain: app.domain === '' ? null : app.domain,
      defaultLocale: app.defaultLocale === '' ? 'en' : app.defaultLocale,
      allowedCountries: [...app.allowedCountries],
      defaultCodeLength: app.defaultCodeLength === 0 ? DEFAULT_CODE_LENGTH : app.defaultCodeLength,
      templates: Object.fromEntries(Object.entries(app.templates).map(([name, texts]) => [name, { ...texts.texts }])),
      emailTemplates: Object.fromEntries(Object.entries(app.emailTemplates).map(([locale, { subject, text, html }]) => [locale, { subject, text, html }])),
    },
  };
}

export function appToProto(app: AppView): AppMessage {
  return {
    id: app.id,
    name: app.name,
    senderId: app.senderId,
    domain: app.domain ?? '',
    defaultLocale: app.defaultLocale,
    allowedCountries: [...app.allowedCountries],
    defaultCodeLength: app.defaultCodeLength,
    templates: Object.fromEntries(Object.entries(app.templates).map(([name, texts]) => [name, { texts: { ...texts } }])),
    emailTemplates: Object.fromEntries(Object.entries(app.emailTemplates).map(([locale, { subject, text, html }]) => [locale, { subject, text, html }])),
  };
}

export function apiKeyToProto(key: ApiKeyView): ApiKeyMessage {
  return { id: key.id, appId: key.appId, prefix: key.prefix, createdAt: key.createdAt, revokedAt: key.revokedAt ?? undefined };
}

// Modem agents

const MODEM_HEALTH_OUT: Readonly<Record<ModemReport['health'], ModemHealth>> = {
  ready: ModemHealth.MODEM_HEALTH_READY,
  starting: ModemHealth.MODEM_HEALTH_STARTING,
  'sim-problem': ModemHealth.MODEM_HEALTH_SIM_PROBLEM,
  quarantined: ModemHealth.MODEM_HEALTH_QUARANTINED,
  unplugged: ModemHealth.MODEM_HEALTH_UNPLUGGED,
  resetting: ModemHealth.MODEM_HEALTH_RESETTING,
  unknown: ModemHealth.MODEM_HEALTH_UNSPECIFIED,
};

/** An agent draft from CreateAgent/UpdateAgent: only `id` and `description` are written. */
export function agentFromProto(message: AgentMessage | undefined): AgentDraft {
  const agent = required(message, 'agent');
  return { id: agent.id, description: agent.description };
}

/** An agent for the wire: never its token; times it has not reached yet are unset. */
export function agentToProto(view: AgentView): AgentMessage {
  return {
    id: view.id,
    description: view.description,
    tokenPrefix: view.tokenPrefix,
    createdAt: view.createdAt,
    tokenIssuedAt: view.tokenIssuedAt,
    connected: view.connected,
    replica: view.replica ?? '',
    agentVersion: view.agentVersion,
    connectedAt: view.connectedAt ?? undefined,
    lastSeenAt: view.lastSeenAt ?? undefined,
    disconnectedAt: view.disconnectedAt ?? undefined,
    modems: view.modems.map((modem) => ({
      label: modem.label,
      imei: modem.imei,
      imsi: modem.imsi,
      operator: modem.operator,
      signalQuality: modem.signalQuality,
      health: MODEM_HEALTH_OUT[modem.health],
      detail: modem.detail,
      queued: modem.queued,
      sentLastMinute: modem.sentLastMinute,
      maxPerMinute: modem.maxPerMinute,
    })),
  };
}

// Routing and logs

/** An unset channel (or AUTO, which is SMS today) means SMS; an unset kind means OTP; 0 parts means 1. */
export function simulateRouteFromProto(request: SimulateRouteRequest): SimulateRouteQuery {
  const channel = request.channel === ChannelEnum.CHANNEL_UNSPECIFIED || request.channel === ChannelEnum.CHANNEL_AUTO ? 'sms' : channelIn(request.channel);
  return {
    to: request.to,
    app: request.app,
    channel,
    kind: request.kind === MessageKindEnum.MESSAGE_KIND_UNSPECIFIED ? 'otp' : kindIn(request.kind),
    parts: request.parts === 0 ? 1 : request.parts,
  };
}

/** The plan; a skip on another channel than the message's (a fallback step) says which. */
export function simulatedRouteToProto(route: SimulatedRoute, channel: string): SimulateRouteResponse {
  return {
    rule: route.rule,
    country: route.country,
    steps: route.steps.map((step) => ({
      provider: step.provider,
      channel: channelOut(step.channel),
      expectedCost: money(step.expectedCostMicros, step.currency),
      receiptTimeoutSeconds: step.receiptTimeoutSeconds,
    })),
    skipped: route.skipped.map((skip) => ({ provider: skip.provider, reason: skip.channel === channel ? skip.reason : `${skip.reason} (${skip.channel})` })),
  };
}

export function messageQueryFromProto(request: ListMessagesRequest): MessageQuery {
  let status: MessageStatus | null = null;
  if (request.status !== MessageStatusEnum.MESSAGE_STATUS_UNSPECIFIED) {
    const found = (Object.keys(MESSAGE_STATUS) as MessageStatus[]).find((name) => MESSAGE_STATUS[name] === request.status);
    if (found === undefined) throw new InvalidArgumentError('status', `unknown message status ${String(request.status)}`);
    status = found;
  }
  return {
    to: request.to,
    status,
    provider: request.provider,
    app: request.app,
    createdAfter: request.createdAfter ?? null,
    createdBefore: request.createdBefore ?? null,
    pageSize: request.pageSize,
    pageToken: request.pageToken,
  };
}

export { messageToProto } from './message.mappers.js';

export function providerHealthToProto(health: ProviderHealthSnapshot): ProviderHealthMessage {
  return {
    provider: health.provider,
    circuit: CIRCUIT_OUT[health.circuit],
    consecutiveFailures: health.consecutiveFailures,
    receiptFailureRate: health.receiptFailureRate,
    inFlight: health.inFlight,
    connection: health.connection,
    retryAt: health.retryAt ?? undefined,
    binds: health.binds.map((bind) => ({ ...bind })),
    lastError: health.lastError,
  };
}

export function inboundMessageToProto(message: InboundMessageView): InboundMessageMessage {
  return { ...message };
}

export function auditRecordToProto(record: AuditRecordView): AuditRecordMessage {
  return {
    id: record.id,
    actor: record.actor,
    action: record.action,
    subject: record.subject,
    beforeJson: record.before === null ? '' : JSON.stringify(record.before),
    afterJson: record.after === null ? '' : JSON.stringify(record.after),
    createdAt: record.createdAt,
  };
}
