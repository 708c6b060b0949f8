import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SIM_ACCOUNTS, HttpProviderSimulator, type CallOutcome } from '@switchboard/simulators/http';
import type { HttpCallProvider, OutboundCall } from './http-call-provider.js';
import { normaliseProviderMessageId } from '../channel-provider.js';
import { startWebhookReceiver, type WebhookReceiver } from './http-fixtures.js';
import { waitFor } from '../../../test/support/waiting.js';
import { providerFailure as failure } from '../provider-fixtures.js';
import { createHttpProviders } from './http-presets.js';

/** How the provider reports a simulator id (lower case, leading zeros dropped). */
function normalise(id: string | undefined): string | undefined {
  return id === undefined ? undefined : normaliseProviderMessageId(id);
}

describe('HttpCallProvider', () => {
  let simulator: HttpProviderSimulator;
  let receiver: WebhookReceiver;
  const calls: HttpCallProvider[] = [];

  beforeEach(async () => {
    simulator = new HttpProviderSimulator({ behaviour: { callStepDelayMs: 5 } });
    await simulator.start();
  });

  afterEach(async () => {
    for (const call of calls.splice(0)) await call.stop();
    await simulator.stop();
    await receiver.close();
  });

  function call(attemptId: string): OutboundCall {
    return {
      messageId: 'msg-9',
      attemptId,
      to: '+4915112345678',
      from: '',
      answerUrl: `${receiver.url}/answer/${attemptId}`,
      statusCallbackUrl: `${receiver.url}/status/voice?attempt=${attemptId}`,
    };
  }

  describe('Twilio Calls API', () => {
    const account = DEFAULT_SIM_ACCOUNTS.twilio;

    async function twilio(settings: Record<string, unknown> = {}): Promise<HttpCallProvider> {
      receiver = await startWebhookReceiver({ kind: 'twilio', authToken: account.authToken }, 'twiml');
      const set = createHttpProviders(
        {
          name: 'twilio-voice',
          preset: 'twilio',
          settings: { accountSid: account.accountSid, from: '+15005550006', baseUrl: simulator.url, timeoutMs: 300, retryBaseDelayMs: 1, ...settings },
          credentials: { authToken: account.authToken },
        },
        { callbackUrl: `${receiver.url}/status/twilio-voice` },
      );
      if (set.call === undefined) throw new Error('twilio has a call provider');
      calls.push(set.call);
      return set.call;
    }

    it('places the call as Twilio documents: Calls.json with To, From, Url, StatusCallback and events', async () => {
      const placed = await (await twilio()).placeCall(call('att-v1'));
      const [request] = simulator.requests({ preset: 'twilio', route: 'calls' });
      expect(request).toMatchObject({ path: `/2010-04-01/Accounts/${account.accountSid}/Calls.json`, contentType: 'application/x-www-form-urlencoded' });
      // Off by default: Twilio does not document deduplicating REST creates on the token.
      expect(request?.headers['i-twilio-idempotency-token']).toBeUndefined();
      const fields = new URLSearchParams(request?.body);
      expect(Object.fromEntries(fields)).toMatchObject({
        To: '+4915112345678',
        From: '+15005550006',
        Url: `${receiver.url}/answer/att-v1`,
        Method: 'POST',
        StatusCallback: `${receiver.url}/status/voice?attempt=att-v1`,
        StatusCallbackMethod: 'POST',
      });
      expect(fields.getAll('StatusCallbackEvent')).toEqual(['initiated', 'ringing', 'answered', 'completed']);
      expect(placed.providerCallId).toBe(normalise(simulator.calls('twilio')[0]?.id));
    });

    it('the simulator fetches the TwiML (signed) and the signed callbacks end the attempt delivered', async () => {
      const placed = await (await twilio()).placeCall(call('att-v2'));
      await waitFor(() => receiver.received.length === 4);
      expect(receiver.answers).toHaveLength(1);
      expect(receiver.answers[0]?.verified).toBe(true);
      const answer = simulator.calls('twilio')[0]?.answer;
      expect(answer).toMatchObject({ status: 200 });
      expect(answer !== undefined && 'body' in answer ? answer.body : '').toContain('<Say language="en-US">Your Switchboard verification code is: 4, 8, 2, 9, 1, 3.</Say>');
      const receipts = receiver.received.flatMap((hook) => hook.result.receipts);
      expect(receipts.every((receipt) => receipt.providerMessageId === placed.providerCallId)).toBe(true);
      expect(receipts.map((receipt) => receipt.state)).toEqual(['accepted', 'enroute', 'enroute', 'delivered']);
      expect(receiver.received.at(-1)?.result.correlations).toEqual([{ attemptId: 'att-v2', providerMessageId: placed.providerCallId }]);
    });

    it.each<[CallOutcome, string]>([
      ['busy', 'busy'],
      ['no-answer', 'no-answer'],
      ['failed', 'failed'],
    ])('a %s call fetches no TwiML and ends the attempt failed', async (outcome, code) => {
      simulator.updateBehaviour({ callOutcome: outcome });
      await (await twilio()).placeCall(call('att-v3'));
      await waitFor(() => receiver.received.some((hook) => hook.result.receipts.some((receipt) => receipt.state === 'failed')));
      expect(receiver.answers).toHaveLength(0);
      expect(receiver.received.at(-1)?.result.receipts[0]).toMatchObject({ state: 'failed', errorCode: code });
    });

    it('a timeout is retried under the opted-in idempotency token: one call', async () => {
      simulator.failNext('twilio', { kind: 'delay', ms: 600 });
      await (await twilio({ idempotencyToken: true })).placeCall(call('att-v4'));
      expect(simulator.requests({ preset: 'twilio', route: 'calls' })).toHaveLength(2);
      expect(simulator.calls('twilio')).toHaveLength(1);
    });

    it('a refused call is permanent with the Twilio code', async () => {
      simulator.failNext('twilio', { kind: 'refuse', code: '21215', message: 'Geographic permission not enabled' });
      expect(await failure((await twilio()).placeCall(call('att-v5')))).toMatchObject({ retryable: false, providerCode: '21215' });
    });
  });

  describe('Plivo Call API', () => {
    const account = DEFAULT_SIM_ACCOUNTS.plivo;

    async function plivo(): Promise<HttpCallProvider> {
      receiver = await startWebhookReceiver({ kind: 'plivo', authToken: account.authToken }, 'plivo');
      const set = createHttpProviders(
        {
          name: 'plivo-voice',
          preset: 'plivo',
          settings: { authId: account.authId, from: '+14155550199', baseUrl: simulator.url, timeoutMs: 300, retryBaseDelayMs: 1 },
          credentials: { authToken: account.authToken },
        },
        { callbackUrl: `${receiver.url}/status/plivo-voice` },
      );
      if (set.call === undefined) throw new Error('plivo has a call provider');
      calls.push(set.call);
      return set.call;
    }

    it('places the call as Plivo documents: Call/ with from, to, answer_url, hangup_url', async () => {
      const placed = await (await plivo()).placeCall(call('att-p1'));
      const [request] = simulator.requests({ preset: 'plivo', route: 'calls' });
      expect(request).toMatchObject({ path: `/v1/Account/${account.authId}/Call/`, contentType: 'application/json' });
      expect(JSON.parse(request?.body ?? '')).toEqual({
        from: '14155550199',
        to: '4915112345678',
        answer_url: `${receiver.url}/answer/att-p1`,
        answer_method: 'POST',
        hangup_url: `${receiver.url}/status/voice?attempt=att-p1`,
        hangup_method: 'POST',
      });
      expect(placed.providerCallId).toBe(normalise(simulator.calls('plivo')[0]?.id));
    });

    it('the simulator fetches the Plivo XML (V3-signed) and the hangup callback ends the attempt delivered', async () => {
      const placed = await (await plivo()).placeCall(call('att-p2'));
      await waitFor(() => receiver.received.length === 1);
      expect(receiver.answers.map((answer) => answer.verified)).toEqual([true]);
      const answer = simulator.calls('plivo')[0]?.answer;
      expect(answer !== undefined && 'body' in answer ? answer.body : '').toContain('<Speak language="en-US">Your Switchboard verification code is: 4, 8, 2, 9, 1, 3.</Speak>');
      expect(receiver.received[0]?.result.receipts).toEqual([{ providerMessageId: placed.providerCallId, state: 'delivered', errorCode: undefined, doneAt: expect.any(Date) as Date }]);
      expect(receiver.received[0]?.result.correlations).toEqual([{ attemptId: 'att-p2', providerMessageId: placed.providerCallId }]);
    });

    it('a busy call ends the attempt failed with the hangup cause', async () => {
      simulator.updateBehaviour({ callOutcome: 'busy' });
      await (await plivo()).placeCall(call('att-p3'));
      await waitFor(() => receiver.received.length === 1);
      expect(receiver.answers).toHaveLength(0);
      expect(receiver.received[0]?.result.receipts[0]).toMatchObject({ state: 'failed', errorCode: 'USER_BUSY' });
    });

    it('a timeout is outcome unknown and not retried (no idempotency key)', async () => {
      simulator.failNext('plivo', { kind: 'delay', ms: 600 });
      expect(await failure((await plivo()).placeCall(call('att-p4')))).toMatchObject({ outcomeUnknown: true });
      expect(simulator.requests({ preset: 'plivo', route: 'calls' })).toHaveLength(1);
    });
  });
});
