import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { plivoV3Signature, twilioSignature, vonageSignature } from '../providers/http/webhook-signatures.js';
import type { ProviderDefinition } from '../persistence/provider.repository.js';
import { createProvider, type BuiltProvider, type ProviderContext } from '../providers/provider-factory.js';
import type { DeliveryReceipt, LateAcceptance, OtpContent } from '../providers/channel-provider.js';
import { VOICE_ANSWER_CONTENT_TYPE } from '../providers/voice/answer-document.js';
import { deriveAnswerTokenKey, signAnswerToken } from '../providers/voice/voice-answer-token.js';
import { DEFAULT_SIM_ACCOUNTS } from '@switchboard/simulators/http';
import { HttpServer } from './http-server.js';
import { voiceAnswerHandler, webhookHandler, type ProviderWebhookDeps } from './provider-webhooks.js';
import { silentLogger } from '../shared/logger.js';

/** Where providers reach the service from outside (a TLS proxy in front of the test server). */
const PUBLIC_BASE_URL = 'https://switchboard.example.com';
const ANSWER_TOKEN_KEY = deriveAnswerTokenKey(Buffer.alloc(32, 9));
const NOW = new Date('2026-11-22T10:00:00.000Z');
const TWILIO = DEFAULT_SIM_ACCOUNTS.twilio;
const PLIVO = DEFAULT_SIM_ACCOUNTS.plivo;
const VONAGE_SIGNATURE_SECRET = 'vonage-signature-secret';
const CALL_SID = 'CA0123456789abcdef0123456789ABCDEF';
const CODE = '123456';

type Params = [string, string][];

/** What the handlers handed to the dispatcher, in order. */
type Forwarded =
  | { readonly to: 'onLateAcceptance'; readonly provider: string; readonly acceptance: LateAcceptance }
  | { readonly to: 'onReceipt'; readonly provider: string; readonly receipt: DeliveryReceipt };

interface LogLine {
  readonly level: 'info' | 'warn';
  readonly obj: object;
  readonly msg: string;
}

interface Answer {
  readonly status: number;
  readonly body: string;
  readonly contentType: string | null;
}

const twilioSettings = { preset: 'twilio', accountSid: TWILIO.accountSid, from: '+15005550006' };
const DEFINITIONS: readonly Omit<ProviderDefinition, 'id' | 'enabled'>[] = [
  { name: 'twilio-voice', kind: 'voice', channels: ['voice'], settings: twilioSettings, credentials: { authToken: TWILIO.authToken } },
  { name: 'twilio eu/1', kind: 'voice', channels: ['voice'], settings: twilioSettings, credentials: { authToken: TWILIO.authToken } },
  { name: 'twilio-sms', kind: 'http', channels: ['sms'], settings: twilioSettings, credentials: { authToken: TWILIO.authToken } },
  {
    name: 'plivo-voice',
    kind: 'voice',
    channels: ['voice'],
    settings: { preset: 'plivo', authId: PLIVO.authId, from: '+14155550199' },
    credentials: { authToken: PLIVO.authToken },
  },
  {
    name: 'vonage-sms',
    kind: 'http',
    channels: ['sms'],
    settings: { preset: 'vonage', apiKey: 'abcd1234', from: 'ACME', signatureMethod: 'sha256' },
    credentials: { apiSecret: 'vonage-api-secret', signatureSecret: VONAGE_SIGNATURE_SECRET },
  },
  { name: 'mail', kind: 'email', channels: ['email'], settings: { host: '127.0.0.1', port: '2525', ignoreTLS: 'true', from: 'verify@acme.example' }, credentials: {} },
];

function otp(overrides: Partial<OtpContent> = {}): OtpContent {
  return { code: CODE, locale: 'de-AT', defaultLocale: 'en', brand: 'Acme', ttlSeconds: 600, ...overrides };
}

/** A valid answer token for `attemptId`, as the voice provider signs it when placing the call. */
function answerToken(attemptId: string, expiresAt = new Date(NOW.getTime() + 5 * 60_000), key = ANSWER_TOKEN_KEY): string {
  return signAnswerToken(attemptId, expiresAt, key);
}

function twilioCallParams(status: string): Params {
  return [
    ['AccountSid', TWILIO.accountSid],
    ['CallSid', CALL_SID],
    ['CallStatus', status],
    ['Direction', 'outbound-api'],
    ['Timestamp', 'Sun, 22 Nov 2026 09:59:58 +0000'],
    ['To', '+4915112345678'],
  ];
}

describe('provider webhooks', () => {
  let server: HttpServer;
  let localBaseUrl: string;
  let forwarded: Forwarded[];
  let logs: LogLine[];
  let loaded: string[];
  let stored: Map<string, { provider: string; otp: OtpContent | null }>;
  let providers: Map<string, BuiltProvider>;

  beforeEach(async () => {
    forwarded = [];
    logs = [];
    loaded = [];
    stored = new Map();
    const quiet = silentLogger;
    // Built as the service builds providers from their rows; nothing here is ever sent.
    const context: ProviderContext = {
      receipts: () => Promise.resolve(),
      lateAcceptances: () => Promise.resolve(),
      inbound: () => Promise.resolve(),
      metrics: { throttled: () => undefined, protocolError: () => undefined },
      logger: quiet,
      publicBaseUrl: PUBLIC_BASE_URL,
      answerTokenKey: ANSWER_TOKEN_KEY,
    };
    providers = new Map(DEFINITIONS.map((definition) => [definition.name, createProvider({ id: randomUUID(), enabled: true, ...definition }, context)]));
    const deps: ProviderWebhookDeps = {
      endpoints: new Map([...providers].map(([name, built]) => [name, built.endpoints])),
      onReceipt: (provider, receipt) => {
        forwarded.push({ to: 'onReceipt', provider, receipt });
        return Promise.resolve();
      },
      onLateAcceptance: (provider, acceptance) => {
        forwarded.push({ to: 'onLateAcceptance', provider, acceptance });
        return Promise.resolve();
      },
      loadAnswer: (attemptId) => {
        loaded.push(attemptId);
        return Promise.resolve(stored.get(attemptId) ?? null);
      },
      answerTokenKey: ANSWER_TOKEN_KEY,
      publicBaseUrl: PUBLIC_BASE_URL,
      logger: {
        ...silentLogger,
        info: (obj, msg) => logs.push({ level: 'info', obj, msg }),
        warn: (obj, msg) => logs.push({ level: 'warn', obj, msg }),
      },
      now: () => NOW,
    };
    server = new HttpServer(quiet);
    // Mounted as the service mounts them.
    for (const method of ['GET', 'POST']) {
      server.route(method, '/webhooks/:provider', webhookHandler(deps));
      server.route(method, '/voice/answer/:token', voiceAnswerHandler(deps));
    }
    localBaseUrl = `http://127.0.0.1:${await server.listen('127.0.0.1', 0)}`;
  });

  afterEach(async () => {
    await server.close();
    for (const built of providers.values()) await built.provider.stop();
  });

  async function request(path: string, init: { method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
    const response = await fetch(`${localBaseUrl}${path}`, { method: init.method ?? 'POST', headers: init.headers, body: init.body });
    return { status: response.status, body: await response.text(), contentType: response.headers.get('content-type') };
  }

  /** POSTs form parameters as Twilio does, signed over the public URL unless `signature` is given. */
  function postAsTwilio(path: string, params: Params, signature = twilioSignature(TWILIO.authToken, `${PUBLIC_BASE_URL}${path}`, params)): Promise<Answer> {
    return request(path, {
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
      body: new URLSearchParams(params).toString(),
    });
  }

  function postAsPlivo(path: string, params: Params, nonce = '05429567804466091622'): Promise<Answer> {
    return request(path, {
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-plivo-signature-v3': plivoV3Signature(PLIVO.authToken, 'POST', `${PUBLIC_BASE_URL}${path}`, nonce, params),
        'x-plivo-signature-v3-nonce': nonce,
      },
      body: new URLSearchParams(params).toString(),
    });
  }

  /** What the server answers for a path no route takes: what a refusal must look like. */
  function unrouted(): Promise<Answer> {
    return request('/voice/answer/a/b');
  }

  function warnings(): string[] {
    return logs.filter((line) => line.level === 'warn').map((line) => line.msg);
  }

  describe('webhookHandler', () => {
    it.each(['nobody', 'mail'])('answers 404 to /webhooks/%s: no running provider takes reports there', async (name) => {
      const path = `/webhooks/${name}?attempt=${randomUUID()}`;

      const answer = await postAsTwilio(path, twilioCallParams('completed'));

      expect(answer).toEqual(await unrouted());
      expect(forwarded).toEqual([]);
    });

    it.each<{ case: string; headers: Record<string, string> }>([
      { case: 'no signature', headers: {} },
      { case: 'a forged signature', headers: { 'x-twilio-signature': 'Zm9yZ2VkIHNpZ25hdHVyZQ==' } },
    ])('refuses a callback with $case with 403 and forwards nothing', async ({ headers }) => {
      const answer = await request(`/webhooks/twilio-voice?attempt=${randomUUID()}`, {
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams(twilioCallParams('completed')).toString(),
      });

      expect(answer.status).toBe(403);
      expect(forwarded).toEqual([]);
      expect(warnings()).toEqual(['webhook refused']);
    });

    it("refuses a callback signed with another account's token", async () => {
      const path = `/webhooks/twilio-voice?attempt=${randomUUID()}`;
      const params = twilioCallParams('completed');

      const answer = await postAsTwilio(path, params, twilioSignature('another-auth-token', `${PUBLIC_BASE_URL}${path}`, params));

      expect(answer.status).toBe(403);
      expect(forwarded).toEqual([]);
    });

    it('refuses a signed callback moved to another attempt (the query is signed too)', async () => {
      const params = twilioCallParams('completed');
      const signature = twilioSignature(TWILIO.authToken, `${PUBLIC_BASE_URL}/webhooks/twilio-voice?attempt=${randomUUID()}`, params);

      const answer = await postAsTwilio(`/webhooks/twilio-voice?attempt=${randomUUID()}`, params, signature);

      expect(answer.status).toBe(403);
      expect(forwarded).toEqual([]);
    });

    it('checks the signature over the public URL, not the address the server listens on', async () => {
      const path = `/webhooks/twilio-voice?attempt=${randomUUID()}`;
      const params = twilioCallParams('completed');

      const answer = await postAsTwilio(path, params, twilioSignature(TWILIO.authToken, `${localBaseUrl}${path}`, params));

      expect(answer.status).toBe(403);
      expect(forwarded).toEqual([]);
    });

    it('forwards a signed call-status callback: the attempt it names (part 1 of 1) first, then the receipt', async () => {
      const attemptId = randomUUID();

      const answer = await postAsTwilio(`/webhooks/twilio-voice?attempt=${attemptId}`, twilioCallParams('completed'));

      expect(answer.status).toBe(200);
      const providerMessageId = CALL_SID.toLowerCase();
      expect(forwarded).toEqual([
        { to: 'onLateAcceptance', provider: 'twilio-voice', acceptance: { attemptId, part: 1, parts: 1, providerMessageId } },
        { to: 'onReceipt', provider: 'twilio-voice', receipt: { providerMessageId, state: 'delivered', errorCode: undefined, doneAt: new Date('2026-11-22T09:59:58.000Z') } },
      ]);
    });

    it.each([
      { status: 'ringing', state: 'enroute', errorCode: undefined },
      { status: 'busy', state: 'failed', errorCode: 'busy' },
      { status: 'no-answer', state: 'failed', errorCode: 'no-answer' },
    ])('forwards a $status call as $state', async ({ status, state, errorCode }) => {
      await postAsTwilio(`/webhooks/twilio-voice?attempt=${randomUUID()}`, twilioCallParams(status));

      expect(forwarded.filter((entry) => entry.to === 'onReceipt').map((entry) => entry.receipt)).toMatchObject([{ state, errorCode }]);
    });

    it('forwards a replayed callback again, answered the same: the store applies receipts idempotently', async () => {
      const path = `/webhooks/twilio-voice?attempt=${randomUUID()}`;
      const params = twilioCallParams('completed');

      const first = await postAsTwilio(path, params);
      const again = await postAsTwilio(path, params);

      expect(first.status).toBe(200);
      expect(again).toEqual(first);
      expect(forwarded).toHaveLength(4);
      expect(forwarded.slice(2)).toEqual(forwarded.slice(0, 2));
    });

    it('correlates nothing for an attempt that is no attempt id, and still forwards the receipt', async () => {
      const answer = await postAsTwilio('/webhooks/twilio-voice?attempt=not-an-id', twilioCallParams('completed'));

      expect(answer.status).toBe(200);
      expect(forwarded.map((entry) => entry.to)).toEqual(['onReceipt']);
      expect(warnings()).toEqual(['webhook names no attempt id; not correlated']);
    });

    it('forwards only the receipt of a callback that names no attempt', async () => {
      const answer = await postAsTwilio('/webhooks/twilio-voice', twilioCallParams('completed'));

      expect(answer.status).toBe(200);
      expect(forwarded.map((entry) => entry.to)).toEqual(['onReceipt']);
    });

    it('forwards an SMS delivery report under the SMS provider', async () => {
      const attemptId = randomUUID();
      const params: Params = [
        ['AccountSid', TWILIO.accountSid],
        ['MessageSid', 'SM0123456789abcdef0123456789abcdef'],
        ['MessageStatus', 'undelivered'],
        ['ErrorCode', '30003'],
      ];

      await postAsTwilio(`/webhooks/twilio-sms?attempt=${attemptId}`, params);

      expect(forwarded).toEqual([
        { to: 'onLateAcceptance', provider: 'twilio-sms', acceptance: { attemptId, part: 1, parts: 1, providerMessageId: 'sm0123456789abcdef0123456789abcdef' } },
        { to: 'onReceipt', provider: 'twilio-sms', receipt: { providerMessageId: 'sm0123456789abcdef0123456789abcdef', state: 'failed', errorCode: '30003' } },
      ]);
    });

    it('finds a provider whose name its webhook URL had to encode', async () => {
      const attemptId = randomUUID();

      const answer = await postAsTwilio(`/webhooks/twilio%20eu%2F1?attempt=${attemptId}`, twilioCallParams('completed'));

      expect(answer.status).toBe(200);
      expect(forwarded.map((entry) => entry.provider)).toEqual(['twilio eu/1', 'twilio eu/1']);
    });

    it("forwards a Plivo hangup callback signed with Plivo's V3 scheme", async () => {
      const attemptId = randomUUID();
      const requestUuid = '9a7e7c2c-1b2d-4f3e-8a9b-0c1d2e3f4a5b';
      const params: Params = [
        ['CallStatus', 'busy'],
        ['HangupCause', 'USER_BUSY'],
        ['RequestUUID', requestUuid],
        ['EndTime', '2026-11-22 09:59:58'],
      ];

      const answer = await postAsPlivo(`/webhooks/plivo-voice?attempt=${attemptId}`, params);

      expect(answer.status).toBe(200);
      expect(forwarded).toEqual([
        { to: 'onLateAcceptance', provider: 'plivo-voice', acceptance: { attemptId, part: 1, parts: 1, providerMessageId: requestUuid } },
        { to: 'onReceipt', provider: 'plivo-voice', receipt: { providerMessageId: requestUuid, state: 'failed', errorCode: 'USER_BUSY', doneAt: new Date('2026-11-22T09:59:58.000Z') } },
      ]);
    });

    describe('Vonage, whose signature covers a time', () => {
      function vonageReport(attemptId: string, signedAt: Date): string {
        const params: Record<string, string> = {
          messageId: '0A0000001234567B',
          status: 'delivered',
          'err-code': '0',
          'client-ref': attemptId,
          'message-timestamp': '2026-11-22 09:59:58',
          timestamp: String(Math.floor(signedAt.getTime() / 1000)),
          nonce: 'c8b6a9a2-0d2e-4b8a-9f4e-0c5d1e2f3a4b',
        };
        params.sig = vonageSignature(VONAGE_SIGNATURE_SECRET, 'sha256', params);
        return new URLSearchParams(params).toString();
      }

      it('takes a report signed now by its clock, naming the attempt it echoes as client-ref', async () => {
        const attemptId = randomUUID();

        const answer = await request('/webhooks/vonage-sms', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: vonageReport(attemptId, NOW) });

        expect(answer.status).toBe(200);
        expect(forwarded).toEqual([
          { to: 'onLateAcceptance', provider: 'vonage-sms', acceptance: { attemptId, part: 1, parts: 1, providerMessageId: 'a0000001234567b' } },
          { to: 'onReceipt', provider: 'vonage-sms', receipt: { providerMessageId: 'a0000001234567b', state: 'delivered', errorCode: undefined, doneAt: new Date('2026-11-22T09:59:58.000Z') } },
        ]);
      });

      it('refuses a report signed ten minutes before its clock as a replay', async () => {
        const signedAt = new Date(NOW.getTime() - 10 * 60_000);

        const answer = await request('/webhooks/vonage-sms', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: vonageReport(randomUUID(), signedAt) });

        expect(answer.status).toBe(403);
        expect(forwarded).toEqual([]);
      });
    });
  });

  describe('voiceAnswerHandler', () => {
    /** A call stored for `provider`, and the path its answer is fetched from. */
    function storedCall(provider = 'twilio-voice', code: OtpContent | null = otp()): { attemptId: string; path: string } {
      const attemptId = randomUUID();
      stored.set(attemptId, { provider, otp: code });
      return { attemptId, path: `/voice/answer/${answerToken(attemptId)}` };
    }

    function answerParams(): Params {
      return [
        ['AccountSid', TWILIO.accountSid],
        ['CallSid', CALL_SID],
        ['CallStatus', 'in-progress'],
        ['Direction', 'outbound-api'],
      ];
    }

    it("serves the provider the call was placed with, on its signed request, TwiML reading the code digit by digit in the verification's language", async () => {
      const { attemptId, path } = storedCall();

      const answer = await postAsTwilio(path, answerParams());

      expect(answer.status).toBe(200);
      expect(answer.contentType).toBe(VOICE_ANSWER_CONTENT_TYPE);
      expect(answer.body.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<Response>')).toBe(true);
      expect(answer.body).toContain('<Say language="de-DE">Ihr Acme Bestätigungscode lautet: 1, 2, 3, 4, 5, 6.</Say>');
      expect(answer.body).toContain('<Say language="de-DE">Noch einmal: 1, 2, 3, 4, 5, 6.</Say>');
      expect(loaded).toEqual([attemptId]);
      expect(logs).toEqual([{ level: 'info', obj: { attemptId, provider: 'twilio-voice', locale: 'de' }, msg: 'voice answer served' }]);
    });

    it('serves a GET fetch signed over its URL with the parameters in the query', async () => {
      const { path } = storedCall('twilio-voice', otp({ locale: 'en' }));
      const getPath = `${path}?${new URLSearchParams(answerParams()).toString()}`;

      const answer = await request(getPath, { method: 'GET', headers: { 'x-twilio-signature': twilioSignature(TWILIO.authToken, `${PUBLIC_BASE_URL}${getPath}`, []) } });

      expect(answer.status).toBe(200);
      expect(answer.body).toContain('<Say language="en-US">Your Acme verification code is: 1, 2, 3, 4, 5, 6.</Say>');
    });

    it("reads in the app's default locale when the verification's has no phrases", async () => {
      const { path } = storedCall('twilio-voice', otp({ locale: 'it', defaultLocale: 'es-MX' }));

      const answer = await postAsTwilio(path, answerParams());

      expect(answer.status).toBe(200);
      expect(answer.body).toContain('Tu código de verificación de Acme es: 1, 2, 3, 4, 5, 6.');
    });

    it('serves Plivo XML to a Plivo call', async () => {
      const { path } = storedCall('plivo-voice', otp({ locale: 'fr', code: '908172' }));

      const answer = await postAsPlivo(path, [
        ['CallUUID', 'b1c2d3e4-0000-4000-8000-000000000001'],
        ['CallStatus', 'in-progress'],
      ]);

      expect(answer.status).toBe(200);
      expect(answer.contentType).toBe(VOICE_ANSWER_CONTENT_TYPE);
      expect(answer.body).toContain('<Speak language="fr-FR">Votre code de vérification Acme est : 9, 0, 8, 1, 7, 2.</Speak>');
    });

    it('never logs the code', async () => {
      const { path } = storedCall();
      await postAsTwilio(path, answerParams());
      await postAsTwilio(path, answerParams(), 'YmFk');

      expect(logs).toHaveLength(2);
      expect(JSON.stringify(logs)).not.toContain(CODE);
    });

    /** One way an answer fetch is refused, and the reason the log must name. */
    interface Refusal {
      readonly case: string;
      readonly reason: string;
      readonly fetch: () => Promise<Answer>;
      /** Whether the attempt was looked up: a token that names none must not reach the store. */
      readonly lookedUp: boolean;
    }

    const refusals: Refusal[] = [
      {
        case: 'a malformed token',
        reason: 'token malformed',
        lookedUp: false,
        fetch: () => postAsTwilio('/voice/answer/not-a-token', answerParams()),
      },
      {
        case: 'a token signed with another key',
        reason: 'token bad-signature',
        lookedUp: false,
        fetch: () => {
          const attemptId = storedCall().attemptId;
          return postAsTwilio(`/voice/answer/${answerToken(attemptId, undefined, deriveAnswerTokenKey(Buffer.alloc(32, 1)))}`, answerParams());
        },
      },
      {
        case: 'an expired token',
        reason: 'token expired',
        lookedUp: false,
        fetch: () => postAsTwilio(`/voice/answer/${answerToken(storedCall().attemptId, NOW)}`, answerParams()),
      },
      {
        case: 'a token naming no attempt id',
        reason: 'token names no attempt',
        lookedUp: false,
        fetch: () => postAsTwilio(`/voice/answer/${answerToken('att-1')}`, answerParams()),
      },
      {
        case: 'an attempt that is not open',
        reason: 'attempt not open',
        lookedUp: true,
        fetch: () => postAsTwilio(`/voice/answer/${answerToken(randomUUID())}`, answerParams()),
      },
      {
        case: 'a provider that is not running',
        reason: 'provider not running here',
        lookedUp: true,
        fetch: () => postAsTwilio(storedCall('twilio-gone').path, answerParams()),
      },
      {
        case: 'a provider that places no calls',
        reason: 'provider not running here',
        lookedUp: true,
        fetch: () => postAsTwilio(storedCall('twilio-sms').path, answerParams()),
      },
      {
        case: 'an unsigned request',
        reason: 'missing or bad X-Twilio-Signature',
        lookedUp: true,
        fetch: () => request(storedCall().path, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(answerParams()).toString() }),
      },
      {
        case: "a request signed with another account's token",
        reason: 'missing or bad X-Twilio-Signature',
        lookedUp: true,
        fetch: () => {
          const { path } = storedCall();
          return postAsTwilio(path, answerParams(), twilioSignature('another-auth-token', `${PUBLIC_BASE_URL}${path}`, answerParams()));
        },
      },
      {
        case: 'a request signed over the local address instead of the public one',
        reason: 'missing or bad X-Twilio-Signature',
        lookedUp: true,
        fetch: () => {
          const { path } = storedCall();
          return postAsTwilio(path, answerParams(), twilioSignature(TWILIO.authToken, `${localBaseUrl}${path}`, answerParams()));
        },
      },
      {
        case: 'a request signed by another provider than the one the call was placed with',
        reason: 'missing or bad X-Twilio-Signature',
        lookedUp: true,
        fetch: () => postAsPlivo(storedCall('twilio-voice').path, [['CallStatus', 'in-progress']]),
      },
      {
        case: 'a message with no code stored',
        reason: 'no code stored for the message',
        lookedUp: true,
        fetch: () => postAsTwilio(storedCall('twilio-voice', null).path, answerParams()),
      },
      {
        case: 'a stored code the document cannot read',
        reason: 'answer not renderable: code: must be 4 to 10 digits (0-9) and nothing else',
        lookedUp: true,
        fetch: () => postAsTwilio(storedCall('twilio-voice', otp({ code: '12' })).path, answerParams()),
      },
    ];

    it.each(refusals)('refuses $case with the same 404 as a path that does not exist, logging why', async ({ reason, fetch, lookedUp }) => {
      const answer = await fetch();

      expect(answer).toEqual(await unrouted());
      expect(answer.body).not.toContain(CODE);
      expect(logs).toHaveLength(1);
      expect(logs[0]).toMatchObject({ level: 'warn', msg: 'voice answer refused', obj: { reason } });
      expect(loaded.length > 0).toBe(lookedUp);
    });
  });
});
