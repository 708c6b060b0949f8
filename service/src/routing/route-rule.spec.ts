import { describe, expect, it } from 'vitest';
import { validateRouteRule } from './route-rule.js';
import type { Channel, MessageKind, RouteMatch, RouteRule, RoutingStrategy } from './routing-model.js';

type RuleOverrides = Partial<Omit<RouteRule, 'match'>> & { match?: Partial<RouteMatch> };

function rule(overrides: RuleOverrides = {}): RouteRule {
  const { match, ...rest } = overrides;
  return {
    id: 'r1',
    name: 'germany',
    priority: 10,
    enabled: true,
    isDefault: false,
    candidates: ['alpha', 'beta'],
    strategy: 'lowest_cost',
    weights: {},
    fallback: [],
    ...rest,
    match: { countries: ['DE'], prefixes: ['49'], apps: ['login'], channels: ['sms'], kinds: ['otp'], timeWindow: null, ...match },
  };
}

const known = new Set(['alpha', 'beta', 'voice']);

describe('validateRouteRule', () => {
  it('accepts a valid rule', () => {
    expect(validateRouteRule(rule(), { providers: known })).toEqual([]);
  });

  it.each([
    { why: 'empty id', r: rule({ id: ' ' }), field: 'id', reason: 'is required' },
    { why: 'empty name', r: rule({ name: '' }), field: 'name', reason: 'is required' },
    { why: 'NaN priority', r: rule({ priority: Number.NaN }), field: 'priority', reason: 'must be a finite number' },
    { why: 'unknown country', r: rule({ match: { countries: ['DE', 'XX'] } }), field: 'match.countries[1]', reason: '"XX" is not an ISO 3166-1 alpha-2 country code (e.g. DE)' },
    { why: 'lower-case country', r: rule({ match: { countries: ['de'] } }), field: 'match.countries[0]', reason: '"de" is not an ISO 3166-1 alpha-2 country code (e.g. DE)' },
    { why: 'duplicate country', r: rule({ match: { countries: ['DE', 'DE'] } }), field: 'match.countries[1]', reason: 'is listed twice' },
    { why: 'prefix with "+"', r: rule({ match: { prefixes: ['49', '4915', '+44'] } }), field: 'match.prefixes[2]', reason: '"+44" must be digits (E.164 without "+", at most 15)' },
    { why: 'prefix of 16 digits', r: rule({ match: { prefixes: ['1234567890123456'] } }), field: 'match.prefixes[0]', reason: '"1234567890123456" must be digits (E.164 without "+", at most 15)' },
    { why: 'duplicate prefix', r: rule({ match: { prefixes: ['49', '49'] } }), field: 'match.prefixes[1]', reason: 'is listed twice' },
    { why: 'empty app', r: rule({ match: { apps: [''] } }), field: 'match.apps[0]', reason: 'must not be empty' },
    { why: 'unknown channel', r: rule({ match: { channels: ['fax' as Channel] } }), field: 'match.channels[0]', reason: '"fax" is not one of sms, voice, email' },
    { why: 'unknown kind', r: rule({ match: { kinds: ['promo' as MessageKind] } }), field: 'match.kinds[0]', reason: '"promo" is not one of otp, transactional' },
    {
      why: 'bad window time',
      r: rule({ match: { timeWindow: { days: [1], start: '9:00', end: '17:00', timeZone: 'Europe/Berlin' } } }),
      field: 'match.timeWindow.start',
      reason: '"9:00" must be HH:MM, 00:00 to 23:59',
    },
    {
      why: 'bad window zone',
      r: rule({ match: { timeWindow: { days: [], start: '09:00', end: '17:00', timeZone: 'Berlin' } } }),
      field: 'match.timeWindow.timeZone',
      reason: '"Berlin" is not an IANA time zone (e.g. Europe/Berlin)',
    },
    { why: 'no candidates', r: rule({ candidates: [] }), field: 'candidates', reason: 'name at least one provider' },
    { why: 'unknown candidate', r: rule({ candidates: ['alpha', 'omega'] }), field: 'candidates[1]', reason: 'unknown provider "omega"' },
    { why: 'duplicate candidate', r: rule({ candidates: ['alpha', 'alpha'] }), field: 'candidates[1]', reason: 'is listed twice' },
    { why: 'unknown strategy', r: rule({ strategy: 'random' as RoutingStrategy }), field: 'strategy', reason: '"random" is not one of lowest_cost, priority, weighted' },
    { why: 'weight for a non-candidate', r: rule({ weights: { voice: 3 } }), field: 'weights.voice', reason: 'is not a candidate of this rule' },
    { why: 'zero weight', r: rule({ strategy: 'weighted', weights: { alpha: 0, beta: 1 } }), field: 'weights.alpha', reason: 'must be a number greater than 0' },
    { why: 'negative weight', r: rule({ weights: { alpha: -1 } }), field: 'weights.alpha', reason: 'must be a number greater than 0' },
    { why: 'missing weight under weighted', r: rule({ strategy: 'weighted', weights: { alpha: 1 } }), field: 'weights.beta', reason: 'is required for every candidate of a weighted rule' },
    {
      why: 'unknown fallback provider',
      r: rule({ fallback: [{ provider: 'ghost', channel: 'voice', receiptTimeoutSeconds: 60 }] }),
      field: 'fallback[0].provider',
      reason: 'unknown provider "ghost"',
    },
    {
      why: 'unknown fallback channel',
      r: rule({ fallback: [{ provider: null, channel: 'sms', receiptTimeoutSeconds: 30 }, { provider: 'voice', channel: 'pigeon' as Channel, receiptTimeoutSeconds: 60 }] }),
      field: 'fallback[1].channel',
      reason: '"pigeon" is not one of sms, voice, email',
    },
    {
      why: 'fallback going back from voice to SMS',
      r: rule({ fallback: [{ provider: 'voice', channel: 'voice', receiptTimeoutSeconds: 60 }, { provider: null, channel: 'sms', receiptTimeoutSeconds: 30 }] }),
      field: 'fallback[1].channel',
      reason: 'must not go back from voice to sms (order: sms → voice → email)',
    },
    {
      why: 'zero receipt timeout',
      r: rule({ fallback: [{ provider: null, channel: 'sms', receiptTimeoutSeconds: 0 }] }),
      field: 'fallback[0].receiptTimeoutSeconds',
      reason: 'must be a number of seconds greater than 0',
    },
    { why: 'filters on the default rule', r: rule({ isDefault: true }), field: 'match.countries', reason: 'must be empty on the default rule (it catches everything)' },
  ])('names $why', ({ r, field, reason }) => {
    expect(validateRouteRule(r, { providers: known })).toContainEqual({ field, reason });
  });

  it('does not judge provider names without a list of known providers', () => {
    expect(validateRouteRule(rule({ candidates: ['omega'] }))).toEqual([]);
  });

  it('reports every problem at once', () => {
    const problems = validateRouteRule(rule({ name: '', match: { prefixes: ['x'] }, candidates: [] }));
    expect(problems.map((p) => p.field)).toEqual(['name', 'match.prefixes[0]', 'candidates']);
  });
});
