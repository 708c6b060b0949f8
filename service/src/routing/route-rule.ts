/**
 * Eager validation of a route rule, as AdminService needs it: every problem at once, each naming
 * the field the way the API spells it (`match.prefixes[2]`, `fallback[1].channel`).
 */
import { isCountryCode } from './iso-codes.js';
import { CHANNELS, MESSAGE_KINDS, ROUTING_STRATEGIES, type Channel, type RouteRule } from './routing-model.js';
import { nestProblems, type ValidationProblem } from '../shared/validation-problem.js';
import { validateTimeWindow } from './time-window.js';

/** What a rule is checked against beyond itself. */
export interface RuleContext {
  /** Names of the providers that exist; when given, unknown names are problems. */
  readonly providers?: ReadonlySet<string>;
}

/**
 * Lists every problem of `rule`; empty when it is valid. With `context.providers`, candidates,
 * weights and fallback steps naming an unknown provider are problems too.
 */
export function validateRouteRule(rule: RouteRule, context: RuleContext = {}): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const add = (field: string, reason: string) => problems.push({ field, reason });
  const known = context.providers;

  if (rule.id.trim() === '') add('id', 'is required');
  if (rule.name.trim() === '') add('name', 'is required');
  if (!Number.isFinite(rule.priority)) add('priority', 'must be a finite number');

  const { match } = rule;
  eachListed(match.countries, (country, index, duplicate) => {
    if (!isCountryCode(country)) add(`match.countries[${index}]`, `"${country}" is not an ISO 3166-1 alpha-2 country code (e.g. DE)`);
    else if (duplicate) add(`match.countries[${index}]`, 'is listed twice');
  });
  eachListed(match.prefixes, (prefix, index, duplicate) => {
    if (!/^\d{1,15}$/.test(prefix)) add(`match.prefixes[${index}]`, `"${prefix}" must be digits (E.164 without "+", at most 15)`);
    else if (duplicate) add(`match.prefixes[${index}]`, 'is listed twice');
  });
  eachListed(match.apps, (app, index, duplicate) => {
    if (app.trim() === '') add(`match.apps[${index}]`, 'must not be empty');
    else if (duplicate) add(`match.apps[${index}]`, 'is listed twice');
  });
  eachListed(match.channels, (channel, index, duplicate) => {
    if (!CHANNELS.includes(channel)) add(`match.channels[${index}]`, `"${channel}" is not one of ${CHANNELS.join(', ')}`);
    else if (duplicate) add(`match.channels[${index}]`, 'is listed twice');
  });
  eachListed(match.kinds, (kind, index, duplicate) => {
    if (!MESSAGE_KINDS.includes(kind)) add(`match.kinds[${index}]`, `"${kind}" is not one of ${MESSAGE_KINDS.join(', ')}`);
    else if (duplicate) add(`match.kinds[${index}]`, 'is listed twice');
  });
  if (match.timeWindow !== null) problems.push(...nestProblems('match.timeWindow.', validateTimeWindow(match.timeWindow)));
  if (rule.isDefault) {
    // The default rule catches what nothing else matched; a filter on it would leave messages with
    // no route at all, which is exactly what the default exists to prevent.
    for (const list of ['countries', 'prefixes', 'apps', 'channels', 'kinds'] as const) {
      if (match[list].length > 0) add(`match.${list}`, 'must be empty on the default rule (it catches everything)');
    }
    if (match.timeWindow !== null) add('match.timeWindow', 'must be empty on the default rule (it catches everything)');
  }

  if (rule.candidates.length === 0) add('candidates', 'name at least one provider');
  eachListed(rule.candidates, (name, index, duplicate) => {
    if (name.trim() === '') add(`candidates[${index}]`, 'must not be empty');
    else if (duplicate) add(`candidates[${index}]`, 'is listed twice');
    else if (known && !known.has(name)) add(`candidates[${index}]`, `unknown provider "${name}"`);
  });

  if (!ROUTING_STRATEGIES.includes(rule.strategy)) add('strategy', `"${rule.strategy}" is not one of ${ROUTING_STRATEGIES.join(', ')}`);
  for (const [name, weight] of Object.entries(rule.weights)) {
    if (!rule.candidates.includes(name)) add(`weights.${name}`, 'is not a candidate of this rule');
    else if (!Number.isFinite(weight) || weight <= 0) add(`weights.${name}`, 'must be a number greater than 0');
  }
  if (rule.strategy === 'weighted') {
    for (const name of new Set(rule.candidates)) {
      if (!Object.hasOwn(rule.weights, name)) add(`weights.${name}`, 'is required for every candidate of a weighted rule');
    }
  }

  let previousChannel: Channel | null = null;
  rule.fallback.forEach((step, index) => {
    const at = `fallback[${index}]`;
    if (step.provider !== null) {
      if (step.provider.trim() === '') add(`${at}.provider`, 'must name a provider, or be null for the next cheapest candidate');
      else if (known && !known.has(step.provider)) add(`${at}.provider`, `unknown provider "${step.provider}"`);
    }
    if (!CHANNELS.includes(step.channel)) {
      add(`${at}.channel`, `"${step.channel}" is not one of ${CHANNELS.join(', ')}`);
    } else {
      // Fallback escalates SMS → voice → e-mail; going back is almost always a mistake in the chain.
      if (previousChannel !== null && CHANNELS.indexOf(step.channel) < CHANNELS.indexOf(previousChannel)) {
        add(`${at}.channel`, `must not go back from ${previousChannel} to ${step.channel} (order: ${CHANNELS.join(' → ')})`);
      }
      previousChannel = step.channel;
    }
    if (!Number.isFinite(step.receiptTimeoutSeconds) || step.receiptTimeoutSeconds <= 0) {
      add(`${at}.receiptTimeoutSeconds`, 'must be a number of seconds greater than 0');
    }
  });
  return problems;
}

function eachListed<T>(list: readonly T[], visit: (value: T, index: number, duplicate: boolean) => void): void {
  const seen = new Set<T>();
  list.forEach((value, index) => {
    visit(value, index, seen.has(value));
    seen.add(value);
  });
}
