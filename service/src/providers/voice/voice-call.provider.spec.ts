import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { voiceAnswerHandler, webhookHandler } from '../../http-server/provider-webhooks.js';
import { HttpServer } from '../../http-server/http-server.js';
import { DEFAULT_SIM_ACCOUNTS, HttpProviderSimulator, type RecordedRequest } from '@switchboard/simulators/http';
import { waitFor } from '../../../test/support/waiting.js';
import { providerFailure as failure } from '../provider-fixtures.js';
import { createHttpProviders } from '../http/http-presets.js';
import type { ProviderEndpoints } from '../provider-kind.js';
import { normaliseProviderMessageId, type DeliveryReceipt, type LateAcceptance, type OtpContent, type OutboundSms } from '../channel-provider.js';
import { VOICE_ANSWER_CONTENT_TYPE } from './answer-document.js';
import { deriveAnswerTokenKey, verifyAnswerToken } from './voice-answer-token.js';
import { MAX_ANSWER_URL_LIFETIME_MS, VoiceCallProvider, webhookUrl, type VoiceCallProviderOptions } from './voice-call.provider.js';
import { silentLogger } from '../../shared/logger.js';

const PUBLIC_BASE_URL = 'https://verify.example.com';
const KEY = deriveAnswerTokenKey(Buffer.alloc(32, 3));
const NOW = new Date('2026-11-22T10:00:00.000Z');
const CODE = '482913';
const TO = '+4915112345678';
const TWILIO = DEFAULT_SIM_ACCOUNTS.twilio;
const PLIVO = DEFAULT_SIM_ACCOUNTS.plivo;
const TWILIO_CALLER_ID = '+15005550006';
const quiet = silentLogger;

function otp(overrides: Partial<OtpContent> = {}): OtpContent {
  return { code: CODE, locale: 'de', defaultLocale: 'en', brand: 'Acme', ttlSeconds: 600, ...overrides };
}

function message(overrides: Partial<OutboundSms> = {}): OutboundSms {
  // The SMS sender id and text are what an SMS step would have used; a call must use neither.
  return { messageId: 'msg-1', attemptId: randomUUID(), to: TO, from: 'ACME', text: `Your code is ${CODE}`, otp: otp(), ...overrides };
}

/** The form fields of a recorded Twilio request. */
function fields(request: RecordedRequest | undefined): URLSearchParams {
  return new URLSearchParams(request?.body ?? '');
}

/** The token in an answer URL, after checking the URL is the service's answer endpoint. */
function tokenOf(answerUrl: string, base = PUBLIC_BASE_URL): string {
  const prefix = `${base}/voice/answer/`;
  expect(answerUrl.startsWith(prefix)).toBe(true);
  const token = answerUrl.slice(prefix.length);
  expect(token).toMatch(/^[A-Za-z0-9_.-]+$/);
  return token;
}

describe('VoiceCallProvider', () => {
  let simulator: HttpProviderSimulator;
  const cleanups: (() => Promise<void>)[] = [];

  beforeEach(async () => {
    // The simulated call's later steps (answer fetch, callbacks) wait long enough never to run
    // before the test ends; the test that follows a whole call shortens them.
    simulator = new HttpProviderSimulator({ behaviour: { callStepDelayMs: 60_000 } });
    await simulator.start();
  });

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await simulator.stop();
  });

  function twilioVoice(options: { name?: string; publicBaseUrl?: string; now?: () => Date } = {}): VoiceCallProvider {
    const name = options.name ?? 'twilio-voice';
    const publicBaseUrl = options.publicBaseUrl ?? PUBLIC_BASE_URL;
    // Built as the provider factory builds a voice row: the preset's call API and webhook config.
    const set = createHttpProviders(
      {
        name,
        preset: 'twilio',
        settings: { accountSid: TWILIO.accountSid, from: TWILIO_CALLER_ID, baseUrl: simulator.url, timeoutMs: 1_000, retryBaseDelayMs: 1 },
        credentials: { authToken: TWILIO.authToken },
      },
      { callbackUrl: webhookUrl(publicBaseUrl, name) },
    );
    if (set.call === undefined) throw new Error('twilio has a call API');
    const provider = new VoiceCallProvider({
      name,
      call: set.call,
      webhook: set.webhook,
      answerFormat: 'twiml',
      publicBaseUrl,
      answerTokenKey: KEY,
      now: options.now ?? (() => NOW),
    });
    cleanups.push(() => provider.stop());
    return provider;
  }

  function plivoVoice(): VoiceCallProvider {
    const set = createHttpProviders(
      {
        name: 'plivo-voice',
        preset: 'plivo',
        settings: { authId: PLIVO.authId, from: '+14155550199', baseUrl: simulator.url, timeoutMs: 1_000, retryBaseDelayMs: 1 },
        credentials: { authToken: PLIVO.authToken },
      },
      { callbackUrl: webhookUrl(PUBLIC_BASE_URL, 'plivo-voice') },
    );
    if (set.call === undefined) throw new Error('plivo has a call API');
    const options: VoiceCallProviderOptions = {
      name: 'plivo-voice',
      call: set.call,
      webhook: set.webhook,
      answerFormat: 'plivo',
      publicBaseUrl: PUBLIC_BASE_URL,
      answerTokenKey: KEY,
      now: () => NOW,
    };
    const provider = new VoiceCallProvider(options);
    cleanups.push(() => provider.stop());
    return provider;
  }

  function callRequests(preset: 'twilio' | 'plivo'): RecordedRequest[] {
    return simulator.requests({ preset, route: 'calls' });
  }

  describe('placing a call over Twilio', () => {
    it("calls the message's number from the provider's caller id, not the SMS sender id", async () => {
      const provider = twilioVoice();
      await provider.start();

      const accepted = await provider.submit(message());

      const [request] = callRequests('twilio');
      expect(fields(request).get('To')).toBe(TO);
      expect(fields(request).get('From')).toBe(TWILIO_CALLER_ID);
      const [call] = simulator.calls('twilio');
      expect(call).toMatchObject({ to: TO, from: TWILIO_CALLER_ID });
      // The call is one unit however long the code is, and its receipts carry the call's sid.
      expect(accepted).toEqual({ providerMessageId: normaliseProviderMessageId(call?.id ?? ''), parts: 1 });
    });

    it('points the answer URL at the service, with a token naming this attempt', async () => {
      const attemptId = randomUUID();

      await twilioVoice().submit(message({ attemptId, validUntil: new Date(NOW.getTime() + 5 * 60_000) }));

      const answerUrl = fields(callRequests('twilio')[0]).get('Url') ?? '';
      expect(verifyAnswerToken(tokenOf(answerUrl), KEY, NOW)).toEqual({ ok: true, attemptId });
      expect(simulator.calls('twilio')[0]?.answerUrl).toBe(answerUrl);
    });

    it('gives every attempt its own answer URL', async () => {
      const provider = twilioVoice();
      const first = randomUUID();
      const second = randomUUID();

      await provider.submit(message({ attemptId: first }));
      await provider.submit(message({ attemptId: second }));

      const tokens = callRequests('twilio').map((request) => tokenOf(fields(request).get('Url') ?? ''));
      expect(tokens[0]).not.toBe(tokens[1]);
      expect(tokens.map((token) => verifyAnswerToken(token, KEY, NOW))).toEqual([
        { ok: true, attemptId: first },
        { ok: true, attemptId: second },
      ]);
    });

    it('signs the answer URL with its own key: another key does not accept it', async () => {
      await twilioVoice().submit(message());

      const token = tokenOf(fields(callRequests('twilio')[0]).get('Url') ?? '');
      expect(verifyAnswerToken(token, deriveAnswerTokenKey(Buffer.alloc(32, 4)), NOW)).toEqual({ ok: false, reason: 'bad-signature' });
    });

    // Whoever holds the URL hears the code, so it must die with the code, and never live long.
    it.each([
      { case: 'a code valid for 5 minutes', validUntilMs: 5 * 60_000, expiresAfterMs: 5 * 60_000 },
      { case: 'a code valid for 2 hours', validUntilMs: 2 * 3_600_000, expiresAfterMs: MAX_ANSWER_URL_LIFETIME_MS },
      { case: 'a code valid for exactly the longest lifetime', validUntilMs: MAX_ANSWER_URL_LIFETIME_MS, expiresAfterMs: MAX_ANSWER_URL_LIFETIME_MS },
      { case: 'a message without validity', validUntilMs: undefined, expiresAfterMs: MAX_ANSWER_URL_LIFETIME_MS },
    ])('for $case, the answer URL expires at the earlier of its validity and 30 minutes', async ({ validUntilMs, expiresAfterMs }) => {
      const attemptId = randomUUID();
      const validUntil = validUntilMs === undefined ? undefined : new Date(NOW.getTime() + validUntilMs);

      await twilioVoice().submit(message({ attemptId, validUntil }));

      const token = tokenOf(fields(callRequests('twilio')[0]).get('Url') ?? '');
      const expiresAt = NOW.getTime() + expiresAfterMs;
      expect(verifyAnswerToken(token, KEY, new Date(expiresAt - 1))).toEqual({ ok: true, attemptId });
      expect(verifyAnswerToken(token, KEY, new Date(expiresAt))).toEqual({ ok: false, reason: 'expired' });
    });

    it('measures the lifetime from its own clock', async () => {
      const later = new Date(NOW.getTime() + 3_600_000);
      const attemptId = randomUUID();

      await twilioVoice({ now: () => later }).submit(message({ attemptId }));

      const token = tokenOf(fields(callRequests('twilio')[0]).get('Url') ?? '');
      const expiresAt = later.getTime() + MAX_ANSWER_URL_LIFETIME_MS;
      expect(verifyAnswerToken(token, KEY, new Date(expiresAt - 1))).toEqual({ ok: true, attemptId });
      expect(verifyAnswerToken(token, KEY, new Date(expiresAt))).toEqual({ ok: false, reason: 'expired' });
    });

    it("reports the call's progress to the provider's webhook, naming the attempt", async () => {
      const attemptId = randomUUID();

      await twilioVoice().submit(message({ attemptId }));

      const callback = new URL(fields(callRequests('twilio')[0]).get('StatusCallback') ?? '');
      expect(`${callback.origin}${callback.pathname}`).toBe(webhookUrl(PUBLIC_BASE_URL, 'twilio-voice'));
      expect([...callback.searchParams]).toEqual([['attempt', attemptId]]);
    });

    it('never puts the code into the call request', async () => {
      await twilioVoice().submit(message({ otp: otp({ code: CODE }) }));

      const [request] = callRequests('twilio');
      expect(request).toBeDefined();
      const everything = JSON.stringify(request);
      expect(everything).not.toContain(CODE);
      expect(everything).not.toContain(CODE.split('').join(', '));
      expect(decodeURIComponent(everything)).not.toContain(CODE);
    });

    it('refuses a message without a code before calling anyone, permanently', async () => {
      const provider = twilioVoice();

      const error = await failure(provider.submit(message({ otp: undefined })));

      expect(error).toMatchObject({ retryable: false, outcomeUnknown: false });
      expect(callRequests('twilio')).toHaveLength(0);
    });

    it("passes on the provider's refusal, and shows it in its status", async () => {
      const provider = twilioVoice();
      simulator.failNext('twilio', { kind: 'refuse', code: '21215', message: 'Geographic permission not enabled' });

      const error = await failure(provider.submit(message()));

      expect(error).toMatchObject({ retryable: false, providerCode: '21215' });
      expect(provider.status().lastError).toBe(error.message);
    });

    it('refuses calls once stopped, as not connected', async () => {
      const provider = twilioVoice();
      await provider.stop();

      const error = await failure(provider.submit(message()));

      expect(error).toMatchObject({ notConnected: true });
      expect(provider.status().connection).toBe('stopped');
      expect(callRequests('twilio')).toHaveLength(0);
    });
  });

  describe('placing a call over Plivo', () => {
    it('hands Plivo the same answer and hangup URLs, in its own fields', async () => {
      const attemptId = randomUUID();

      await plivoVoice().submit(message({ attemptId }));

      const body = JSON.parse(callRequests('plivo')[0]?.body ?? '{}') as Record<string, string>;
      expect(body.to).toBe(TO.slice(1));
      expect(verifyAnswerToken(tokenOf(body.answer_url ?? ''), KEY, NOW)).toEqual({ ok: true, attemptId });
      const hangup = new URL(body.hangup_url ?? '');
      expect(`${hangup.origin}${hangup.pathname}`).toBe(webhookUrl(PUBLIC_BASE_URL, 'plivo-voice'));
      expect(hangup.searchParams.get('attempt')).toBe(attemptId);
      expect(JSON.stringify(body)).not.toContain(CODE);
    });
  });

  describe('webhookUrl', () => {
    it('encodes the provider name as one path segment', () => {
      expect(webhookUrl('https://verify.example.com', 'twilio voice/eu?x=1')).toBe('https://verify.example.com/webhooks/twilio%20voice%2Feu%3Fx%3D1');
    });

    it('keeps a path the public base URL has', () => {
      expect(webhookUrl('https://example.com/switchboard', 'twilio-voice')).toBe('https://example.com/switchboard/webhooks/twilio-voice');
    });

    it("is where a provider with such a name reports its calls", async () => {
      const name = 'twilio voice/eu';
      const attemptId = randomUUID();

      await twilioVoice({ name }).submit(message({ attemptId }));

      const callback = new URL(fields(callRequests('twilio')[0]).get('StatusCallback') ?? '');
      expect(callback.pathname).toBe('/webhooks/twilio%20voice%2Feu');
      expect(callback.searchParams.get('attempt')).toBe(attemptId);
    });
  });

  describe('a whole call against the service endpoints', () => {
    it('the provider fetches the answer from the URL it was given, hears the code, and reports the call delivered', async () => {
      const acceptances: LateAcceptance[] = [];
      const receipts: DeliveryReceipt[] = [];
      const stored = new Map<string, { provider: string; otp: OtpContent | null }>();
      const running = new Map<string, ProviderEndpoints>();
      const server = new HttpServer(quiet);
      cleanups.push(() => server.close());
      const port = await server.listen('127.0.0.1', 0);
      const base = `http://127.0.0.1:${port}`;
      const endpoints = {
        endpoints: running,
        onReceipt: (_provider: string, receipt: DeliveryReceipt) => {
          receipts.push(receipt);
          return Promise.resolve();
        },
        onLateAcceptance: (_provider: string, acceptance: LateAcceptance) => {
          acceptances.push(acceptance);
          return Promise.resolve();
        },
        loadAnswer: (attemptId: string) => Promise.resolve(stored.get(attemptId) ?? null),
        answerTokenKey: KEY,
        publicBaseUrl: base,
        logger: quiet,
      };
      for (const method of ['GET', 'POST']) {
        server.route(method, '/webhooks/:provider', webhookHandler(endpoints));
        server.route(method, '/voice/answer/:token', voiceAnswerHandler(endpoints));
      }
      simulator.updateBehaviour({ callStepDelayMs: 5 });
      // The service's real clock: the answer endpoint checks the token against it.
      const provider = twilioVoice({ publicBaseUrl: base, now: () => new Date() });
      running.set(provider.name, { webhook: provider.webhook, answerFormat: provider.answerFormat });
      const attemptId = randomUUID();
      stored.set(attemptId, { provider: provider.name, otp: otp({ locale: 'de-AT' }) });

      const accepted = await provider.submit(message({ attemptId }));
      await waitFor(() => receipts.some((receipt) => receipt.state === 'delivered'));

      const answer = simulator.calls('twilio')[0]?.answer;
      expect(answer).toMatchObject({ status: 200, contentType: VOICE_ANSWER_CONTENT_TYPE });
      expect(answer !== undefined && 'body' in answer ? answer.body : '').toContain('<Say language="de-DE">Ihr Acme Bestätigungscode lautet: 4, 8, 2, 9, 1, 3.</Say>');
      expect(receipts.map((receipt) => receipt.state)).toEqual(['accepted', 'enroute', 'enroute', 'delivered']);
      expect(receipts.every((receipt) => receipt.providerMessageId === accepted.providerMessageId)).toBe(true);
      expect(acceptances).toHaveLength(4);
      expect(acceptances[0]).toEqual({ attemptId, part: 1, parts: 1, providerMessageId: accepted.providerMessageId });
    });
  });
});
