// What the link tests run against: a real grpc-js server on loopback playing AgentService from a
// script (it records every message the agent sends and sends what the test tells it), a sender
// that journals results the way the modem workers do, and a logger that keeps every line.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Server, ServerCredentials, status as Status, type Metadata, type ServerDuplexStream } from '@grpc/grpc-js';
import {
  AgentServiceService,
  type ConnectRequest,
  type ConnectResponse,
} from '@switchboard/proto/switchboard/v1/agent';
import type { ModemSnapshot, ResultListener, SmsSender } from '../src/agent.ports.js';
import type { Journal, JournalResult } from '../src/journal/index.js';
import type { LinkLogger, LogFields } from '../src/link/index.js';

/** Polls `check` until it returns a value other than `undefined`/`false`, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => T | undefined | false, what: string, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

type RequestKind = NonNullable<ConnectRequest['body']>['$case'];
type RequestBody<C extends RequestKind> = Extract<NonNullable<ConnectRequest['body']>, { $case: C }>['value'];

/** One Connect stream as the service saw it. */
export class ScriptedStream {
  readonly received: ConnectRequest[] = [];
  /** True once the agent half-closed its side. */
  agentEnded = false;
  /** True once the stream is over, however it ended. */
  closed = false;

  constructor(readonly call: ServerDuplexStream<ConnectRequest, ConnectResponse>) {
    call.on('data', (request: ConnectRequest) => this.received.push(request));
    call.on('end', () => {
      this.agentEnded = true;
      // A well-behaved service answers the agent's half-close by ending the call.
      if (!this.closed) call.end();
      this.closed = true;
    });
    call.on('cancelled', () => {
      this.closed = true;
    });
    call.on('error', () => {
      this.closed = true;
    });
  }

  get metadata(): Metadata {
    return this.call.metadata;
  }

  /** What the agent sent, of one kind, in order. */
  bodies<C extends RequestKind>(kind: C): RequestBody<C>[] {
    return this.received.flatMap((r) => (r.body?.$case === kind ? [r.body.value as RequestBody<C>] : []));
  }

  /** Waits until the agent has sent at least `count` messages of `kind`, and returns them all. */
  waitFor<C extends RequestKind>(kind: C, count = 1): Promise<RequestBody<C>[]> {
    return eventually(() => {
      const found = this.bodies(kind);
      return found.length >= count ? found : undefined;
    }, `${count} ${kind} message(s) from the agent`);
  }

  send(response: ConnectResponse): void {
    this.call.write(response);
  }

  welcome(heartbeatSeconds = 15): void {
    this.send({ body: { $case: 'welcome', value: { heartbeatSeconds } } });
  }

  /** Ends the stream with a status, as the service does on errors and when a newer stream wins. */
  fail(code: Status, details: string): void {
    this.closed = true;
    this.call.emit('error', { code, details });
  }
}

/** What the scripted service does with a new stream; the default welcomes it after its hello. */
export type StreamScript = (stream: ScriptedStream, index: number) => void;

export const welcomeAfterHello: StreamScript = (stream) => {
  void eventually(() => stream.received.length > 0, 'hello').then(() => {
    stream.welcome();
  });
};

/** AgentService played from a script on a loopback port. */
export class ScriptedService {
  readonly streams: ScriptedStream[] = [];
  script: StreamScript = welcomeAfterHello;

  private constructor(
    readonly server: Server,
    readonly port: number,
  ) {}

  static async start(credentials: ServerCredentials = ServerCredentials.createInsecure()): Promise<ScriptedService> {
    const server = new Server();
    const holder: { service?: ScriptedService } = {};
    server.addService(AgentServiceService, {
      connect: (call: ServerDuplexStream<ConnectRequest, ConnectResponse>) => {
        const service = holder.service;
        if (service === undefined) return;
        const stream = new ScriptedStream(call);
        service.streams.push(stream);
        service.script(stream, service.streams.length - 1);
      },
    });
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync('127.0.0.1:0', credentials, (error, bound) => {
        if (error === null) resolve(bound);
        else reject(error);
      });
    });
    holder.service = new ScriptedService(server, port);
    return holder.service;
  }

  /** Waits for the agent's stream number `index` (0-based) and returns it once it has said hello. */
  async stream(index: number): Promise<ScriptedStream> {
    const stream = await eventually(() => this.streams[index], `stream ${index} from the agent`);
    await stream.waitFor('hello');
    return stream;
  }

  stop(): void {
    this.server.forceShutdown();
  }
}

/** A sender that journals what the radio did the way the modem workers do, then tells the link. */
export class RecordingSender implements SmsSender {
  readonly enqueued: string[] = [];
  listener: ResultListener | undefined;
  snapshots: ModemSnapshot[] = [modem('sim-a', '356938035643809'), modem('sim-b', '490154203237518')];

  constructor(private readonly journal: Journal) {}

  enqueue(messageId: string): void {
    this.enqueued.push(messageId);
  }

  modems(): readonly ModemSnapshot[] {
    return this.snapshots;
  }

  /** Puts every part of the message on the radio of `modem`, references from `firstReference`. */
  async submitAll(messageId: string, modemLabel: string, firstReference: number): Promise<JournalResult[]> {
    const parts = this.journal.message(messageId)?.command.parts ?? 0;
    const results: JournalResult[] = [];
    for (let part = 1; part <= parts; part++) {
      await this.journal.append({ type: 'radio-attempt-started', messageId, modem: modemLabel, part });
      const { entry } = await this.journal.append({ type: 'submitted', messageId, modem: modemLabel, part, reference: firstReference + part - 1 });
      results.push(entry as JournalResult);
      this.listener?.(entry as JournalResult);
    }
    return results;
  }
}

export function modem(label: string, imei: string, overrides: Partial<ModemSnapshot> = {}): ModemSnapshot {
  return {
    label,
    imei,
    imsi: '262011234567890',
    operator: 'Telekom.de',
    signalQuality: 18,
    health: 'ready',
    detail: '',
    queued: 0,
    sentLastMinute: 0,
    maxPerMinute: 6,
    ...overrides,
  };
}

/** One line the link logged. */
export interface LoggedLine {
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: LogFields;
}

export class RecordingLogger implements LinkLogger {
  readonly lines: LoggedLine[] = [];

  info(message: string, fields: LogFields = {}): void {
    this.lines.push({ level: 'info', message, fields });
  }

  warn(message: string, fields: LogFields = {}): void {
    this.lines.push({ level: 'warn', message, fields });
  }

  error(message: string, fields: LogFields = {}): void {
    this.lines.push({ level: 'error', message, fields });
  }

  /** Everything logged, as one text, to check what must never appear. */
  text(): string {
    return JSON.stringify(this.lines);
  }
}

/** Files of a throwaway PKI: a CA, a server certificate for localhost and a client certificate. */
export interface TestPki {
  readonly ca: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
}

/** Makes a {@link TestPki} in `dir` with openssl (EC keys, valid for a day). */
export function makeTestPki(dir: string): TestPki {
  const file = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { stdio: 'pipe' });
  };
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ecKey, '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '1', '-subj', '/CN=link-test-ca');
  writeFileSync(file('server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  writeFileSync(file('client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const [name, subject] of [['server', '/CN=localhost'], ['client', '/CN=site-7']] as const) {
    openssl('req', ...ecKey, '-keyout', file(`${name}.key`), '-out', file(`${name}.csr`), '-subj', subject);
    openssl('x509', '-req', '-in', file(`${name}.csr`), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial',
      '-out', file(`${name}.pem`), '-days', '1', '-extfile', file(`${name}.ext`));
  }
  return {
    ca: file('ca.pem'),
    serverCert: file('server.pem'),
    serverKey: file('server.key'),
    clientCert: file('client.pem'),
    clientKey: file('client.key'),
  };
}
