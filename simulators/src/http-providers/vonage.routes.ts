/**
 * Vonage's SMS API as the simulator serves it: /sms/json taking form, JSON or query parameters
 * with api_key and api_secret, answering HTTP 200 with one `messages[]` entry per part (status
 * "0" and a message-id, or a status code and error-text), and delivery receipts per part sent by
 * GET, form POST or JSON POST, signed with the account's signature secret and method.
 */
import { randomUUID } from 'node:crypto';
import type { SimMessage, SimProviderRoutes } from './sim-core.js';
import { E164_DIGITS, json, randomHex, text, utcStamp, type SimRequest, type SimResponse } from './sim-http.js';
import { scheduleReceipts } from './sim-receipts.js';
import { smsParts } from './sms-parts.js';
import { vonageSignature } from './webhook-signing.js';

/** A refusal in Vonage's shape: HTTP 200, the status code in the body. */
function vonageRefusal(status: string, errorText: string): SimResponse {
  return json(200, { 'message-count': '1', messages: [{ status, 'error-text': errorText }] });
}

function isUrl(value: string): boolean {
  return URL.canParse(value) && /^https?:/i.test(value);
}

function params(request: SimRequest): Record<string, string> {
  if (request.method === 'GET') return Object.fromEntries(request.query);
  if (request.contentType === 'application/json') {
    try {
      const body = JSON.parse(request.rawBody.toString('utf8')) as unknown;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) return {};
      return Object.fromEntries(Object.entries(body).flatMap(([key, value]) => (typeof value === 'string' || typeof value === 'number' ? [[key, String(value)]] : [])));
    } catch {
      return {};
    }
  }
  if (request.contentType === 'application/x-www-form-urlencoded') return Object.fromEntries(new URLSearchParams(request.rawBody.toString('utf8')));
  return {};
}

/** `YYMMDDHHMM`, the SMSC time stamp Vonage receipts carry as `scts`. */
function scts(date: Date): string {
  return date.toISOString().replace(/[-T:]/g, '').slice(2, 12);
}

/** Vonage's SMS API for the simulator. */
export const vonageRoutes: SimProviderRoutes = {
  preset: 'vonage',

  route(request) {
    return request.path === '/sms/json' ? 'messages' : undefined;
  },

  handle(core, request) {
    if (request.method !== 'POST' && request.method !== 'GET') return Promise.resolve(text(405, 'Method Not Allowed'));
    const account = core.accounts.vonage;
    const p = params(request);
    // Status codes: developer.vonage.com/messaging/sms/guides/troubleshooting-sms
    if (!p.api_key) return Promise.resolve(vonageRefusal('2', 'Missing api_key'));
    if (!p.api_secret && !p.sig) return Promise.resolve(vonageRefusal('2', 'Missing api_secret'));
    if (p.api_key !== account.apiKey || p.api_secret !== account.apiSecret) return Promise.resolve(vonageRefusal('4', 'Bad Credentials'));
    if (!p.from) return Promise.resolve(vonageRefusal('2', 'Missing from param'));
    if (!p.to) return Promise.resolve(vonageRefusal('2', 'Missing to param'));
    // "The recipient number in E.164 format. Omit the leading + or 00."
    if (!E164_DIGITS.test(p.to)) return Promise.resolve(vonageRefusal('3', 'Invalid to param'));
    if (!p.text) return Promise.resolve(vonageRefusal('2', 'Missing text param'));
    const type = p.type ?? 'text';
    if (type !== 'text' && type !== 'unicode') return Promise.resolve(vonageRefusal('3', 'Invalid type param'));
    if (p.callback !== undefined && !isUrl(p.callback)) return Promise.resolve(vonageRefusal('23', 'Invalid Callback Url'));
    if (p['client-ref'] !== undefined && p['client-ref'].length > 100) return Promise.resolve(vonageRefusal('3', 'Invalid client-ref param'));

    const encoded = smsParts(p.text);
    const partIds = Array.from({ length: encoded.parts }, () => randomHex(16, true));
    const message: SimMessage = {
      preset: 'vonage',
      id: partIds[0] ?? '',
      partIds,
      to: p.to,
      from: p.from,
      text: p.text,
      parts: encoded.parts,
      callbackUrl: p.callback,
      reference: p['client-ref'],
      // Without type=unicode a text outside GSM-7 reaches the handset as question marks.
      garbled: type !== 'unicode' && encoded.alphabet !== 'gsm7',
      at: core.now().toISOString(),
    };
    core.addMessage(message);
    scheduleReceipts(core, vonageRoutes, message);
    return Promise.resolve(
      json(200, {
        'message-count': String(partIds.length),
        messages: partIds.map((id) => ({
          to: p.to,
          'message-id': id,
          status: '0',
          'remaining-balance': '10.00000000',
          'message-price': '0.03330000',
          network: '26202',
          ...(p['client-ref'] === undefined ? {} : { 'client-ref': p['client-ref'] }),
        })),
      }),
    );
  },

  errorResponse(status, _code, message, retryAfterSeconds) {
    const response = text(status, message ?? (status === 429 ? 'Too Many Requests' : status >= 500 ? 'Internal Server Error' : 'Bad Request'));
    return retryAfterSeconds === undefined ? response : { ...response, headers: { ...response.headers, 'retry-after': String(retryAfterSeconds) } };
  },

  refusal(code, message) {
    const texts: Readonly<Record<string, string>> = { '1': 'Throughput Rate Exceeded - please wait [ 30 ] and retry', '5': 'Internal Error', '6': 'Invalid Message', '7': 'Number Barred', '9': 'Partner Quota Violation' };
    return vonageRefusal(code, message ?? texts[code] ?? 'Refused');
  },

  async sendReceipt(core, message, outcome) {
    if (message.callbackUrl === undefined) return;
    const account = core.accounts.vonage;
    // err-code: 0 delivered, 2 absent subscriber (temporary), 9 illegal number.
    const [status, errCode] = outcome === 'sent' ? ['accepted', '0'] : outcome === 'delivered' ? ['delivered', '0'] : outcome === 'undelivered' ? ['expired', '2'] : ['failed', '9'];
    const now = core.now();
    for (const id of message.partIds) {
      const p: Record<string, string> = {
        msisdn: message.to,
        to: message.from,
        'network-code': '26202',
        messageId: id,
        price: '0.03330000',
        status,
        scts: scts(now),
        'err-code': errCode,
        'api-key': account.apiKey,
        'message-timestamp': utcStamp(now),
      };
      if (message.reference !== undefined) p['client-ref'] = message.reference;
      if (account.signatureSecret !== undefined) {
        p.timestamp = String(Math.floor(now.getTime() / 1000));
        p.nonce = randomUUID();
        p.sig = vonageSignature(account.signatureSecret, account.signatureMethod, p);
      }
      const query = new URLSearchParams(p).toString();
      const method = account.webhookMethod;
      await core.deliver({
        preset: 'vonage',
        kind: 'sms-status',
        url: method === 'GET' ? `${message.callbackUrl}${message.callbackUrl.includes('?') ? '&' : '?'}${query}` : message.callbackUrl,
        method: method === 'GET' ? 'GET' : 'POST',
        headers: method === 'POST-JSON' ? { 'content-type': 'application/json' } : method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {},
        body: method === 'POST-JSON' ? JSON.stringify(p) : method === 'POST' ? query : undefined,
        params: p,
      });
    }
  },
};
