import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SIM_ACCOUNTS, HttpProviderSimulator } from '@switchboard/simulators/http';
import { normaliseProviderMessageId, type OutboundSms } from '../../channel-provider.js';
import { closedPort, startWebhookReceiver, type WebhookReceiver } from '../http-fixtures.js';
import { waitFor } from '../../../../test/support/waiting.js';
import { providerFailure as failure } from '../../provider-fixtures.js';
import { createHttpProviders, type HttpProviderSet } from '../http-presets.js';

const account = DEFAULT_SIM_ACCOUNTS.twilio;
const message: OutboundSms = { messageId: 'msg-1', attemptId: 'att-1', to: '+4915112345678', from: '', text: 'Your code is 123456' };

/** How the provider reports a simulator id (lower case, leading zeros dropped). */
function normalise(id: string | undefined): string | undefined {
  return id === undefined ? undefined : normaliseProviderMessageId(id);
}

describe('Twilio preset against the simulator', () => {
  let simulator: HttpProviderSimulator;
  let receiver: WebhookReceiver;
  const sets: HttpProviderSet[] = [];

  beforeEach(async () => {
    simulator = new HttpProviderSimulator({ behaviour: { receiptDelayMs: 20 } });
    await simulator.start();
    receiver = await startWebhookReceiver({ kind: 'twilio', authToken: account.authToken });
  });

  afterEach(async () => {
    for (const set of sets.splice(0)) await set.sms.stop();
    await simulator.stop();
    await receiver.close();
  });

  function twilio(settings: Record<string, unknown> = {}, credentials: Record<string, string> = {}): HttpProviderSet {
    const set = createHttpProviders(
      {
        name: 'twilio-main',
        preset: 'twilio',
        settings: { accountSid: account.accountSid, from: '+15005550006', baseUrl: simulator.url, timeoutMs: 300, retryBaseDelayMs: 1, ...settings },
        credentials: { authToken: account.authToken, ...credentials },
      },
      { callbackUrl: `${receiver.url}/status/twilio-main` },
    );
    sets.push(set);
    return set;
  }

  it('sends no idempotency token unless asked: Twilio does not document deduplicating REST creates on it', async () => {
    await twilio().sms.submit(message);
    expect(simulator.requests({ preset: 'twilio' })[0]?.headers['i-twilio-idempotency-token']).toBeUndefined();
  });

  it('without the token, a 500 after the message was taken is outcome unknown and not repeated', async () => {
    simulator.failNext('twilio', { kind: 'status', status: 500, accept: true });
    expect(await failure(twilio().sms.submit(message))).toMatchObject({ outcomeUnknown: true, retryable: false });
    expect(simulator.requests({ preset: 'twilio' })).toHaveLength(1);
  });

  it('sends the request Twilio documents: path, Basic auth, form fields, opted-in idempotency token', async () => {
    await twilio({ idempotencyToken: true }).sms.submit(message);
    const [request] = simulator.requests({ preset: 'twilio' });
    expect(request).toMatchObject({ method: 'POST', path: `/2010-04-01/Accounts/${account.accountSid}/Messages.json`, contentType: 'application/x-www-form-urlencoded' });
    expect(request?.headers.authorization).toBe(`Basic ${Buffer.from(`${account.accountSid}:${account.authToken}`).toString('base64')}`);
    expect(request?.headers['i-twilio-idempotency-token']).toBe('att-1');
    expect(Object.fromEntries(new URLSearchParams(request?.body))).toEqual({
      To: '+4915112345678',
      From: '+15005550006',
      Body: 'Your code is 123456',
      StatusCallback: `${receiver.url}/status/twilio-main?attempt=att-1`,
    });
  });

  it('returns the Message SID, and the signed status callbacks verify and map to receipts', async () => {
    const accepted = await twilio().sms.submit(message);
    const [taken] = simulator.messages('twilio');
    expect(accepted).toEqual({ providerMessageId: normalise(taken?.id), parts: 1 });
    await waitFor(() => receiver.received.length === 2);
    expect(receiver.received.map((hook) => hook.result.status)).toEqual([200, 200]);
    expect(receiver.received.flatMap((hook) => hook.result.receipts)).toEqual([
      { providerMessageId: accepted.providerMessageId, state: 'enroute', errorCode: undefined },
      { providerMessageId: accepted.providerMessageId, state: 'delivered', errorCode: undefined },
    ]);
    expect(receiver.received[1]?.result.correlations).toEqual([{ attemptId: 'att-1', providerMessageId: accepted.providerMessageId }]);
  });

  it('reports an undelivered message as failed with Twilio error 30003', async () => {
    simulator.updateBehaviour({ smsOutcome: 'undelivered' });
    await twilio().sms.submit(message);
    await waitFor(() => receiver.received.length === 2);
    expect(receiver.received[1]?.result.receipts[0]).toMatchObject({ state: 'failed', errorCode: '30003' });
  });

  it('sends MessagingServiceSid instead of From when a messaging service is set', async () => {
    await twilio({ from: undefined, messagingServiceSid: 'MG0123456789abcdef0123456789abcdef' }).sms.submit({ ...message, from: '' });
    const fields = new URLSearchParams(simulator.requests({ preset: 'twilio' })[0]?.body);
    expect(fields.get('MessagingServiceSid')).toBe('MG0123456789abcdef0123456789abcdef');
    expect(fields.has('From')).toBe(false);
  });

  describe('errors', () => {
    it("a number Twilio refuses (21211) is a permanent failure with Twilio's code", async () => {
      const error = await failure(twilio().sms.submit({ ...message, to: '+1234567' }));
      expect(error).toMatchObject({ retryable: false, outcomeUnknown: false, providerCode: '21211' });
      expect(simulator.messages()).toHaveLength(0);
    });

    it('a wrong auth token is a permanent 20003', async () => {
      expect(await failure(twilio({}, { authToken: 'wrong' }).sms.submit(message))).toMatchObject({ retryable: false, providerCode: '20003' });
    });

    it('429 is retried and then succeeds, one message sent', async () => {
      simulator.failNext('twilio', { kind: 'status', status: 429, retryAfterSeconds: 0 });
      await twilio().sms.submit(message);
      expect(simulator.requests({ preset: 'twilio' })).toHaveLength(2);
      expect(simulator.messages('twilio')).toHaveLength(1);
    });

    it('a 500 after the message was taken is retried under the same token: one message', async () => {
      simulator.failNext('twilio', { kind: 'status', status: 500, accept: true });
      const accepted = await twilio({ idempotencyToken: true }).sms.submit(message);
      expect(simulator.requests({ preset: 'twilio' })).toHaveLength(2);
      expect(simulator.messages('twilio')).toHaveLength(1);
      expect(accepted.providerMessageId).toBe(normalise(simulator.messages('twilio')[0]?.id));
    });

    it('a 500 without the idempotency token is outcome unknown and not retried', async () => {
      simulator.failNext('twilio', { kind: 'status', status: 500, accept: true });
      expect(await failure(twilio({ idempotencyToken: false }).sms.submit(message))).toMatchObject({ outcomeUnknown: true, retryable: false, providerCode: '20500' });
      expect(simulator.requests({ preset: 'twilio' })).toHaveLength(1);
    });

    it('a timeout is retried under the same token and Twilio answers with the first SID: one message', async () => {
      simulator.failNext('twilio', { kind: 'delay', ms: 600 });
      const accepted = await twilio({ idempotencyToken: true }).sms.submit(message);
      expect(simulator.requests({ preset: 'twilio' })).toHaveLength(2);
      expect(simulator.messages('twilio')).toHaveLength(1);
      expect(accepted.providerMessageId).toBe(normalise(simulator.messages('twilio')[0]?.id));
    });

    it('a timeout without the token is outcome unknown, not retried, and the receipt still names the attempt', async () => {
      simulator.failNext('twilio', { kind: 'delay', ms: 600 });
      expect(await failure(twilio({ idempotencyToken: false }).sms.submit(message))).toMatchObject({ outcomeUnknown: true });
      expect(simulator.requests({ preset: 'twilio' })).toHaveLength(1);
      await waitFor(() => receiver.received.length === 2);
      expect(receiver.received[1]?.result.correlations).toEqual([{ attemptId: 'att-1', providerMessageId: normalise(simulator.messages('twilio')[0]?.id) }]);
    });

    it('a connection refused is retryable and not connected: nothing was sent', async () => {
      const port = await closedPort();
      expect(await failure(twilio({ baseUrl: `http://127.0.0.1:${port}` }).sms.submit(message))).toMatchObject({ retryable: true, notConnected: true, outcomeUnknown: false });
    });
  });
});
