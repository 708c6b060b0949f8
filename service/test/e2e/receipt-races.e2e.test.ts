import { Channel } from '@switchboard/proto/switchboard/v1/channel';
import { DeliveryStatus, type SendCodeRequest } from '@switchboard/proto/switchboard/v1/verify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SIM_ACCOUNTS, HttpProviderSimulator } from '@switchboard/simulators/http';
import { databaseTargets, startTestSystem, verifyApi, waitFor, type TestSystem, type VerifyApi } from '../support/test-system.js';

/**
 * Receipts that race the write of their submit's result. Each case has a fallback step on a
 * second SMSC and a short receipt timeout: a receipt that is lost or applied to the wrong message
 * lets its attempt expire, and the code goes out a second time through the fallback.
 */
const RECEIPT_TIMEOUT_SECONDS = 2;
/** Long enough after the receipt timeout for a wrongly expired attempt to have fallen back. */
const SETTLE_MS = RECEIPT_TIMEOUT_SECONDS * 1000 + 1500;

function sendRequest(to: string): SendCodeRequest {
  return { to, channel: Channel.CHANNEL_SMS, locale: '', codeLength: 0, templateName: '', brand: '', idempotencyKey: '', appHash: '', email: '' };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(databaseTargets())('receipts racing their submit on $name', ({ url }) => {
  let system: TestSystem;
  let api: VerifyApi;
  let http: HttpProviderSimulator;
  const twilio = DEFAULT_SIM_ACCOUNTS.twilio;

  beforeAll(async () => {
    http = new HttpProviderSimulator({ behaviour: { receiptDelayMs: 0 } });
    await http.start();
    system = await startTestSystem({
      databaseUrl: url,
      smscCount: 2,
      env: { RECEIPT_TIMEOUT_SECONDS: String(RECEIPT_TIMEOUT_SECONDS) },
      providerRows: [
        {
          name: 'twilio-sms',
          kind: 'http',
          channels: ['sms'],
          settings: { preset: 'twilio', accountSid: twilio.accountSid, from: '+15005550006', baseUrl: http.url },
          credentials: { authToken: twilio.authToken },
        },
      ],
      defaultRule: { candidates: ['smsc-a'], fallback: [{ provider: 'smsc-b', channel: 'sms', receiptTimeoutSeconds: RECEIPT_TIMEOUT_SECONDS }] },
      rules: [{ name: 'nanp', priority: 10, prefixes: ['1'], candidates: ['twilio-sms'], fallback: [{ provider: 'smsc-b', channel: 'sms', receiptTimeoutSeconds: RECEIPT_TIMEOUT_SECONDS }] }],
    });
    api = verifyApi(system.client, system.apiKey);
  });

  afterAll(async () => {
    await system.stop();
    await http.stop();
  });

  const deliveryOf = async (id: string) => (await api.getVerification({ verificationId: id })).verification?.deliveryStatus;

  it('settles an HTTP attempt whose signed report arrived before the provider answered the submit', async () => {
    const to = '+14155552671';
    // The provider takes the message and reports it at once, but answers the request 600 ms later.
    http.failNext('twilio', { kind: 'delay', ms: 600 });

    const { verification } = await api.sendCode(sendRequest(to));
    const id = verification?.id ?? '';
    await waitFor(async () => (await deliveryOf(id)) === DeliveryStatus.DELIVERY_STATUS_DELIVERED, 'the report to deliver the code');
    await pause(SETTLE_MS);

    expect(await deliveryOf(id)).toBe(DeliveryStatus.DELIVERY_STATUS_DELIVERED);
    expect(http.messages('twilio').filter((message) => message.to === to)).toHaveLength(1);
    expect(system.smscs[1]?.inbox({ to })).toEqual([]);
  });

  it('gives a receipt for a reused message id to the new message, not to the open one that had the id before', async () => {
    const [smsc] = system.smscs;
    if (!smsc) throw new Error('no SMSC');
    const earlier = '+4915112340001';
    const later = '+4915112340002';
    // The SMSC issues ids from a counter; the first message's receipt never comes, so its part stays open.
    smsc.updateBehaviour({ messageIdSequence: 7000, messageIdFormat: 'decimal', receiptsByDestination: { [earlier.slice(1)]: 'drop' }, receiptDelayMs: 0 });
    const first = await api.sendCode(sendRequest(earlier));
    await waitFor(() => smsc.inbox({ to: earlier }).length === 1, 'the first message at the SMSC');
    await waitFor(async () => (await deliveryOf(first.verification?.id ?? '')) === DeliveryStatus.DELIVERY_STATUS_SUBMITTED, 'the first submit to be recorded');

    // The SMSC restarts its counter, and its receipt for the new message overtakes the submit answer.
    smsc.updateBehaviour({ messageIdSequence: 7000, lateSubmitResponseMs: 300 });
    const second = await api.sendCode(sendRequest(later));
    const secondId = second.verification?.id ?? '';
    await waitFor(async () => (await deliveryOf(secondId)) === DeliveryStatus.DELIVERY_STATUS_DELIVERED, 'the second code to be delivered', 15_000);
    await pause(SETTLE_MS);

    expect(smsc.inbox({ to: later }).map((message) => message.id)).toEqual(['7000']);
    expect(await deliveryOf(secondId)).toBe(DeliveryStatus.DELIVERY_STATUS_DELIVERED);
    expect(system.smscs[1]?.inbox({ to: later })).toEqual([]);
    // The first message's receipt never came: its attempt expired and it fell back, as it should.
    expect(system.smscs[1]?.inbox({ to: earlier })).toHaveLength(1);
    smsc.updateBehaviour({ messageIdSequence: null, lateSubmitResponseMs: 0, receiptsByDestination: {} });
  });

  it.skipIf(url === undefined)('applies an SMPP receipt that another replica received before this one recorded the submit', async () => {
    const [smsc] = system.smscs;
    if (!smsc) throw new Error('no SMSC');
    const replica = await system.startReplica();
    await waitFor(() => smsc.boundSessionCount() >= 2, 'the second replica to bind');
    // Receipts go out on the other replica's bind, before the submit is answered.
    smsc.updateBehaviour({ receiptSession: 'other', lateSubmitResponseMs: 300, receiptDelayMs: 0 });
    try {
      const numbers = ['+4915112340011', '+4915112340012', '+4915112340013'];
      const ids = await Promise.all(numbers.map(async (to) => (await api.sendCode(sendRequest(to))).verification?.id ?? ''));
      for (const id of ids) await waitFor(async () => (await deliveryOf(id)) === DeliveryStatus.DELIVERY_STATUS_DELIVERED, 'every code to be delivered', 15_000);
      await pause(SETTLE_MS);

      for (const id of ids) expect(await deliveryOf(id)).toBe(DeliveryStatus.DELIVERY_STATUS_DELIVERED);
      for (const to of numbers) {
        expect(smsc.inbox({ to })).toHaveLength(1);
        expect(system.smscs[1]?.inbox({ to })).toEqual([]);
      }
      expect(replica.grpcPort).toBeGreaterThan(0);
    } finally {
      smsc.updateBehaviour({ receiptSession: 'submitting', lateSubmitResponseMs: 0 });
    }
  });
});
