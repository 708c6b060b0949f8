import { describe, expect, it } from 'vitest';
import { ProviderHealthRegistry } from './provider-health.js';
import { compileRoutingTable } from './router.js';
import { mulberry32 } from './seeded-random.js';

function registry() {
  const clock = { t: 0 };
  const health = new ProviderHealthRegistry({
    now: () => clock.t,
    breaker: { consecutiveFailureThreshold: 2, receiptWindowSize: 4, minReceiptSample: 2, receiptFailureRateThreshold: 0.5, coolDownMs: 1_000 },
  });
  return { clock, health };
}

describe('ProviderHealthRegistry', () => {
  it('reports an unknown provider as closed with capacity', () => {
    const { health } = registry();
    expect(health.state('new')).toBe('closed');
    expect(health.hasCapacity('new')).toEqual({ ok: true });
  });

  it('follows each provider breaker through open and half-open', () => {
    const { clock, health } = registry();
    health.breaker('alpha').recordSubmitFailure();
    health.breaker('alpha').recordSubmitFailure();
    expect(health.state('alpha')).toBe('open');
    expect(health.state('beta')).toBe('closed');
    clock.t += 1_000;
    expect(health.state('alpha')).toBe('half_open');
    expect(health.allowsProbe('alpha')).toBe(true);
    health.breaker('alpha').tryAcquire();
    expect(health.allowsProbe('alpha')).toBe(false);
  });

  it('answers capacity from the provider limiter', () => {
    const { health } = registry();
    health.setLimits('alpha', { messagesPerSecond: 1, burst: 1, maxInFlight: null });
    health.limiter('alpha')?.tryAcquire();
    expect(health.hasCapacity('alpha')).toEqual({ ok: false, reason: 'over throughput' });
  });

  it('keeps the in-flight count when limits change', () => {
    const { health } = registry();
    health.setLimits('alpha', { messagesPerSecond: null, burst: 1, maxInFlight: 5 });
    health.limiter('alpha')?.tryAcquire();
    health.limiter('alpha')?.tryAcquire();
    health.setLimits('alpha', { messagesPerSecond: null, burst: 1, maxInFlight: 2 });
    expect(health.hasCapacity('alpha')).toEqual({ ok: false, reason: 'in-flight cap' });
  });

  it('lists every provider health for AdminService, sorted by name', () => {
    const { health } = registry();
    health.setLimits('beta', { messagesPerSecond: 10, burst: 5, maxInFlight: 3 });
    health.breaker('alpha').recordReceipt('failed');
    const snapshot = health.snapshot();
    expect(snapshot.map((s) => s.provider)).toEqual(['alpha', 'beta']);
    expect(snapshot[0]).toMatchObject({ breaker: { state: 'closed', receiptsInWindow: 1, failedReceiptsInWindow: 1 }, throughput: null });
    expect(snapshot[1]?.throughput).toEqual({ limits: { messagesPerSecond: 10, burst: 5, maxInFlight: 3 }, tokens: 5, inFlight: 0 });
  });

  it('steers the planner away from a provider whose breaker opened', () => {
    const { health } = registry();
    const table = compileRoutingTable({
      rules: [
        {
          id: 'r',
          name: 'r',
          priority: 1,
          enabled: true,
          isDefault: true,
          match: { countries: [], prefixes: [], apps: [], channels: [], kinds: [], timeWindow: null },
          candidates: ['alpha', 'beta'],
          strategy: 'priority',
          weights: {},
          fallback: [],
        },
      ],
      providers: [
        { name: 'alpha', enabled: true, channels: ['sms'] },
        { name: 'beta', enabled: true, channels: ['sms'] },
      ],
      priceTables: [],
      routingCurrency: 'EUR',
      rates: {},
      defaultReceiptTimeoutSeconds: 30,
    });
    const message = { to: '+4915123456789', country: 'DE', app: 'login', channel: 'sms', kind: 'otp', parts: 1 } as const;
    expect(table.plan(message, health, 0, mulberry32(1)).steps.map((s) => s.provider)).toEqual(['alpha', 'beta']);
    health.breaker('alpha').recordSubmitFailure();
    health.breaker('alpha').recordSubmitFailure();
    const plan = table.plan(message, health, 0, mulberry32(1));
    expect(plan.steps.map((s) => s.provider)).toEqual(['beta']);
    expect(plan.skipped).toEqual([{ provider: 'alpha', channel: 'sms', reason: 'circuit open' }]);
  });
});
