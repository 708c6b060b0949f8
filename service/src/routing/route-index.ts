/**
 * Finds the rule for a message without scanning every rule. Each enabled rule is filed under its
 * most selective filter: its prefixes in a digit trie, else its countries in a map, else a short
 * wildcard list. A message then looks only at the rules filed on its number's path through the
 * trie, under its country, and the wildcards; each list is sorted by rank, so the search of a list
 * stops at its first full match or as soon as it cannot beat the best match so far.
 */
import { PrefixTrie } from './prefix-trie.js';
import type { Channel, MessageKind, RoutableMessage, RouteRule } from './routing-model.js';
import { CompiledTimeWindow, ZoneClock } from './time-window.js';

/** A rule with its filters in the shape matching needs, and what the caller attached to it. */
interface IndexedRule<T> {
  readonly rule: RouteRule;
  readonly value: T;
  /** Position in priority order; lower wins. */
  readonly rank: number;
  readonly countries: ReadonlySet<string> | null;
  readonly apps: ReadonlySet<string> | null;
  readonly channels: readonly Channel[] | null;
  readonly kinds: readonly MessageKind[] | null;
  readonly window: CompiledTimeWindow | null;
}

/** What the index found for a message. */
export interface RuleMatch<T> {
  readonly rule: RouteRule;
  readonly value: T;
}

/**
 * Priority order of rules: `priority` ascending, then name, then id, so the order never depends on
 * how the database happened to list them.
 */
export function compareRulePriority(a: RouteRule, b: RouteRule): number {
  return a.priority - b.priority || compareText(a.name, b.name) || compareText(a.id, b.id);
}

/** An immutable index over valid rules; `T` is whatever the caller compiled per rule. */
export class RouteIndex<T> {
  readonly #byPrefix = new PrefixTrie<IndexedRule<T>[]>();
  readonly #byCountry = new Map<string, IndexedRule<T>[]>();
  readonly #wildcard: IndexedRule<T>[] = [];
  readonly #default: RuleMatch<T> | null;
  readonly #ruleCount: number;

  /**
   * Indexes the enabled rules of `rules` (which must be valid); `compile` attaches a value to each.
   * At most one enabled default rule may be given.
   */
  constructor(rules: readonly RouteRule[], compile: (rule: RouteRule) => T) {
    const clocks = new Map<string, ZoneClock>();
    const enabled = rules.filter((rule) => rule.enabled).sort(compareRulePriority);
    let fallback: RuleMatch<T> | null = null;
    let rank = 0;
    for (const rule of enabled) {
      if (rule.isDefault) {
        fallback = { rule, value: compile(rule) };
        continue;
      }
      const indexed = toIndexed(rule, compile(rule), rank++, clocks);
      if (rule.match.prefixes.length > 0) {
        for (const prefix of new Set(rule.match.prefixes)) fileUnder(this.#byPrefix.get(prefix), indexed, (list) => {
          this.#byPrefix.set(prefix, list);
        });
      } else if (rule.match.countries.length > 0) {
        for (const country of new Set(rule.match.countries)) fileUnder(this.#byCountry.get(country), indexed, (list) => {
          this.#byCountry.set(country, list);
        });
      } else {
        this.#wildcard.push(indexed);
      }
    }
    this.#default = fallback;
    this.#ruleCount = rank + (fallback ? 1 : 0);
  }

  /** Number of enabled rules indexed, the default included. */
  get size(): number {
    return this.#ruleCount;
  }

  /**
   * The first rule in priority order whose filters all match `message` at `now` (epoch ms), else
   * the default rule, else `null`. `digitsStart` is where the digits start in `message.to`.
   */
  match(message: RoutableMessage, digitsStart: number, now: number): RuleMatch<T> | null {
    const found: { best: IndexedRule<T> | null } = { best: null };
    // Lists are sorted by rank (insertion order), so scanning a list stops at its first match or
    // at the first rule that cannot beat the best so far.
    const scan = (list: readonly IndexedRule<T>[] | undefined): boolean => {
      if (list === undefined) return false;
      for (const candidate of list) {
        if (found.best !== null && candidate.rank >= found.best.rank) return false;
        if (matches(candidate, message, now)) {
          found.best = candidate;
          return false;
        }
      }
      return false;
    };
    this.#byPrefix.forEachMatch(message.to, digitsStart, scan);
    scan(this.#byCountry.get(message.country));
    scan(this.#wildcard);
    if (found.best !== null) return found.best;
    return this.#default;
  }
}

function fileUnder<T>(list: IndexedRule<T>[] | undefined, rule: IndexedRule<T>, store: (list: IndexedRule<T>[]) => void): void {
  if (list === undefined) store([rule]);
  else list.push(rule);
}

function toIndexed<T>(rule: RouteRule, value: T, rank: number, clocks: Map<string, ZoneClock>): IndexedRule<T> {
  const { match } = rule;
  let window: CompiledTimeWindow | null = null;
  if (match.timeWindow !== null) {
    let clock = clocks.get(match.timeWindow.timeZone);
    if (clock === undefined) {
      clock = new ZoneClock(match.timeWindow.timeZone);
      clocks.set(match.timeWindow.timeZone, clock);
    }
    window = new CompiledTimeWindow(match.timeWindow, clock);
  }
  return {
    rule,
    value,
    rank,
    countries: match.countries.length > 0 ? new Set(match.countries) : null,
    apps: match.apps.length > 0 ? new Set(match.apps) : null,
    channels: match.channels.length > 0 ? match.channels : null,
    kinds: match.kinds.length > 0 ? match.kinds : null,
    window,
  };
}

// Prefixes need no check here: a rule with prefixes is only ever found on its number's trie path.
function matches<T>(rule: IndexedRule<T>, message: RoutableMessage, now: number): boolean {
  return (
    (rule.countries === null || rule.countries.has(message.country)) &&
    (rule.apps === null || rule.apps.has(message.app)) &&
    (rule.channels === null || rule.channels.includes(message.channel)) &&
    (rule.kinds === null || rule.kinds.includes(message.kind)) &&
    (rule.window === null || rule.window.contains(now))
  );
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
