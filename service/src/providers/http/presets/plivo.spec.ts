import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SIM_ACCOUNTS, HttpProviderSimulator } from '@switchboard/simulators/http';
import { normaliseProviderMessageId, type OutboundSms } from '../../channel-provider.js';
import { closedPort, startWebhookReceiver, type WebhookReceiver } from '../http-fixtures.js';
import { waitFor } from '../../../../test/support/waiting.js';
import { providerFailure as failure } from '../../provider-fixtures.js';
import { createHttpProviders, type HttpProviderSet } from '../http-presets.js';

const account = DEFAULT_SIM_ACCOUNTS.plivo;
const message: OutboundSms = { messageId: 'msg-2', attemptId: 'att-2', to: '+14155550100', from: '', text: 'Your code is 654321' };

/** How the provider reports a simulator id (lower case, leading zeros dropped). */
function normalise(id: string | undefined): string | undefined {
  return id === undefined ? undefined : normaliseProviderMessageId(id);
}

describe('Plivo preset against the simulator', () => {
  let simulator: HttpProviderSimulator;
  let receiver: WebhookReceiver;
  const sets: HttpProviderSet[] = [];

  beforeEach(async () => {
    simulator = new HttpProviderSimulator({ behaviour: { receiptDelayMs: 20 } });
    await simulator.start();
    receiver = await startWebhookReceiver({ kind: 'plivo', authToken: account.authToken });
  });

  afterEach(async () => {
    for (const set of sets.splice(0)) await set.sms.stop();
    await simulator.stop();
    await receiver.close();
  });

  function plivo(settings: Record<string, unknown> = {}, credentials: Record<string, string> = {}): HttpProviderSet {
    const set = createHttpProviders(
      {
        name: 'plivo-us',
        preset: 'plivo',
        settings: { authId: account.authId, from: '+14155550199', baseUrl: simulator.url, timeoutMs: 300, retryBaseDelayMs: 1, ...settings },
        credentials: { authToken: account.authToken, ...credentials },
      },
      { callbackUrl: `${receiver.url}/status/plivo-us` },
    );
    sets.push(set);
    return set;
  }

  it('sends the request Plivo documents: path with trailing slash, Basic auth, JSON fields', async () => {
    await plivo().sms.submit(message);
    const [request] = simulator.requests({ preset: 'plivo' });
    expect(request).toMatchObject({ method: 'POST', path: `/v1/Account/${account.authId}/Message/`, contentType: 'application/json' });
    expect(request?.headers.authorization).toBe(`Basic ${Buffer.from(`${account.authId}:${account.authToken}`).toString('base64')}`);
    expect(JSON.parse(request?.body ?? '')).toEqual({
      src: '14155550199',
      dst: '14155550100',
      text: 'Your code is 654321',
      type: 'sms',
      url: `${receiver.url}/status/plivo-us?attempt=att-2`,
      method: 'POST',
    });
  });

  it('returns the message_uuid, and the V3-signed callbacks verify and map to receipts', async () => {
    const accepted = await plivo().sms.submit(message);
    expect(accepted).toEqual({ providerMessageId: normalise(simulator.messages('plivo')[0]?.id), parts: 1 });
    await waitFor(() => receiver.received.length === 2);
    expect(receiver.received.map((hook) => hook.result.status)).toEqual([200, 200]);
    expect(receiver.received.map((hook) => hook.result.receipts[0]?.state)).toEqual(['enroute', 'delivered']);
    expect(receiver.received[1]?.result.correlations).toEqual([{ attemptId: 'att-2', providerMessageId: accepted.providerMessageId }]);
  });

  it('reports a failed message with its Plivo error code', async () => {
    simulator.updateBehaviour({ smsOutcome: 'failed' });
    await plivo().sms.submit(message);
    await waitFor(() => receiver.received.length === 2);
    expect(receiver.received[1]?.result.receipts[0]).toMatchObject({ state: 'failed', errorCode: '900' });
  });

  describe('errors', () => {
    it('a refusal ({api_id, error}, HTTP 400) is permanent with the HTTP status as code', async () => {
      simulator.failNext('plivo', { kind: 'refuse', code: '400', message: 'destination number is on the DND list' });
      const error = await failure(plivo().sms.submit(message));
      expect(error).toMatchObject({ retryable: false, outcomeUnknown: false, providerCode: '400' });
      expect(error.message).toContain('DND');
    });

    it('a wrong auth token is a permanent 401', async () => {
      expect(await failure(plivo({}, { authToken: 'nope' }).sms.submit(message))).toMatchObject({ retryable: false, providerCode: '401' });
    });

    it('429 is retried and then succeeds', async () => {
      simulator.failNext('plivo', { kind: 'status', status: 429, retryAfterSeconds: 0 });
      await plivo().sms.submit(message);
      expect(simulator.requests({ preset: 'plivo' })).toHaveLength(2);
      expect(simulator.messages('plivo')).toHaveLength(1);
    });

    it('a 5xx is outcome unknown and not retried (Plivo has no idempotency key)', async () => {
      simulator.failNext('plivo', { kind: 'status', status: 502, accept: true });
      expect(await failure(plivo().sms.submit(message))).toMatchObject({ outcomeUnknown: true, retryable: false, providerCode: '502' });
      expect(simulator.requests({ preset: 'plivo' })).toHaveLength(1);
    });

    it('a timeout is outcome unknown and not retried', async () => {
      simulator.failNext('plivo', { kind: 'delay', ms: 600 });
      expect(await failure(plivo().sms.submit(message))).toMatchObject({ outcomeUnknown: true });
      expect(simulator.requests({ preset: 'plivo' })).toHaveLength(1);
      expect(simulator.messages('plivo')).toHaveLength(1);
    });

    it('a dropped connection is outcome unknown and not retried', async () => {
      simulator.failNext('plivo', { kind: 'drop', accept: true });
      expect(await failure(plivo().sms.submit(message))).toMatchObject({ outcomeUnknown: true });
      expect(simulator.requests({ preset: 'plivo' })).toHaveLength(1);
    });

    it('a connection refused is retryable and not connected', async () => {
      const port = await closedPort();
      expect(await failure(plivo({ baseUrl: `http://127.0.0.1:${port}` }).sms.submit(message))).toMatchObject({ retryable: true, notConnected: true });
    });
  });
});
