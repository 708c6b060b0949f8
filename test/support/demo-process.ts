import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Where `pnpm start` runs the demo from (built by `pnpm -r build`). */
const DEMO_ENTRY = fileURLToPath(new URL('../../service/dist/demo.js', import.meta.url));

export interface DemoProcess {
  readonly grpcAddress: string;
  readonly apiKey: string;
  readonly inboxUrl: string;
  /** The HTTP provider simulator's record of placed calls (with the answer documents fetched). */
  readonly callsUrl: string;
  /** The mail catcher's list of received mail. */
  readonly mailsUrl: string;
  /** What the emulated modem of the demo's field site sent. */
  readonly modemSentUrl: string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts the demo exactly as `pnpm start` does (free ports, a given data folder) and reads the
 * banner a newcomer reads: gRPC address, API key, simulator inbox.
 */
export async function startDemo(dataDir: string, env: Record<string, string> = {}): Promise<DemoProcess> {
  const child: ChildProcess = spawn(process.execPath, [DEMO_ENTRY], {
    env: { ...process.env, DATA_DIR: dataDir, GRPC_PORT: '0', HTTP_PORT: '0', SMSC_SIM_PORT: '0', SMSC_SIM_HTTP_PORT: '0', HTTP_SIM_PORT: '0', MAIL_SIM_SMTP_PORT: '0', MAIL_SIM_HTTP_PORT: '0', MODEM_SIM_PORT: '0', MODEM_SIM_HTTP_PORT: '0', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => { resolve(code); }));

  const deadline = Date.now() + 45_000;
  while (!/Press Ctrl-C to stop/.test(output)) {
    if (child.exitCode !== null) throw new Error(`demo exited with ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`demo did not start in time:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const grpc = /gRPC\s+(127\.0\.0\.1:\d+)/.exec(output)?.[1];
  const apiKey = /demo API key\s+(\S+)/.exec(output)?.[1];
  const inbox = /inbox (http:\/\/\S+\/inbox)/.exec(output)?.[1];
  const calls = /calls (http:\/\/\S+\/_sim\/calls)/.exec(output)?.[1];
  const mails = /mails (http:\/\/\S+\/mails)/.exec(output)?.[1];
  const modemSent = /sent (http:\/\/\S+\/sent)/.exec(output)?.[1];
  if (!grpc || !apiKey || !inbox || !calls || !mails || !modemSent) throw new Error(`demo banner incomplete:\n${output}`);
  return {
    grpcAddress: grpc,
    apiKey,
    inboxUrl: inbox,
    callsUrl: calls,
    mailsUrl: mails,
    modemSentUrl: modemSent,
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
