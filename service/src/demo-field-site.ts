/**
 * The demo's field site: one emulated GSM modem on a TCP port (as ser2net serves a modem), a
 * modem-agent process driving it and dialling this service, and what the agent needs here (its
 * registration, an `agent` provider, a route for French numbers). The emulator's sent messages
 * are listed at `/sent` on a small HTTP port, as the SMSC simulator's inbox is.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModemEmulator, TcpModemLink } from '@switchboard/simulators/modem';
import type { AdminService } from './admin/admin.service.js';
import { AlreadyExistsError } from './shared/errors.js';
import type { Logger } from './shared/logger.js';

const AGENT_ENTRY = fileURLToPath(new URL('../../modem-agent/dist/main.js', import.meta.url));
export const DEMO_AGENT_ID = 'demo-site';
export const DEMO_AGENT_PROVIDER = 'modem-sim';

export interface DemoModem {
  readonly address: string;
  readonly sentUrl: string;
  stop(): Promise<void>;
}

/** The emulated modem and its `/sent` list. */
export async function startDemoModem(port: number, httpPort: number, logger: Logger): Promise<DemoModem> {
  const modem = new ModemEmulator({ name: 'demo-modem', vendor: 'quectel', behaviour: { statusReportDelayMs: 1500 }, logger });
  const link = await TcpModemLink.open(modem, { port, logger });
  const http: Server = createServer((request, response) => {
    if (request.url !== '/sent') {
      response.writeHead(404).end('try /sent\n');
      return;
    }
    const sent = modem.sentMessages().map((message) => ({ to: message.to, text: message.text, parts: message.parts, at: new Date(message.at).toISOString() }));
    response.writeHead(200, { 'content-type': 'application/json' }).end(`${JSON.stringify(sent, null, 2)}\n`);
  });
  await new Promise<void>((done) => http.listen(httpPort, '127.0.0.1', done));
  const address = http.address();
  const boundHttp = typeof address === 'object' && address !== null ? address.port : httpPort;
  return {
    address: link.address,
    sentUrl: `http://127.0.0.1:${boundHttp}/sent`,
    async stop() {
      await new Promise((done) => http.close(done));
      await link.close();
      modem.close();
    },
  };
}

/**
 * Registers the demo agent (a new token each run: it is shown once and the demo keeps none),
 * its provider and the route for +33. Returns the token for the agent's config.
 */
export async function seedDemoAgent(admin: AdminService, actor: string, seedProvider: (kind: 'agent', name: string, settings: Record<string, string>) => Promise<void>): Promise<string> {
  let token: string;
  try {
    token = (await admin.agents.create(actor, { id: DEMO_AGENT_ID, description: 'The demo field site: one emulated modem' })).token;
  } catch (error) {
    if (!(error instanceof AlreadyExistsError)) throw error;
    token = (await admin.agents.rotateToken(actor, DEMO_AGENT_ID)).token;
  }
  await seedProvider('agent', DEMO_AGENT_PROVIDER, { agent: DEMO_AGENT_ID, queueTimeoutSeconds: '60' });
  return token;
}

/** The agent process, with its config and journal under `dataDir/modem-agent`; its log beside them. */
export function startDemoAgent(options: { dataDir: string; grpcPort: number; token: string; modemAddress: string }): { process: ChildProcess; log: string; stop(): Promise<void> } | undefined {
  if (!existsSync(AGENT_ENTRY)) return undefined;
  const dir = resolve(options.dataDir, 'modem-agent');
  mkdirSync(dir, { recursive: true });
  const config = join(dir, 'agent.yaml');
  writeFileSync(
    config,
    [
      'service:',
      `  address: "127.0.0.1:${options.grpcPort}"`,
      '  tls:',
      '    insecure: true',
      'agent:',
      `  id: ${DEMO_AGENT_ID}`,
      '  token: ${MODEM_AGENT_TOKEN}',
      'modems:',
      '  - label: demo-1',
      `    tcp: "${options.modemAddress}"`,
      '    maxPerMinute: 20',
      'journal:',
      '  path: journal/agent.journal',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const log = join(dir, 'agent.log');
  const output = createWriteStream(log, { flags: 'a' });
  const child = spawn(process.execPath, [AGENT_ENTRY, '--config', config], { env: { ...process.env, MODEM_AGENT_TOKEN: options.token }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(output);
  child.stderr.pipe(output);
  return {
    process: child,
    log,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null || child.signalCode !== null) {
          done();
          return;
        }
        child.once('exit', () => { done(); });
        child.kill('SIGTERM');
      }),
  };
}
