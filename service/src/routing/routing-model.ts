/**
 * The routing domain's vocabulary: providers, price tables, route rules, the message being routed
 * and the plan the router answers with. Plain readonly data, so the same objects can come from the
 * database, an AdminService request or a test table without mapping.
 */

/** How a message reaches the person. Fallback may move along SMS → voice → e-mail. */
export type Channel = 'sms' | 'voice' | 'email';

/** Every channel, in the order a fallback chain may move through them. */
export const CHANNELS: readonly Channel[] = ['sms', 'voice', 'email'];

/** Why the message is sent: a one-time code or a plain transactional text. */
export type MessageKind = 'otp' | 'transactional';

/** Every message kind. */
export const MESSAGE_KINDS: readonly MessageKind[] = ['otp', 'transactional'];

/**
 * What the router needs to know about a provider. Health (breaker) and limits (throughput,
 * in-flight) live apart in {@link ProviderHealth}, because they change per message, not per edit.
 */
export interface ProviderProfile {
  readonly name: string;
  readonly enabled: boolean;
  readonly channels: readonly Channel[];
}

/** One row of a price table: either a whole country or a number prefix, never both. */
export interface PriceEntry {
  /** ISO 3166-1 alpha-2, e.g. `DE`. */
  readonly country?: string;
  /** E.164 digits without `+`, e.g. `49151`. */
  readonly prefix?: string;
  /** Price of one message part, in the table's currency. */
  readonly price: number;
}

/**
 * A provider's prices. For a destination the longest matching prefix wins, then the country entry;
 * otherwise the provider has no price for it.
 */
export interface PriceTable {
  readonly provider: string;
  /** ISO 4217, e.g. `EUR`. */
  readonly currency: string;
  readonly entries: readonly PriceEntry[];
}

/** How a rule orders its usable candidates. */
export type RoutingStrategy = 'lowest_cost' | 'priority' | 'weighted';

/** Every strategy. */
export const ROUTING_STRATEGIES: readonly RoutingStrategy[] = ['lowest_cost', 'priority', 'weighted'];

/**
 * Local hours in which a rule applies. `end` before (or equal to) `start` spans midnight; the
 * window then belongs to the day it starts on, so Friday 22:00–06:00 covers Saturday 03:00.
 */
export interface TimeWindow {
  /** Days the window starts on, 0 = Sunday … 6 = Saturday; empty: every day. */
  readonly days: readonly number[];
  /** `HH:MM`, inclusive. */
  readonly start: string;
  /** `HH:MM`, exclusive. */
  readonly end: string;
  /** IANA zone, e.g. `Europe/Berlin`. */
  readonly timeZone: string;
}

/** A rule's filters. Every list that is empty matches anything. */
export interface RouteMatch {
  /** ISO 3166-1 alpha-2 codes of the destination. */
  readonly countries: readonly string[];
  /** E.164 digit prefixes without `+`; any one of them must start the number. */
  readonly prefixes: readonly string[];
  /** Names of calling apps. */
  readonly apps: readonly string[];
  readonly channels: readonly Channel[];
  readonly kinds: readonly MessageKind[];
  readonly timeWindow: TimeWindow | null;
}

/** One step of a rule's fallback chain, tried after the primary candidates. */
export interface FallbackStep {
  /** A provider name, or `null` for the cheapest candidate that is not yet in the plan on `channel`. */
  readonly provider: string | null;
  readonly channel: Channel;
  /** How long to wait for a delivery report before moving on. */
  readonly receiptTimeoutSeconds: number;
}

/** A routing rule: filters, candidate providers, how to order them, and what to try afterwards. */
export interface RouteRule {
  readonly id: string;
  readonly name: string;
  /** Lower is tried first. */
  readonly priority: number;
  readonly enabled: boolean;
  /** Catches every message no other rule matches, whatever its priority. Its filters stay empty. */
  readonly isDefault: boolean;
  readonly match: RouteMatch;
  /** Provider names. Their order breaks cost ties and is the order of the `priority` strategy. */
  readonly candidates: readonly string[];
  readonly strategy: RoutingStrategy;
  /** Relative weights per candidate, for the `weighted` strategy. */
  readonly weights: Readonly<Record<string, number>>;
  readonly fallback: readonly FallbackStep[];
}

/** The message as the router sees it; the number was validated upstream. */
export interface RoutableMessage {
  /** E.164 with `+`. */
  readonly to: string;
  /** ISO 3166-1 alpha-2 country of `to`. */
  readonly country: string;
  /** The calling app's name. */
  readonly app: string;
  readonly channel: Channel;
  readonly kind: MessageKind;
  /** Message parts (segments); providers charge per part. */
  readonly parts: number;
}

/** Everything the router compiles from: one consistent read of the configuration. */
export interface RoutingSnapshot {
  readonly rules: readonly RouteRule[];
  readonly providers: readonly ProviderProfile[];
  readonly priceTables: readonly PriceTable[];
  /** ISO 4217 currency every cost is compared and reported in. */
  readonly routingCurrency: string;
  /** Units of the routing currency per 1 unit of the keyed currency. The routing currency is 1. */
  readonly rates: Readonly<Record<string, number>>;
  /** Receipt timeout of primary steps; fallback steps carry their own. */
  readonly defaultReceiptTimeoutSeconds: number;
}

/** A provider's circuit breaker state. */
export type CircuitState = 'closed' | 'open' | 'half_open';

/** Whether a provider can take one more message right now. */
export type CapacityVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: 'over throughput' | 'in-flight cap' };

/**
 * The live health the planner consults, per provider. Planning only asks; taking the probe slot,
 * a token and an in-flight slot is the dispatcher's business when it submits.
 */
export interface ProviderHealth {
  state(provider: string): CircuitState;
  /** For a half-open breaker: whether the single probe slot is free. */
  allowsProbe(provider: string): boolean;
  hasCapacity(provider: string): CapacityVerdict;
}

/** Why a provider is not (or not on this channel) part of a plan. */
export type SkipReason =
  | 'disabled'
  | 'circuit open'
  | 'over throughput'
  | 'in-flight cap'
  | 'no price'
  | 'channel not served'
  | 'excluded by rule'
  | 'unknown provider';

/** A provider left out of a plan for one channel, and why. */
export interface SkippedProvider {
  readonly provider: string;
  readonly channel: Channel;
  readonly reason: SkipReason;
}

/** One attempt the dispatcher will make, in order. */
export interface PlanStep {
  readonly provider: string;
  readonly channel: Channel;
  /** Price × parts in `currency`; `null` when the provider has no price for the destination. */
  readonly expectedCost: number | null;
  /** The routing currency. */
  readonly currency: string;
  readonly receiptTimeoutSeconds: number;
}

/** The router's answer for one message. */
export interface RoutingPlan {
  /** Name of the rule that decided. */
  readonly rule: string;
  readonly steps: readonly PlanStep[];
  readonly skipped: readonly SkippedProvider[];
}
