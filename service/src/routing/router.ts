/**
 * The router: compiles one configuration snapshot into an immutable {@link RoutingTable}, which
 * answers each message with an ordered plan of steps and the reason every other provider was
 * left out. Compiling is the slow part (validation, tries, currency conversion) and happens once
 * per configuration change; planning reads only prepared structures.
 */
import { FailedPreconditionError, InvalidArgumentError } from '../shared/errors.js';
import { isCurrencyCode } from './iso-codes.js';
import { PriceLookup, validatePriceTable } from './price-table.js';
import { RouteIndex } from './route-index.js';
import { validateRouteRule } from './route-rule.js';
import { CHANNELS, type Channel, type FallbackStep, type PlanStep, type ProviderHealth, type RoutableMessage, type RouteRule, type RoutingPlan, type RoutingSnapshot, type RoutingStrategy, type SkipReason, type SkippedProvider } from './routing-model.js';
import { formatProblems, nestProblems, type ValidationProblem } from '../shared/validation-problem.js';

/**
 * No route can carry the message: no rule matched and there is no default, or the matched rule
 * has no usable provider. The message names country, channel and app; `skipped` says why each
 * provider was left out.
 */
export class NoRouteError extends FailedPreconditionError {
  /** The rule that matched, or `null` when none did. */
  readonly rule: string | null;
  readonly skipped: readonly SkippedProvider[];

  constructor(message: string, details: { readonly rule: string | null; readonly skipped: readonly SkippedProvider[] }) {
    super(message);
    this.rule = details.rule;
    this.skipped = details.skipped;
  }
}

/** A snapshot that cannot be compiled; `problems` lists every error, `field` names the first. */
export class InvalidRoutingSnapshotError extends InvalidArgumentError {
  readonly problems: readonly ValidationProblem[];

  constructor(problems: readonly ValidationProblem[]) {
    const first = problems[0] ?? { field: 'snapshot', reason: 'is invalid' };
    super(first.field, problems.length === 1 ? first.reason : `${first.reason} (all ${problems.length} problems: ${formatProblems(problems)})`);
    this.problems = problems;
  }
}

/**
 * The outcome of checking a snapshot. Errors stop compilation. Warnings are dangling references
 * (a rule naming a provider that no longer exists, a price table nobody can convert): routing
 * goes on and the plan reports them as skips, so one stale reference does not stop every message.
 */
export interface SnapshotValidation {
  readonly errors: readonly ValidationProblem[];
  readonly warnings: readonly ValidationProblem[];
}

/** Checks a whole snapshot; fields are paths into it (`rules[3].match.prefixes[0]`). */
export function validateRoutingSnapshot(snapshot: RoutingSnapshot): SnapshotValidation {
  const errors: ValidationProblem[] = [];
  const warnings: ValidationProblem[] = [];

  const providerNames = new Map<string, number>();
  snapshot.providers.forEach((provider, index) => {
    const at = `providers[${index}]`;
    const first = providerNames.get(provider.name);
    if (provider.name.trim() === '') errors.push({ field: `${at}.name`, reason: 'is required' });
    else if (first !== undefined) errors.push({ field: `${at}.name`, reason: `"${provider.name}" is also providers[${first}]` });
    else providerNames.set(provider.name, index);
    if (provider.channels.length === 0) errors.push({ field: `${at}.channels`, reason: 'name at least one channel' });
    const seen = new Set<Channel>();
    provider.channels.forEach((channel, channelIndex) => {
      if (!CHANNELS.includes(channel)) errors.push({ field: `${at}.channels[${channelIndex}]`, reason: `"${channel}" is not one of ${CHANNELS.join(', ')}` });
      else if (seen.has(channel)) errors.push({ field: `${at}.channels[${channelIndex}]`, reason: 'is listed twice' });
      seen.add(channel);
    });
  });

  if (!isCurrencyCode(snapshot.routingCurrency)) {
    errors.push({ field: 'routingCurrency', reason: `"${snapshot.routingCurrency}" is not an ISO 4217 currency code (e.g. EUR)` });
  }
  for (const [currency, rate] of Object.entries(snapshot.rates)) {
    if (!isCurrencyCode(currency)) errors.push({ field: `rates.${currency}`, reason: 'is not an ISO 4217 currency code' });
    else if (!Number.isFinite(rate) || rate <= 0) errors.push({ field: `rates.${currency}`, reason: 'must be a number greater than 0' });
    else if (currency === snapshot.routingCurrency && rate !== 1) errors.push({ field: `rates.${currency}`, reason: 'the routing currency converts at exactly 1' });
  }
  if (!Number.isFinite(snapshot.defaultReceiptTimeoutSeconds) || snapshot.defaultReceiptTimeoutSeconds <= 0) {
    errors.push({ field: 'defaultReceiptTimeoutSeconds', reason: 'must be a number of seconds greater than 0' });
  }

  const tableOwners = new Map<string, number>();
  snapshot.priceTables.forEach((table, index) => {
    const at = `priceTables[${index}]`;
    errors.push(...nestProblems(`${at}.`, validatePriceTable(table)));
    const first = tableOwners.get(table.provider);
    if (first !== undefined) errors.push({ field: `${at}.provider`, reason: `"${table.provider}" already has priceTables[${first}]` });
    tableOwners.set(table.provider, first ?? index);
    if (!providerNames.has(table.provider)) warnings.push({ field: `${at}.provider`, reason: `unknown provider "${table.provider}"; the table is unused` });
    if (rateOf(snapshot, table.currency) === undefined) {
      warnings.push({ field: `${at}.currency`, reason: `no rate for ${table.currency} in rates; its prices count as no price` });
    }
  });

  const ruleIds = new Map<string, number>();
  const ruleNames = new Map<string, number>();
  let defaultRule: number | null = null;
  snapshot.rules.forEach((rule, index) => {
    const at = `rules[${index}]`;
    errors.push(...nestProblems(`${at}.`, validateRouteRule(rule)));
    const sameId = ruleIds.get(rule.id);
    if (sameId !== undefined) errors.push({ field: `${at}.id`, reason: `"${rule.id}" is also rules[${sameId}]` });
    ruleIds.set(rule.id, sameId ?? index);
    const sameName = ruleNames.get(rule.name);
    if (sameName !== undefined) errors.push({ field: `${at}.name`, reason: `"${rule.name}" is also rules[${sameName}]` });
    ruleNames.set(rule.name, sameName ?? index);
    if (rule.isDefault && rule.enabled) {
      if (defaultRule !== null) errors.push({ field: `${at}.isDefault`, reason: `rules[${defaultRule}] is already the default rule` });
      defaultRule ??= index;
    }
    rule.candidates.forEach((name, candidateIndex) => {
      if (name !== '' && !providerNames.has(name)) warnings.push({ field: `${at}.candidates[${candidateIndex}]`, reason: `unknown provider "${name}"` });
    });
    rule.fallback.forEach((step, stepIndex) => {
      if (step.provider !== null && step.provider !== '' && !providerNames.has(step.provider)) {
        warnings.push({ field: `${at}.fallback[${stepIndex}].provider`, reason: `unknown provider "${step.provider}"` });
      }
    });
  });
  return { errors, warnings };
}

/**
 * Validates and compiles a snapshot into a routing table.
 * @throws InvalidRoutingSnapshotError listing every error of the snapshot.
 */
export function compileRoutingTable(snapshot: RoutingSnapshot): RoutingTable {
  const { errors, warnings } = validateRoutingSnapshot(snapshot);
  if (errors.length > 0) throw new InvalidRoutingSnapshotError(errors);
  return new RoutingTable(snapshot, warnings);
}

interface ProviderRuntime {
  readonly name: string;
  readonly enabled: boolean;
  readonly channels: readonly Channel[];
  /** Prices in the routing currency; `null` without a table or without a rate for its currency. */
  readonly prices: PriceLookup | null;
}

interface CandidateRuntime {
  readonly name: string;
  readonly provider: ProviderRuntime | undefined;
  readonly weight: number;
}

interface FallbackRuntime extends FallbackStep {
  readonly runtime: ProviderRuntime | undefined;
}

interface RuleActions {
  readonly name: string;
  readonly strategy: RoutingStrategy;
  readonly candidates: readonly CandidateRuntime[];
  readonly fallback: readonly FallbackRuntime[];
  /** Every provider the rule names, as candidate or fallback. */
  readonly listed: ReadonlySet<string>;
  /**
   * "excluded by rule" skips per message channel. They depend only on the rule and the snapshot,
   * so each is built on first use and shared by every later plan (a few dozen entries that would
   * otherwise be rebuilt per message).
   */
  readonly excluded: Map<Channel, readonly SkippedProvider[]>;
}

interface Usable {
  readonly name: string;
  readonly cost: number | null;
  readonly weight: number;
}

/** Per-plan scratch: the steps so far and the skips, without duplicates. */
interface PlanDraft {
  readonly message: RoutableMessage;
  readonly health: ProviderHealth;
  readonly steps: PlanStep[];
  readonly skipped: SkippedProvider[];
}

/** A compiled, immutable routing configuration. Build it with {@link compileRoutingTable}. */
export class RoutingTable {
  /** Dangling references found while compiling (see {@link SnapshotValidation}). */
  readonly warnings: readonly ValidationProblem[];
  readonly routingCurrency: string;
  readonly #index: RouteIndex<RuleActions>;
  readonly #providers: ReadonlyMap<string, ProviderRuntime>;
  /** Enabled providers per channel, for "excluded by rule". */
  readonly #servingChannel: ReadonlyMap<Channel, readonly string[]>;
  readonly #defaultTimeout: number;

  /** Use {@link compileRoutingTable}, which validates first. */
  constructor(snapshot: RoutingSnapshot, warnings: readonly ValidationProblem[]) {
    this.warnings = warnings;
    this.routingCurrency = snapshot.routingCurrency;
    this.#defaultTimeout = snapshot.defaultReceiptTimeoutSeconds;
    const tables = new Map(snapshot.priceTables.map((table) => [table.provider, table]));
    const providers = new Map<string, ProviderRuntime>();
    for (const profile of snapshot.providers) {
      const table = tables.get(profile.name);
      const rate = table ? rateOf(snapshot, table.currency) : undefined;
      providers.set(profile.name, {
        name: profile.name,
        enabled: profile.enabled,
        channels: [...profile.channels],
        prices: table && rate !== undefined ? new PriceLookup(table, rate) : null,
      });
    }
    this.#providers = providers;
    this.#servingChannel = new Map(
      CHANNELS.map((channel) => [channel, snapshot.providers.filter((p) => p.enabled && p.channels.includes(channel)).map((p) => p.name)]),
    );
    this.#index = new RouteIndex(snapshot.rules, (rule) => this.#compileActions(rule));
  }

  /** Number of enabled rules, the default included. */
  get ruleCount(): number {
    return this.#index.size;
  }

  /**
   * Plans the steps for `message`. `health` says which providers are sick or full right now,
   * `now` (epoch ms) decides time windows, `random` (uniform in [0, 1)) drives weighted splits.
   * @throws NoRouteError when no rule matches and there is no default, or when the matched rule
   * leaves no usable step.
   * @throws InvalidArgumentError when `to` is not `+` and digits or `parts` is not a positive integer.
   */
  plan(message: RoutableMessage, health: ProviderHealth, now: number, random: () => number): RoutingPlan {
    if (!/^\+\d{1,15}$/.test(message.to)) throw new InvalidArgumentError('to', 'must be E.164: "+" and up to 15 digits');
    if (!Number.isInteger(message.parts) || message.parts < 1) throw new InvalidArgumentError('parts', 'must be a whole number of at least 1');
    const found = this.#index.match(message, 1, now);
    if (found === null) {
      throw new NoRouteError(`no route rule matches ${describe(message)}, and there is no default rule`, { rule: null, skipped: [] });
    }
    const actions = found.value;
    const draft: PlanDraft = { message, health, steps: [], skipped: [] };
    this.#addPrimarySteps(draft, actions, random);
    for (const step of actions.fallback) this.#addFallbackStep(draft, actions, step);
    const excluded = this.#excludedByRule(actions, message.channel);
    for (const entry of excluded) draft.skipped.push(entry);
    if (draft.steps.length === 0) {
      const reasons = draft.skipped.filter((s) => s.reason !== 'excluded by rule').map((s) => `${s.provider} (${s.channel}): ${s.reason}`);
      throw new NoRouteError(`route rule "${actions.name}" has no usable provider for ${describe(message)}: ${reasons.join(', ') || 'no candidates'}`, {
        rule: actions.name,
        skipped: draft.skipped,
      });
    }
    return { rule: actions.name, steps: draft.steps, skipped: draft.skipped };
  }

  #compileActions(rule: RouteRule): RuleActions {
    return {
      name: rule.name,
      strategy: rule.strategy,
      candidates: rule.candidates.map((name) => ({ name, provider: this.#providers.get(name), weight: rule.weights[name] ?? 0 })),
      fallback: rule.fallback.map((step) => ({ ...step, runtime: step.provider === null ? undefined : this.#providers.get(step.provider) })),
      listed: new Set([...rule.candidates, ...rule.fallback.flatMap((step) => (step.provider === null ? [] : [step.provider]))]),
      excluded: new Map(),
    };
  }

  #excludedByRule(actions: RuleActions, channel: Channel): readonly SkippedProvider[] {
    let excluded = actions.excluded.get(channel);
    if (excluded === undefined) {
      const serving = this.#servingChannel.get(channel) ?? [];
      excluded = serving.filter((name) => !actions.listed.has(name)).map((provider) => Object.freeze({ provider, channel, reason: 'excluded by rule' as const }));
      actions.excluded.set(channel, excluded);
    }
    return excluded;
  }

  #addPrimarySteps(draft: PlanDraft, actions: RuleActions, random: () => number): void {
    const { channel } = draft.message;
    const usable = this.#usableCandidates(draft, actions, channel);
    if (actions.strategy === 'lowest_cost') usable.sort(byCost);
    else if (actions.strategy === 'weighted' && usable.length > 1) {
      const picked = usable.splice(pickByWeight(usable, random), 1);
      usable.sort(byCost);
      usable.unshift(...picked);
    }
    for (const candidate of usable) this.#addStep(draft, candidate.name, channel, candidate.cost, this.#defaultTimeout);
  }

  /** Candidates that can take the message on `channel`, in candidate order; skips the rest. */
  #usableCandidates(draft: PlanDraft, actions: RuleActions, channel: Channel): Usable[] {
    const usable: Usable[] = [];
    for (const candidate of actions.candidates) {
      if (inPlan(draft, candidate.name, channel)) continue;
      const cost = this.#expectedCost(candidate.provider, draft.message);
      const reason =
        staticReason(candidate.provider, channel) ??
        (cost === null && actions.strategy === 'lowest_cost' ? 'no price' : null) ??
        healthReason(draft.health, candidate.name);
      if (reason === null) usable.push({ name: candidate.name, cost, weight: candidate.weight });
      else skip(draft, candidate.name, channel, reason);
    }
    return usable;
  }

  #addFallbackStep(draft: PlanDraft, actions: RuleActions, step: FallbackRuntime): void {
    if (step.provider === null) {
      // "Next cheapest": the cheapest candidate not yet in the plan on this channel. Candidates
      // that do not serve the channel are simply not eligible, not skipped.
      const eligible = actions.candidates.filter((c) => c.provider?.enabled === true && c.provider.channels.includes(step.channel));
      const usable = this.#usableCandidates(draft, { ...actions, candidates: eligible }, step.channel).sort(byCost);
      const next = usable[0];
      if (next !== undefined) this.#addStep(draft, next.name, step.channel, next.cost, step.receiptTimeoutSeconds);
      return;
    }
    if (inPlan(draft, step.provider, step.channel)) return;
    // A provider named in the chain was chosen on purpose, so it stays even without a price.
    const reason = staticReason(step.runtime, step.channel) ?? healthReason(draft.health, step.provider);
    if (reason !== null) skip(draft, step.provider, step.channel, reason);
    else this.#addStep(draft, step.provider, step.channel, this.#expectedCost(step.runtime, draft.message), step.receiptTimeoutSeconds);
  }

  #addStep(draft: PlanDraft, provider: string, channel: Channel, expectedCost: number | null, receiptTimeoutSeconds: number): void {
    draft.steps.push({ provider, channel, expectedCost, currency: this.routingCurrency, receiptTimeoutSeconds });
  }

  #expectedCost(provider: ProviderRuntime | undefined, message: RoutableMessage): number | null {
    const price = provider?.prices?.priceFor(message.to, 1, message.country);
    return price === undefined ? null : price * message.parts;
  }
}

/** Units of the routing currency per unit of `currency`, if known. */
function rateOf(snapshot: RoutingSnapshot, currency: string): number | undefined {
  if (currency === snapshot.routingCurrency) return 1;
  return Object.hasOwn(snapshot.rates, currency) ? snapshot.rates[currency] : undefined;
}

function staticReason(provider: ProviderRuntime | undefined, channel: Channel): SkipReason | null {
  if (provider === undefined) return 'unknown provider';
  if (!provider.enabled) return 'disabled';
  if (!provider.channels.includes(channel)) return 'channel not served';
  return null;
}

function healthReason(health: ProviderHealth, provider: string): SkipReason | null {
  const state = health.state(provider);
  if (state === 'open' || (state === 'half_open' && !health.allowsProbe(provider))) return 'circuit open';
  const capacity = health.hasCapacity(provider);
  return capacity.ok ? null : capacity.reason;
}

function inPlan(draft: PlanDraft, provider: string, channel: Channel): boolean {
  return draft.steps.some((step) => step.provider === provider && step.channel === channel);
}

function skip(draft: PlanDraft, provider: string, channel: Channel, reason: SkipReason): void {
  if (draft.skipped.some((s) => s.provider === provider && s.channel === channel && s.reason === reason)) return;
  draft.skipped.push({ provider, channel, reason });
}

/** Cheapest first; unpriced after priced; the stable sort keeps candidate order for ties. */
function byCost(a: Usable, b: Usable): number {
  if (a.cost === null || b.cost === null) return a.cost === null ? (b.cost === null ? 0 : 1) : -1;
  return a.cost - b.cost;
}

function pickByWeight(usable: readonly Usable[], random: () => number): number {
  let total = 0;
  for (const candidate of usable) total += candidate.weight;
  let point = random() * total;
  for (let index = 0; index < usable.length; index++) {
    point -= usable[index]?.weight ?? 0;
    if (point < 0) return index;
  }
  return usable.length - 1; // random() returned (nearly) 1 and rounding left a remainder
}

function describe(message: RoutableMessage): string {
  return `country ${message.country}, channel ${message.channel}, app "${message.app}"`;
}
