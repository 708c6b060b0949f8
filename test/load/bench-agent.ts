/**
 * `pnpm bench:agent`: a modem agent with emulated modems, driven through the real service.
 *
 * Phase "real pace": every modem answers a send 60/rate s after its PDU, as a GSM modem does
 * (default 10 SMS/min), with a backlog of messages queued for the agent. Prints how busy each
 * modem was while the backlog lasted (time between taking a PDU and answering it, over the time
 * from its first PDU to its last answer; target ≥ 95 %).
 * Phase "full speed": modems answer at once, limited only by each modem's maxPerMinute (60).
 * Prints the agent's CPU per message and its peak RSS (target with 8 modems: ≤ 80 MB).
 *
 *   node test/dist/load/bench-agent.js [--modems 8] [--rate 10] [--per-modem 6] [--fast 240]
 *     [--node-flags "--lite-mode --max-semi-space-size=1"]   (the README's systemd unit; "" for none)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Agent, ProviderKind, RouteStrategy, type CreateAgentResponse, type CreateApiKeyResponse, type CreateAppResponse, type ListAgentsResponse } from '@switchboard/proto/switchboard/v1/admin';
import { ModemHealth } from '@switchboard/proto/switchboard/v1/agent';
import { Channel } from '@switchboard/proto/switchboard/v1/channel';
import type { SendCodeResponse } from '@switchboard/proto/switchboard/v1/verify';
import { AGENT_NODE_FLAGS, emulatedModem, newKeys, serviceEnvironment, startAgent, startService, writeAgentConfig, type EmulatedModem, type ServiceProcess } from './field-site.js';
import { cpuMicros, currentRssBytes, freePort, peakRssBytes, waitFor } from './processes.js';

const { values } = parseArgs({
  options: {
    modems: { type: 'string', default: '8' },
    rate: { type: 'string', default: '10' },
    'per-modem': { type: 'string', default: '6' },
    fast: { type: 'string', default: '240' },
    'node-flags': { type: 'string', default: AGENT_NODE_FLAGS.join(' ') },
  },
});
const NODE_FLAGS = values['node-flags'].split(' ').filter((flag) => flag !== '');
const MODEMS = Number(values.modems);
const RATE = Number(values.rate);
const PER_MODEM = Number(values['per-modem']);
const FAST = Number(values.fast);

interface Busy {
  readonly label: string;
  started: number | undefined;
  first: number | undefined;
  last: number | undefined;
  busyMs: number;
  sends: number;
}

/** Times each modem spends between taking a PDU and answering it. */
function watch(modems: readonly EmulatedModem[]): Busy[] {
  return modems.map((m) => {
    const busy: Busy = { label: m.label, started: undefined, first: undefined, last: undefined, busyMs: 0, sends: 0 };
    m.modem.on('submitting', () => {
      busy.started = performance.now();
      busy.first ??= busy.started;
    });
    m.modem.on('sent', () => {
      const now = performance.now();
      if (busy.started !== undefined) busy.busyMs += now - busy.started;
      busy.started = undefined;
      busy.last = now;
      busy.sends += 1;
    });
    return busy;
  });
}

async function site(service: ServiceProcess, root: string, name: string, behaviour: { smsPerMinute: number | null }, maxPerMinute: number) {
  const modems = await Promise.all(Array.from({ length: MODEMS }, (_, i) => emulatedModem(`${name}-${i + 1}`, { ...behaviour, statusReportDelayMs: 200 })));
  const { token } = await service.admin<CreateAgentResponse>('createAgent', { agent: Agent.fromPartial({ id: name, description: 'benchmark' }) });
  await service.admin('createProvider', {
    provider: { name: `${name}-modems`, kind: ProviderKind.PROVIDER_KIND_AGENT, enabled: true, channels: [Channel.CHANNEL_SMS], throughputPerSecond: 0, burst: 0, maxInFlight: 0, settings: { agent: name, queueTimeoutSeconds: '600' }, credentials: {} },
  });
  const dir = mkdtempSync(join(root, `${name}-`));
  const config = writeAgentConfig(dir, { grpcAddress: service.grpcAddress, agentId: name, token, modems, maxPerMinute, logLevel: 'warn' });
  const agent = startAgent(config, join(root, `${name}.log`), NODE_FLAGS);
  await waitFor(async () => {
    const { agents } = await service.admin<ListAgentsResponse>('listAgents', {});
    const found = agents.find((a) => a.id === name);
    return found?.connected === true && found.modems.length === MODEMS && found.modems.every((m) => m.health === ModemHealth.MODEM_HEALTH_READY);
  }, `agent ${name} with ${MODEMS} ready modems`, 60_000);
  return { modems, agent };
}

async function route(service: ServiceProcess, name: string, prefix: string, priority: number): Promise<void> {
  await service.admin('createRouteRule', {
    rule: {
      id: '',
      name,
      priority,
      enabled: true,
      isDefault: false,
      match: { countries: [], prefixes: [prefix], apps: [], channels: [], kinds: [] },
      candidates: [`${name}-modems`],
      strategy: RouteStrategy.ROUTE_STRATEGY_PRIORITY,
      weights: {},
      fallback: [],
    },
  });
}

async function sendMany(service: ServiceProcess, apiKey: string, prefix: string, count: number): Promise<void> {
  const sends = Array.from({ length: count }, (_, i) =>
    service.verify<SendCodeResponse>('sendCode', { to: `+${prefix}${String(i + 1).padStart(11 - prefix.length, '0')}`, channel: Channel.CHANNEL_SMS, locale: '', codeLength: 0, templateName: '', brand: '', idempotencyKey: '', appHash: '', email: '' }, apiKey),
  );
  await Promise.all(sends);
}

const root = mkdtempSync(join(tmpdir(), 'bench-agent-'));
const env = { ...serviceEnvironment(join(root, 'service-data'), await freePort(), await freePort(), newKeys()), LOG_LEVEL: 'warn', MAX_SENDS_PER_NUMBER: '1000' };
const service = await startService(env, join(root, 'service.log'));
try {
  const { app } = await service.admin<CreateAppResponse>('createApp', { app: { id: '', name: 'bench', senderId: 'Bench', domain: '', defaultLocale: 'en', allowedCountries: [], defaultCodeLength: 6, templates: {}, emailTemplates: {} } });
  const apiKey = (await service.admin<CreateApiKeyResponse>('createApiKey', { appId: app?.id ?? '' })).secret;

  // Real pace: a backlog of PER_MODEM messages per modem, each send taking 60/RATE s.
  const paced = await site(service, root, 'paced', { smsPerMinute: RATE }, RATE);
  await route(service, 'paced', '3361', 1);
  const busy = watch(paced.modems);
  const pacedCpuBefore = cpuMicros(paced.agent.pid);
  const total = MODEMS * PER_MODEM;
  const started = performance.now();
  await sendMany(service, apiKey, '3361', total);
  await waitFor(() => busy.reduce((sum, b) => sum + b.sends, 0) >= total, `${total} paced sends`, (PER_MODEM * 60_000) / RATE + 120_000, 200);
  const pacedSeconds = (performance.now() - started) / 1000;
  const pacedRss = peakRssBytes(paced.agent.pid);
  const pacedCpuShare = (cpuMicros(paced.agent.pid) - pacedCpuBefore) / (pacedSeconds * 1_000_000);
  await paced.agent.stop();

  // Full speed: modems answer at once; each may send 60 a minute.
  const fast = await site(service, root, 'fast', { smsPerMinute: null }, 60);
  await route(service, 'fast', '3362', 2);
  const fastBusy = watch(fast.modems);
  const idleRss = currentRssBytes(fast.agent.pid);
  const cpuBefore = cpuMicros(fast.agent.pid);
  const fastStart = performance.now();
  await sendMany(service, apiKey, '3362', FAST);
  await waitFor(() => fastBusy.reduce((sum, b) => sum + b.sends, 0) >= FAST, `${FAST} fast sends`, 300_000, 100);
  const fastSeconds = (performance.now() - fastStart) / 1000;
  // The status reports follow the sends; let them be journalled and sent too.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const cpuPerMessage = (cpuMicros(fast.agent.pid) - cpuBefore) / FAST;
  const fastRss = peakRssBytes(fast.agent.pid);
  await fast.agent.stop();

  console.log(`\nmodem agent, ${MODEMS} emulated modems over TCP, through the service (PGlite); agent node flags: ${NODE_FLAGS.join(' ') || 'none'}\n`);
  console.log(`real pace (${RATE} SMS/min per modem, ${total} messages queued at once): ${pacedSeconds.toFixed(1)} s`);
  console.log('  modem       sends   busy while its backlog lasted');
  for (const b of busy) {
    const window = b.first !== undefined && b.last !== undefined ? b.last - b.first : 0;
    const share = window > 0 ? (100 * b.busyMs) / window : 0;
    console.log(`  ${b.label.padEnd(10)}  ${String(b.sends).padStart(5)}   ${share.toFixed(1)} %`);
  }
  const shares = busy.map((b) => (b.first !== undefined && b.last !== undefined && b.last > b.first ? (100 * b.busyMs) / (b.last - b.first) : 0));
  console.log(`  lowest ${Math.min(...shares).toFixed(1)} %, target ≥ 95 %`);
  console.log(`  agent CPU ${(100 * pacedCpuShare).toFixed(2)} % of a core, ${((100 * pacedCpuShare) / MODEMS).toFixed(3)} % per modem; peak RSS ${(pacedRss / 1024 / 1024).toFixed(1)} MB`);
  console.log(`\nfull speed (modems answer at once, 60 SMS/min per modem, ${FAST} messages): ${fastSeconds.toFixed(1)} s, ${(FAST / fastSeconds).toFixed(1)} msg/s`);
  console.log(`  sends per modem: ${fastBusy.map((b) => b.sends).join(' ')}`);
  console.log(`  agent CPU ${(cpuPerMessage / 1000).toFixed(2)} ms per message (send, status report, journal, link)`);
  console.log(`  agent RSS ${(idleRss / 1024 / 1024).toFixed(1)} MB with ${MODEMS} ready modems before the burst, peak ${(fastRss / 1024 / 1024).toFixed(1)} MB during it (target ≤ 80 MB)`);
} finally {
  service.close();
  await service.process.stop();
  rmSync(root, { recursive: true, force: true });
}
process.exit(0);
