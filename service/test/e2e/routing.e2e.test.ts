import { Channel, MessageKind } from '@switchboard/proto/switchboard/v1/channel';
import { ProviderKind, RouteStrategy, type ListRouteRulesResponse, type RouteRule, type SimulateRouteResponse } from '@switchboard/proto/switchboard/v1/admin';
import { SmscSimulator } from '@switchboard/simulators/smsc';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { OutboundSms, ChannelProvider, SubmitAccepted } from '../../src/providers/channel-provider.js';
import { adminClient } from '../support/admin-client.js';
import { databaseTargets, startTestSystem, verifyApi, waitFor, type TestSystem } from '../support/test-system.js';

/** Stands in for the voice channel until real call providers exist: accepts and records calls. */
class TestVoiceProvider implements ChannelProvider {
  readonly name = 'voice-test';
  readonly calls: OutboundSms[] = [];
  start() { return Promise.resolve(); }
  stop() { return Promise.resolve(); }
  submit(message: OutboundSms): Promise<SubmitAccepted> {
    this.calls.push(message);
    return Promise.resolve({ providerMessageId: `call-${this.calls.length}`, parts: 1 });
  }
}

interface AttemptRow {
  provider: string;
  channel: string;
  status: string;
  step: number;
  expected_cost_micros: string | number | null;
  actual_cost_micros: string | number | null;
}

let seq = 0;
function nextNumber(): string {
  seq += 1;
  return `+491512200${String(seq).padStart(4, '0')}`;
}

describe.each(databaseTargets())('routing end to end on $name, two SMSCs', ({ url }) => {
  let system: TestSystem;
  let admin: ReturnType<typeof adminClient>;
  const voice = new TestVoiceProvider();
  const smsc = (index: number) => {
    const simulator = system.smscs[index];
    if (!simulator) throw new Error(`no SMSC ${index}`);
    return simulator;
  };
  const smscA = () => smsc(0);
  const smscB = () => smsc(1);

  beforeAll(async () => {
    system = await startTestSystem({
      databaseUrl: url,
      smscCount: 2,
      extraProviders: [{ provider: voice, channels: ['voice'] }],
      env: { RECEIPT_TIMEOUT_SECONDS: '1', BREAKER_CONSECUTIVE_FAILURES: '1000' },
    });
    admin = adminClient(system.switchboard.grpcPort);
    // smsc-a is the cheaper route to Germany; smsc-b the dearer one.
    await admin.call('setPriceTable', { priceTable: { provider: 'smsc-a', currency: 'EUR', entries: [{ country: 'DE', prefix: '', priceMicros: 50_000 }] } });
    await admin.call('setPriceTable', { priceTable: { provider: 'smsc-b', currency: 'EUR', entries: [{ country: 'DE', prefix: '', priceMicros: 70_000 }] } });
    await useRule({ strategy: RouteStrategy.ROUTE_STRATEGY_LOWEST_COST, candidates: ['smsc-a', 'smsc-b'], fallback: [] });
  });

  afterEach(() => {
    for (const smsc of system.smscs) {
      smsc.acceptSubmits();
      smsc.setReceipts('delivered');
    }
  });

  afterAll(async () => {
    admin.close();
    await system.stop();
  });

  /** Applies an AdminService edit and waits until this replica has reloaded its routing. */
  async function edited(edit: () => Promise<unknown>): Promise<void> {
    const before = system.switchboard.routing.generation;
    await edit();
    await waitFor(() => system.switchboard.routing.generation > before, 'the edit to be reloaded', 2000);
  }

  async function useRule(change: Partial<RouteRule>): Promise<void> {
    const { rules } = await admin.call<ListRouteRulesResponse>('listRouteRules', {});
    const rule = rules.find((candidate) => candidate.name === 'default');
    if (!rule) throw new Error('no default rule');
    await edited(() => admin.call('updateRouteRule', { rule: { ...rule, ...change } }));
  }

  async function sendTo(to: string): Promise<string> {
    const api = verifyApi(system.client, system.apiKey);
    const { verification } = await api.sendCode({ to, channel: Channel.CHANNEL_SMS, locale: '', codeLength: 0, templateName: '', brand: '', idempotencyKey: '', appHash: '', email: '' });
    return verification?.id ?? '';
  }

  async function attempts(verificationId: string): Promise<AttemptRow[]> {
    return system.switchboard.database.em.fork().execute<AttemptRow[]>(
      `select p.name as provider, a.channel, a.status, a.step, a.expected_cost_micros, a.actual_cost_micros
         from attempt a join message m on m.id = a.message_id join provider p on p.id = a.provider_id
        where m.verification_id = ? order by a.created_at`,
      [verificationId],
    );
  }

  async function settled(verificationId: string): Promise<AttemptRow[]> {
    await waitFor(async () => {
      const rows = await system.switchboard.database.em.fork().execute<{ status: string }[]>('select status from message where verification_id = ?', [verificationId]);
      return rows.every((row) => row.status === 'delivered' || row.status === 'failed');
    }, 'the message to settle', 15_000);
    return attempts(verificationId);
  }

  it('plans the cheapest provider first and records expected and actual cost', async () => {
    const to = nextNumber();
    const rows = await settled(await sendTo(to));
    expect(rows).toEqual([{ provider: 'smsc-a', channel: 'sms', status: 'delivered', step: 0, expected_cost_micros: expect.anything() as unknown, actual_cost_micros: expect.anything() as unknown }]);
    expect(Number(rows[0]?.expected_cost_micros)).toBe(50_000);
    expect(Number(rows[0]?.actual_cost_micros)).toBe(50_000);
    expect(smscB().inbox({ to })).toHaveLength(0);
  });

  it('(1) delivers through the second SMSC when the cheap one rejects the submit', async () => {
    const to = nextNumber();
    smscA().failNextSubmits(1, 'ESME_RSUBMITFAIL');
    const rows = await settled(await sendTo(to));
    expect(rows.map((r) => [r.provider, r.status])).toEqual([['smsc-a', 'failed'], ['smsc-b', 'delivered']]);
    expect(smscA().inbox({ to })).toHaveLength(0);
    expect(smscB().inbox({ to })).toHaveLength(1);
  });

  it('(2) falls back when the cheap SMSC accepts but reports the message undelivered', async () => {
    const to = nextNumber();
    smscA().setReceipts('failed');
    const rows = await settled(await sendTo(to));
    expect(rows.map((r) => [r.provider, r.status])).toEqual([['smsc-a', 'failed'], ['smsc-b', 'delivered']]);
    expect(smscA().inbox({ to })).toHaveLength(1);
    expect(smscB().inbox({ to })).toHaveLength(1);
  });

  it('(3) falls back after the step timeout when no receipt ever comes', async () => {
    const to = nextNumber();
    smscA().setReceipts('drop');
    const rows = await settled(await sendTo(to));
    expect(rows.map((r) => [r.provider, r.status])).toEqual([['smsc-a', 'expired'], ['smsc-b', 'delivered']]);
    expect(smscA().inbox({ to })).toHaveLength(1);
    expect(smscB().inbox({ to })).toHaveLength(1);
  });

  it('(4) moves on to a voice call when every SMS route is exhausted', async () => {
    await useRule({
      strategy: RouteStrategy.ROUTE_STRATEGY_LOWEST_COST,
      candidates: ['smsc-a', 'smsc-b'],
      fallback: [
        { provider: '', channel: Channel.CHANNEL_SMS, receiptTimeoutSeconds: 1 },
        { provider: 'voice-test', channel: Channel.CHANNEL_VOICE, receiptTimeoutSeconds: 30 },
      ],
    });
    try {
      const to = nextNumber();
      smscA().failAllSubmits('ESME_RSUBMITFAIL');
      smscB().failAllSubmits('ESME_RSUBMITFAIL');
      const id = await sendTo(to);
      await waitFor(() => voice.calls.some((call) => call.to === to), 'the voice call');
      await system.switchboard.dispatcher.onReceipt('voice-test', { providerMessageId: `call-${voice.calls.length}`, state: 'delivered' });
      const rows = await settled(id);
      expect(rows.map((r) => [r.provider, r.channel, r.status])).toEqual([
        ['smsc-a', 'sms', 'failed'],
        ['smsc-b', 'sms', 'failed'],
        ['voice-test', 'voice', 'delivered'],
      ]);
    } finally {
      await useRule({ strategy: RouteStrategy.ROUTE_STRATEGY_LOWEST_COST, candidates: ['smsc-a', 'smsc-b'], fallback: [] });
    }
  });

  it('(5) routes the next message by a rule edited through AdminService, without a restart', async () => {
    await useRule({ strategy: RouteStrategy.ROUTE_STRATEGY_PRIORITY, candidates: ['smsc-b', 'smsc-a'] });
    try {
      const to = nextNumber();
      const rows = await settled(await sendTo(to));
      expect(rows.map((r) => [r.provider, r.status])).toEqual([['smsc-b', 'delivered']]);
      expect(smscA().inbox({ to })).toHaveLength(0);
    } finally {
      await useRule({ strategy: RouteStrategy.ROUTE_STRATEGY_LOWEST_COST, candidates: ['smsc-a', 'smsc-b'] });
    }
  });

  it('fails the message with a reason when no rule matches', async () => {
    const { rules } = await admin.call<ListRouteRulesResponse>('listRouteRules', {});
    const rule = rules.find((candidate) => candidate.name === 'default');
    await edited(() => admin.call('updateRouteRule', { rule: { ...rule, isDefault: false, match: { countries: ['FR'], prefixes: [], apps: [], channels: [], kinds: [] } } }));
    try {
      const id = await sendTo(nextNumber());
      await settled(id);
      const [message] = await system.switchboard.database.em.fork().execute<{ last_error: string }[]>('select last_error from message where verification_id = ?', [id]);
      expect(message?.last_error).toMatch(/no route/i);
    } finally {
      await edited(() => admin.call('updateRouteRule', { rule }));
    }
  });

  it('skips a later step whose provider was disabled after the plan was made', async () => {
    const { providers } = await admin.call<{ providers: { name: string }[] }>('listProviders', {});
    const b = providers.find((provider) => provider.name === 'smsc-b');
    const to = nextNumber();
    smscA().setReceipts('drop'); // step 0 waits for its 1 s receipt timeout
    const id = await sendTo(to);
    await waitFor(() => smscA().inbox({ to }).length === 1, 'step 0 to be sent');
    await edited(() => admin.call('updateProvider', { provider: { ...b, enabled: false, credentials: {} } }));
    try {
      const rows = await settled(id);
      expect(rows.map((r) => [r.provider, r.status])).toEqual([['smsc-a', 'expired']]);
      expect(smscB().inbox({ to })).toHaveLength(0);
      const [message] = await system.switchboard.database.em.fork().execute<{ last_error: string; route_rule: string }[]>(
        'select last_error, route_rule from message where verification_id = ?',
        [id],
      );
      expect(message).toEqual({ last_error: 'smsc-b: disabled', route_rule: 'default' });
    } finally {
      await edited(() => admin.call('updateProvider', { provider: { ...b, enabled: true, credentials: {} } }));
      await waitFor(() => smscB().boundSessionCount() > 0, 'smsc-b to bind again', 10_000);
    }
  });

  it('delays, and does not fail, messages over a provider’s throughput limit', async () => {
    await useRule({ strategy: RouteStrategy.ROUTE_STRATEGY_PRIORITY, candidates: ['smsc-b'] });
    const { providers } = await admin.call<{ providers: { name: string }[] }>('listProviders', {});
    const b = providers.find((provider) => provider.name === 'smsc-b');
    await edited(() => admin.call('updateProvider', { provider: { ...b, throughputPerSecond: 2, burst: 1, maxInFlight: 0, credentials: {} } }));
    try {
      const numbers = Array.from({ length: 5 }, () => nextNumber());
      const started = Date.now();
      const ids = await Promise.all(numbers.map((to) => sendTo(to)));
      for (const id of ids) expect((await settled(id)).map((r) => [r.provider, r.status])).toEqual([['smsc-b', 'delivered']]);
      // 1 at once, then 2 per second: the fifth cannot have gone before ~2 s.
      expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
      for (const to of numbers) expect(smscB().inbox({ to })).toHaveLength(1);
    } finally {
      await edited(() => admin.call('updateProvider', { provider: { ...b, throughputPerSecond: 0, burst: 0, credentials: {} } }));
      await useRule({ strategy: RouteStrategy.ROUTE_STRATEGY_LOWEST_COST, candidates: ['smsc-a', 'smsc-b'] });
    }
  });

  it('starts a provider created through AdminService and routes to it, without a restart', async () => {
    const extra = new SmscSimulator({ smppPort: 0, httpPort: 0, systemId: 'switchboard', password: 'secret', receiptDelayMs: 20 });
    const { smppPort } = await extra.start();
    try {
      await edited(() =>
        admin.call('createProvider', {
          provider: {
            name: 'smsc-new', kind: ProviderKind.PROVIDER_KIND_SMPP, enabled: true, channels: [Channel.CHANNEL_SMS],
            throughputPerSecond: 0, burst: 0, maxInFlight: 0,
            settings: { host: '127.0.0.1', port: String(smppPort), systemId: 'switchboard' }, credentials: { password: 'secret' },
          },
        }),
      );
      await waitFor(() => extra.boundSessionCount() > 0, 'the new provider to bind', 10_000);
      await useRule({ strategy: RouteStrategy.ROUTE_STRATEGY_PRIORITY, candidates: ['smsc-new', 'smsc-a'] });
      const to = nextNumber();
      const rows = await settled(await sendTo(to));
      expect(rows.map((r) => [r.provider, r.status])).toEqual([['smsc-new', 'delivered']]);
      expect(extra.inbox({ to })).toHaveLength(1);
    } finally {
      await useRule({ strategy: RouteStrategy.ROUTE_STRATEGY_LOWEST_COST, candidates: ['smsc-a', 'smsc-b'] });
      await extra.stop();
    }
  });
});

describe.each(databaseTargets().filter((target) => target.url !== undefined))('replicas on $name', ({ url }) => {
  it('see a rule edited on one replica within a second on the other', async () => {
    const system = await startTestSystem({ databaseUrl: url, smscCount: 2, env: { ADMIN_TOKEN: 'replica-admin-token-0123456789' } });
    const replica = await system.startReplica();
    const adminA = adminClient(system.switchboard.grpcPort, 'replica-admin-token-0123456789');
    const adminB = adminClient(replica.grpcPort, 'replica-admin-token-0123456789');
    try {
      const simulate = () =>
        adminB.call<SimulateRouteResponse>('simulateRoute', { to: '+4915112345678', app: 'checkout', channel: Channel.CHANNEL_SMS, kind: MessageKind.MESSAGE_KIND_OTP, parts: 1 });
      expect((await simulate()).steps[0]?.provider).toBe('smsc-a');
      const { rules } = await adminA.call<ListRouteRulesResponse>('listRouteRules', {});
      const rule = rules.find((candidate) => candidate.name === 'default');
      await adminA.call('updateRouteRule', { rule: { ...rule, strategy: RouteStrategy.ROUTE_STRATEGY_PRIORITY, candidates: ['smsc-b', 'smsc-a'] } });
      const changedAt = Date.now();
      await waitFor(async () => (await simulate()).steps[0]?.provider === 'smsc-b', 'the other replica to reload', 1000);
      expect(Date.now() - changedAt).toBeLessThan(1000);
    } finally {
      adminA.close();
      adminB.close();
      await system.stop();
    }
  });
});
