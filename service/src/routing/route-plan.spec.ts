import { describe, expect, it } from 'vitest';
import { FailedPreconditionError } from '../shared/errors.js';
import { NoRouteError, planRoute, ruleMatches, type ProviderSummary, type RoutableMessage, type RouteRule } from './route-plan.js';

function rule(name: string, overrides: Partial<RouteRule> = {}): RouteRule {
  return { name, priority: 100, enabled: true, countries: [], prefixes: [], providers: ['alpha'], ...overrides };
}

function provider(name: string, overrides: Partial<ProviderSummary> = {}): ProviderSummary {
  return { name, enabled: true, channels: ['sms', 'voice'], ...overrides };
}

const germanSms: RoutableMessage = { to: '+4915123456789', country: 'DE', channel: 'sms' };
const usSms: RoutableMessage = { to: '+12015550123', country: 'US', channel: 'sms' };
const providers = [provider('alpha'), provider('beta'), provider('gamma')];

function noRouteMessage(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof NoRouteError) return error.message;
    throw error;
  }
  throw new Error('expected a NoRouteError');
}

describe('ruleMatches', () => {
  it.each([
    { why: 'empty filters match any number (catch-all)', r: rule('any'), message: germanSms, matches: true },
    { why: 'a listed country matches', r: rule('de', { countries: ['AT', 'DE'] }), message: germanSms, matches: true },
    { why: 'an unlisted country does not match', r: rule('de', { countries: ['DE'] }), message: usSms, matches: false },
    { why: 'a digit prefix matches without the "+"', r: rule('de-mobile', { prefixes: ['49151'] }), message: germanSms, matches: true },
    { why: 'any of several prefixes matches', r: rule('p', { prefixes: ['4930', '49151'] }), message: germanSms, matches: true },
    { why: 'a prefix that the number does not start with does not match', r: rule('p', { prefixes: ['49160'] }), message: germanSms, matches: false },
    { why: 'a prefix found in the middle of the number does not match', r: rule('p', { prefixes: ['151'] }), message: germanSms, matches: false },
    { why: 'a prefix spelled with "+" does not match', r: rule('p', { prefixes: ['+49'] }), message: germanSms, matches: false },
    { why: 'country and prefix must both match', r: rule('p', { countries: ['US'], prefixes: ['49'] }), message: germanSms, matches: false },
    { why: 'a disabled rule never matches', r: rule('off', { enabled: false }), message: germanSms, matches: false },
  ])('$why', ({ r, message, matches }) => {
    expect(ruleMatches(r, message)).toBe(matches);
  });
});

describe('planRoute', () => {
  it('tries rules by priority, lowest number first, whatever their order in the list', () => {
    const rules = [rule('catch-all', { priority: 1000, providers: ['gamma'] }), rule('germany', { priority: 10, countries: ['DE'], providers: ['alpha'] })];
    expect(planRoute(rules, providers, germanSms).rule).toBe('germany');
  });

  it('falls through to a lower-priority rule when a higher one does not match', () => {
    const rules = [rule('germany', { priority: 10, countries: ['DE'] }), rule('catch-all', { priority: 1000, providers: ['gamma'] })];
    expect(planRoute(rules, providers, usSms)).toEqual({ rule: 'catch-all', providers: ['gamma'], skipped: [] });
  });

  it('breaks priority ties by rule name', () => {
    const rules = [rule('zulu', { priority: 5, providers: ['beta'] }), rule('alpha-rule', { priority: 5, providers: ['alpha'] })];
    expect(planRoute(rules, providers, germanSms).rule).toBe('alpha-rule');
  });

  it('skips a disabled rule even when it has the best priority', () => {
    const rules = [rule('off', { priority: 1, enabled: false, providers: ['alpha'] }), rule('on', { priority: 2, providers: ['beta'] })];
    expect(planRoute(rules, providers, germanSms)).toEqual({ rule: 'on', providers: ['beta'], skipped: [] });
  });

  it('uses the first matching rule only, not the union of all matching rules', () => {
    const rules = [rule('first', { priority: 1, providers: ['alpha'] }), rule('second', { priority: 2, providers: ['beta'] })];
    expect(planRoute(rules, providers, germanSms).providers).toEqual(['alpha']);
  });

  it("keeps the rule's provider order", () => {
    const rules = [rule('r', { providers: ['gamma', 'alpha', 'beta'] })];
    expect(planRoute(rules, providers, germanSms).providers).toEqual(['gamma', 'alpha', 'beta']);
  });

  it('does not reorder the rules it was given', () => {
    const rules = [rule('b', { priority: 2 }), rule('a', { priority: 1 })];
    planRoute(rules, providers, germanSms);
    expect(rules.map((r) => r.name)).toEqual(['b', 'a']);
  });

  it.each([
    { why: 'disabled', available: [provider('alpha', { enabled: false }), provider('beta')], reason: 'disabled' },
    { why: 'unknown', available: [provider('beta')], reason: 'unknown provider' },
    { why: 'not serving the channel', available: [provider('alpha', { channels: ['voice'] }), provider('beta')], reason: 'channel not served' },
  ] as const)('skips a provider that is $why and says why', ({ available, reason }) => {
    const plan = planRoute([rule('r', { providers: ['alpha', 'beta'] })], available, germanSms);
    expect(plan).toEqual({ rule: 'r', providers: ['beta'], skipped: [{ provider: 'alpha', reason }] });
  });

  it('reports every skipped provider in rule order', () => {
    const available = [provider('alpha', { enabled: false }), provider('gamma', { channels: ['email'] }), provider('delta')];
    const plan = planRoute([rule('r', { providers: ['alpha', 'beta', 'gamma', 'delta'] })], available, germanSms);
    expect(plan.providers).toEqual(['delta']);
    expect(plan.skipped).toEqual([
      { provider: 'alpha', reason: 'disabled' },
      { provider: 'beta', reason: 'unknown provider' },
      { provider: 'gamma', reason: 'channel not served' },
    ]);
  });

  it('reports a disabled provider as disabled even if it does not serve the channel either', () => {
    const plan = planRoute([rule('r', { providers: ['alpha', 'beta'] })], [provider('alpha', { enabled: false, channels: [] }), provider('beta')], germanSms);
    expect(plan.skipped).toEqual([{ provider: 'alpha', reason: 'disabled' }]);
  });

  it('throws NoRouteError, a FailedPreconditionError, when no rule matches', () => {
    const run = (): unknown => planRoute([rule('germany', { countries: ['DE'] })], providers, usSms);
    expect(run).toThrow(NoRouteError);
    expect(run).toThrow(FailedPreconditionError);
  });

  it('names the country and channel when no rule matches', () => {
    expect(noRouteMessage(() => planRoute([rule('germany', { countries: ['DE'] })], providers, usSms))).toBe('no route rule matches US on SMS');
  });

  it('throws NoRouteError when there are no rules at all', () => {
    expect(noRouteMessage(() => planRoute([], providers, { ...germanSms, channel: 'voice' }))).toBe('no route rule matches DE on VOICE');
  });

  it('throws NoRouteError when only disabled rules would match', () => {
    expect(() => planRoute([rule('off', { enabled: false })], providers, germanSms)).toThrow(NoRouteError);
  });

  it('does not fall back to another rule when the matching rule has no usable provider', () => {
    const rules = [rule('broken', { priority: 1, providers: ['ghost'] }), rule('catch-all', { priority: 2, providers: ['alpha'] })];
    expect(() => planRoute(rules, providers, germanSms)).toThrow(NoRouteError);
  });

  it('names the rule and every provider with its reason when no provider is usable', () => {
    const available = [provider('alpha', { enabled: false }), provider('gamma', { channels: ['voice'] })];
    const message = noRouteMessage(() => planRoute([rule('eu', { providers: ['alpha', 'beta', 'gamma'] })], available, germanSms));
    expect(message).toBe('route rule "eu" has no usable provider (alpha: disabled, beta: unknown provider, gamma: channel not served)');
  });

  it('says "none listed" when the matching rule names no provider', () => {
    const message = noRouteMessage(() => planRoute([rule('empty', { providers: [] })], providers, germanSms));
    expect(message).toBe('route rule "empty" has no usable provider (none listed)');
  });
});
