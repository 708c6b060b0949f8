import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { EmailTemplate } from '../verification/email-template.js';

/** One step of a stored route plan (see routing/routing-model.ts PlanStep). */
export interface StoredPlanStep {
  readonly provider: string;
  readonly channel: string;
  readonly expectedCostMicros: number | null;
  readonly currency: string;
  readonly receiptTimeoutSeconds: number;
}

/** A route rule's filters as stored. */
export interface StoredRouteMatch {
  readonly countries: string[];
  readonly prefixes: string[];
  readonly apps: string[];
  readonly channels: string[];
  readonly kinds: string[];
  readonly timeWindow: { days: number[]; start: string; end: string; timeZone: string } | null;
}

/**
 * The tables. Relations are mapped to their primary keys (`mapToPk`): the database keeps the
 * foreign keys honest, and the code passes ids rather than object graphs around.
 */

export const AppSchema = defineEntity({
  name: 'App',
  tableName: 'app',
  properties: {
    id: p.uuid().primary(),
    name: p.string().length(64).unique(),
    /** Domain for the origin-bound line of OTP messages; null: no such line. */
    domain: p.string().length(253).nullable(),
    defaultLocale: p.string().length(35).default('en'),
    senderId: p.string().length(16),
    /** template name -> locale -> text. */
    templates: p.json<Record<string, Record<string, string>>>(),
    /** locale -> e-mail template ({ subject, text, html }); empty: the built-in e-mails. */
    emailTemplates: p.json<Record<string, EmailTemplate>>().default('{}'),
    /** ISO 3166-1 alpha-2 codes; empty: every country. */
    allowedCountries: p.json<string[]>(),
    defaultCodeLength: p.integer().default(6),
    createdAt: p.datetime(),
  },
});
export type App = InferEntity<typeof AppSchema>;

export const ApiKeySchema = defineEntity({
  name: 'ApiKey',
  tableName: 'api_key',
  properties: {
    id: p.uuid().primary(),
    app: () => p.manyToOne(AppSchema).mapToPk().deleteRule('cascade').index(),
    /** SHA-256 of the key (keys are 256-bit random, so a fast hash cannot be brute-forced). */
    keyHash: p.string().length(64).unique(),
    /** The key's first characters, so admins can tell keys apart without seeing them. */
    prefix: p.string().length(16),
    createdAt: p.datetime(),
    revokedAt: p.datetime().nullable(),
  },
});
export type ApiKey = InferEntity<typeof ApiKeySchema>;

export const VerificationSchema = defineEntity({
  name: 'Verification',
  tableName: 'verification',
  properties: {
    id: p.uuid().primary(),
    app: () => p.manyToOne(AppSchema).mapToPk().deleteRule('cascade'),
    to: p.string().length(16),
    channel: p.string().length(8),
    status: p.string().length(24),
    /** HMACs of the codes sent, each with its expiry (ISO time). */
    codes: p.json<{ hash: string; expiresAt: string }[]>(),
    codeLength: p.smallint(),
    locale: p.string().length(35),
    expiresAt: p.datetime(),
    sendCount: p.integer(),
    failedChecks: p.integer(),
    maxChecks: p.integer(),
    deliveryStatus: p.string().length(16),
    /** The user's e-mail address for e-mail sends and fallback steps; null when none was given. */
    email: p.string().length(254).nullable(),
    createdAt: p.datetime(),
    completedAt: p.datetime().nullable(),
  },
  // (to, createdAt): wrong codes are counted per number across apps and verifications.
  indexes: [{ properties: ['app', 'to', 'status'] }, { properties: ['to', 'createdAt'] }],
});
export type VerificationRow = InferEntity<typeof VerificationSchema>;

export const IdempotencyKeySchema = defineEntity({
  name: 'IdempotencyKey',
  tableName: 'idempotency_key',
  properties: {
    app: () => p.manyToOne(AppSchema).mapToPk().deleteRule('cascade').primary(),
    key: p.string().length(128).primary(),
    /** What the key stands for: a verification (SendCode) or a message (SendMessage). */
    verification: () => p.manyToOne(VerificationSchema).mapToPk().deleteRule('cascade').nullable(),
    message: () => p.manyToOne(MessageSchema).mapToPk().deleteRule('cascade').nullable(),
    to: p.string().length(16),
    /** SHA-256 of the request's content, so a reused key with different content is refused. */
    fingerprint: p.string().length(64).nullable(),
    createdAt: p.datetime().index(),
  },
});
export type IdempotencyKeyRow = InferEntity<typeof IdempotencyKeySchema>;

export const MessageSchema = defineEntity({
  name: 'Message',
  tableName: 'message',
  properties: {
    id: p.uuid().primary(),
    app: () => p.manyToOne(AppSchema).mapToPk().deleteRule('cascade'),
    verification: () => p.manyToOne(VerificationSchema).mapToPk().deleteRule('cascade').nullable().index(),
    kind: p.string().length(16),
    channel: p.string().length(8),
    to: p.string().length(16),
    country: p.string().length(2),
    sender: p.string().length(16),
    /** The text, AES-256-GCM encrypted (it holds a live code); cleared once delivery ends. */
    bodyCiphertext: p.text().nullable(),
    /**
     * For a code: what other channels need to say it (code, locale, brand, lifetime, e-mail
     * address) as AES-256-GCM ciphertext of JSON; null for plain messages. Cleared with the body.
     */
    payloadCiphertext: p.text().nullable(),
    /** queued | sending | submitted | delivered | failed */
    status: p.string().length(16),
    /** The route plan, fixed when the message is first claimed so routing edits never reshuffle
     *  a message already under way. */
    plan: p.json<StoredPlanStep[]>().nullable(),
    /** Name of the route rule that made the plan. */
    routeRule: p.string().length(64).nullable(),
    /** SMS parts of the text (providers charge per part). */
    parts: p.integer().default(1),
    /** Which plan step the next attempt uses. */
    step: p.integer().default(0),
    /** Submits retried on the same step after a retryable error. */
    retries: p.integer().default(0),
    /**
     * When the message is next due: queued, not sent before this; submitted, its delivery report is
     * overdue after this (the step's receipt timeout from the submit, in database time).
     */
    notBefore: p.datetime(),
    /** A replica owns the message until then; after it, the sweep may take it over. */
    leaseUntil: p.datetime().nullable(),
    leaseOwner: p.string().length(128).nullable(),
    lastError: p.text().nullable(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
  indexes: [
    { properties: ['to', 'createdAt'] },
    // The work queue, in three partial indexes so that ended messages (nearly every row in time)
    // are in none, and no scan steps over rows it cannot take:
    // what a claim takes: queued and held by no replica (a replica holds thousands under a backlog);
    { properties: ['notBefore'], name: 'message_claimable_index', where: "status = 'queued' and lease_owner is null" },
    // leases, to take over the messages of a replica that died without releasing them;
    { properties: ['leaseUntil'], name: 'message_leased_index', where: "status in ('queued', 'sending') and lease_owner is not null" },
    // submitted messages by when their receipt is due.
    { properties: ['notBefore'], name: 'message_receipt_due_index', where: "status = 'submitted'" },
  ],
});
export type MessageRow = InferEntity<typeof MessageSchema>;

export const ProviderSchema = defineEntity({
  name: 'Provider',
  tableName: 'provider',
  properties: {
    id: p.uuid().primary(),
    name: p.string().length(64).unique(),
    /** smpp | http | agent | voice | email */
    kind: p.string().length(16),
    enabled: p.boolean().default(true),
    channels: p.json<string[]>(),
    /** Non-secret settings (host, port, sender defaults …). */
    settings: p.json<Record<string, unknown>>(),
    /** Credentials as AES-256-GCM ciphertext of a JSON object. */
    credentialsCiphertext: p.text().nullable(),
    /** Sustained messages per second (0: unlimited). */
    throughputPerSecond: p.float().default(0),
    /** Messages above the rate in a burst (0: same as the rate). */
    burst: p.integer().default(0),
    /** Submits waiting for an answer at once, per replica: the submit window (0: unlimited). */
    maxInFlight: p.integer().default(0),
    /** ISO 4217 currency of the price table. */
    priceCurrency: p.string().length(3).default('EUR'),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});
export type ProviderRow = InferEntity<typeof ProviderSchema>;

export const RouteRuleSchema = defineEntity({
  name: 'RouteRule',
  tableName: 'route_rule',
  properties: {
    id: p.uuid().primary(),
    name: p.string().length(64).unique(),
    /** Lower runs first. */
    priority: p.integer(),
    enabled: p.boolean().default(true),
    /** Catches what no other rule matches. */
    isDefault: p.boolean().default(false),
    /** Filters (countries, prefixes, apps, channels, kinds, time window); empty lists match all. */
    match: p.json<StoredRouteMatch>(),
    /** Provider names the rule may use. */
    candidates: p.json<string[]>(),
    /** lowest_cost | priority | weighted */
    strategy: p.string().length(16),
    weights: p.json<Record<string, number>>(),
    fallback: p.json<{ provider: string | null; channel: string; receiptTimeoutSeconds: number }[]>(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});
export type RouteRuleRow = InferEntity<typeof RouteRuleSchema>;

export const AttemptSchema = defineEntity({
  name: 'Attempt',
  tableName: 'attempt',
  properties: {
    id: p.uuid().primary(),
    message: () => p.manyToOne(MessageSchema).mapToPk().deleteRule('cascade').index(),
    provider: () => p.manyToOne(ProviderSchema).mapToPk(),
    step: p.integer(),
    channel: p.string().length(8),
    /** Price × parts the router expected, in millionths of `currency`; null without a price. */
    expectedCostMicros: p.bigint('number').nullable(),
    /** Cost recorded once the provider accepted it. */
    actualCostMicros: p.bigint('number').nullable(),
    currency: p.string().length(3).nullable(),
    /** How long this step waits for its delivery report. */
    receiptTimeoutSeconds: p.integer(),
    /** sending | submitted | delivered | failed | expired | unknown */
    status: p.string().length(16),
    /** Normalised id the provider gave at submit; receipts are matched on (provider, this). */
    providerMessageId: p.string().length(128).nullable(),
    parts: p.integer().nullable(),
    /**
     * How many separately submitted parts make up the message, each with its own receipt (UDH or
     * SAR parts; 1 for message_payload); the attempt is delivered once that many parts are.
     * Null until the provider said (e.g. the submit answer never came).
     */
    receiptParts: p.smallint().nullable(),
    errorCode: p.string().length(64).nullable(),
    errorMessage: p.text().nullable(),
    createdAt: p.datetime(),
    submittedAt: p.datetime().nullable(),
    completedAt: p.datetime().nullable(),
  },
  // Receipts match parts (attempt_part), never this row: no index on providerMessageId, so the
  // updates of an attempt's life (submitted, delivered) stay heap-only (HOT).
});
export type AttemptRow = InferEntity<typeof AttemptSchema>;

/**
 * One SMS part of an attempt as the provider took it. A long text sent as concatenated parts
 * gets one provider message id per part, and each part its own delivery report; the attempt is
 * delivered when every part is, and failed as soon as one part fails.
 */
export const AttemptPartSchema = defineEntity({
  name: 'AttemptPart',
  tableName: 'attempt_part',
  properties: {
    id: p.uuid().primary(),
    attempt: () => p.manyToOne(AttemptSchema).mapToPk().deleteRule('cascade').index(),
    provider: () => p.manyToOne(ProviderSchema).mapToPk(),
    /** 1-based position of the part in the text. */
    part: p.smallint(),
    /** Normalised id the provider gave for this part. */
    providerMessageId: p.string().length(128),
    /** submitted | delivered | failed | expired */
    status: p.string().length(16),
    errorCode: p.string().length(64).nullable(),
    completedAt: p.datetime().nullable(),
  },
  // Not unique: carriers reuse message ids over time; receipts match the newest part. The id
  // leads: it is what makes a lookup selective, whatever plan the statistics of the day give (one
  // provider's parts lead to a scan of all its rows when the planner picks the provider alone).
  indexes: [{ properties: ['providerMessageId', 'provider'] }],
});
export type AttemptPartRow = InferEntity<typeof AttemptPartSchema>;

/**
 * A final delivery report no part matched yet: its submit's result was not stored when it came
 * (SMSCs send receipts right after submit_sm_resp, on any bind, to any replica), or it names an id
 * we never had. Kept so the report is applied, on whichever replica records that submit, instead
 * of being lost; dropped (and logged) after a while if nothing claims it.
 */
export const PendingReceiptSchema = defineEntity({
  name: 'PendingReceipt',
  tableName: 'pending_receipt',
  properties: {
    id: p.uuid().primary(),
    provider: () => p.manyToOne(ProviderSchema).mapToPk().deleteRule('cascade'),
    /** Normalised id the receipt names. */
    providerMessageId: p.string().length(128),
    /** delivered | failed | expired */
    state: p.string().length(16),
    errorCode: p.string().length(64).nullable(),
    /** Digits of the handset the receipt is about (its source address), when it gave one. */
    handset: p.string().length(32).nullable(),
    /** The attempt a webhook named (`?attempt=`), when the report came with one. */
    attemptHint: p.uuid().nullable(),
    /** Database time it was stored: it can only belong to an attempt started before then. */
    receivedAt: p.datetime().index(),
  },
  indexes: [{ properties: ['providerMessageId', 'provider'] }],
});
export type PendingReceiptRow = InferEntity<typeof PendingReceiptSchema>;

/**
 * A mobile-originated message (a reply, STOP, a keyword) a provider delivered to us. Kept for
 * admins to read; the text is encrypted like outbound texts because replies carry personal data.
 */
export const InboundMessageSchema = defineEntity({
  name: 'InboundMessage',
  tableName: 'inbound_message',
  properties: {
    id: p.uuid().primary(),
    /** Null once the provider was deleted; `providerName` keeps who delivered it. */
    provider: () => p.manyToOne(ProviderSchema).mapToPk().deleteRule('set null').nullable(),
    providerName: p.string().length(64),
    /** Sender as the network gave it (E.164 digits, or an alphanumeric id). */
    source: p.string().length(32),
    /** Our number or short code it was sent to. */
    destination: p.string().length(32),
    bodyCiphertext: p.text(),
    /** SMS parts it arrived in (reassembled into one row). */
    parts: p.smallint(),
    receivedAt: p.datetime().index(),
  },
});
export type InboundMessageRow = InferEntity<typeof InboundMessageSchema>;

export const PriceEntrySchema = defineEntity({
  name: 'PriceEntry',
  tableName: 'price_entry',
  properties: {
    id: p.uuid().primary(),
    provider: () => p.manyToOne(ProviderSchema).mapToPk().deleteRule('cascade').index(),
    /** ISO 3166-1 alpha-2; null when `prefix` is set. */
    country: p.string().length(2).nullable(),
    /** E.164 digits without `+`; null when `country` is set. */
    prefix: p.string().length(15).nullable(),
    /** Price per part in millionths of the provider's price currency. */
    priceMicros: p.bigint('number'),
  },
});
export type PriceEntryRow = InferEntity<typeof PriceEntrySchema>;

export const AuditRecordSchema = defineEntity({
  name: 'AuditRecord',
  tableName: 'audit_record',
  properties: {
    id: p.uuid().primary(),
    actor: p.string().length(128),
    /** e.g. `route_rule.update` */
    action: p.string().length(64),
    /** Id or name of what changed. */
    subject: p.string().length(128),
    /** The thing before and after, secrets left out. */
    before: p.json<unknown>().nullable(),
    after: p.json<unknown>().nullable(),
    createdAt: p.datetime().index(),
  },
});
export type AuditRecordRow = InferEntity<typeof AuditRecordSchema>;

/**
 * A modem agent registered by an admin: a field process that dials in with its token. The
 * connection columns are written by whichever replica holds its stream, so any replica (and
 * AdminService) can tell whether and where it is connected.
 */
export const AgentSchema = defineEntity({
  name: 'Agent',
  tableName: 'agent',
  properties: {
    /** The id the agent's config names, e.g. `site-lyon-1`. */
    id: p.string().length(64).primary(),
    description: p.string().length(200).default(''),
    /** SHA-256 of the token; the token itself is shown once, when issued. */
    tokenHash: p.string().length(64).unique('agent_token_hash_unique'),
    /** The token's first characters, to tell tokens apart in lists. */
    tokenPrefix: p.string().length(16),
    createdAt: p.datetime(),
    tokenIssuedAt: p.datetime(),
    /** The stream now holding the agent; null when none does. */
    sessionId: p.string().length(64).nullable(),
    replica: p.string().length(100).nullable(),
    agentVersion: p.string().length(40).default(''),
    /** Its modems as the last hello or heartbeat reported them. */
    modems: p.json<unknown[]>().default('[]'),
    connectedAt: p.datetime().nullable(),
    lastSeenAt: p.datetime().nullable(),
    disconnectedAt: p.datetime().nullable(),
  },
});
export type AgentRow = InferEntity<typeof AgentSchema>;

/**
 * One attempt's SMS queued for an agent, keyed by the attempt: every replica may dispatch to an
 * agent, only the one holding its stream sends; the row carries the command there and the
 * outcome back. The text is sealed like a message's (it may hold a live code).
 */
export const AgentCommandSchema = defineEntity({
  name: 'AgentCommand',
  tableName: 'agent_command',
  properties: {
    attemptId: p.uuid().primary(),
    agent: () => p.manyToOne(AgentSchema).mapToPk().deleteRule('cascade'),
    /** The provider row the attempt went through (receipts are applied in its name). */
    provider: p.string().length(64),
    messageId: p.uuid(),
    destination: p.string().length(32),
    bodyCiphertext: p.text(),
    statusReport: p.boolean(),
    validitySeconds: p.integer(),
    /** The agent must not start sending after this; the dispatching replica gives up then. */
    sendBefore: p.datetime(),
    modems: p.json<string[]>().default('[]'),
    /** queued | accepted | expired | submitted | failed | abandoned */
    state: p.string().length(16).default('queued'),
    createdAt: p.datetime().defaultRaw('now()').index(),
    /**
     * When a stream first carried it to the agent. From then on the agent may have it (its
     * accept can be lost with the link), so it is never withdrawn as not taken.
     */
    offeredAt: p.datetime().nullable(),
    acceptedAt: p.datetime().nullable(),
    outcome: p.json<unknown>().nullable(),
    outcomeAt: p.datetime().nullable(),
  },
  indexes: [{ properties: ['agent', 'createdAt'], name: 'agent_command_queued_index', where: "state = 'queued'" }],
  checks: [{ name: 'agent_command_state_check', expression: "state in ('queued', 'accepted', 'expired', 'submitted', 'failed', 'abandoned')" }],
});
export type AgentCommandRow = InferEntity<typeof AgentCommandSchema>;

/** A result id an agent reported and the service stored: a resent copy is acknowledged, not applied again. */
export const AgentResultSchema = defineEntity({
  name: 'AgentResult',
  tableName: 'agent_result',
  properties: {
    agent: () => p.manyToOne(AgentSchema).mapToPk().deleteRule('cascade').primary(),
    resultId: p.string().length(32).primary(),
    storedAt: p.datetime().defaultRaw('now()').index(),
  },
});
export type AgentResultRow = InferEntity<typeof AgentResultSchema>;

export const allEntities = [
  AgentSchema,
  AgentCommandSchema,
  AgentResultSchema,
  AppSchema,
  ApiKeySchema,
  VerificationSchema,
  IdempotencyKeySchema,
  MessageSchema,
  ProviderSchema,
  RouteRuleSchema,
  AttemptSchema,
  AttemptPartSchema,
  PendingReceiptSchema,
  InboundMessageSchema,
  PriceEntrySchema,
  AuditRecordSchema,
];
