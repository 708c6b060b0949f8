/**
 * One HTTP server that answers like Twilio, Plivo, Vonage and an Auron SMS Server, each on its
 * real paths, so a provider pointed at it with `baseUrl` runs its real request code. It checks
 * requests the way each API documents them, answers with each API's bodies and errors, sends
 * signed delivery reports and call callbacks back, and takes faults (error statuses, slow or
 * dropped answers) to drive providers through their failure paths. Everything it receives and
 * sends is recorded for assertions; `/_sim/…` is its JSON control API (sim-control.ts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Logger, silentLogger } from '../shared/logger.js';
import { auronRoutes } from './auron.routes.js';
import { plivoRoutes } from './plivo.routes.js';
import type {
  AnswerFetch,
  OutgoingWebhook,
  RecordedRequest,
  SimAccounts,
  SimBehaviour,
  SimCall,
  SimCore,
  SimFault,
  SimMessage,
  SimPreset,
  SimProviderRoutes,
  SmsOutcome,
  WebhookDelivery,
} from './sim-core.js';
import { handleControl } from './sim-control.js';
import { text, toSimRequest, type SimRequest, type SimResponse } from './sim-http.js';
import { twilioRoutes } from './twilio.routes.js';
import { vonageRoutes } from './vonage.routes.js';

/** The accounts a simulator accepts unless told otherwise (documentation-style test values). */
export const DEFAULT_SIM_ACCOUNTS: SimAccounts = {
  twilio: { accountSid: 'AC00000000000000000000000000000001', authToken: 'twilio-test-auth-token' },
  plivo: { authId: 'MAZDQ1ZJIYMDZKMTIZZD', authToken: 'plivo-test-auth-token' },
  vonage: { apiKey: 'abcd1234', apiSecret: 'vonage-test-secret', signatureSecret: 'vonage-signature-secret', signatureMethod: 'sha256', webhookMethod: 'POST-JSON' },
  auron: { apiKey: 'c2267709-a8c8-4807-b815-18049af6f749', channel: 'HTTP_API1', webhookUrl: undefined, webhookSecret: 'auron-webhook-secret-0001' },
};

/** Behaviour until changed. */
export const DEFAULT_SIM_BEHAVIOUR: SimBehaviour = {
  receiptDelayMs: 200,
  smsOutcome: 'delivered',
  smsOutcomeByDestination: {},
  callOutcome: 'completed',
  callStepDelayMs: 20,
};

/** How to run the simulator. */
export interface HttpProviderSimulatorOptions {
  /** 0 picks a free port. Default 0. */
  readonly port?: number | undefined;
  /** Default 127.0.0.1. */
  readonly host?: string | undefined;
  readonly accounts?: { readonly [P in keyof SimAccounts]?: Partial<SimAccounts[P]> } | undefined;
  readonly behaviour?: Partial<SimBehaviour> | undefined;
  readonly logger?: Logger | undefined;
}

const ROUTES: readonly SimProviderRoutes[] = [twilioRoutes, plivoRoutes, vonageRoutes, auronRoutes];
const MAX_RECORDS = 5_000;

/** A filter for recorded requests. */
export interface RequestFilter {
  readonly preset?: SimPreset | undefined;
  readonly route?: string | undefined;
}

/** The simulator. */
export class HttpProviderSimulator implements SimCore {
  readonly accounts: SimAccounts;
  readonly #server: Server;
  readonly #options: HttpProviderSimulatorOptions;
  readonly #log: Logger;
  #behaviour: SimBehaviour;
  #requests: RecordedRequest[] = [];
  #messages: SimMessage[] = [];
  #calls: SimCall[] = [];
  #webhooks: WebhookDelivery[] = [];
  #faults = new Map<SimPreset, SimFault[]>();
  #idempotent = new Map<string, SimResponse>();
  #timers = new Set<NodeJS.Timeout>();
  #inFlight = new Set<Promise<unknown>>();
  #seq = 0;
  #url = '';
  #stopped = false;

  constructor(options: HttpProviderSimulatorOptions = {}) {
    this.#options = options;
    this.#log = options.logger ?? silentLogger;
    const given = options.accounts ?? {};
    this.accounts = {
      twilio: { ...DEFAULT_SIM_ACCOUNTS.twilio, ...given.twilio },
      plivo: { ...DEFAULT_SIM_ACCOUNTS.plivo, ...given.plivo },
      vonage: { ...DEFAULT_SIM_ACCOUNTS.vonage, ...given.vonage },
      auron: { ...DEFAULT_SIM_ACCOUNTS.auron, ...given.auron },
    };
    this.#behaviour = { ...DEFAULT_SIM_BEHAVIOUR, ...options.behaviour };
    this.#server = createServer((request, response) => {
      this.#serve(request, response).catch((error: unknown) => {
        this.#log.error({ err: error }, 'simulator request failed');
        if (!response.headersSent) response.writeHead(500).end();
      });
    });
  }

  /** Listens; resolves with the port and base URL (`http://127.0.0.1:PORT`). */
  async start(): Promise<{ port: number; url: string }> {
    const host = this.#options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#options.port ?? 0, host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    const { port } = this.#server.address() as AddressInfo;
    this.#url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    this.#log.info({ url: this.#url }, 'HTTP provider simulator listening');
    return { port, url: this.#url };
  }

  /** The base URL; presets take it as `baseUrl` (Auron: plus `/HTTP_API1`). */
  get url(): string {
    return this.#url;
  }

  /** Stops timers, waits for webhooks in flight, closes every connection. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    await Promise.allSettled([...this.#inFlight]);
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => { resolve(); }));
  }

  // --- what tests read ---

  /** Requests received to provider APIs, oldest first. */
  requests(filter: RequestFilter = {}): RecordedRequest[] {
    return this.#requests.filter((request) => (filter.preset === undefined || request.preset === filter.preset) && (filter.route === undefined || request.route === filter.route));
  }

  /** Messages taken (each would reach a handset), oldest first. */
  messages(preset?: SimPreset): SimMessage[] {
    return this.#messages.filter((message) => preset === undefined || message.preset === preset);
  }

  /** Calls placed, oldest first. */
  calls(preset?: SimPreset): SimCall[] {
    return this.#calls.filter((call) => preset === undefined || call.preset === preset);
  }

  /** Webhooks sent, oldest first. */
  webhooks(filter: { preset?: SimPreset | undefined; kind?: WebhookDelivery['kind'] | undefined } = {}): WebhookDelivery[] {
    return this.#webhooks.filter((hook) => (filter.preset === undefined || hook.preset === filter.preset) && (filter.kind === undefined || hook.kind === filter.kind));
  }

  /** Forgets requests, messages, calls, webhooks and idempotency tokens. */
  clearRecords(): void {
    this.#requests = [];
    this.#messages = [];
    this.#calls = [];
    this.#webhooks = [];
    this.#idempotent.clear();
  }

  // --- control ---

  /** Applies `fault` to the next `count` requests to `preset`'s API (after faults queued before). */
  failNext(preset: SimPreset, fault: SimFault, count = 1): void {
    const queue = this.#faults.get(preset) ?? [];
    for (let i = 0; i < count; i++) queue.push(fault);
    this.#faults.set(preset, queue);
  }

  /** Drops queued faults. */
  clearFaults(): void {
    this.#faults.clear();
  }

  /** Current behaviour. */
  behaviour(): SimBehaviour {
    return this.#behaviour;
  }

  /** Changes part of the behaviour; returns the whole. */
  updateBehaviour(patch: Partial<SimBehaviour>): SimBehaviour {
    this.#behaviour = { ...this.#behaviour, ...patch };
    return this.#behaviour;
  }

  /** Records, faults and behaviour back to the start. */
  reset(): void {
    this.clearRecords();
    this.clearFaults();
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#behaviour = { ...DEFAULT_SIM_BEHAVIOUR, ...this.#options.behaviour };
  }

  /** Sends the report `outcome` for the message with `id` now; false when no such message. */
  async sendReceipt(id: string, outcome: Exclude<SmsOutcome, 'none'> | 'sent'): Promise<boolean> {
    const message = this.#messages.find((candidate) => candidate.id === id || candidate.partIds.includes(id));
    const routes = ROUTES.find((candidate) => candidate.preset === message?.preset);
    if (message === undefined || routes === undefined) return false;
    await this.#track(routes.sendReceipt(this, message, outcome));
    return true;
  }

  // --- SimCore ---

  now(): Date {
    return new Date();
  }

  addMessage(message: SimMessage): void {
    this.#messages.push(message);
    if (this.#messages.length > MAX_RECORDS) this.#messages.shift();
  }

  addCall(call: SimCall): void {
    this.#calls.push(call);
    if (this.#calls.length > MAX_RECORDS) this.#calls.shift();
  }

  idempotentAnswer(preset: SimPreset, token: string): SimResponse | undefined {
    return this.#idempotent.get(`${preset}\u0000${token}`);
  }

  rememberIdempotentAnswer(preset: SimPreset, token: string, response: SimResponse): void {
    this.#idempotent.set(`${preset}\u0000${token}`, response);
  }

  schedule(ms: number, task: () => Promise<void>): void {
    if (this.#stopped) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      void this.#track(
        task().catch((error: unknown) => {
          this.#log.warn({ err: error }, 'simulator task failed');
        }),
      );
    }, ms);
    this.#timers.add(timer);
  }

  async deliver(webhook: OutgoingWebhook): Promise<AnswerFetch> {
    const record: WebhookDelivery = {
      preset: webhook.preset,
      kind: webhook.kind,
      url: webhook.url,
      method: webhook.method,
      params: webhook.params,
      status: undefined,
      error: undefined,
      at: new Date().toISOString(),
    };
    this.#webhooks.push(record);
    if (this.#webhooks.length > MAX_RECORDS) this.#webhooks.shift();
    const sending = (async (): Promise<AnswerFetch> => {
      try {
        const response = await fetch(webhook.url, { method: webhook.method, headers: webhook.headers, body: webhook.body, signal: AbortSignal.timeout(5_000) });
        const body = await response.text();
        record.status = response.status;
        return { status: response.status, contentType: response.headers.get('content-type') ?? '', body };
      } catch (error) {
        record.error = error instanceof Error ? error.message : 'request failed';
        this.#log.warn({ url: webhook.url, err: error }, 'webhook not delivered');
        return { error: record.error };
      }
    })();
    return this.#track(sending);
  }

  smsOutcomeFor(to: string): SmsOutcome {
    const digits = to.replace(/^\+/, '');
    return this.#behaviour.smsOutcomeByDestination[`+${digits}`] ?? this.#behaviour.smsOutcomeByDestination[digits] ?? this.#behaviour.smsOutcome;
  }

  // --- serving ---

  #track<T>(promise: Promise<T>): Promise<T> {
    this.#inFlight.add(promise);
    void promise.finally(() => this.#inFlight.delete(promise)).catch(() => undefined);
    return promise;
  }

  async #serve(incoming: IncomingMessage, response: ServerResponse): Promise<void> {
    let request: SimRequest;
    try {
      request = await toSimRequest(incoming);
    } catch {
      write(response, text(413, 'Payload Too Large'));
      return;
    }
    if (request.path === '/_sim' || request.path.startsWith('/_sim/')) {
      write(response, await handleControl(this, request));
      return;
    }
    for (const routes of ROUTES) {
      const route = routes.route(request);
      if (route === undefined) continue;
      await this.#serveProvider(routes, route, request, incoming, response);
      return;
    }
    this.#record('unknown', '', request);
    write(response, text(404, 'Not Found'));
  }

  async #serveProvider(routes: SimProviderRoutes, route: string, request: SimRequest, incoming: IncomingMessage, response: ServerResponse): Promise<void> {
    const record = this.#record(routes.preset, route, request);
    const fault = this.#faults.get(routes.preset)?.shift();
    record.fault = fault === undefined ? undefined : describeFault(fault);

    let answer: SimResponse | undefined;
    if (fault?.kind === 'status' && fault.accept !== true) answer = routes.errorResponse(fault.status, fault.code, fault.message, fault.retryAfterSeconds);
    else if (fault?.kind === 'refuse') answer = routes.refusal(fault.code, fault.message);
    else if (fault?.kind === 'drop' && fault.accept !== true) answer = undefined;
    else {
      answer = await routes.handle(this, request, route);
      // The ambiguous 5xx: the message went out, the client hears an error.
      if (fault?.kind === 'status') answer = routes.errorResponse(fault.status, fault.code, fault.message, fault.retryAfterSeconds);
      // unref: a slow answer pending when the simulator stops must not hold the process open.
      if (fault?.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, fault.ms).unref());
      if (fault?.kind === 'drop') answer = undefined;
    }
    if (answer === undefined) {
      // The request was read; the client gets no answer at all.
      incoming.socket.destroy();
      return;
    }
    record.responseStatus = answer.status;
    write(response, answer);
  }

  #record(preset: SimPreset | 'unknown', route: string, request: SimRequest): RecordedRequest {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    const record: RecordedRequest = {
      seq: ++this.#seq,
      preset,
      route,
      method: request.method,
      path: request.path,
      query: request.query.toString(),
      headers,
      contentType: request.contentType,
      body: request.rawBody.toString('utf8'),
      at: new Date().toISOString(),
      fault: undefined,
      responseStatus: undefined,
    };
    this.#requests.push(record);
    if (this.#requests.length > MAX_RECORDS) this.#requests.shift();
    return record;
  }
}

function describeFault(fault: SimFault): string {
  switch (fault.kind) {
    case 'status':
      return `status:${fault.status}${fault.accept === true ? ':accepted' : ''}`;
    case 'refuse':
      return `refuse:${fault.code}`;
    case 'delay':
      return `delay:${fault.ms}`;
    case 'drop':
      return fault.accept === true ? 'drop:accepted' : 'drop';
  }
}

function write(response: ServerResponse, answer: SimResponse): void {
  if (response.destroyed) return;
  response.on('error', () => undefined);
  response.writeHead(answer.status, { ...answer.headers, 'content-length': Buffer.byteLength(answer.body) });
  response.end(answer.body);
}
