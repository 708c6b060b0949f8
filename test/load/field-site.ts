/**
 * A field site on one machine, for the cross-package tests: the service as its own process (on
 * PGlite), a modem-agent process and emulated GSM modems on TCP ports, as modems behind ser2net
 * are reached. Everything the test does to the service goes through its public APIs.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { AdminServiceClient } from '@switchboard/proto/switchboard/v1/admin';
import { VerifyServiceClient } from '@switchboard/proto/switchboard/v1/verify';
import { ModemEmulator, TcpModemLink, type ModemBehaviourPatch } from '@switchboard/simulators/modem';
import { fileURLToPath } from 'node:url';
import { freePort, startNode, waitFor, type NodeProcess } from './processes.js';

/** The repository root: this file runs from test/load (vitest) or test/dist/load (benchmarks). */
const REPO_ROOT = ((): string => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'pnpm-workspace.yaml'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('not inside the repository');
    dir = parent;
  }
  return dir;
})();

export const ADMIN_TOKEN = 'field-site-admin-token-0123456789';
const SERVICE_ENTRY = join(REPO_ROOT, 'service/dist/main.js');
const AGENT_ENTRY = join(REPO_ROOT, 'modem-agent/dist/main.js');

type Callback<Res> = (error: ServiceError | null, response: Res) => void;

/** A unary call of a ts-proto client as a promise. */
export function call<Res>(client: object, method: string, request: object, metadata: Metadata): Promise<Res> {
  const fn = Reflect.get(client, method) as (request: object, metadata: Metadata, callback: Callback<Res>) => unknown;
  return new Promise((resolve, reject) => {
    fn.call(client, request, metadata, (error: ServiceError | null, response: Res) => {
      if (error) reject(error);
      else resolve(response);
    });
  });
}

export function bearer(token: string): Metadata {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  return metadata;
}

export interface ServiceProcess {
  readonly grpcAddress: string;
  readonly process: NodeProcess;
  admin<Res>(method: string, request: object): Promise<Res>;
  verify<Res>(method: string, request: object, apiKey: string): Promise<Res>;
  close(): void;
}

/** The service's environment for `dataDir`; the same keys across restarts, so its data stays readable. */
export function serviceEnvironment(dataDir: string, grpcPort: number, httpPort: number, keys: { code: string; encryption: string }): Record<string, string> {
  return {
    DATA_DIR: dataDir,
    GRPC_HOST: '127.0.0.1',
    GRPC_PORT: String(grpcPort),
    HTTP_PORT: String(httpPort),
    CODE_HMAC_KEY: keys.code,
    ENCRYPTION_KEY: keys.encryption,
    ADMIN_TOKEN,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'info',
    DISPATCH_SWEEP_INTERVAL_MS: '200',
    DISPATCH_LEASE_SECONDS: '30',
    AGENT_HEARTBEAT_SECONDS: '5',
    RESEND_COOLDOWN_SECONDS: '0',
  };
}

export function newKeys(): { code: string; encryption: string } {
  return { code: randomBytes(32).toString('hex'), encryption: randomBytes(32).toString('hex') };
}

/** Starts `service/dist/main.js` and waits until AdminService answers. */
export async function startService(env: Record<string, string>, logFile: string): Promise<ServiceProcess> {
  const process = startNode(SERVICE_ENTRY, env, logFile);
  const grpcAddress = `127.0.0.1:${env.GRPC_PORT ?? ''}`;
  const admin = new AdminServiceClient(grpcAddress, credentials.createInsecure());
  const verify = new VerifyServiceClient(grpcAddress, credentials.createInsecure());
  const adminMetadata = bearer(ADMIN_TOKEN);
  await waitFor(
    async () => {
      if (process.child.exitCode !== null) throw new Error(`the service exited with ${process.child.exitCode}; see ${logFile}`);
      return call(admin, 'listAgents', {}, adminMetadata).then(() => true, () => false);
    },
    'the service to answer',
    60_000,
  );
  return {
    grpcAddress,
    process,
    admin: (method, request) => call(admin, method, request, adminMetadata),
    verify: (method, request, apiKey) => call(verify, method, request, bearer(apiKey)),
    close() {
      admin.close();
      verify.close();
    },
  };
}

export interface EmulatedModem {
  readonly label: string;
  readonly modem: ModemEmulator;
  readonly link: TcpModemLink;
  /** Destinations of PDUs the modem took, answered or not (the moment a send is under way). */
  readonly submitting: string[];
}

export async function emulatedModem(label: string, behaviour: ModemBehaviourPatch = {}): Promise<EmulatedModem> {
  const modem = new ModemEmulator({ name: label, vendor: 'simcom', behaviour: { bootMs: 100, statusReportDelayMs: 300, ...behaviour } });
  const link = await TcpModemLink.open(modem, { port: 0 });
  const submitting: string[] = [];
  modem.on('submitting', (submit) => submitting.push(submit.destination.address));
  return { label, modem, link, submitting };
}

/** Writes the agent's YAML config into `dir` and returns its path. */
export function writeAgentConfig(dir: string, options: { grpcAddress: string; agentId: string; token: string; modems: readonly EmulatedModem[]; maxPerMinute?: number; logLevel?: string }): string {
  const path = join(dir, 'agent.yaml');
  const modems = options.modems.map((m) => `  - label: ${m.label}\n    tcp: "127.0.0.1:${m.link.port}"\n    maxPerMinute: ${options.maxPerMinute ?? 60}\n`).join('');
  writeFileSync(
    path,
    `service:\n  address: "${options.grpcAddress}"\n  tls:\n    insecure: true\nagent:\n  id: ${options.agentId}\n  token: "${options.token}"\nmodems:\n${modems}journal:\n  path: journal/agent.journal\nheartbeatSeconds: 5\nlogLevel: ${options.logLevel ?? 'debug'}\n`,
  );
  return path;
}

/**
 * The V8 flags the README's systemd unit runs the agent with: no optimising compiler and a small
 * young generation. The agent does little work per second (a modem sends a few SMS a minute), and
 * a field box's memory is the scarcer resource; `pnpm bench:agent` measures both ways.
 */
export const AGENT_NODE_FLAGS = ['--lite-mode', '--max-semi-space-size=1'];

export function startAgent(configPath: string, logFile: string, nodeFlags: readonly string[] = []): NodeProcess {
  return startNode(AGENT_ENTRY, {}, logFile, [...nodeFlags], ['--config', configPath]);
}

/** Whether the agent's journal file holds `text` (what it accepted is written there first). */
export function journalHolds(dir: string, text: string): boolean {
  try {
    return readFileSync(join(dir, 'journal/agent.journal'), 'utf8').includes(text);
  } catch {
    return false;
  }
}

export { freePort, waitFor };
