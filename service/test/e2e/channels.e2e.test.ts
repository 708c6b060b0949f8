import { status } from '@grpc/grpc-js';
import type { ListAppsResponse, UpdateAppResponse } from '@switchboard/proto/switchboard/v1/admin';
import { Channel } from '@switchboard/proto/switchboard/v1/channel';
import { DeliveryStatus, type SendCodeRequest } from '@switchboard/proto/switchboard/v1/verify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpServer, type RunningSmtpServer } from '../../src/providers/email/smtp-fixtures.js';
import { twilioSignature } from '../../src/providers/http/webhook-signatures.js';
import { DEFAULT_SIM_ACCOUNTS, HttpProviderSimulator } from '@switchboard/simulators/http';
import { adminClient } from '../support/admin-client.js';
import { databaseTargets, startTestSystem, verifyApi, waitFor, type TestSystem, type VerifyApi } from '../support/test-system.js';
import { rejection } from '../support/waiting.js';

const twilio = DEFAULT_SIM_ACCOUNTS.twilio;

let numberSeq = 40;
/** A fresh valid German mobile number per test, so send limits never leak between tests. */
function freshNumber(): string {
  numberSeq += 1;
  return `+49151123456${String(numberSeq).padStart(2, '0')}`;
}

function sendRequest(overrides: Partial<SendCodeRequest>): SendCodeRequest {
  return { to: '', channel: Channel.CHANNEL_SMS, locale: '', codeLength: 0, templateName: '', brand: '', idempotencyKey: '', appHash: '', email: '', ...overrides };
}


/** POSTs form parameters signed as Twilio signs them (or with `signature` instead). */
async function postAsTwilio(url: string, params: [string, string][], signature?: string): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature ?? twilioSignature(twilio.authToken, url, params) },
    body: new URLSearchParams(params).toString(),
  });
}

/** The code in an e-mail the built-in template wrote ("… code is 123456."). */
function codeInMail(raw: string): string {
  const match = /code is (\d{4,10})\./.exec(raw);
  if (!match?.[1]) throw new Error('no code in the e-mail');
  return match[1];
}

describe.each(databaseTargets())('voice and e-mail channels, HTTP providers and webhooks on $name', ({ url }) => {
  let system: TestSystem;
  let api: VerifyApi;
  let simulator: HttpProviderSimulator;
  let smtp: RunningSmtpServer;

  const attempts = async (verificationId: string) =>
    system.switchboard.database.em.fork().execute<{ provider: string; channel: string; status: string; error_code: string | null }[]>(
      `select p.name as provider, a.channel, a.status, a.error_code from attempt a
         join message m on m.id = a.message_id join provider p on p.id = a.provider_id
        where m.verification_id = ? order by a.created_at, a.step`,
      [verificationId],
    );

  beforeAll(async () => {
    // Calls take long enough between steps for a test to fetch the answer document by hand.
    simulator = new HttpProviderSimulator({ behaviour: { receiptDelayMs: 50, callOutcome: 'busy', callStepDelayMs: 400 } });
    await simulator.start();
    smtp = await startSmtpServer();
    const twilioSettings = { preset: 'twilio', accountSid: twilio.accountSid, from: '+15005550006', baseUrl: simulator.url };
    system = await startTestSystem({
      databaseUrl: url,
      env: { MAX_SENDS_PER_NUMBER: '3', RESEND_COOLDOWN_SECONDS: '2' },
      providerRows: [
        { name: 'twilio-sms', kind: 'http', channels: ['sms'], settings: twilioSettings, credentials: { authToken: twilio.authToken } },
        { name: 'twilio-voice', kind: 'voice', channels: ['voice'], settings: twilioSettings, credentials: { authToken: twilio.authToken } },
        { name: 'mail', kind: 'email', channels: ['email'], settings: { host: '127.0.0.1', port: String(smtp.port), ignoreTLS: 'true', from: 'verify@shop.example.com' }, credentials: {} },
      ],
      defaultRule: {
        candidates: ['smsc-a', 'twilio-voice', 'mail'],
        fallback: [
          { provider: 'twilio-voice', channel: 'voice', receiptTimeoutSeconds: 30 },
          { provider: 'mail', channel: 'email', receiptTimeoutSeconds: 30 },
        ],
      },
      // North American numbers go out over Twilio's SMS API.
      rules: [{ name: 'nanp', priority: 10, prefixes: ['1'], candidates: ['twilio-sms'] }],
    });
    api = verifyApi(system.client, system.apiKey);
  });

  afterAll(async () => {
    await system.stop();
    await simulator.stop();
    await smtp.close();
  });

  it('falls back SMS → voice call reading the spaced code → e-mail with the code, each step an attempt', async () => {
    const to = freshNumber();
    const email = 'jane.doe@example.com';
    system.smsc.failNextSubmits(1, 'ESME_RINVDSTADR');
    const { verification } = await api.sendCode(sendRequest({ to, email }));
    const id = verification?.id ?? '';

    await waitFor(() => simulator.calls('twilio').some((call) => call.to === to), 'the voice call to be placed');
    const call = simulator.calls('twilio').find((candidate) => candidate.to === to);
    const answerUrl = call?.answerUrl ?? '';
    expect(answerUrl.startsWith(`${system.switchboard.publicBaseUrl}/voice/answer/`)).toBe(true);
    const params: [string, string][] = [['AccountSid', twilio.accountSid], ['CallSid', call?.id ?? ''], ['CallStatus', 'in-progress']];
    // Only the provider, signing its request, hears the code; any refusal is a plain 404.
    expect((await postAsTwilio(answerUrl, params, 'bm90IGEgc2lnbmF0dXJl')).status).toBe(404);
    const answer = await postAsTwilio(answerUrl, params);
    expect(answer.status).toBe(200);
    const document = await answer.text();
    const spoken = /code is: (\d(?:, \d){5})\./.exec(document)?.[1] ?? '';
    expect(spoken).not.toBe('');
    expect(document).toContain('<Say language="en-US">');

    // The simulated callee is busy: the call fails and the e-mail step sends the same code.
    await waitFor(() => smtp.received.some((mail) => mail.rcptTo.includes(email)), 'the e-mail at the SMTP server', 15_000);
    const mail = smtp.received.find((candidate) => candidate.rcptTo.includes(email));
    const code = codeInMail(mail?.raw ?? '');
    expect(spoken.replaceAll(', ', '')).toBe(code);

    await waitFor(async () => (await api.getVerification({ verificationId: id })).verification?.deliveryStatus === DeliveryStatus.DELIVERY_STATUS_DELIVERED, 'delivery');
    expect(await attempts(id)).toEqual([
      { provider: 'smsc-a', channel: 'sms', status: 'failed', error_code: expect.any(String) as string },
      { provider: 'twilio-voice', channel: 'voice', status: 'failed', error_code: 'busy' },
      { provider: 'mail', channel: 'email', status: 'delivered', error_code: null },
    ]);
    expect((await api.verifyCode({ target: { $case: 'verificationId', value: id }, code })).approved).toBe(true);
    // The call's answer URL dies with the attempt.
    expect((await postAsTwilio(answerUrl, params)).status).toBe(404);
  }, 30_000);

  it('passes over an e-mail step when the verification has no address, recording why', async () => {
    const to = freshNumber();
    system.smsc.failNextSubmits(1, 'ESME_RINVDSTADR');
    const { verification } = await api.sendCode(sendRequest({ to }));
    const id = verification?.id ?? '';
    await waitFor(async () => (await api.getVerification({ verificationId: id })).verification?.deliveryStatus === DeliveryStatus.DELIVERY_STATUS_FAILED, 'the message to fail', 15_000);
    expect((await attempts(id)).map((attempt) => attempt.channel)).toEqual(['sms', 'voice']);
    const [message] = await system.switchboard.database.em.fork().execute<{ last_error: string }[]>('select last_error from message where verification_id = ?', [id]);
    expect(message?.last_error).toContain('no e-mail address');
  }, 30_000);

  it('resends on VOICE for a pending verification: same verification, one more send, failures kept, cooldown and limits enforced', async () => {
    const to = freshNumber();
    const first = (await api.sendCode(sendRequest({ to }))).verification;
    const id = first?.id ?? '';
    await waitFor(() => system.smsc.inbox({ to }).length === 1, 'the SMS');
    const wrong = await api.verifyCode({ target: { $case: 'verificationId', value: id }, code: '000000' });
    const remaining = wrong.verification?.attemptsRemaining;

    // Within the 2 s cooldown a resend, on any channel, is refused and nothing is sent.
    const early = await rejection(api.sendCode(sendRequest({ to, channel: Channel.CHANNEL_VOICE })));
    expect(early.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(early.details).toMatch(/resends must be 2 s apart/);
    const retryAfterMs = Number(early.metadata.get('retry-after-ms')[0]);
    expect(retryAfterMs).toBeGreaterThan(0);
    expect(retryAfterMs).toBeLessThanOrEqual(2000);
    expect((await api.getVerification({ verificationId: id })).verification?.sendCount).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, retryAfterMs + 50));

    const voice = (await api.sendCode(sendRequest({ to, channel: Channel.CHANNEL_VOICE }))).verification;
    expect(voice).toMatchObject({ id, sendCount: 2, channel: Channel.CHANNEL_VOICE, attemptsRemaining: remaining });
    await waitFor(() => simulator.calls('twilio').some((call) => call.to === to), 'the voice call');

    await new Promise((resolve) => setTimeout(resolve, 2050));
    const again = (await api.sendCode(sendRequest({ to, channel: Channel.CHANNEL_VOICE }))).verification;
    expect(again).toMatchObject({ id, sendCount: 3 });
    await new Promise((resolve) => setTimeout(resolve, 2050));
    const limited = await rejection(api.sendCode(sendRequest({ to, channel: Channel.CHANNEL_VOICE })));
    expect(limited.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(limited.details).toMatch(/at most 3 codes/);
    expect((await api.getVerification({ verificationId: id })).verification).toMatchObject({ sendCount: 3, attemptsRemaining: remaining });
  }, 30_000);

  it('answers a repeated idempotency key within the cooldown with the earlier verification, not a refusal', async () => {
    const to = freshNumber();
    const request = sendRequest({ to, idempotencyKey: `cooldown-${to}` });
    const first = (await api.sendCode(request)).verification;
    const again = (await api.sendCode(request)).verification;
    expect(again).toMatchObject({ id: first?.id, sendCount: 1 });
    // A new request within the cooldown is a resend, and refused.
    const resend = await rejection(api.sendCode(sendRequest({ to })));
    expect(resend.code).toBe(status.RESOURCE_EXHAUSTED);
    await waitFor(() => system.smsc.inbox({ to }).length === 1, 'the one SMS');
  });

  it('sends a code by e-mail on CHANNEL_EMAIL, and refuses CHANNEL_EMAIL without a usable address', async () => {
    const to = freshNumber();
    const email = 'max.mustermann@example.org';
    const { verification } = await api.sendCode(sendRequest({ to, channel: Channel.CHANNEL_EMAIL, email, locale: 'de' }));
    expect(verification?.channel).toBe(Channel.CHANNEL_EMAIL);
    await waitFor(() => smtp.received.some((mail) => mail.rcptTo.includes(email)), 'the e-mail');
    const raw = smtp.received.find((mail) => mail.rcptTo.includes(email))?.raw ?? '';
    const code = /lautet (\d{6})\./.exec(raw)?.[1] ?? '';
    expect(code).toMatch(/^\d{6}$/);
    expect((await api.verifyCode({ target: { $case: 'verificationId', value: verification?.id ?? '' }, code })).approved).toBe(true);

    const without = await rejection(api.sendCode(sendRequest({ to: freshNumber(), channel: Channel.CHANNEL_EMAIL })));
    expect(without.code).toBe(status.INVALID_ARGUMENT);
    expect(without.details).toMatch(/^email: /);
    const malformed = await rejection(api.sendCode(sendRequest({ to: freshNumber(), channel: Channel.CHANNEL_EMAIL, email: 'a@b, c@d.com' })));
    expect(malformed.code).toBe(status.INVALID_ARGUMENT);
    expect(malformed.details).toMatch(/^email: /);
  }, 30_000);

  it("mails a code in the app's own e-mail template for the verification's locale, set over AdminService", async () => {
    const admin = adminClient(system.switchboard.grpcPort);
    try {
      const other = (await admin.call<ListAppsResponse>('listApps', {})).apps.find((app) => app.name === 'other');
      const emailTemplates = {
        de: { subject: 'Anmeldung bei {brand}', text: 'Code {code}, {minutes} Minuten gueltig.', html: '<p>{brand}: <b>{code}</b></p>' },
        en: { subject: 'Sign in to {brand}', text: 'Code {code}, valid for {minutes} minutes.', html: '<p>{brand}: <b>{code}</b></p>' },
      };
      const { app } = await admin.call<UpdateAppResponse>('updateApp', { app: { ...other, emailTemplates } });
      expect(app?.emailTemplates).toEqual(emailTemplates);

      const email = 'erika@example.de';
      const otherApi = verifyApi(system.client, system.otherApiKey);
      const { verification } = await otherApi.sendCode(sendRequest({ to: freshNumber(), channel: Channel.CHANNEL_EMAIL, email, locale: 'de-AT', brand: 'R&D <Team>' }));
      await waitFor(() => smtp.received.some((mail) => mail.rcptTo.includes(email)), 'the e-mail');
      const raw = smtp.received.find((mail) => mail.rcptTo.includes(email))?.raw ?? '';
      expect(/^Subject: (.*)$/m.exec(raw)?.[1]).toBe('Anmeldung bei R&D <Team>');
      const code = /Code (\d{6}), \d+ Minuten gueltig\./.exec(raw)?.[1] ?? '';
      expect(code).toMatch(/^\d{6}$/);
      // The brand is the caller's text: escaped in the HTML part, never markup.
      expect(raw).toContain(`<p>R&amp;D &lt;Team&gt;: <b>${code}</b></p>`);
      expect((await otherApi.verifyCode({ target: { $case: 'verificationId', value: verification?.id ?? '' }, code })).approved).toBe(true);
    } finally {
      admin.close();
    }
  }, 30_000);

  describe('webhooks', () => {
    const usNumber = '+14155552671';
    const webhook = () => `${system.switchboard.publicBaseUrl}/webhooks/twilio-sms`;

    it('a signed report delivers the attempt; a bad signature is 403 and a replay or late report changes nothing', async () => {
      simulator.updateBehaviour({ smsOutcomeByDestination: { [usNumber]: 'none' } });
      const { verification } = await api.sendCode(sendRequest({ to: usNumber }));
      const id = verification?.id ?? '';
      await waitFor(async () => (await attempts(id)).some((attempt) => attempt.status === 'submitted'), 'the submit over the Twilio API');
      const sid = simulator.messages('twilio').find((message) => message.to === usNumber)?.id ?? '';
      const [row] = await system.switchboard.database.em.fork().execute<{ id: string }[]>(
        'select a.id from attempt a join message m on m.id = a.message_id where m.verification_id = ?',
        [id],
      );
      const callback = `${webhook()}?attempt=${row?.id ?? ''}`;
      const delivered: [string, string][] = [['AccountSid', twilio.accountSid], ['MessageSid', sid], ['MessageStatus', 'delivered']];

      const forged = await postAsTwilio(callback, delivered, 'Zm9yZ2Vk');
      expect(forged.status).toBe(403);
      expect((await attempts(id))[0]?.status).toBe('submitted');

      expect((await postAsTwilio(callback, delivered)).status).toBe(200);
      await waitFor(async () => (await attempts(id))[0]?.status === 'delivered', 'the attempt to be delivered');

      expect((await postAsTwilio(callback, delivered)).status).toBe(200);
      const late: [string, string][] = [['AccountSid', twilio.accountSid], ['MessageSid', sid], ['MessageStatus', 'undelivered'], ['ErrorCode', '30003']];
      expect((await postAsTwilio(callback, late)).status).toBe(200);
      expect(await attempts(id)).toEqual([{ provider: 'twilio-sms', channel: 'sms', status: 'delivered', error_code: null }]);
      expect((await api.getVerification({ verificationId: id })).verification?.deliveryStatus).toBe(DeliveryStatus.DELIVERY_STATUS_DELIVERED);
    });

    it('answers 404 for a provider without a webhook and for an unknown one', async () => {
      expect((await postAsTwilio(`${system.switchboard.publicBaseUrl}/webhooks/nobody`, [])).status).toBe(404);
      expect((await postAsTwilio(`${system.switchboard.publicBaseUrl}/webhooks/smsc-a`, [])).status).toBe(404);
    });
  });
});
