import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SIM_ACCOUNTS, HttpProviderSimulator } from '@switchboard/simulators/http';
import { normaliseProviderMessageId, type OutboundSms } from '../../channel-provider.js';
import { closedPort, startWebhookReceiver, type WebhookReceiver } from '../http-fixtures.js';
import { waitFor } from '../../../../test/support/waiting.js';
import { providerFailure as failure } from '../../provider-fixtures.js';
import { createHttpProviders, resolveHttpPreset, type HttpProviderSet } from '../http-presets.js';
import { handleWebhook } from '../webhooks.js';
import { hmacHeaders } from '../http-request.js';
import { AURON_SIGNATURE_HEADER, AURON_STATES, AURON_TIMESTAMP_HEADER } from './auron.js';

const account = DEFAULT_SIM_ACCOUNTS.auron;
const message: OutboundSms = { messageId: 'msg-4', attemptId: 'att-4', to: '+31621122334', from: '', text: 'Uw code is 909090' };
const credentials = { apiKey: account.apiKey ?? '', webhookSecret: account.webhookSecret ?? '' };

/** How the provider reports a simulator id (lower case, leading zeros dropped). */
function normalise(id: string | undefined): string | undefined {
  return id === undefined ? undefined : normaliseProviderMessageId(id);
}

function webhookConfig() {
  const resolved = resolveHttpPreset({ name: 'auron', preset: 'auron', settings: { baseUrl: 'http://auron.invalid/HTTP_API1' }, credentials });
  if (!resolved.ok || resolved.resolved.webhook === undefined) throw new Error('auron preset resolves with a webhook');
  return resolved.resolved.webhook;
}

describe('Auron preset against the simulator', () => {
  let simulator: HttpProviderSimulator;
  let receiver: WebhookReceiver;
  const sets: HttpProviderSet[] = [];

  beforeEach(async () => {
    receiver = await startWebhookReceiver(webhookConfig());
    simulator = new HttpProviderSimulator({ behaviour: { receiptDelayMs: 20 }, accounts: { auron: { webhookUrl: `${receiver.url}/status/auron` } } });
    await simulator.start();
  });

  afterEach(async () => {
    for (const set of sets.splice(0)) await set.sms.stop();
    await simulator.stop();
    await receiver.close();
  });

  function auron(settings: Record<string, unknown> = {}, overrides: Record<string, string> = {}): HttpProviderSet {
    const set = createHttpProviders(
      { name: 'auron', preset: 'auron', settings: { baseUrl: `${simulator.url}/HTTP_API1`, timeoutMs: 300, retryBaseDelayMs: 1, ...settings }, credentials: { ...credentials, ...overrides } },
      { callbackUrl: '' },
    );
    sets.push(set);
    return set;
  }

  it('sends messagedb/create.json as documented: API key as the Authorization value, message array', async () => {
    await auron({ channelId: 'SMPP1' }).sms.submit(message);
    const [request] = simulator.requests({ preset: 'auron' });
    expect(request).toMatchObject({ method: 'POST', path: '/HTTP_API1/messagedb/create.json', contentType: 'application/json' });
    expect(request?.headers.authorization).toBe(account.apiKey);
    expect(JSON.parse(request?.body ?? '')).toEqual({
      message: [{ LocalID: 'att-4', TypeID: 'SMS', StatusID: 'SCHEDULED', ToAddress: '+31621122334', Body: 'Uw code is 909090', ChannelID: 'SMPP1' }],
    });
  });

  it('returns the record ID, and the signed status reports map to receipts', async () => {
    const accepted = await auron().sms.submit(message);
    expect(accepted).toEqual({ providerMessageId: normalise(simulator.messages('auron')[0]?.id), parts: 1 });
    await waitFor(() => receiver.received.length === 2);
    expect(receiver.received.map((hook) => hook.result.status)).toEqual([200, 200]);
    expect(receiver.received.map((hook) => hook.result.receipts[0]?.state)).toEqual(['enroute', 'delivered']);
  });

  describe('errors', () => {
    it('a LastError other than 0 is a permanent refusal with that code', async () => {
      const error = await failure(auron().sms.submit({ ...message, to: '+3162112' }));
      expect(error).toMatchObject({ retryable: false, outcomeUnknown: false, providerCode: '10005' });
      expect(error.message).toContain('not a valid number');
    });

    it('a wrong API key is a permanent 401', async () => {
      expect(await failure(auron({}, { apiKey: 'wrong' }).sms.submit(message))).toMatchObject({ retryable: false, providerCode: '401' });
    });

    it('429 is retried', async () => {
      simulator.failNext('auron', { kind: 'status', status: 429, retryAfterSeconds: 0 });
      await auron().sms.submit(message);
      expect(simulator.requests({ preset: 'auron' })).toHaveLength(2);
      expect(simulator.messages('auron')).toHaveLength(1);
    });

    it('a 5xx is outcome unknown and not retried', async () => {
      simulator.failNext('auron', { kind: 'status', status: 500, accept: true });
      expect(await failure(auron().sms.submit(message))).toMatchObject({ outcomeUnknown: true, retryable: false });
      expect(simulator.requests({ preset: 'auron' })).toHaveLength(1);
    });

    it('a timeout is outcome unknown and not retried', async () => {
      simulator.failNext('auron', { kind: 'delay', ms: 600 });
      expect(await failure(auron().sms.submit(message))).toMatchObject({ outcomeUnknown: true });
      expect(simulator.requests({ preset: 'auron' })).toHaveLength(1);
    });

    it('a connection refused is retryable and not connected', async () => {
      const port = await closedPort();
      expect(await failure(auron({ baseUrl: `http://127.0.0.1:${port}/HTTP_API1` }).sms.submit(message))).toMatchObject({ retryable: true, notConnected: true });
    });
  });

  describe('reports', () => {
    const now = new Date('2026-11-20T10:00:00Z');
    const report = (status: string, signedAt = now): { status: number; state: string | undefined } => {
      const body = JSON.stringify({ ID: '95557', StatusID: status, LastError: 0 });
      const headers = hmacHeaders(
        { secret: '', header: AURON_SIGNATURE_HEADER, algorithm: 'sha256', encoding: 'hex', prefix: '', timestampHeader: AURON_TIMESTAMP_HEADER },
        credentials.webhookSecret,
        body,
        signedAt,
      );
      const result = handleWebhook(webhookConfig(), { method: 'POST', url: 'https://sb.example.com/webhooks/auron', headers: { 'content-type': 'application/json', ...headers }, rawBody: Buffer.from(body) }, now);
      return { status: result.status, state: result.receipts[0]?.state };
    };

    it.each(Object.entries(AURON_STATES))('maps StatusID %s to %s', (status, state) => {
      expect(report(status)).toEqual({ status: 200, state });
    });

    it('refuses a report signed more than five minutes ago', () => {
      expect(report('DELIVERED', new Date(now.getTime() - 400_000))).toEqual({ status: 403, state: undefined });
    });
  });
});
