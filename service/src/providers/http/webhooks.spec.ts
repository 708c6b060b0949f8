import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { requireHttpProviderSpec } from './http-provider-spec.js';
import { PLIVO_CALL_STATES, PLIVO_MESSAGE_STATES, plivoReceipt } from './presets/plivo.js';
import { TWILIO_CALL_STATES, TWILIO_MESSAGE_STATES, twilioReceipt } from './presets/twilio.js';
import { VONAGE_STATES, vonageReceipt } from './presets/vonage.js';
import { plivoV3Signature, twilioSignature, vonageSignature } from './webhook-signatures.js';
import { genericWebhookConfig, handleWebhook, verifyWebhookRequest, type WebhookConfig, type WebhookRequest } from './webhooks.js';

const now = new Date('2026-11-20T10:00:00Z');
const nowSeconds = String(now.getTime() / 1000);

function formRequest(url: string, params: [string, string][], headers: Record<string, string> = {}): WebhookRequest {
  return {
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    rawBody: Buffer.from(new URLSearchParams(params).toString()),
  };
}

describe('Twilio status callbacks', () => {
  const config: WebhookConfig = { kind: 'twilio', authToken: 'tw-token' };
  const url = 'https://sb.example.com/webhooks/twilio-main?attempt=att-7';
  const params: [string, string][] = [
    ['MessageSid', 'SM0123456789abcdef0123456789ABCDEF'],
    ['MessageStatus', 'undelivered'],
    ['ErrorCode', '30003'],
    ['AccountSid', 'AC00000000000000000000000000000001'],
  ];
  const signed = formRequest(url, params, { 'X-Twilio-Signature': twilioSignature('tw-token', url, params) });

  it('takes a correctly signed report: receipt plus the attempt it names', () => {
    const result = handleWebhook(config, signed, now);
    expect(result.status).toBe(200);
    expect(result.receipts).toEqual([{ providerMessageId: 'sm0123456789abcdef0123456789abcdef', state: 'failed', errorCode: '30003' }]);
    expect(result.correlations).toEqual([{ attemptId: 'att-7', providerMessageId: 'sm0123456789abcdef0123456789abcdef' }]);
  });

  it('refuses a bad signature with 403 and takes nothing', () => {
    const result = handleWebhook(config, { ...signed, headers: { ...signed.headers, 'X-Twilio-Signature': twilioSignature('other', url, params) } }, now);
    expect(result).toMatchObject({ status: 403, receipts: [], correlations: [] });
  });

  it('refuses a missing signature', () => {
    expect(handleWebhook(config, formRequest(url, params), now)).toMatchObject({ status: 403, receipts: [] });
  });

  it('refuses a signed body that was altered', () => {
    const tampered = { ...signed, rawBody: Buffer.from(new URLSearchParams([...params.slice(0, 1), ['MessageStatus', 'delivered']]).toString()) };
    expect(handleWebhook(config, tampered, now).status).toBe(403);
  });

  it('refuses a report signed for another URL (the query is signed too)', () => {
    expect(handleWebhook(config, { ...signed, url: url.replace('att-7', 'att-8') }, now).status).toBe(403);
  });

  it('takes a replayed identical report again: receipts apply idempotently', () => {
    const first = handleWebhook(config, signed, now);
    const again = handleWebhook(config, signed, new Date(now.getTime() + 3_600_000));
    expect(again).toEqual(first);
  });

  it('takes a GET callback signed over its URL with the parameters in the query', () => {
    const getUrl = `${url}&${new URLSearchParams(params).toString()}`;
    const result = handleWebhook(config, { method: 'GET', url: getUrl, headers: { 'X-Twilio-Signature': twilioSignature('tw-token', getUrl, []) }, rawBody: Buffer.alloc(0) }, now);
    expect(result).toMatchObject({ status: 200, receipts: [{ state: 'failed', errorCode: '30003' }] });
  });

  it('refuses a JSON body the signature does not cover, takes it with a matching bodySHA256', () => {
    const body = Buffer.from(JSON.stringify({ MessageSid: 'SM1', MessageStatus: 'delivered' }));
    const unsignedBody: WebhookRequest = { method: 'POST', url, headers: { 'content-type': 'application/json', 'X-Twilio-Signature': twilioSignature('tw-token', url, []) }, rawBody: body };
    expect(handleWebhook(config, unsignedBody, now).status).toBe(403);
    const withHash = `${url}&bodySHA256=${createHash('sha256').update(body).digest('hex')}`;
    const covered: WebhookRequest = { ...unsignedBody, url: withHash, headers: { ...unsignedBody.headers, 'X-Twilio-Signature': twilioSignature('tw-token', withHash, []) } };
    expect(handleWebhook(config, covered, now).status).toBe(200);
  });

  it('answers 405 to methods providers do not use', () => {
    expect(handleWebhook(config, { ...signed, method: 'PUT' }, now).status).toBe(405);
  });

  it.each(Object.entries(TWILIO_MESSAGE_STATES))('maps MessageStatus %s to %s', (status, state) => {
    expect(twilioReceipt({ MessageSid: 'SM1', MessageStatus: status })?.state).toBe(state);
  });

  it.each([
    ['ringing', 'enroute'],
    // Answered is only en route: the answer document (which needs the code) may be fetched later.
    ['in-progress', 'enroute'],
    ['answered', 'enroute'],
    ['completed', 'delivered'],
    ['busy', 'failed'],
    ['no-answer', 'failed'],
  ])('reads Twilio CallStatus %s as %s', (status, state) => {
    expect(twilioReceipt({ CallSid: 'CA1', CallStatus: status })?.state).toBe(state);
    expect(plivoReceipt({ RequestUUID: 'r', CallStatus: status })?.state).toBe(state);
  });

  it.each(Object.entries(TWILIO_CALL_STATES))('maps CallStatus %s to %s', (status, state) => {
    expect(twilioReceipt({ CallSid: 'CA1', CallStatus: status })?.state).toBe(state);
  });

  it('gives failed calls their status as the error code and final calls their time', () => {
    expect(twilioReceipt({ CallSid: 'CA1', CallStatus: 'busy', Timestamp: 'Fri, 20 Nov 2026 10:00:00 +0000' })).toEqual({
      providerMessageId: 'ca1',
      state: 'failed',
      errorCode: 'busy',
      doneAt: new Date('2026-11-20T10:00:00Z'),
    });
  });

  it('maps an unknown status to unknown', () => {
    expect(twilioReceipt({ MessageSid: 'SM1', MessageStatus: 'teleported' })?.state).toBe('unknown');
  });
});

describe('Plivo callbacks', () => {
  const config: WebhookConfig = { kind: 'plivo', authToken: 'pl-token' };
  const url = 'https://sb.example.com/webhooks/plivo?attempt=att-3';
  const params: [string, string][] = [
    ['MessageUUID', 'DB0B4E3A-0000-4000-8000-000000000001'],
    ['Status', 'delivered'],
    ['ErrorCode', '000'],
    ['DeliveryReportTime', '2026-11-20 09:59:58.123456'],
  ];
  const nonce = '05429567804466091622';
  const signed = formRequest(url, params, {
    'X-Plivo-Signature-V3': plivoV3Signature('pl-token', 'POST', url, nonce, params),
    'X-Plivo-Signature-V3-Nonce': nonce,
  });

  it('takes a correctly signed report', () => {
    const result = handleWebhook(config, signed, now);
    expect(result.status).toBe(200);
    expect(result.receipts).toEqual([
      { providerMessageId: 'db0b4e3a-0000-4000-8000-000000000001', state: 'delivered', errorCode: undefined, doneAt: new Date('2026-11-20T09:59:58.123Z') },
    ]);
    expect(result.correlations).toEqual([{ attemptId: 'att-3', providerMessageId: 'db0b4e3a-0000-4000-8000-000000000001' }]);
  });

  it('refuses a bad signature, a missing nonce and a missing signature', () => {
    expect(handleWebhook(config, { ...signed, headers: { ...signed.headers, 'X-Plivo-Signature-V3': 'AAAA' } }, now).status).toBe(403);
    expect(handleWebhook(config, { ...signed, headers: { ...signed.headers, 'X-Plivo-Signature-V3-Nonce': undefined } }, now).status).toBe(403);
    expect(handleWebhook(config, formRequest(url, params), now)).toMatchObject({ status: 403, receipts: [] });
  });

  it('refuses a body that is not form parameters (V3 would not cover it)', () => {
    const json: WebhookRequest = {
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', 'X-Plivo-Signature-V3': plivoV3Signature('pl-token', 'POST', url, nonce, []), 'X-Plivo-Signature-V3-Nonce': nonce },
      rawBody: Buffer.from(JSON.stringify(Object.fromEntries(params))),
    };
    expect(handleWebhook(config, json, now)).toMatchObject({ status: 403, receipts: [] });
  });

  it('takes a replay of the same signed report again (V3 signs no time; receipts are idempotent)', () => {
    expect(handleWebhook(config, signed, new Date(now.getTime() + 86_400_000)).receipts).toHaveLength(1);
  });

  it.each(Object.entries(PLIVO_MESSAGE_STATES))('maps Status %s to %s', (status, state) => {
    expect(plivoReceipt({ MessageUUID: 'u', Status: status })?.state).toBe(state);
  });

  it.each(Object.entries(PLIVO_CALL_STATES))('maps CallStatus %s to %s', (status, state) => {
    expect(plivoReceipt({ RequestUUID: 'r', CallStatus: status })?.state).toBe(state);
  });

  it('keys call reports by RequestUUID (what placeCall returned) with the hangup cause as error', () => {
    expect(plivoReceipt({ RequestUUID: 'REQ-1', CallUUID: 'CALL-1', CallStatus: 'busy', HangupCause: 'USER_BUSY' })).toMatchObject({
      providerMessageId: 'req-1',
      state: 'failed',
      errorCode: 'USER_BUSY',
    });
  });
});

describe('Vonage delivery receipts', () => {
  const base = {
    msisdn: '4915112345678',
    to: 'Switchboard',
    messageId: '0A0000000123ABCD',
    status: 'delivered',
    'err-code': '0',
    'client-ref': 'att-9',
    'message-timestamp': '2026-11-20 09:59:59',
    timestamp: nowSeconds,
    nonce: 'c4ab6ed2-9bf5-48a0-af91-107e29bdd399',
  };
  const signedParams = { ...base, sig: vonageSignature('vn-secret', 'sha256', base) };
  const config: WebhookConfig = { kind: 'vonage', signatureSecret: 'vn-secret', signatureMethod: 'sha256', acceptUnsigned: false };
  const url = 'https://sb.example.com/webhooks/vonage';

  const asJson = (params: Record<string, string>): WebhookRequest => ({ method: 'POST', url, headers: { 'content-type': 'application/json' }, rawBody: Buffer.from(JSON.stringify(params)) });
  const asGet = (params: Record<string, string>): WebhookRequest => ({ method: 'GET', url: `${url}?${new URLSearchParams(params).toString()}`, headers: {}, rawBody: Buffer.alloc(0) });
  const asForm = (params: Record<string, string>): WebhookRequest => formRequest(url, Object.entries(params));

  it.each([
    ['JSON POST', asJson],
    ['GET', asGet],
    ['form POST', asForm],
  ])('takes a signed %s report, the attempt from client-ref', (_name, build) => {
    const result = handleWebhook(config, build(signedParams), now);
    expect(result.status).toBe(200);
    expect(result.receipts).toEqual([{ providerMessageId: 'a0000000123abcd', state: 'delivered', errorCode: undefined, doneAt: new Date('2026-11-20T09:59:59Z') }]);
    expect(result.correlations).toEqual([{ attemptId: 'att-9', providerMessageId: 'a0000000123abcd' }]);
  });

  it('refuses a bad or missing sig', () => {
    expect(handleWebhook(config, asJson({ ...signedParams, status: 'failed' }), now)).toMatchObject({ status: 403, receipts: [] });
    expect(handleWebhook(config, asJson(base), now).status).toBe(403);
  });

  it('refuses a correctly signed report older than five minutes (replay)', () => {
    expect(handleWebhook(config, asJson(signedParams), new Date(now.getTime() + 301_000))).toMatchObject({ status: 403, receipts: [] });
    expect(handleWebhook(config, asJson(signedParams), new Date(now.getTime() + 299_000)).status).toBe(200);
  });

  it('refuses unsigned reports unless the provider was set to accept them', () => {
    const unsigned: WebhookConfig = { kind: 'vonage', signatureSecret: undefined, signatureMethod: 'md5hash', acceptUnsigned: false };
    expect(handleWebhook(unsigned, asJson(base), now).status).toBe(403);
    expect(handleWebhook({ ...unsigned, acceptUnsigned: true }, asJson(base), now).status).toBe(200);
  });

  it.each(Object.entries(VONAGE_STATES))('maps status %s to %s', (status, state) => {
    expect(vonageReceipt({ messageId: 'm', status })?.state).toBe(state);
  });

  it('keeps a non-zero err-code', () => {
    expect(vonageReceipt({ messageId: 'm', status: 'failed', 'err-code': '9' })?.errorCode).toBe('9');
  });
});

describe('generic HMAC-signed reports', () => {
  const spec = requireHttpProviderSpec({
    url: 'https://api.example.com/sms',
    messageIdPath: 'id',
    webhook: {
      format: 'json',
      itemsPath: 'reports',
      idPath: 'id',
      statusPath: 'state',
      errorCodePath: 'code',
      attemptIdPath: 'ref',
      statusMap: { DELIVRD: 'delivered', UNDELIV: 'failed', EXPIRED: 'expired', ENROUTE: 'enroute' },
      signature: { secret: '{{credentials.hookSecret}}', header: 'X-Signature', timestampHeader: 'X-Timestamp', prefix: 'sha256=' },
    },
  });
  if (spec.webhook === undefined) throw new Error('spec has a webhook');
  const config = genericWebhookConfig(spec.webhook, { hookSecret: 'gen-secret' });
  const body = JSON.stringify({
    reports: [
      { id: 'R-1', state: 'DELIVRD', ref: 'att-1' },
      { id: 'R-2', state: 'undeliv', code: '34' },
      { id: 'R-3', state: 'LOST' },
      { state: 'DELIVRD' },
    ],
  });
  const sign = (timestamp: string, payload = body): string => `sha256=${createHmac('sha256', 'gen-secret').update(`${timestamp}.${payload}`).digest('hex')}`;
  const request = (headers: Record<string, string | undefined>, payload = body): WebhookRequest => ({
    method: 'POST',
    url: 'https://sb.example.com/webhooks/generic?attempt=att-url',
    headers: { 'content-type': 'application/json', ...headers },
    rawBody: Buffer.from(payload),
  });

  it('takes every report of a correctly signed batch, mapping statuses case-insensitively', () => {
    const result = handleWebhook(config, request({ 'X-Signature': sign(nowSeconds), 'X-Timestamp': nowSeconds }), now);
    expect(result.status).toBe(200);
    expect(result.receipts).toEqual([
      { providerMessageId: 'r-1', state: 'delivered', errorCode: undefined },
      { providerMessageId: 'r-2', state: 'failed', errorCode: '34' },
      { providerMessageId: 'r-3', state: 'unknown', errorCode: undefined },
    ]);
    // The echoed reference wins; otherwise the ?attempt= of our callback URL.
    expect(result.correlations.map((c) => c.attemptId)).toEqual(['att-1', 'att-url', 'att-url']);
  });

  it('refuses a bad, missing or replayed signature', () => {
    expect(handleWebhook(config, request({ 'X-Signature': sign(nowSeconds, '{}'), 'X-Timestamp': nowSeconds }), now).status).toBe(403);
    expect(handleWebhook(config, request({ 'X-Timestamp': nowSeconds }), now).status).toBe(403);
    expect(handleWebhook(config, request({ 'X-Signature': sign(nowSeconds) }), now).status).toBe(403);
    const old = String(Number(nowSeconds) - 600);
    expect(handleWebhook(config, request({ 'X-Signature': sign(old), 'X-Timestamp': old }), now)).toMatchObject({ status: 403, receipts: [] });
  });

  it('answers 200 without receipts to a signed body that is not JSON', () => {
    const result = handleWebhook(config, request({ 'X-Signature': sign(nowSeconds, 'nope'), 'X-Timestamp': nowSeconds }, 'nope'), now);
    expect(result).toMatchObject({ status: 200, receipts: [] });
  });
});

describe('verifyWebhookRequest (answer-document fetches)', () => {
  it('accepts a signed Twilio answer fetch and refuses an unsigned one, taking no receipts either way', () => {
    const url = 'https://sb.example.com/voice/answer/att-1';
    const params: [string, string][] = [['CallSid', 'CA1'], ['CallStatus', 'in-progress']];
    const config: WebhookConfig = { kind: 'twilio', authToken: 'tw-token' };
    expect(verifyWebhookRequest(config, formRequest(url, params, { 'X-Twilio-Signature': twilioSignature('tw-token', url, params) }), now)).toEqual({ ok: true });
    expect(verifyWebhookRequest(config, formRequest(url, params), now)).toEqual({ ok: false, reason: 'missing or bad X-Twilio-Signature' });
  });
});
