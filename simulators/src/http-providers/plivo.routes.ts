/**
 * Plivo's API v1 as the simulator serves it: /v1/Account/{auth_id}/Message/ and /Call/ (the
 * trailing slash is part of the path), JSON bodies, HTTP Basic auth_id:auth_token, errors as
 * `{api_id, error}`, and callbacks (message status, answer URL, hangup) signed with
 * X-Plivo-Signature-V3 and its nonce.
 */
import { randomInt, randomUUID } from 'node:crypto';
import type { SimCall, SimCore, SimMessage, SimProviderRoutes } from './sim-core.js';
import { basicAuth, json, jsonObject, utcStamp, type SimResponse } from './sim-http.js';
import { scheduleReceipts } from './sim-receipts.js';
import { smsParts } from './sms-parts.js';
import { plivoV3Signature } from './webhook-signing.js';

const PATH = /^\/v1\/Account\/([^/]+)\/(Message|Call)\/$/;
const PLIVO_NUMBER = /^\+?[1-9]\d{7,14}$/;

function plivoError(status: number, error: string, headers: Readonly<Record<string, string>> = {}): SimResponse {
  return json(status, { api_id: randomUUID(), error }, headers);
}

function field(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function isUrl(value: string): boolean {
  return URL.canParse(value) && /^https?:/i.test(value);
}

/** A V3-signed request to the service: POST form parameters, or GET with them in the query. */
async function sendSigned(core: SimCore, kind: 'sms-status' | 'call-status' | 'answer', url: string, params: [string, string][], method: 'GET' | 'POST' = 'POST') {
  const nonce = String(randomInt(10 ** 9, 10 ** 10 - 1)) + String(randomInt(10 ** 9, 10 ** 10 - 1));
  const form = new URLSearchParams(params).toString();
  const target = method === 'GET' ? `${url}${url.includes('?') ? '&' : '?'}${form}` : url;
  const headers: Record<string, string> = {
    'x-plivo-signature-v3': plivoV3Signature(core.accounts.plivo.authToken, method, target, nonce, method === 'GET' ? [] : params),
    'x-plivo-signature-v3-nonce': nonce,
  };
  if (method === 'POST') headers['content-type'] = 'application/x-www-form-urlencoded';
  return core.deliver({ preset: 'plivo', kind, url: target, method, headers, body: method === 'POST' ? form : undefined, params: Object.fromEntries(params) });
}

/** Plivo's API for the simulator. */
export const plivoRoutes: SimProviderRoutes = {
  preset: 'plivo',

  route(request) {
    const match = PATH.exec(request.path);
    if (match?.[2] !== undefined) return match[2] === 'Message' ? 'messages' : 'calls';
    // Without the trailing slash Plivo's router does not match; answered 404 below.
    return /^\/v1\/Account\/[^/]+\/(Message|Call)$/.test(request.path) ? 'no-slash' : undefined;
  },

  handle(core, request, route) {
    const account = core.accounts.plivo;
    const auth = basicAuth(request);
    if (auth?.user !== account.authId || auth.password !== account.authToken) return Promise.resolve(plivoError(401, 'authentication failed'));
    if (route === 'no-slash' || PATH.exec(request.path)?.[1] !== account.authId) return Promise.resolve(plivoError(404, 'not found'));
    if (request.method !== 'POST') return Promise.resolve(plivoError(405, 'method not allowed'));
    const body = jsonObject(request);
    if (body === undefined) return Promise.resolve(plivoError(400, 'invalid json data: the body must be a JSON object sent as application/json'));
    return Promise.resolve(route === 'messages' ? createMessage(core, body) : createCall(core, body));
  },

  errorResponse(status, _code, message, retryAfterSeconds) {
    const headers: Record<string, string> = retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) };
    const fallback = status === 429 ? 'too many requests' : status >= 500 ? 'internal server error' : 'bad request';
    return plivoError(status, message ?? fallback, headers);
  },

  refusal(_code, message) {
    return plivoError(400, message ?? 'message refused');
  },

  async sendReceipt(core, message, outcome) {
    if (message.callbackUrl === undefined) return;
    const status = outcome === 'sent' ? 'sent' : outcome;
    const now = utcStamp(core.now());
    const params: [string, string][] = [
      ['From', message.from],
      ['MessageUUID', message.id],
      ['ParentMessageUUID', message.id],
      ['Status', status],
      ['To', message.to],
      ['TotalAmount', (0.0065 * message.parts).toFixed(5)],
      ['TotalRate', '0.00650'],
      ['Type', 'sms'],
      ['Units', String(message.parts)],
      ['MessageTime', now],
    ];
    if (outcome === 'delivered' || outcome === 'failed' || outcome === 'undelivered') params.push(['DeliveryReportTime', now]);
    // Plivo error codes: 80 destination temporarily unavailable, 900 unknown error; 000 on delivery.
    params.push(['ErrorCode', outcome === 'undelivered' ? '80' : outcome === 'failed' ? '900' : '000']);
    await sendSigned(core, 'sms-status', message.callbackUrl, params);
  },
};

function createMessage(core: SimCore, body: Record<string, unknown>): SimResponse {
  const src = field(body, 'src');
  const dst = field(body, 'dst');
  const text = field(body, 'text');
  const url = field(body, 'url');
  const method = field(body, 'method') ?? 'POST';
  if (!src) return plivoError(400, 'src parameter is required');
  if (!dst) return plivoError(400, 'dst parameter is required');
  if (!PLIVO_NUMBER.test(dst)) return plivoError(400, `invalid dst parameter: ${dst}`);
  if (!text) return plivoError(400, 'text parameter is required');
  if (text.length > 1600) return plivoError(400, 'text exceeds the maximum length of 1600 characters');
  if (url !== undefined && !isUrl(url)) return plivoError(400, 'invalid url parameter');
  if (method !== 'POST' && method !== 'GET') return plivoError(400, 'method must be GET or POST');

  const id = randomUUID();
  const message: SimMessage = {
    preset: 'plivo',
    id,
    partIds: [id],
    to: dst,
    from: src,
    text,
    parts: smsParts(text).parts,
    callbackUrl: url,
    reference: undefined,
    garbled: false,
    at: core.now().toISOString(),
  };
  core.addMessage(message);
  scheduleReceipts(core, plivoRoutes, message);
  return json(202, { api_id: randomUUID(), message: 'message(s) queued', message_uuid: [id] });
}

function createCall(core: SimCore, body: Record<string, unknown>): SimResponse {
  const from = field(body, 'from');
  const to = field(body, 'to');
  const answerUrl = field(body, 'answer_url');
  const hangupUrl = field(body, 'hangup_url');
  const answerMethod = field(body, 'answer_method') ?? 'POST';
  if (!from) return plivoError(400, 'from parameter is required');
  if (!PLIVO_NUMBER.test(from)) return plivoError(400, `invalid from parameter: ${from}`);
  if (!to) return plivoError(400, 'to parameter is required');
  if (!PLIVO_NUMBER.test(to)) return plivoError(400, `invalid to parameter: ${to}`);
  if (!answerUrl) return plivoError(400, 'answer_url parameter is required');
  if (!isUrl(answerUrl)) return plivoError(400, 'invalid answer_url parameter');
  if (hangupUrl !== undefined && !isUrl(hangupUrl)) return plivoError(400, 'invalid hangup_url parameter');
  if (answerMethod !== 'POST' && answerMethod !== 'GET') return plivoError(400, 'answer_method must be GET or POST');

  const call: SimCall = {
    preset: 'plivo',
    id: randomUUID(),
    to,
    from,
    answerUrl,
    answerMethod: answerMethod,
    statusCallbackUrl: hangupUrl,
    events: ['hangup'],
    status: 'queued',
    answer: undefined,
    at: core.now().toISOString(),
  };
  core.addCall(call);
  runCall(core, call);
  return json(201, { api_id: randomUUID(), message: 'call fired', request_uuid: call.id });
}

const HANGUP_CAUSES: Readonly<Record<string, string>> = {
  completed: 'NORMAL_CLEARING',
  busy: 'USER_BUSY',
  'no-answer': 'NO_ANSWER',
  failed: 'CALL_REJECTED',
};

/** Ringing, then the answer URL fetched (when answered), then the hangup callback. */
function runCall(core: SimCore, call: SimCall): void {
  const step = core.behaviour().callStepDelayMs;
  const outcome = core.behaviour().callOutcome;
  const callUuid = randomUUID();
  const started = utcStamp(core.now());
  const common = (): [string, string][] => [
    ['CallUUID', callUuid],
    ['Direction', 'outbound'],
    ['From', call.from],
    ['RequestUUID', call.id],
    ['To', call.to],
  ];
  core.schedule(step, async () => {
    call.status = 'ringing';
    if (outcome === 'completed') {
      call.status = 'in-progress';
      call.answer = await sendSigned(core, 'answer', call.answerUrl, [...common(), ['CallStatus', 'in-progress'], ['Event', 'StartApp']], call.answerMethod);
    }
    core.schedule(step, async () => {
      call.status = outcome;
      if (call.statusCallbackUrl === undefined) return;
      const ended = utcStamp(core.now());
      await sendSigned(core, 'call-status', call.statusCallbackUrl, [
        ...common(),
        ['CallStatus', outcome],
        ['HangupCause', HANGUP_CAUSES[outcome] ?? 'NORMAL_CLEARING'],
        ['Duration', outcome === 'completed' ? '9' : '0'],
        ['BillDuration', outcome === 'completed' ? '60' : '0'],
        ['StartTime', started],
        ['AnswerTime', outcome === 'completed' ? started : ''],
        ['EndTime', ended],
        ['Event', 'Hangup'],
      ]);
    });
  });
}

