/**
 * Router benchmark (not a test): decision time per message with 10,000 rules and 100,000 prefixes
 * (90,000 in price tables, 10,000 in rules). Issue 3's target is p99 ≤ 20 µs.
 *
 * Run after a build: `node --expose-gc dist/routing/router.bench.js` (without `--expose-gc` the
 * heap figure includes garbage). Everything is seeded, so runs are comparable.
 */
import { ProviderHealthRegistry } from './provider-health.js';
import { compileRoutingTable } from './router.js';
import type { Channel, FallbackStep, MessageKind, PriceEntry, PriceTable, ProviderProfile, RoutableMessage, RouteRule, RoutingStrategy } from './routing-model.js';
import { mulberry32 } from './seeded-random.js';

const RULES = 10_000;
const RULE_PREFIXES = 10_000;
const PRICE_PREFIXES = 90_000;
const PROVIDERS = 60;
const APPS = 50;
const WARM_UP_PLANS = 50_000;
const TIMED_PLANS = 200_000;

/** Country, calling code, national number length; a rough mix of real SMS traffic. */
const COUNTRIES: readonly (readonly [string, string, number])[] = [
  ['DE', '49', 11], ['US', '1', 10], ['GB', '44', 10], ['FR', '33', 9], ['IT', '39', 10], ['ES', '34', 9], ['NL', '31', 9],
  ['BE', '32', 9], ['AT', '43', 10], ['CH', '41', 9], ['PL', '48', 9], ['SE', '46', 9], ['NO', '47', 8], ['DK', '45', 8],
  ['FI', '358', 9], ['PT', '351', 9], ['IE', '353', 9], ['CZ', '420', 9], ['HU', '36', 9], ['RO', '40', 9], ['GR', '30', 10],
  ['TR', '90', 10], ['UA', '380', 9], ['IN', '91', 10], ['CN', '86', 11], ['JP', '81', 10], ['KR', '82', 10], ['BR', '55', 11],
  ['MX', '52', 10], ['AR', '54', 10], ['ZA', '27', 9], ['NG', '234', 10], ['EG', '20', 10], ['AE', '971', 9], ['SA', '966', 9],
  ['ID', '62', 10], ['PH', '63', 10], ['VN', '84', 9], ['TH', '66', 9], ['AU', '61', 9], ['NZ', '64', 9], ['KE', '254', 9],
];
const CURRENCIES = ['EUR', 'USD', 'GBP'] as const;
const ZONES = ['Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Australia/Sydney', 'UTC'];

const random = mulberry32(0x5eed);
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
const digits = (count: number): string => {
  let text = '';
  for (let i = 0; i < count; i++) text += String(Math.floor(random() * 10));
  return text;
};
const sample = <T>(list: readonly T[], count: number): T[] => {
  const chosen = new Set<T>();
  while (chosen.size < Math.min(count, list.length)) chosen.add(pick(list));
  return [...chosen];
};

// --- providers and prices ----------------------------------------------------------------------

const providers: ProviderProfile[] = [];
for (let i = 0; i < PROVIDERS; i++) {
  const channels: Channel[] = i < 50 ? ['sms'] : i < 55 ? ['sms', 'voice'] : i < 58 ? ['voice'] : ['email'];
  providers.push({ name: `provider-${i}`, enabled: i % 29 !== 7, channels });
}
const smsProviders = providers.filter((p) => p.channels.includes('sms')).map((p) => p.name);
const voiceProviders = providers.filter((p) => p.channels.includes('voice')).map((p) => p.name);

const priceTables: PriceTable[] = providers.map((provider, index) => {
  const entries: PriceEntry[] = COUNTRIES.map(([country]) => ({ country, price: Math.round(random() * 1000) / 10_000 }));
  const prefixes = new Set<string>();
  while (prefixes.size < PRICE_PREFIXES / PROVIDERS) prefixes.add(pick(COUNTRIES)[1] + digits(2 + Math.floor(random() * 3)));
  for (const prefix of prefixes) entries.push({ prefix, price: Math.round(random() * 1000) / 10_000 });
  return { provider: provider.name, currency: CURRENCIES[index % CURRENCIES.length] ?? 'EUR', entries };
});

// --- rules -----------------------------------------------------------------------------------

const apps = Array.from({ length: APPS }, (_, i) => `app-${i}`);
const rules: RouteRule[] = [];
let rulePrefixes = 0;
for (let i = 0; i < RULES - 1; i++) {
  const kind = i % 100; // 60 % prefix rules, 35 % country rules, 4 % time-windowed, 1 % wildcard
  const prefixes: string[] = [];
  const countries: string[] = [];
  if (kind < 64 && rulePrefixes < RULE_PREFIXES) {
    const count = Math.min(RULE_PREFIXES - rulePrefixes, 1 + Math.floor(random() * 3));
    while (prefixes.length < count) {
      const prefix = pick(COUNTRIES)[1] + digits(1 + Math.floor(random() * 4));
      if (!prefixes.includes(prefix)) prefixes.push(prefix);
    }
    rulePrefixes += prefixes.length;
  } else if (kind < 99) {
    countries.push(...sample(COUNTRIES, 1 + Math.floor(random() * 3)).map(([country]) => country));
  }
  const candidates = sample(smsProviders, 2 + Math.floor(random() * 4));
  const fallback: FallbackStep[] = [];
  if (random() < 0.3) {
    candidates.push(pick(voiceProviders));
    fallback.push({ provider: null, channel: 'sms', receiptTimeoutSeconds: 30 }, { provider: null, channel: 'voice', receiptTimeoutSeconds: 60 });
    if (random() < 0.5) fallback.push({ provider: 'provider-59', channel: 'email', receiptTimeoutSeconds: 300 });
  }
  const uniqueCandidates = [...new Set(candidates)];
  const strategyDraw = random();
  const strategy: RoutingStrategy = strategyDraw < 0.6 ? 'lowest_cost' : strategyDraw < 0.85 ? 'priority' : 'weighted';
  rules.push({
    id: `rule-${i}`,
    name: `rule ${i}`,
    priority: Math.floor(random() * 10_000),
    enabled: random() > 0.02,
    isDefault: false,
    match: {
      countries: [...new Set(countries)],
      prefixes: [...new Set(prefixes)],
      apps: random() < 0.5 || prefixes.length + countries.length === 0 ? sample(apps, 1 + Math.floor(random() * 3)) : [],
      channels: random() < 0.2 ? [pick<Channel>(['sms', 'voice'])] : [],
      kinds: random() < 0.2 ? [pick<MessageKind>(['otp', 'transactional'])] : [],
      timeWindow: kind >= 95 && kind < 99 ? { days: [1, 2, 3, 4, 5], start: '08:00', end: '20:00', timeZone: pick(ZONES) } : null,
    },
    candidates: uniqueCandidates,
    strategy,
    weights: strategy === 'weighted' ? Object.fromEntries(uniqueCandidates.map((name) => [name, 1 + Math.floor(random() * 9)])) : {},
    fallback,
  });
}
rules.push({
  id: 'default',
  name: 'default',
  priority: 100_000,
  enabled: true,
  isDefault: true,
  match: { countries: [], prefixes: [], apps: [], channels: [], kinds: [], timeWindow: null },
  candidates: smsProviders.slice(0, 5).concat(voiceProviders.slice(0, 2)),
  strategy: 'lowest_cost',
  weights: {},
  fallback: [{ provider: null, channel: 'voice', receiptTimeoutSeconds: 60 }],
});

// --- compile -------------------------------------------------------------------------------------

const heapMb = (): number => {
  globalThis.gc?.();
  return process.memoryUsage().heapUsed / 1024 / 1024;
};
const heapBefore = heapMb();
const compileStart = process.hrtime.bigint();
const table = compileRoutingTable({
  rules,
  providers,
  priceTables,
  routingCurrency: 'EUR',
  rates: { USD: 0.92, GBP: 1.17 },
  defaultReceiptTimeoutSeconds: 45,
});
const compileMs = Number(process.hrtime.bigint() - compileStart) / 1e6;
const heapAfter = heapMb();

const clock = { now: Date.UTC(2024, 5, 10, 6, 0) };
const health = new ProviderHealthRegistry({
  now: () => clock.now,
  breaker: { consecutiveFailureThreshold: 5, receiptWindowSize: 100, minReceiptSample: 20, receiptFailureRateThreshold: 0.5, coolDownMs: 30_000 },
});
for (const provider of providers) health.setLimits(provider.name, { messagesPerSecond: 500, burst: 100, maxInFlight: 1_000 });
for (const sick of ['provider-3', 'provider-17', 'provider-41']) for (let i = 0; i < 5; i++) health.breaker(sick).recordSubmitFailure();

// --- plan ------------------------------------------------------------------------------------------

function randomMessage(): RoutableMessage {
  const [country, code, length] = pick(COUNTRIES);
  return {
    to: `+${code}${digits(length)}`,
    country,
    app: pick(apps),
    channel: random() < 0.95 ? 'sms' : 'voice',
    kind: random() < 0.8 ? 'otp' : 'transactional',
    parts: random() < 0.9 ? 1 : 2,
  };
}

const messages = Array.from({ length: 4096 }, randomMessage);
const planRandom = mulberry32(42);
let noRoute = 0;
let steps = 0;
const ruleHits = new Map<string, number>();

function planOne(index: number): void {
  const message = messages[index % messages.length] as RoutableMessage;
  clock.now += 500; // time moves on, so time windows and breaker cool-downs are exercised
  try {
    const result = table.plan(message, health, clock.now, planRandom);
    steps += result.steps.length;
    if (result.rule === 'default') ruleHits.set('default', (ruleHits.get('default') ?? 0) + 1);
  } catch {
    noRoute++;
  }
}

for (let i = 0; i < WARM_UP_PLANS; i++) planOne(i);
noRoute = 0;
steps = 0;
ruleHits.clear();

const timings = new Float64Array(TIMED_PLANS);
const failed = new Uint8Array(TIMED_PLANS);
for (let i = 0; i < TIMED_PLANS; i++) {
  const message = messages[i % messages.length] as RoutableMessage;
  clock.now += 500;
  const start = process.hrtime.bigint();
  try {
    const result = table.plan(message, health, clock.now, planRandom);
    timings[i] = Number(process.hrtime.bigint() - start);
    steps += result.steps.length;
    if (result.rule === 'default') ruleHits.set('default', (ruleHits.get('default') ?? 0) + 1);
  } catch {
    timings[i] = Number(process.hrtime.bigint() - start);
    failed[i] = 1;
    noRoute++;
  }
}

const planned = Float64Array.from(timings.filter((_, i) => failed[i] === 0)).sort();
const refused = Float64Array.from(timings.filter((_, i) => failed[i] === 1)).sort();
timings.sort();
const percentileOf = (list: Float64Array, p: number): string => ((list[Math.min(list.length - 1, Math.floor((p / 100) * list.length))] ?? 0) / 1000).toFixed(2);
const percentile = (p: number): string => percentileOf(timings, p);
const mean = timings.reduce((sum, t) => sum + t, 0) / timings.length / 1000;
const priceEntries = priceTables.reduce((sum, t) => sum + t.entries.length, 0);
const pricePrefixes = priceTables.reduce((sum, t) => sum + t.entries.filter((e) => e.prefix !== undefined).length, 0);

const heapAfterRun = heapMb();
console.log(`router benchmark (node ${process.version}${globalThis.gc ? ', gc exposed' : ', run with --expose-gc for a clean heap figure'})`);
console.log(`  rules: ${rules.length} (${table.ruleCount} enabled), rule prefixes: ${rulePrefixes}, price-table prefixes: ${pricePrefixes} (${priceEntries} entries), providers: ${providers.length}`);
console.log(`  compile: ${compileMs.toFixed(1)} ms, table heap: ${(heapAfter - heapBefore).toFixed(1)} MB, heap used: ${heapAfter.toFixed(1)} MB after compile, ${heapAfterRun.toFixed(1)} MB after the run (4,096 messages and lazily built skip lists held)`);
console.log(`  plan() × ${TIMED_PLANS} after ${WARM_UP_PLANS} warm-up: p50 ${percentile(50)} µs, p90 ${percentile(90)} µs, p99 ${percentile(99)} µs, p99.9 ${percentile(99.9)} µs, max ${percentile(100)} µs, mean ${mean.toFixed(2)} µs`);
console.log(`  of which planned (${planned.length}): p50 ${percentileOf(planned, 50)} µs, p99 ${percentileOf(planned, 99)} µs; NoRouteError (${refused.length}): p50 ${percentileOf(refused, 50)} µs, p99 ${percentileOf(refused, 99)} µs`);
console.log(`  outcomes: ${(steps / (TIMED_PLANS - noRoute)).toFixed(2)} steps per plan, ${ruleHits.get('default') ?? 0} by the default rule, ${noRoute} without a route`);
console.log(`  target p99 ≤ 20 µs: ${Number(percentile(99)) <= 20 ? 'met' : 'MISSED'}`);
