import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SIM_ACCOUNTS, HttpProviderSimulator, type SimAccounts } from '@switchboard/simulators/http';
import { normaliseProviderMessageId, type OutboundSms } from '../../channel-provider.js';
import { closedPort, startWebhookReceiver, type WebhookReceiver } from '../http-fixtures.js';
import { waitFor } from '../../../../test/support/waiting.js';
import { providerFailure as failure } from '../../provider-fixtures.js';
import { createHttpProviders, type HttpProviderSet } from '../http-presets.js';

const account = DEFAULT_SIM_ACCOUNTS.vonage;
const message: OutboundSms = { messageId: 'msg-3', attemptId: 'att-3', to: '+447911123456', from: 'Switchboard', text: 'Your code is 111222' };

/** How the provider reports a simulator id (lower case, leading zeros dropped). */
function normalise(id: string | undefined): string | undefined {
  return id === undefined ? undefined : normaliseProviderMessageId(id);
}

describe('Vonage preset against the simulator', () => {
  let simulator: HttpProviderSimulator;
  let receiver: WebhookReceiver;
  const sets: HttpProviderSet[] = [];

  async function start(vonage: Partial<SimAccounts['vonage']> = {}): Promise<void> {
    simulator = new HttpProviderSimulator({ behaviour: { receiptDelayMs: 20 }, accounts: { vonage } });
    await simulator.start();
    const merged = { ...account, ...vonage };
    receiver = await startWebhookReceiver({ kind: 'vonage', signatureSecret: merged.signatureSecret, signatureMethod: merged.signatureMethod, acceptUnsigned: false });
  }

  beforeEach(async () => {
    await start();
  });

  afterEach(async () => {
    for (const set of sets.splice(0)) await set.sms.stop();
    await simulator.stop();
    await receiver.close();
  });

  function vonage(settings: Record<string, unknown> = {}): HttpProviderSet {
    const set = createHttpProviders(
      {
        name: 'vonage-eu',
        preset: 'vonage',
        settings: { apiKey: account.apiKey, from: 'Switchboard', baseUrl: simulator.url, timeoutMs: 300, retryBaseDelayMs: 1, signatureMethod: account.signatureMethod, ...settings },
        credentials: { apiSecret: account.apiSecret, signatureSecret: account.signatureSecret ?? '' },
      },
      { callbackUrl: `${receiver.url}/status/vonage-eu` },
    );
    sets.push(set);
    return set;
  }

  it('sends the request Vonage documents: /sms/json, form fields with key and secret, digits-only to', async () => {
    await vonage().sms.submit(message);
    const [request] = simulator.requests({ preset: 'vonage' });
    expect(request).toMatchObject({ method: 'POST', path: '/sms/json', contentType: 'application/x-www-form-urlencoded' });
    expect(Object.fromEntries(new URLSearchParams(request?.body))).toEqual({
      api_key: account.apiKey,
      api_secret: account.apiSecret,
      from: 'Switchboard',
      to: '447911123456',
      text: 'Your code is 111222',
      type: 'text',
      callback: `${receiver.url}/status/vonage-eu`,
      'client-ref': 'att-3',
      'status-report-req': '1',
    });
  });

  it('returns the message-id, and the signed receipts verify and name the attempt by client-ref', async () => {
    const accepted = await vonage().sms.submit(message);
    expect(accepted).toEqual({ providerMessageId: normalise(simulator.messages('vonage')[0]?.id), parts: 1 });
    await waitFor(() => receiver.received.length === 2);
    expect(receiver.received.map((hook) => hook.result.status)).toEqual([200, 200]);
    expect(receiver.received.map((hook) => hook.result.receipts[0]?.state)).toEqual(['enroute', 'delivered']);
    expect(receiver.received[1]?.result.correlations).toEqual([{ attemptId: 'att-3', providerMessageId: accepted.providerMessageId }]);
  });

  it('sends non-GSM text as type=unicode, and a long one as parts with one id each', async () => {
    const accepted = await vonage().sms.submit({ ...message, text: 'Ваш код: 111222. '.repeat(5) });
    const [taken] = simulator.messages('vonage');
    expect(taken?.garbled).toBe(false);
    expect(accepted.parts).toBe(2);
    expect(accepted.partMessageIds).toEqual(taken?.partIds.map((id) => normaliseProviderMessageId(id)));
    await waitFor(() => receiver.received.length === 4);
    expect(new Set(receiver.received.flatMap((hook) => hook.result.receipts.map((receipt) => receipt.providerMessageId)))).toEqual(new Set(accepted.partMessageIds));
  });

  it('takes md5hash-signed receipts sent by GET', async () => {
    await simulator.stop();
    await receiver.close();
    await start({ signatureMethod: 'md5hash', webhookMethod: 'GET' });
    await vonage({ signatureMethod: 'md5hash' }).sms.submit(message);
    await waitFor(() => receiver.received.length === 2);
    expect(receiver.received.map((hook) => [hook.request.method, hook.result.status])).toEqual([
      ['GET', 200],
      ['GET', 200],
    ]);
  });

  describe('errors (HTTP 200 with a status code)', () => {
    it('bad credentials (status 4) are permanent', async () => {
      simulator.failNext('vonage', { kind: 'refuse', code: '4' });
      expect(await failure(vonage().sms.submit(message))).toMatchObject({ retryable: false, outcomeUnknown: false, providerCode: '4' });
    });

    it('a barred number (status 7) is permanent and carries error-text', async () => {
      simulator.failNext('vonage', { kind: 'refuse', code: '7' });
      const error = await failure(vonage().sms.submit(message));
      expect(error).toMatchObject({ providerCode: '7', retryable: false });
      expect(error.message).toContain('Number Barred');
    });

    it('throttled (status 1) is retried and then succeeds', async () => {
      simulator.failNext('vonage', { kind: 'refuse', code: '1' });
      await vonage().sms.submit(message);
      expect(simulator.requests({ preset: 'vonage' })).toHaveLength(2);
      expect(simulator.messages('vonage')).toHaveLength(1);
    });

    it('HTTP 429 is retried', async () => {
      simulator.failNext('vonage', { kind: 'status', status: 429, retryAfterSeconds: 0 });
      await vonage().sms.submit(message);
      expect(simulator.messages('vonage')).toHaveLength(1);
    });

    it('HTTP 5xx is outcome unknown and not retried (no idempotency key)', async () => {
      simulator.failNext('vonage', { kind: 'status', status: 503, accept: true });
      expect(await failure(vonage().sms.submit(message))).toMatchObject({ outcomeUnknown: true, retryable: false });
      expect(simulator.requests({ preset: 'vonage' })).toHaveLength(1);
    });

    it('a timeout is outcome unknown and not retried', async () => {
      simulator.failNext('vonage', { kind: 'delay', ms: 600 });
      expect(await failure(vonage().sms.submit(message))).toMatchObject({ outcomeUnknown: true });
      expect(simulator.requests({ preset: 'vonage' })).toHaveLength(1);
    });

    it('a connection refused is retryable and not connected', async () => {
      const port = await closedPort();
      expect(await failure(vonage({ baseUrl: `http://127.0.0.1:${port}` }).sms.submit(message))).toMatchObject({ retryable: true, notConnected: true });
    });
  });
});
