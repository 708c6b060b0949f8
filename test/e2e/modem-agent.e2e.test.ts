import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, ProviderKind, RouteStrategy, type CreateAgentResponse, type CreateApiKeyResponse, type CreateAppResponse, type ListAgentsResponse } from '@switchboard/proto/switchboard/v1/admin';
import { ModemHealth } from '@switchboard/proto/switchboard/v1/agent';
import { Channel } from '@switchboard/proto/switchboard/v1/channel';
import { DeliveryStatus, type GetVerificationResponse, type SendCodeResponse, type VerifyCodeResponse } from '@switchboard/proto/switchboard/v1/verify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { NodeProcess } from '../load/processes.js';
import {
  emulatedModem,
  freePort,
  journalHolds,
  newKeys,
  serviceEnvironment,
  startAgent,
  startService,
  waitFor,
  writeAgentConfig,
  type EmulatedModem,
  type ServiceProcess,
} from '../load/field-site.js';

/**
 * A field site end to end, every part its own process or port: the service (PGlite), a
 * modem-agent process dialling its AgentService, and emulated modems the agent reaches over TCP
 * as it would through ser2net. The faults are real ones: the agent and the service are killed
 * with SIGKILL, a modem hangs.
 */
describe('modem agent at a field site, end to end', () => {
  const root = mkdtempSync(join(tmpdir(), 'switchboard-field-'));
  const keys = newKeys();
  let env: Record<string, string>;
  let service: ServiceProcess;
  /** Set once the service is up, so a failed start still cleans up. */
  let running: ServiceProcess | undefined;
  let apiKey = '';
  let site = 0;
  const cleanup: (() => Promise<void> | void)[] = [];

  /** A fresh agent with its own modems, provider and route (numbers +336<n>…), and its config. */
  async function fieldSite(modems: EmulatedModem[], options: { queueTimeoutSeconds?: number; oneProvider?: boolean } = {}) {
    site += 1;
    const id = `site-${site}`;
    const dir = mkdtempSync(join(root, `${id}-`));
    const { token } = await service.admin<CreateAgentResponse>('createAgent', { agent: Agent.fromPartial({ id, description: `test site ${site}` }) });
    const provider = (name: string, labels: string[]) => ({
      provider: {
        name,
        kind: ProviderKind.PROVIDER_KIND_AGENT,
        enabled: true,
        channels: [Channel.CHANNEL_SMS],
        throughputPerSecond: 0,
        burst: 0,
        maxInFlight: 0,
        settings: { agent: id, modems: labels.join(','), queueTimeoutSeconds: String(options.queueTimeoutSeconds ?? 120) },
        credentials: {},
      },
    });
    // The first modem is the route's first step, the others its fallback: a fallback shows as a send on them.
    const [first, ...split] = modems;
    if (first === undefined) throw new Error('a site needs a modem');
    const others = options.oneProvider === true ? [] : split;
    await service.admin('createProvider', provider(`${id}-first`, others.length > 0 ? [first.label] : []));
    if (others.length > 0) await service.admin('createProvider', provider(`${id}-rest`, others.map((m) => m.label)));
    const prefix = `336${site}`;
    await service.admin('createRouteRule', {
      rule: {
        id: '',
        name: `route-${id}`,
        priority: site,
        enabled: true,
        isDefault: false,
        match: { countries: [], prefixes: [prefix], apps: [], channels: [], kinds: [] },
        candidates: others.length > 0 ? [`${id}-first`, `${id}-rest`] : [`${id}-first`],
        strategy: RouteStrategy.ROUTE_STRATEGY_PRIORITY,
        weights: {},
        fallback: others.length > 0 ? [{ provider: `${id}-rest`, channel: Channel.CHANNEL_SMS, receiptTimeoutSeconds: 60 }] : [],
      },
    });
    const config = writeAgentConfig(dir, { grpcAddress: service.grpcAddress, agentId: id, token, modems });
    const log = join(root, `${id}.log`);
    let agent = startAgent(config, log);
    cleanup.push(() => agent.stop(5000).then(() => undefined));
    let number = 0;
    return {
      id,
      dir,
      log,
      get agent(): NodeProcess {
        return agent;
      },
      restart() {
        agent = startAgent(config, log);
        return agent;
      },
      /** A French mobile number on this site's route: +336<site><7 digits>. */
      number: () => `+${prefix}${String(++number).padStart(11 - prefix.length, '0')}`,
    };
  }

  const sendCode = async (to: string) => (await service.verify<SendCodeResponse>('sendCode', { to, channel: Channel.CHANNEL_SMS, locale: '', codeLength: 0, templateName: '', brand: '', idempotencyKey: '', appHash: '', email: '' }, apiKey)).verification?.id ?? '';
  const delivery = async (id: string) => (await service.verify<GetVerificationResponse>('getVerification', { verificationId: id }, apiKey)).verification?.deliveryStatus;
  const online = async (id: string) => {
    await waitFor(async () => {
      const { agents } = await service.admin<ListAgentsResponse>('listAgents', {});
      const agent = agents.find((a) => a.id === id);
      return agent?.connected === true && agent.modems.length > 0 && agent.modems.every((m) => m.health === ModemHealth.MODEM_HEALTH_READY);
    }, `agent ${id} online with its modems ready`, 30_000);
  };
  const codeOf = (text: string) => /(\d{6})/.exec(text)?.[1] ?? '';

  beforeAll(async () => {
    env = serviceEnvironment(join(root, 'service-data'), await freePort(), await freePort(), keys);
    service = await startService(env, join(root, 'service.log'));
    running = service;
    const { app } = await service.admin<CreateAppResponse>('createApp', { app: { id: '', name: 'field', senderId: 'Field', domain: '', defaultLocale: 'en', allowedCountries: [], defaultCodeLength: 6, templates: {}, emailTemplates: {} } });
    apiKey = (await service.admin<CreateApiKeyResponse>('createApiKey', { appId: app?.id ?? '' })).secret;
  });

  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  afterAll(async () => {
    running?.close();
    await running?.process.stop();
    if (process.env.KEEP_FIELD_LOGS === undefined) rmSync(root, { recursive: true, force: true });
  });

  it('delivers a code through the agent and a modem, and matches the status report to it', async () => {
    const modem = await emulatedModem('orange-1');
    cleanup.push(() => { modem.modem.close(); return modem.link.close(); });
    const field = await fieldSite([modem]);
    await online(field.id);
    const to = field.number();
    const id = await sendCode(to);
    await waitFor(async () => (await delivery(id)) === DeliveryStatus.DELIVERY_STATUS_DELIVERED, 'delivery, by the status report', 30_000);
    const sent = modem.modem.sentMessages();
    expect(sent).toMatchObject([{ to, complete: true }]);
    const code = codeOf(sent[0]?.text ?? '');
    expect((await service.verify<VerifyCodeResponse>('verifyCode', { target: { $case: 'verificationId', value: id }, code }, apiKey)).approved).toBe(true);
  });

  it('sends a message once when the agent is killed after accepting it and started again', async () => {
    // Registration takes a while: the agent accepts the message and holds it for a ready modem.
    const modem = await emulatedModem('orange-1', { registrationDelayMs: 6000 });
    cleanup.push(() => { modem.modem.close(); return modem.link.close(); });
    const field = await fieldSite([modem]);
    const to = field.number();
    await waitFor(async () => (await service.admin<ListAgentsResponse>('listAgents', {})).agents.some((a) => a.id === field.id && a.connected), 'the agent to connect', 30_000);
    const id = await sendCode(to);
    await waitFor(() => journalHolds(field.dir, 'command-accepted'), 'the agent to journal the command', 30_000);
    expect(modem.modem.sentMessages()).toEqual([]);
    await field.agent.kill();
    field.restart();
    await waitFor(async () => (await delivery(id)) === DeliveryStatus.DELIVERY_STATUS_DELIVERED, 'delivery after the restart', 40_000);
    expect(modem.modem.sentMessages().filter((m) => m.to === to)).toHaveLength(1);
  });

  it('never resends a message the agent was killed while the modem had it, and the service does not fall back', async () => {
    // 4 a minute: the modem answers a send 15 s after its PDU, time enough to kill the agent meanwhile.
    const slow = await emulatedModem('slow-1', { smsPerMinute: 4 });
    const spare = await emulatedModem('spare-2');
    cleanup.push(() => { slow.modem.close(); spare.modem.close(); return Promise.all([slow.link.close(), spare.link.close()]).then(() => undefined); });
    const field = await fieldSite([slow, spare]);
    await online(field.id);
    const to = field.number();
    const id = await sendCode(to);
    await waitFor(() => slow.submitting.includes(to), 'the PDU at the modem', 30_000);
    expect(slow.modem.sentMessages()).toEqual([]);
    await field.agent.kill();
    field.restart();
    // Submitted, not failed or queued again: the service heard the outcome is unknown.
    await waitFor(async () => (await delivery(id)) === DeliveryStatus.DELIVERY_STATUS_SUBMITTED, 'the service to hear of the unknown outcome', 30_000);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    // The restarted agent resets the modem, which may or may not have sent it; never twice, never elsewhere.
    expect(slow.modem.sentMessages().filter((m) => m.to === to).length).toBeLessThanOrEqual(1);
    expect(slow.submitting.filter((address) => address === to)).toHaveLength(1);
    expect(spare.modem.sentMessages()).toEqual([]);
    expect(spare.submitting).toEqual([]);
  });

  it('moves a message off a modem that hangs to the other one, and reports the hung modem', async () => {
    const hanging = await emulatedModem('hangs-1');
    const healthy = await emulatedModem('works-2');
    cleanup.push(() => { hanging.modem.close(); healthy.modem.close(); return Promise.all([hanging.link.close(), healthy.link.close()]).then(() => undefined); });
    // One provider with both modems: the agent spreads messages over them and moves them on.
    const field = await fieldSite([hanging, healthy], { oneProvider: true });
    await online(field.id);
    hanging.modem.hang();
    const numbers = [field.number(), field.number()];
    const ids = await Promise.all(numbers.map((to) => sendCode(to)));
    for (const id of ids) await waitFor(async () => (await delivery(id)) === DeliveryStatus.DELIVERY_STATUS_DELIVERED, 'both delivered', 60_000);
    expect(hanging.modem.sentMessages()).toEqual([]);
    expect(healthy.modem.sentMessages().map((m) => m.to).sort()).toEqual([...numbers].sort());
    await waitFor(async () => {
      const { agents } = await service.admin<ListAgentsResponse>('listAgents', {});
      const state = agents.find((a) => a.id === field.id)?.modems.find((m) => m.label === 'hangs-1');
      return state !== undefined && state.health !== ModemHealth.MODEM_HEALTH_READY && state.detail !== '';
    }, 'the hung modem reported as not ready, with why', 30_000);
    hanging.modem.recover();
    await online(field.id);
  }, 120_000);

  it('loses nothing and sends nothing twice when the service is killed during a send', async () => {
    const slow = await emulatedModem('slow-1', { smsPerMinute: 6 });
    cleanup.push(() => { slow.modem.close(); return slow.link.close(); });
    const field = await fieldSite([slow]);
    await online(field.id);
    const to = field.number();
    const id = await sendCode(to);
    await waitFor(() => slow.submitting.includes(to), 'the PDU at the modem', 30_000);
    expect(slow.modem.sentMessages()).toEqual([]);
    await service.process.kill();
    service.close();
    service = await startService(env, join(root, 'service.log'));
    running = service;
    await waitFor(async () => (await delivery(id)) === DeliveryStatus.DELIVERY_STATUS_DELIVERED, 'delivery, reported after the service came back', 90_000);
    expect(slow.modem.sentMessages().filter((m) => m.to === to)).toHaveLength(1);
  }, 120_000);
});
