/**
 * Picking providers for a message: pure logic over route rules and providers, no ORM, no sockets.
 * Rules are tried by priority (lowest first); the first whose filters all match decides. A rule
 * without countries or prefixes matches every number, so a catch-all rule is just a low-priority
 * rule with empty filters.
 */
import { FailedPreconditionError } from '../shared/errors.js';

export interface RouteRule {
  readonly name: string;
  readonly priority: number;
  readonly enabled: boolean;
  /** ISO 3166-1 alpha-2 codes; empty: any. */
  readonly countries: readonly string[];
  /** E.164 digit prefixes without `+`; empty: any. */
  readonly prefixes: readonly string[];
  /** Provider names, tried in this order. */
  readonly providers: readonly string[];
}

export interface ProviderSummary {
  readonly name: string;
  readonly enabled: boolean;
  readonly channels: readonly string[];
}

export interface RoutableMessage {
  /** E.164 with `+`. */
  readonly to: string;
  readonly country: string;
  readonly channel: string;
}

/** A provider that the chosen rule names but that cannot take the message, and why. */
export interface SkippedProvider {
  readonly provider: string;
  readonly reason: 'disabled' | 'unknown provider' | 'channel not served';
}

export interface RoutePlan {
  readonly rule: string;
  /** Provider names, in the order they are tried. */
  readonly providers: readonly string[];
  readonly skipped: readonly SkippedProvider[];
}

/** No rule can carry the message; the reason names what was looked for. */
export class NoRouteError extends FailedPreconditionError {}

export function ruleMatches(rule: RouteRule, message: RoutableMessage): boolean {
  if (!rule.enabled) return false;
  if (rule.countries.length > 0 && !rule.countries.includes(message.country)) return false;
  const digits = message.to.replace(/^\+/, '');
  if (rule.prefixes.length > 0 && !rule.prefixes.some((prefix) => digits.startsWith(prefix))) return false;
  return true;
}

export function planRoute(rules: readonly RouteRule[], providers: readonly ProviderSummary[], message: RoutableMessage): RoutePlan {
  const byName = new Map(providers.map((provider) => [provider.name, provider]));
  const ordered = [...rules].sort((a, b) => a.priority - b.priority || a.name.localeCompare(b.name));
  const rule = ordered.find((candidate) => ruleMatches(candidate, message));
  if (!rule) {
    throw new NoRouteError(`no route rule matches ${message.country} on ${message.channel.toUpperCase()}`);
  }
  const usable: string[] = [];
  const skipped: SkippedProvider[] = [];
  for (const name of rule.providers) {
    const provider = byName.get(name);
    if (!provider) skipped.push({ provider: name, reason: 'unknown provider' });
    else if (!provider.enabled) skipped.push({ provider: name, reason: 'disabled' });
    else if (!provider.channels.includes(message.channel)) skipped.push({ provider: name, reason: 'channel not served' });
    else usable.push(name);
  }
  if (usable.length === 0) {
    throw new NoRouteError(
      `route rule "${rule.name}" has no usable provider (${skipped.map((s) => `${s.provider}: ${s.reason}`).join(', ') || 'none listed'})`,
    );
  }
  return { rule: rule.name, providers: usable, skipped };
}
