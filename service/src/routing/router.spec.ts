import { describe, expect, it } from 'vitest';
import { FailedPreconditionError, InvalidArgumentError } from '../shared/errors.js';
import { InvalidRoutingSnapshotError, NoRouteError, compileRoutingTable, validateRoutingSnapshot } from './router.js';
import type {
  CapacityVerdict,
  CircuitState,
  PriceTable,
  ProviderHealth,
  ProviderProfile,
  RoutableMessage,
  RouteMatch,
  RouteRule,
  RoutingPlan,
  RoutingSnapshot,
} from './routing-model.js';
import { mulberry32 } from './seeded-random.js';

// --- builders -------------------------------------------------------------------------------

type RuleOverrides = Partial<Omit<RouteRule, 'match'>> & { match?: Partial<RouteMatch> };

function rule(name: string, overrides: RuleOverrides = {}): RouteRule {
  const { match, ...rest } = overrides;
  return {
    id: `id-${name}`,
    name,
    priority: 100,
    enabled: true,
    isDefault: false,
    candidates: ['alpha'],
    strategy: 'priority',
    weights: {},
    fallback: [],
    ...rest,
    match: { countries: [], prefixes: [], apps: [], channels: [], kinds: [], timeWindow: null, ...match },
  };
}

function provider(name: string, overrides: Partial<ProviderProfile> = {}): ProviderProfile {
  return { name, enabled: true, channels: ['sms'], ...overrides };
}

function prices(providerName: string, entries: PriceTable['entries'], currency = 'EUR'): PriceTable {
  return { provider: providerName, currency, entries };
}

function snapshot(overrides: Partial<RoutingSnapshot> = {}): RoutingSnapshot {
  return {
    rules: [],
    providers: [provider('alpha'), provider('beta'), provider('gamma')],
    priceTables: [],
    routingCurrency: 'EUR',
    rates: {},
    defaultReceiptTimeoutSeconds: 45,
    ...overrides,
  };
}

function message(overrides: Partial<RoutableMessage> = {}): RoutableMessage {
  return { to: '+4915123456789', country: 'DE', app: 'login', channel: 'sms', kind: 'otp', parts: 1, ...overrides };
}

interface HealthSetup {
  readonly open?: readonly string[];
  /** Half-open with its probe slot taken. */
  readonly probing?: readonly string[];
  /** Half-open with its probe slot free. */
  readonly probeFree?: readonly string[];
  readonly overThroughput?: readonly string[];
  readonly inFlightCap?: readonly string[];
}

function health(setup: HealthSetup = {}): ProviderHealth {
  return {
    state(name): CircuitState {
      if (setup.open?.includes(name)) return 'open';
      if (setup.probing?.includes(name) || setup.probeFree?.includes(name)) return 'half_open';
      return 'closed';
    },
    allowsProbe: (name) => setup.probeFree?.includes(name) ?? false,
    hasCapacity(name): CapacityVerdict {
      if (setup.overThroughput?.includes(name)) return { ok: false, reason: 'over throughput' };
      if (setup.inFlightCap?.includes(name)) return { ok: false, reason: 'in-flight cap' };
      return { ok: true };
    },
  };
}

const NOON_UTC = Date.UTC(2024, 5, 12, 12, 0); // a Wednesday
const healthy = health();

function plan(snap: RoutingSnapshot, msg: RoutableMessage = message(), options: { health?: ProviderHealth; now?: number; random?: () => number } = {}): RoutingPlan {
  return compileRoutingTable(snap).plan(msg, options.health ?? healthy, options.now ?? NOON_UTC, options.random ?? mulberry32(1));
}

function stepsOf(result: RoutingPlan): string[] {
  return result.steps.map((step) => `${step.provider}/${step.channel}`);
}

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

// --- matching -------------------------------------------------------------------------------

describe('RoutingTable.plan: which rule matches', () => {
  it.each([
    {
      why: 'a longer prefix with the better priority wins',
      rules: [rule('de', { priority: 20, match: { prefixes: ['49'] } }), rule('de-mobile', { priority: 10, match: { prefixes: ['4915'] } })],
      msg: message(),
      expected: 'de-mobile',
    },
    {
      why: 'a shorter prefix with the better priority wins over a longer one (priority decides, not length)',
      rules: [rule('de', { priority: 10, match: { prefixes: ['49'] } }), rule('de-mobile', { priority: 20, match: { prefixes: ['4915'] } })],
      msg: message(),
      expected: 'de',
    },
    {
      why: 'a prefix that the number does not start with is passed over',
      rules: [rule('de-landline', { priority: 10, match: { prefixes: ['4930'] } }), rule('de-mobile', { priority: 20, match: { prefixes: ['4915'] } })],
      msg: message(),
      expected: 'de-mobile',
    },
    {
      why: 'one of several prefixes is enough',
      rules: [rule('mobiles', { match: { prefixes: ['4930', '49151', '4416'] } })],
      msg: message(),
      expected: 'mobiles',
    },
    {
      why: 'a country rule with the better priority beats a prefix rule',
      rules: [rule('germany', { priority: 10, match: { countries: ['DE'] } }), rule('de-mobile', { priority: 20, match: { prefixes: ['4915'] } })],
      msg: message(),
      expected: 'germany',
    },
    {
      why: 'a prefix rule with the better priority beats a country rule',
      rules: [rule('germany', { priority: 20, match: { countries: ['DE'] } }), rule('de-mobile', { priority: 10, match: { prefixes: ['4915'] } })],
      msg: message(),
      expected: 'de-mobile',
    },
    {
      why: 'country and prefix on one rule must both match',
      rules: [rule('odd', { priority: 10, match: { countries: ['AT'], prefixes: ['4915'] } }), rule('germany', { priority: 20, match: { countries: ['DE'] } })],
      msg: message(),
      expected: 'germany',
    },
    {
      why: 'an app-scoped rule applies to its app',
      rules: [rule('login-only', { priority: 10, match: { apps: ['login'] } }), rule('everyone', { priority: 20 })],
      msg: message({ app: 'login' }),
      expected: 'login-only',
    },
    {
      why: 'an app-scoped rule is passed over for another app',
      rules: [rule('login-only', { priority: 10, match: { apps: ['login'], countries: ['DE'] } }), rule('everyone', { priority: 20 })],
      msg: message({ app: 'checkout' }),
      expected: 'everyone',
    },
    {
      why: 'a channel filter passes over other channels',
      rules: [rule('voice-only', { priority: 10, match: { channels: ['voice'] } }), rule('everyone', { priority: 20 })],
      msg: message({ channel: 'sms' }),
      expected: 'everyone',
    },
    {
      why: 'a kind filter applies to its kind',
      rules: [rule('transactional', { priority: 10, match: { kinds: ['transactional'] } }), rule('everyone', { priority: 20 })],
      msg: message({ kind: 'transactional' }),
      expected: 'transactional',
    },
    {
      why: 'a kind filter passes over other kinds',
      rules: [rule('transactional', { priority: 10, match: { kinds: ['transactional'], prefixes: ['49'] } }), rule('everyone', { priority: 20 })],
      msg: message({ kind: 'otp' }),
      expected: 'everyone',
    },
    {
      why: 'a disabled rule is passed over even with the best priority',
      rules: [rule('off', { priority: 1, enabled: false, match: { prefixes: ['4915'] } }), rule('germany', { priority: 50, match: { countries: ['DE'] } })],
      msg: message(),
      expected: 'germany',
    },
    {
      why: 'equal priorities are decided by rule name',
      rules: [rule('zulu', { priority: 5 }), rule('bravo', { priority: 5, match: { countries: ['DE'] } })],
      msg: message(),
      expected: 'bravo',
    },
    {
      why: 'a matching rule beats the default even when the default has the better priority',
      rules: [rule('catch-all', { priority: -1000, isDefault: true, candidates: ['gamma'] }), rule('germany', { priority: 500, match: { countries: ['DE'] } })],
      msg: message(),
      expected: 'germany',
    },
    {
      why: 'the default catches what no rule matches',
      rules: [rule('catch-all', { priority: 1000, isDefault: true, candidates: ['gamma'] }), rule('germany', { priority: 1, match: { countries: ['DE'] } })],
      msg: message({ to: '+12015550123', country: 'US' }),
      expected: 'catch-all',
    },
  ])('$why', ({ rules, msg, expected }) => {
    expect(plan(snapshot({ rules }), msg).rule).toBe(expected);
  });

  it('applies a time-windowed rule inside its window and falls through outside it', () => {
    // Weekdays 09:00–17:00 in Berlin; 12 June 2024 is a Wednesday, Berlin is UTC+2 in summer.
    const rules = [
      rule('office-hours', { priority: 10, candidates: ['beta'], match: { timeWindow: { days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00', timeZone: 'Europe/Berlin' } } }),
      rule('any-time', { priority: 20 }),
    ];
    const table = compileRoutingTable(snapshot({ rules }));
    expect(table.plan(message(), healthy, Date.UTC(2024, 5, 12, 7, 0), Math.random).rule).toBe('office-hours'); // 09:00 local
    expect(table.plan(message(), healthy, Date.UTC(2024, 5, 12, 6, 59), Math.random).rule).toBe('any-time'); // 08:59 local
    expect(table.plan(message(), healthy, Date.UTC(2024, 5, 12, 15, 0), Math.random).rule).toBe('any-time'); // 17:00 local
    expect(table.plan(message(), healthy, Date.UTC(2024, 5, 15, 10, 0), Math.random).rule).toBe('any-time'); // Saturday
  });

  it('fails with NoRouteError naming country, channel and app when no rule matches and there is no default', () => {
    const error = thrown(() => plan(snapshot({ rules: [rule('germany', { match: { countries: ['DE'] } })] }), message({ to: '+12015550123', country: 'US', channel: 'voice', app: 'checkout' })));
    expect(error).toBeInstanceOf(NoRouteError);
    expect(error).toBeInstanceOf(FailedPreconditionError);
    expect((error as NoRouteError).message).toBe('no route rule matches country US, channel voice, app "checkout", and there is no default rule');
    expect((error as NoRouteError).rule).toBeNull();
  });

  it('does not use a disabled default rule', () => {
    const rules = [rule('catch-all', { isDefault: true, enabled: false })];
    expect(thrown(() => plan(snapshot({ rules })))).toBeInstanceOf(NoRouteError);
  });

  it('rejects a destination that is not "+" and digits', () => {
    const error = thrown(() => plan(snapshot({ rules: [rule('any')] }), message({ to: '4915123456789' })));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).field).toBe('to');
  });

  it('finds the right rule among 2,000 prefix rules and 200 country rules', () => {
    const rules: RouteRule[] = [];
    for (let i = 0; i < 2000; i++) rules.push(rule(`p${i}`, { priority: 1000 + i, match: { prefixes: [`44${String(i).padStart(4, '0')}`] } }));
    for (let i = 0; i < 200; i++) rules.push(rule(`c${i}`, { priority: 5000 + i, match: { countries: [i === 150 ? 'FR' : 'GB'] } }));
    rules.push(rule('fallback', { isDefault: true }));
    const table = compileRoutingTable(snapshot({ rules }));
    expect(table.ruleCount).toBe(2201);
    expect(table.plan(message({ to: '+441234567890', country: 'GB' }), healthy, NOON_UTC, Math.random).rule).toBe('p1234');
    expect(table.plan(message({ to: '+449999567890', country: 'GB' }), healthy, NOON_UTC, Math.random).rule).toBe('c0');
    expect(table.plan(message({ to: '+33612345678', country: 'FR' }), healthy, NOON_UTC, Math.random).rule).toBe('c150');
    expect(table.plan(message({ to: '+12015550123', country: 'US' }), healthy, NOON_UTC, Math.random).rule).toBe('fallback');
  });
});

// --- cost -------------------------------------------------------------------------------------

describe('RoutingTable.plan: cost', () => {
  const threeWay = (candidates: string[], strategy: RouteRule['strategy'] = 'lowest_cost') =>
    snapshot({
      rules: [rule('r', { candidates, strategy })],
      providers: [provider('alpha'), provider('beta'), provider('gamma'), provider('delta')],
      priceTables: [prices('alpha', [{ country: 'DE', price: 0.05 }]), prices('beta', [{ country: 'DE', price: 0.03 }]), prices('gamma', [{ country: 'DE', price: 0.03 }])],
    });

  it.each([
    { candidates: ['alpha', 'beta', 'gamma'], expected: ['beta/sms', 'gamma/sms', 'alpha/sms'] },
    { candidates: ['gamma', 'beta', 'alpha'], expected: ['gamma/sms', 'beta/sms', 'alpha/sms'] },
  ])('orders cheapest first and breaks equal prices by candidate order ($candidates)', ({ candidates, expected }) => {
    expect(stepsOf(plan(threeWay(candidates)))).toEqual(expected);
  });

  it('skips a candidate without a price under lowest_cost', () => {
    const result = plan(threeWay(['delta', 'alpha']));
    expect(stepsOf(result)).toEqual(['alpha/sms']);
    expect(result.skipped).toContainEqual({ provider: 'delta', channel: 'sms', reason: 'no price' });
  });

  it('keeps a candidate without a price under priority, in candidate order, with no expected cost', () => {
    const result = plan(threeWay(['delta', 'alpha'], 'priority'));
    expect(result.steps.map((s) => [s.provider, s.expectedCost])).toEqual([
      ['delta', null],
      ['alpha', 0.05],
    ]);
    expect(result.skipped).not.toContainEqual(expect.objectContaining({ provider: 'delta' }));
  });

  it('prices by the longest matching prefix, then by country', () => {
    const snap = snapshot({
      rules: [rule('r', { strategy: 'lowest_cost' })],
      priceTables: [prices('alpha', [{ country: 'DE', price: 0.05 }, { prefix: '4915', price: 0.02 }, { prefix: '49151', price: 0.01 }])],
    });
    expect(plan(snap, message({ to: '+4915123456789' })).steps[0]?.expectedCost).toBe(0.01);
    expect(plan(snap, message({ to: '+4915223456789' })).steps[0]?.expectedCost).toBe(0.02);
    expect(plan(snap, message({ to: '+493012345678' })).steps[0]?.expectedCost).toBe(0.05);
    const error = thrown(() => plan(snap, message({ to: '+43664123456', country: 'AT' })));
    expect((error as NoRouteError).skipped).toContainEqual({ provider: 'alpha', channel: 'sms', reason: 'no price' });
  });

  it('multiplies the price by the number of parts', () => {
    const snap = snapshot({ rules: [rule('r')], priceTables: [prices('alpha', [{ country: 'DE', price: 0.05 }])] });
    expect(plan(snap, message({ parts: 3 })).steps[0]?.expectedCost).toBeCloseTo(0.15, 10);
  });

  it('converts prices into the routing currency before comparing them', () => {
    // 0.10 USD at 0.9 EUR/USD = 0.09 EUR beats 0.095 EUR; without conversion alpha would look dearer.
    const snap = snapshot({
      rules: [rule('r', { candidates: ['beta', 'alpha'], strategy: 'lowest_cost' })],
      priceTables: [prices('alpha', [{ country: 'DE', price: 0.1 }], 'USD'), prices('beta', [{ country: 'DE', price: 0.095 }])],
      rates: { USD: 0.9 },
    });
    const result = plan(snap, message({ parts: 2 }));
    expect(stepsOf(result)).toEqual(['alpha/sms', 'beta/sms']);
    expect(result.steps[0]?.expectedCost).toBeCloseTo(0.18, 10);
    expect(result.steps[0]?.currency).toBe('EUR');
  });

  it('treats a price in a currency without a rate as no price, and warns at compile time', () => {
    const snap = snapshot({
      rules: [rule('r', { candidates: ['alpha', 'beta'], strategy: 'lowest_cost' })],
      priceTables: [prices('alpha', [{ country: 'DE', price: 0.01 }], 'GBP'), prices('beta', [{ country: 'DE', price: 0.5 }])],
      rates: { USD: 0.9 },
    });
    const result = plan(snap);
    expect(stepsOf(result)).toEqual(['beta/sms']);
    expect(result.skipped).toContainEqual({ provider: 'alpha', channel: 'sms', reason: 'no price' });
    expect(compileRoutingTable(snap).warnings).toContainEqual({ field: 'priceTables[0].currency', reason: 'no rate for GBP in rates; its prices count as no price' });
  });
});

// --- weighted -------------------------------------------------------------------------------

describe('RoutingTable.plan: weighted split', () => {
  const weighted = snapshot({
    rules: [rule('split', { candidates: ['alpha', 'beta', 'gamma'], strategy: 'weighted', weights: { alpha: 70, beta: 20, gamma: 10 } })],
    priceTables: [prices('alpha', [{ country: 'DE', price: 0.05 }]), prices('beta', [{ country: 'DE', price: 0.01 }]), prices('gamma', [{ country: 'DE', price: 0.03 }])],
  });

  it('splits first steps by weight within ±3 percentage points over 10,000 picks', () => {
    const table = compileRoutingTable(weighted);
    const random = mulberry32(20240612);
    const firsts: Record<string, number> = { alpha: 0, beta: 0, gamma: 0 };
    for (let i = 0; i < 10_000; i++) {
      const first = table.plan(message(), healthy, NOON_UTC, random).steps[0]?.provider ?? 'none';
      firsts[first] = (firsts[first] ?? 0) + 1;
    }
    expect(Math.abs((firsts.alpha ?? 0) / 10_000 - 0.7)).toBeLessThanOrEqual(0.03);
    expect(Math.abs((firsts.beta ?? 0) / 10_000 - 0.2)).toBeLessThanOrEqual(0.03);
    expect(Math.abs((firsts.gamma ?? 0) / 10_000 - 0.1)).toBeLessThanOrEqual(0.03);
  });

  it.each([
    { draw: 0.0, expected: ['alpha/sms', 'beta/sms', 'gamma/sms'] },
    { draw: 0.75, expected: ['beta/sms', 'gamma/sms', 'alpha/sms'] },
    { draw: 0.95, expected: ['gamma/sms', 'beta/sms', 'alpha/sms'] },
  ])('puts the weighted pick first and the rest cheapest first (draw $draw)', ({ draw, expected }) => {
    expect(stepsOf(plan(weighted, message(), { random: () => draw }))).toEqual(expected);
  });

  it('never picks a skipped candidate, sharing its weight among the others', () => {
    const table = compileRoutingTable(weighted);
    const random = mulberry32(7);
    const sick = health({ open: ['alpha'] });
    let beta = 0;
    for (let i = 0; i < 10_000; i++) {
      const first = table.plan(message(), sick, NOON_UTC, random).steps[0]?.provider;
      expect(first).not.toBe('alpha');
      if (first === 'beta') beta++;
    }
    expect(Math.abs(beta / 10_000 - 2 / 3)).toBeLessThanOrEqual(0.03);
  });
});

// --- fallback -------------------------------------------------------------------------------

describe('RoutingTable.plan: fallback', () => {
  const providers = [
    provider('alpha'),
    provider('beta'),
    provider('both', { channels: ['sms', 'voice'] }),
    provider('voice-cheap', { channels: ['voice'] }),
    provider('voice-dear', { channels: ['voice'] }),
    provider('mailer', { channels: ['email'] }),
  ];
  const priceTables = [
    prices('alpha', [{ country: 'DE', price: 0.02 }]),
    prices('beta', [{ country: 'DE', price: 0.03 }]),
    prices('both', [{ country: 'DE', price: 0.04 }]),
    prices('voice-cheap', [{ country: 'DE', price: 0.1 }]),
    prices('voice-dear', [{ country: 'DE', price: 0.3 }]),
    prices('mailer', [{ country: 'DE', price: 0.001 }]),
  ];
  const withFallback = (fallback: RouteRule['fallback'], candidates = ['alpha', 'beta', 'voice-dear', 'voice-cheap']) =>
    snapshot({ providers, priceTables, rules: [rule('r', { candidates, fallback, strategy: 'lowest_cost' })] });

  it('is just the primary list when the rule has no fallback', () => {
    const result = plan(withFallback([]));
    expect(stepsOf(result)).toEqual(['alpha/sms', 'beta/sms']);
    expect(result.steps.every((step) => step.receiptTimeoutSeconds === 45)).toBe(true);
  });

  it('resolves "next cheapest" on a new channel to the cheapest candidate serving it, then the next', () => {
    const result = plan(
      withFallback([
        { provider: null, channel: 'voice', receiptTimeoutSeconds: 60 },
        { provider: null, channel: 'voice', receiptTimeoutSeconds: 90 },
      ]),
    );
    expect(result.steps.map((s) => [s.provider, s.channel, s.receiptTimeoutSeconds])).toEqual([
      ['alpha', 'sms', 45],
      ['beta', 'sms', 45],
      ['voice-cheap', 'voice', 60],
      ['voice-dear', 'voice', 90],
    ]);
  });

  it('drops a "next cheapest" step when every candidate is already in the plan on that channel', () => {
    expect(stepsOf(plan(withFallback([{ provider: null, channel: 'sms', receiptTimeoutSeconds: 30 }])))).toEqual(['alpha/sms', 'beta/sms']);
  });

  it('"next cheapest" passes over candidates that are sick on that channel and says why', () => {
    const result = plan(withFallback([{ provider: null, channel: 'voice', receiptTimeoutSeconds: 60 }]), message(), { health: health({ open: ['voice-cheap'] }) });
    expect(stepsOf(result)).toEqual(['alpha/sms', 'beta/sms', 'voice-dear/voice']);
    expect(result.skipped).toContainEqual({ provider: 'voice-cheap', channel: 'voice', reason: 'circuit open' });
  });

  it('appends a named provider on a changed channel with its own timeout, even outside the candidates', () => {
    const result = plan(withFallback([{ provider: 'mailer', channel: 'email', receiptTimeoutSeconds: 600 }]));
    expect(result.steps.at(-1)).toEqual({ provider: 'mailer', channel: 'email', expectedCost: 0.001, currency: 'EUR', receiptTimeoutSeconds: 600 });
    expect(result.skipped).not.toContainEqual(expect.objectContaining({ provider: 'mailer' }));
  });

  it('lets one provider appear once per channel: SMS first, voice as fallback', () => {
    const result = plan(withFallback([{ provider: 'both', channel: 'voice', receiptTimeoutSeconds: 60 }], ['both']));
    expect(stepsOf(result)).toEqual(['both/sms', 'both/voice']);
  });

  it('never puts the same provider and channel in a plan twice', () => {
    const result = plan(
      withFallback(
        [
          { provider: 'alpha', channel: 'sms', receiptTimeoutSeconds: 30 },
          { provider: null, channel: 'sms', receiptTimeoutSeconds: 30 },
          { provider: 'both', channel: 'sms', receiptTimeoutSeconds: 30 },
          { provider: 'both', channel: 'voice', receiptTimeoutSeconds: 30 },
          { provider: null, channel: 'voice', receiptTimeoutSeconds: 30 },
          { provider: 'both', channel: 'voice', receiptTimeoutSeconds: 30 },
        ],
        ['alpha', 'beta', 'both'],
      ),
    );
    const keys = stepsOf(result);
    expect(keys).toEqual(['alpha/sms', 'beta/sms', 'both/sms', 'both/voice']);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('skips a named fallback provider that does not serve the step channel', () => {
    const result = plan(withFallback([{ provider: 'alpha', channel: 'voice', receiptTimeoutSeconds: 60 }]));
    expect(stepsOf(result)).toEqual(['alpha/sms', 'beta/sms']);
    expect(result.skipped).toContainEqual({ provider: 'alpha', channel: 'voice', reason: 'channel not served' });
  });

  it('skips a named fallback provider whose circuit is open', () => {
    const result = plan(withFallback([{ provider: 'mailer', channel: 'email', receiptTimeoutSeconds: 60 }]), message(), { health: health({ open: ['mailer'] }) });
    expect(stepsOf(result)).toEqual(['alpha/sms', 'beta/sms']);
    expect(result.skipped).toContainEqual({ provider: 'mailer', channel: 'email', reason: 'circuit open' });
  });

  it('still plans the fallback when every primary candidate is unusable', () => {
    const result = plan(withFallback([{ provider: null, channel: 'voice', receiptTimeoutSeconds: 60 }]), message(), { health: health({ open: ['alpha', 'beta'] }) });
    expect(stepsOf(result)).toEqual(['voice-cheap/voice']);
  });
});

// --- skip reasons ---------------------------------------------------------------------------

describe('RoutingTable.plan: skip reasons', () => {
  const providers = [
    provider('off', { enabled: false }),
    provider('voice-only', { channels: ['voice'] }),
    provider('unpriced'),
    provider('sick'),
    provider('probing'),
    provider('probe-free'),
    provider('busy'),
    provider('full'),
    provider('ok'),
    provider('unlisted'),
    provider('unlisted-off', { enabled: false }),
    provider('unlisted-voice', { channels: ['voice'] }),
  ];
  const candidates = ['gone', 'off', 'voice-only', 'unpriced', 'sick', 'probing', 'probe-free', 'busy', 'full', 'ok'];
  const priced = candidates.filter((name) => name !== 'unpriced' && name !== 'gone').map((name) => prices(name, [{ country: 'DE', price: 0.01 }]));
  const setup: HealthSetup = { open: ['sick'], probing: ['probing'], probeFree: ['probe-free'], overThroughput: ['busy'], inFlightCap: ['full'] };
  const snap = snapshot({ providers, priceTables: [...priced, prices('unlisted', [])], rules: [rule('r', { candidates, strategy: 'lowest_cost' })] });

  it.each([
    { provider: 'gone', reason: 'unknown provider' },
    { provider: 'off', reason: 'disabled' },
    { provider: 'voice-only', reason: 'channel not served' },
    { provider: 'unpriced', reason: 'no price' },
    { provider: 'sick', reason: 'circuit open' },
    { provider: 'probing', reason: 'circuit open' },
    { provider: 'busy', reason: 'over throughput' },
    { provider: 'full', reason: 'in-flight cap' },
    { provider: 'unlisted', reason: 'excluded by rule' },
  ])('skips $provider: $reason', ({ provider: name, reason }) => {
    expect(plan(snap, message(), { health: health(setup) }).skipped).toContainEqual({ provider: name, channel: 'sms', reason });
  });

  it('plans the usable candidates, a half-open one with a free probe slot included', () => {
    expect(stepsOf(plan(snap, message(), { health: health(setup) }))).toEqual(['probe-free/sms', 'ok/sms']);
  });

  it('does not call disabled or other-channel providers "excluded by rule"', () => {
    const skippedNames = plan(snap, message(), { health: health(setup) }).skipped.map((s) => s.provider);
    expect(skippedNames).not.toContain('unlisted-off');
    expect(skippedNames).not.toContain('unlisted-voice');
  });

  it('lists "excluded by rule" for the message channel only, also when the table planned another channel before', () => {
    const table = compileRoutingTable(snap);
    const excludedFor = (msg: RoutableMessage) =>
      table
        .plan(msg, health(setup), NOON_UTC, Math.random)
        .skipped.filter((s) => s.reason === 'excluded by rule')
        .map((s) => `${s.provider}/${s.channel}`);
    expect(excludedFor(message())).toEqual(['unlisted/sms']);
    expect(excludedFor(message({ channel: 'voice' }))).toEqual(['unlisted-voice/voice']);
    expect(excludedFor(message())).toEqual(['unlisted/sms']);
  });

  it('fails with NoRouteError listing the reasons when no candidate is usable', () => {
    const error = thrown(() => plan(snap, message({ app: 'shop' }), { health: health({ ...setup, probeFree: [], probing: ['probing', 'probe-free'], open: ['sick', 'ok'] }) }));
    expect(error).toBeInstanceOf(NoRouteError);
    expect((error as NoRouteError).code).toBe('FAILED_PRECONDITION');
    expect((error as NoRouteError).message).toBe(
      'route rule "r" has no usable provider for country DE, channel sms, app "shop": gone (sms): unknown provider, off (sms): disabled, ' +
        'voice-only (sms): channel not served, unpriced (sms): no price, sick (sms): circuit open, probing (sms): circuit open, ' +
        'probe-free (sms): circuit open, busy (sms): over throughput, full (sms): in-flight cap, ok (sms): circuit open',
    );
    expect((error as NoRouteError).rule).toBe('r');
    expect((error as NoRouteError).skipped).toContainEqual({ provider: 'unlisted', channel: 'sms', reason: 'excluded by rule' });
  });

  it('warns at compile time about a rule naming an unknown provider instead of refusing the snapshot', () => {
    expect(compileRoutingTable(snap).warnings).toEqual([{ field: 'rules[0].candidates[0]', reason: 'unknown provider "gone"' }]);
  });
});

// --- snapshot validation --------------------------------------------------------------------

describe('validateRoutingSnapshot / compileRoutingTable', () => {
  it('accepts a valid snapshot without problems', () => {
    expect(validateRoutingSnapshot(snapshot({ rules: [rule('r'), rule('d', { isDefault: true })] }))).toEqual({ errors: [], warnings: [] });
  });

  it.each([
    { why: 'duplicate provider names', snap: snapshot({ providers: [provider('alpha'), provider('alpha')] }), field: 'providers[1].name', reason: '"alpha" is also providers[0]' },
    { why: 'a provider without channels', snap: snapshot({ providers: [provider('alpha', { channels: [] })] }), field: 'providers[0].channels', reason: 'name at least one channel' },
    { why: 'a bad routing currency', snap: snapshot({ routingCurrency: 'euro' }), field: 'routingCurrency', reason: '"euro" is not an ISO 4217 currency code (e.g. EUR)' },
    { why: 'a non-positive rate', snap: snapshot({ rates: { USD: 0 } }), field: 'rates.USD', reason: 'must be a number greater than 0' },
    { why: 'a routing currency rate other than 1', snap: snapshot({ rates: { EUR: 1.1 } }), field: 'rates.EUR', reason: 'the routing currency converts at exactly 1' },
    { why: 'a zero receipt timeout', snap: snapshot({ defaultReceiptTimeoutSeconds: 0 }), field: 'defaultReceiptTimeoutSeconds', reason: 'must be a number of seconds greater than 0' },
    {
      why: 'a bad price table row',
      snap: snapshot({ priceTables: [prices('alpha', [{ prefix: '49', price: 1 }, { prefix: '49x', price: 1 }])] }),
      field: 'priceTables[0].entries[1].prefix',
      reason: '"49x" must be digits only (E.164 without "+")',
    },
    {
      why: 'two price tables for one provider',
      snap: snapshot({ priceTables: [prices('alpha', []), prices('alpha', [])] }),
      field: 'priceTables[1].provider',
      reason: '"alpha" already has priceTables[0]',
    },
    { why: 'a bad rule field', snap: snapshot({ rules: [rule('r'), rule('s', { match: { prefixes: ['49', '+44'] } })] }), field: 'rules[1].match.prefixes[1]', reason: '"+44" must be digits (E.164 without "+", at most 15)' },
    { why: 'duplicate rule ids', snap: snapshot({ rules: [rule('r'), rule('s', { id: 'id-r' })] }), field: 'rules[1].id', reason: '"id-r" is also rules[0]' },
    { why: 'duplicate rule names', snap: snapshot({ rules: [rule('r'), rule('r', { id: 'other' })] }), field: 'rules[1].name', reason: '"r" is also rules[0]' },
    {
      why: 'two enabled default rules',
      snap: snapshot({ rules: [rule('d1', { isDefault: true }), rule('d2', { isDefault: true })] }),
      field: 'rules[1].isDefault',
      reason: 'rules[0] is already the default rule',
    },
  ])('reports $why', ({ snap, field, reason }) => {
    expect(validateRoutingSnapshot(snap).errors).toContainEqual({ field, reason });
    const error = thrown(() => compileRoutingTable(snap));
    expect(error).toBeInstanceOf(InvalidRoutingSnapshotError);
    expect((error as InvalidRoutingSnapshotError).problems).toContainEqual({ field, reason });
  });

  it('names the first problem as the error field and lists all of them in the message', () => {
    const error = thrown(() => compileRoutingTable(snapshot({ routingCurrency: 'euro', defaultReceiptTimeoutSeconds: -1 }))) as InvalidRoutingSnapshotError;
    expect(error.field).toBe('routingCurrency');
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toContain('defaultReceiptTimeoutSeconds: must be a number of seconds greater than 0');
  });

  it('allows a second default rule while it is disabled', () => {
    expect(validateRoutingSnapshot(snapshot({ rules: [rule('d1', { isDefault: true }), rule('d2', { isDefault: true, enabled: false })] })).errors).toEqual([]);
  });
});
