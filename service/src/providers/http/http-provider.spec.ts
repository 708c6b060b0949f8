import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OutboundSms } from '../channel-provider.js';
import { closedPort } from './http-fixtures.js';
import { providerFailure as failure } from '../provider-fixtures.js';
import { HttpProviderConfigError, HttpSmsProvider } from './http-provider.js';
import { requireHttpProviderSpec, type HttpProviderSpecInput } from './http-provider-spec.js';

/** What the scripted provider does with one request. */
type Step = { status: number; body?: unknown; headers?: Record<string, string> } | 'hang' | 'drop';

interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** A loopback HTTP "provider" answering from a script; unscripted requests get 201 {id}. */
class ScriptedProvider {
  readonly received: Received[] = [];
  readonly script: Step[] = [];
  readonly #server: Server;
  url = '';

  constructor() {
    this.#server = createServer((request, response) => {
      void (async () => {
        const chunks: Buffer[] = [];
        for await (const chunk of request as AsyncIterable<Buffer>) chunks.push(chunk);
        this.received.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
        const step = this.script.shift() ?? { status: 201, body: { id: `ID-${this.received.length}` } };
        if (step === 'hang') return;
        if (step === 'drop') {
          request.socket.destroy();
          return;
        }
        const body = typeof step.body === 'string' ? step.body : JSON.stringify(step.body ?? {});
        response.writeHead(step.status, { 'content-type': 'application/json', ...step.headers }).end(body);
      })();
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => { resolve(); }));
  }
}

const message: OutboundSms = { messageId: 'msg-1', attemptId: 'att-1', to: '+4915112345678', from: 'Switchboard', text: 'Your code is 123456' };

describe('HttpSmsProvider (generic spec)', () => {
  let server: ScriptedProvider;
  const providers: HttpSmsProvider[] = [];

  beforeEach(async () => {
    server = new ScriptedProvider();
    await server.start();
  });

  afterEach(async () => {
    for (const provider of providers.splice(0)) await provider.stop();
    await server.stop();
  });

  function provider(overrides: Partial<HttpProviderSpecInput> = {}, url = `${server.url}/v1/sms`): HttpSmsProvider {
    const spec = requireHttpProviderSpec({
      url,
      body: { format: 'json', template: { to: '{{to}}', text: '{{text}}', ref: '{{attemptId}}', callback: '{{callbackUrl}}' } },
      auth: { kind: 'hmac', secret: '{{credentials.signingKey}}', header: 'X-Signature', timestampHeader: 'X-Timestamp' },
      messageIdPath: 'id',
      errors: { codePath: 'error.code', messagePath: 'error.message' },
      timeoutMs: 300,
      retries: { max: 2, baseDelayMs: 1, maxDelayMs: 50 },
      ...overrides,
    });
    const created = new HttpSmsProvider({ name: 'generic', spec, credentials: { signingKey: 'k3y' }, callbackUrl: 'https://sb.example.com/webhooks/generic' });
    providers.push(created);
    return created;
  }

  describe('given an accepting provider', () => {
    it('sends the rendered, signed request and returns the normalised id', async () => {
      server.script.push({ status: 201, body: { id: '00AB12' } });
      const accepted = await provider().submit(message);
      expect(accepted).toEqual({ providerMessageId: 'ab12', parts: 1 });
      const [request] = server.received;
      expect(request?.method).toBe('POST');
      expect(JSON.parse(request?.body ?? '')).toEqual({
        to: '+4915112345678',
        text: 'Your code is 123456',
        ref: 'att-1',
        callback: 'https://sb.example.com/webhooks/generic?attempt=att-1',
      });
      const timestamp = String(request?.headers['x-timestamp']);
      expect(request?.headers['x-signature']).toBe(createHmac('sha256', 'k3y').update(`${timestamp}.${request?.body ?? ''}`).digest('hex'));
    });

    it.each([
      ['a'.repeat(160), 1],
      ['a'.repeat(161), 2],
      ['ü'.repeat(160), 1],
      ['€'.repeat(80), 1],
      ['€'.repeat(81), 2],
      ['Ж'.repeat(70), 1],
      ['Ж'.repeat(71), 2],
    ])('counts parts of %#: GSM-7 160/153, UCS-2 70/67', async (text, parts) => {
      expect((await provider().submit({ ...message, text })).parts).toBe(parts);
    });

    it('returns one id per part when the provider answers per part', async () => {
      server.script.push({ status: 200, body: { parts: [{ id: 'P1' }, { id: 'P2' }] } });
      expect(await provider({ messageIdPath: 'parts[*].id' }).submit(message)).toEqual({ providerMessageId: 'p1', partMessageIds: ['p1', 'p2'], parts: 2 });
    });
  });

  describe('given a refusal (4xx)', () => {
    it('fails permanently with the provider code and a masked message, without retry', async () => {
      server.script.push({ status: 400, body: { error: { code: 'E21211', message: 'The number +4915112345678 is invalid' } } });
      const error = await failure(provider().submit(message));
      expect(error).toMatchObject({ retryable: false, outcomeUnknown: false, providerCode: 'E21211' });
      expect(error.message).not.toContain('+4915112345678');
      expect(server.received).toHaveLength(1);
    });

    it('uses the HTTP status as the code when the body has none', async () => {
      server.script.push({ status: 403, body: 'forbidden' });
      expect(await failure(provider().submit(message))).toMatchObject({ retryable: false, providerCode: '403' });
    });

    it('does not follow redirects: a 3xx is a configuration error', async () => {
      server.script.push({ status: 307, headers: { location: 'https://elsewhere.example.com/' } });
      expect(await failure(provider().submit(message))).toMatchObject({ retryable: false, outcomeUnknown: false, providerCode: '307' });
      expect(server.received).toHaveLength(1);
    });
  });

  describe('given throttling (429)', () => {
    it('retries after Retry-After and succeeds', async () => {
      server.script.push({ status: 429, headers: { 'retry-after': '0' } });
      expect((await provider().submit(message)).providerMessageId).toBe('id-2');
      expect(server.received).toHaveLength(2);
    });

    it('gives up with a retryable error after the bounded retries', async () => {
      server.script.push({ status: 429 }, { status: 429 }, { status: 429 });
      expect(await failure(provider().submit(message))).toMatchObject({ retryable: true, outcomeUnknown: false, providerCode: '429' });
      expect(server.received).toHaveLength(3);
    });

    it('does not wait longer than maxDelayMs: a long Retry-After ends the retries at once', async () => {
      server.script.push({ status: 429, headers: { 'retry-after': '3600' } });
      expect(await failure(provider().submit(message))).toMatchObject({ retryable: true, outcomeUnknown: false });
      expect(server.received).toHaveLength(1);
    });
  });

  describe('given a server error (5xx)', () => {
    it('without an idempotency key: outcome unknown, no retry', async () => {
      server.script.push({ status: 503 });
      expect(await failure(provider().submit(message))).toMatchObject({ retryable: false, outcomeUnknown: true, providerCode: '503' });
      expect(server.received).toHaveLength(1);
    });

    it('with an idempotency key: retried under the same key', async () => {
      server.script.push({ status: 500 });
      const accepted = await provider({ idempotency: { header: 'Idempotency-Key' } }).submit(message);
      expect(accepted.providerMessageId).toBe('id-2');
      expect(server.received.map((request) => request.headers['idempotency-key'])).toEqual(['att-1', 'att-1']);
    });

    it('with an idempotency key that keeps failing: outcome unknown in the end', async () => {
      server.script.push({ status: 502 }, { status: 502 }, { status: 502 });
      expect(await failure(provider({ idempotency: { header: 'Idempotency-Key' } }).submit(message))).toMatchObject({ outcomeUnknown: true, retryable: false });
      expect(server.received).toHaveLength(3);
    });

    it('where the spec documents that 5xx never sends: retried', async () => {
      server.script.push({ status: 503 });
      expect((await provider({ errors: { serverErrors: 'not-accepted' } }).submit(message)).providerMessageId).toBe('id-2');
    });
  });

  describe('given no answer', () => {
    it('a timeout without an idempotency key is outcome unknown and NOT retried', async () => {
      server.script.push('hang');
      expect(await failure(provider().submit(message))).toMatchObject({ retryable: false, outcomeUnknown: true });
      expect(server.received).toHaveLength(1);
    });

    it('a timeout with an idempotency key is retried', async () => {
      server.script.push('hang');
      expect((await provider({ idempotency: { header: 'Idempotency-Key' } }).submit(message)).providerMessageId).toBe('id-2');
      expect(server.received).toHaveLength(2);
    });

    it('a connection closed after the request was read is outcome unknown, not retried', async () => {
      server.script.push('drop');
      expect(await failure(provider().submit(message))).toMatchObject({ outcomeUnknown: true });
      expect(server.received).toHaveLength(1);
    });

    it('a refused connection is retryable, not connected, and nothing was sent', async () => {
      const port = await closedPort();
      const error = await failure(provider({}, `http://127.0.0.1:${port}/v1/sms`).submit(message));
      expect(error).toMatchObject({ retryable: true, notConnected: true, outcomeUnknown: false });
      expect(error.message).toContain('ECONNREFUSED');
    });

    it('a throttle after a timed-out try under an idempotency key stays outcome unknown', async () => {
      server.script.push('hang', { status: 429 }, { status: 429 });
      expect(await failure(provider({ idempotency: { header: 'Idempotency-Key' } }).submit(message))).toMatchObject({ outcomeUnknown: true, retryable: false });
    });
  });

  describe('given a 2xx that is not a success', () => {
    const rule: Partial<HttpProviderSpecInput> = {
      success: { statuses: [200], jsonPath: 'status', equals: 'OK' },
      errors: { codePath: 'status', notAcceptedCodes: ['THROTTLED'] },
    };

    it('retries a documented "not taken" code', async () => {
      server.script.push({ status: 200, body: { status: 'THROTTLED' } }, { status: 200, body: { status: 'OK', id: 'X9' } });
      expect((await provider(rule).submit(message)).providerMessageId).toBe('x9');
    });

    it('fails permanently on any other code', async () => {
      server.script.push({ status: 200, body: { status: 'BARRED' } });
      expect(await failure(provider(rule).submit(message))).toMatchObject({ retryable: false, outcomeUnknown: false, providerCode: 'BARRED' });
    });

    it('an accepted answer without an id is outcome unknown, never resent', async () => {
      server.script.push({ status: 201, body: { queued: true } });
      expect(await failure(provider().submit(message))).toMatchObject({ outcomeUnknown: true, retryable: false });
      expect(server.received).toHaveLength(1);
    });

    it('an accepted answer that is not JSON is outcome unknown', async () => {
      server.script.push({ status: 200, body: '<html>ok</html>' });
      expect(await failure(provider().submit(message))).toMatchObject({ outcomeUnknown: true });
    });
  });

  describe('lifecycle and configuration', () => {
    it('stop() ends a request in flight as outcome unknown and refuses new ones as not connected', async () => {
      server.script.push('hang');
      const sms = provider({ timeoutMs: 5_000 });
      const pending = sms.submit(message);
      await new Promise((resolve) => setTimeout(resolve, 50));
      await sms.stop();
      expect(await failure(pending)).toMatchObject({ outcomeUnknown: true });
      expect(await failure(sms.submit(message))).toMatchObject({ notConnected: true });
      expect(sms.status()).toMatchObject({ connection: 'stopped' });
    });

    it('refuses a destination that is not E.164 without sending', async () => {
      expect(await failure(provider().submit({ ...message, to: '015112345678' }))).toMatchObject({ retryable: false });
      expect(server.received).toHaveLength(0);
    });

    it('names missing credentials at construction', () => {
      const spec = requireHttpProviderSpec({ url: 'https://x.test/{{credentials.account}}', messageIdPath: 'id' });
      expect(() => new HttpSmsProvider({ name: 'p', spec, credentials: {}, callbackUrl: '' })).toThrow(HttpProviderConfigError);
      expect(() => new HttpSmsProvider({ name: 'p', spec, credentials: {}, callbackUrl: '' })).toThrow(/account/);
    });
  });
});
