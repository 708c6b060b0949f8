/** AdminService: route rules (ordered, validated against the providers) and route simulation. */
import { randomUUID } from 'node:crypto';
import { MICROS } from '../shared/money.js';
import { validateRouteRule } from '../routing/route-rule.js';
import type { RoutingTable } from '../routing/router.js';
import {
  CHANNELS,
  MESSAGE_KINDS,
  type CapacityVerdict,
  type Channel,
  type MessageKind,
  type ProviderHealth,
  type RouteRule,
} from '../routing/routing-model.js';
import type { ValidationProblem } from '../shared/validation-problem.js';
import { AlreadyExistsError, InvalidArgumentError, NotFoundError } from '../shared/errors.js';
import { parsePhoneNumber } from '../verification/phone-number.js';
import { assertId, assertValid, toProtoProblems } from './admin-problems.js';
import type { ProviderHealthSnapshot, RouteRuleDraft, SimulateRouteQuery, SimulatedRoute } from './admin-model.js';
import type { AdminContext } from './admin-context.js';
import type { AdminReads } from './admin.ports.js';

/** Rule priorities are spaced so one rule can later be slotted between two without a reorder. */
const PRIORITY_STEP = 10;
const INT32_MAX = 2_147_483_647;

/** Route rules as admins edit them, and what routing would do with a message now. */
export class RouteAdmin {
  readonly #ctx: AdminContext;
  readonly #routing: { current(): RoutingTable };
  readonly #health: { snapshot(): ProviderHealthSnapshot[] };

  constructor(ctx: AdminContext, routing: { current(): RoutingTable }, health: { snapshot(): ProviderHealthSnapshot[] }) {
    this.#ctx = ctx;
    this.#routing = routing;
    this.#health = health;
  }

  /** Rules in the order they are tried. */
  async list(): Promise<RouteRule[]> {
    return this.#ctx.read().listRules();
  }

  /** Creates a rule; without a priority it goes last. */
  async create(actor: string, draft: RouteRuleDraft): Promise<RouteRule> {
    const taken = () => new AlreadyExistsError(`route rule "${draft.name}" already exists`);
    return this.#ctx.change(
      actor,
      async (change) => {
        const rules = await change.listRules();
        const id = randomUUID();
        const last = rules.reduce((max, rule) => Math.max(max, rule.priority), 0);
        const rule: RouteRule = { ...draft, id, priority: draft.priority ?? last + PRIORITY_STEP };
        await this.#checkRule(change, rule, rules);
        if (rules.some((other) => other.name === rule.name)) throw taken();
        await change.insertRule(rule, this.#ctx.now());
        await change.audit('route_rule.create', id, null, ruleAudit(rule));
        await change.announce(`route_rule.create ${rule.name}`);
        return rule;
      },
      taken,
    );
  }

  /** Replaces rule `id`; a `null` priority keeps the current one. */
  async update(actor: string, id: string, draft: RouteRuleDraft): Promise<RouteRule> {
    assertId(id, 'rule.id');
    const taken = () => new AlreadyExistsError(`route rule "${draft.name}" already exists`);
    return this.#ctx.change(
      actor,
      async (change) => {
        const rules = await change.listRules();
        const existing = rules.find((rule) => rule.id === id);
        const rule: RouteRule = { ...draft, id, priority: draft.priority ?? existing?.priority ?? 0 };
        await this.#checkRule(change, rule, rules);
        if (!existing) throw new NotFoundError(`route rule ${id} does not exist`);
        if (rules.some((other) => other.name === rule.name && other.id !== id)) throw taken();
        await change.updateRule(rule, this.#ctx.now());
        await change.audit('route_rule.update', id, ruleAudit(existing), ruleAudit(rule));
        await change.announce(`route_rule.update ${rule.name}`);
        return rule;
      },
      taken,
    );
  }

  async delete(actor: string, id: string): Promise<void> {
    assertId(id, 'id');
    await this.#ctx.change(actor, async (change) => {
      const existing = await change.findRule(id);
      if (!existing) throw new NotFoundError(`route rule ${id} does not exist`);
      await change.deleteRule(id);
      await change.audit('route_rule.delete', id, ruleAudit(existing), null);
      await change.announce(`route_rule.delete ${existing.name}`);
    });
  }

  /** Sets the order of every rule: priorities become 10, 20, … in the order of `ids`. */
  async reorder(actor: string, ids: readonly string[]): Promise<RouteRule[]> {
    return this.#ctx.change(actor, async (change) => {
      const rules = await change.listRules();
      const problems = reorderProblems(ids, rules);
      if (problems.length > 0) throw new InvalidArgumentError('ids', `must name every rule exactly once: ${problems.join('; ')}`);
      const now = this.#ctx.now();
      const byId = new Map(rules.map((rule) => [rule.id, rule]));
      const reordered: RouteRule[] = [];
      for (const [index, id] of ids.entries()) {
        const rule = byId.get(id);
        if (rule === undefined) continue;
        const priority = (index + 1) * PRIORITY_STEP;
        if (rule.priority !== priority) await change.setRulePriority(id, priority, now);
        reordered.push({ ...rule, priority });
      }
      const order = (list: readonly { id: string; name: string; priority: number }[]) => list.map(({ id, name, priority }) => ({ id, name, priority }));
      await change.audit('route_rule.reorder', 'route_rules', order(rules), order(reordered));
      await change.announce('route_rule.reorder');
      return reordered;
    });
  }

  /** Validates a rule against the known providers and the one-default limit. */
  async #checkRule(reads: AdminReads, rule: RouteRule, rules: readonly RouteRule[]): Promise<void> {
    const providers = new Set((await reads.listProviders()).map((provider) => provider.name));
    const problems: ValidationProblem[] = validateRouteRule(rule, { providers });
    if (!Number.isInteger(rule.priority) || Math.abs(rule.priority) > INT32_MAX) problems.push({ field: 'priority', reason: 'must be a whole number (int32)' });
    if (rule.name.length > 64) problems.push({ field: 'name', reason: 'must be at most 64 characters' });
    const otherDefault = rules.find((other) => other.isDefault && other.id !== rule.id);
    if (rule.isDefault && otherDefault) problems.push({ field: 'isDefault', reason: `route rule "${otherDefault.name}" is already the default; there can be only one` });
    assertValid(toProtoProblems('rule.', problems));
  }

  /**
   * The plan a message would get now, from this replica's routing table and health.
   * @throws NoRouteError (FAILED_PRECONDITION) when no route can carry it.
   */
  async simulate(query: SimulateRouteQuery): Promise<SimulatedRoute> {
    const number = parsePhoneNumber(query.to, 'to');
    const channel = CHANNELS.find((known) => known === query.channel);
    if (channel === undefined) throw new InvalidArgumentError('channel', `"${query.channel}" is not one of ${CHANNELS.join(', ')}`);
    const kind = MESSAGE_KINDS.find((known) => known === query.kind);
    if (kind === undefined) throw new InvalidArgumentError('kind', `"${query.kind}" is not one of ${MESSAGE_KINDS.join(', ')}`);
    if (!Number.isInteger(query.parts) || query.parts < 1 || query.parts > 255) throw new InvalidArgumentError('parts', 'must be 1 to 255 (0: 1)');

    const limits = new Map((await this.#ctx.read().listProviders()).map((row) => [row.name, row.maxInFlight]));
    const plan = this.#routing.current().plan(
      { to: number.e164, country: number.country, app: query.app, channel: channel satisfies Channel, kind: kind satisfies MessageKind, parts: query.parts },
      healthView(this.#health.snapshot(), limits),
      this.#ctx.now().getTime(),
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
}

function ruleAudit(rule: RouteRule): RouteRule {
  return rule;
}

function reorderProblems(ids: readonly string[], rules: readonly RouteRule[]): string[] {
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

const HAS_CAPACITY: CapacityVerdict = { ok: true };

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
