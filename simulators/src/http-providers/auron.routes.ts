/**
 * The Auron SMS Server HTTP REST API channel as the simulator serves it:
 * POST /{channel}/messagedb/create.json with `{"message": [...]}` (TypeID, StatusID, ToAddress,
 * Body, optional LocalID, FromAddress, ChannelID), the API key as the whole Authorization header,
 * and `{"result": [{LocalID, ID, LastError, LastErrorDescription}]}` answers. Auron documents
 * LastError 0 = Success only; the non-zero codes below are the simulator's own. Delivery reports
 * are the JSON POST the service's Auron preset models (Auron documents no push of its own),
 * signed with the generic HMAC scheme when a secret is configured (webhook-signing.ts).
 */
import type { SimCore, SimMessage, SimProviderRoutes } from './sim-core.js';
import { E164_WITH_PLUS, json, jsonObject, text, type SimResponse } from './sim-http.js';
import { scheduleReceipts } from './sim-receipts.js';
import { smsParts } from './sms-parts.js';
import { auronReportHeaders } from './webhook-signing.js';

const PATH = /^\/([^/]+)\/messagedb\/create\.json$/;
const STATUSES = ['CREATING', 'SCHEDULED'];

let nextId = 95_557;

interface ItemResult {
  readonly LocalID: string;
  readonly ID: string;
  readonly LastError: number;
  readonly LastErrorDescription: string;
}

function field(item: Record<string, unknown>, name: string): string | undefined {
  const value = item[name];
  if (typeof value === 'number') return String(value);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Auron's API for the simulator. */
export const auronRoutes: SimProviderRoutes = {
  preset: 'auron',

  route(request) {
    return PATH.test(request.path) ? 'messages' : undefined;
  },

  handle(core, request) {
    const account = core.accounts.auron;
    if (account.apiKey !== undefined && request.headers.authorization !== account.apiKey) return Promise.resolve(text(401, 'Unauthorized'));
    if (PATH.exec(request.path)?.[1] !== account.channel) return Promise.resolve(text(404, 'Not Found'));
    if (request.method !== 'POST') return Promise.resolve(text(405, 'Method Not Allowed'));
    const body = jsonObject(request);
    if (body === undefined) return Promise.resolve(text(415, 'Unsupported Media Type: send application/json'));
    const items = body.message;
    if (!Array.isArray(items) || items.length === 0) return Promise.resolve(json(400, { result: [{ LocalID: '', ID: '', LastError: 10000, LastErrorDescription: 'message must be a non-empty array' }] }));
    const result = (items as unknown[]).map((item) => createMessage(core, item));
    return Promise.resolve(json(200, { result }));
  },

  errorResponse(status, _code, message, retryAfterSeconds) {
    const response = text(status, message ?? (status === 429 ? 'Too Many Requests' : status >= 500 ? 'Internal Server Error' : 'Bad Request'));
    return retryAfterSeconds === undefined ? response : { ...response, headers: { ...response.headers, 'retry-after': String(retryAfterSeconds) } };
  },

  refusal(code, message): SimResponse {
    return json(200, { result: [{ LocalID: '', ID: '', LastError: Number(code), LastErrorDescription: message ?? 'Refused' }] });
  },

  async sendReceipt(core, message, outcome) {
    const account = core.accounts.auron;
    if (message.callbackUrl === undefined) return;
    const status = outcome === 'sent' ? 'SENT' : outcome === 'delivered' ? 'DELIVERED' : outcome === 'undelivered' ? 'NOTDELIVERED' : 'FAILED';
    const report = { ID: message.id, LocalID: message.reference ?? '', StatusID: status, LastError: outcome === 'failed' ? 30_401 : 0, ToAddress: message.to };
    const body = JSON.stringify(report);
    const signature = account.webhookSecret === undefined ? {} : auronReportHeaders(account.webhookSecret, body, core.now());
    await core.deliver({
      preset: 'auron',
      kind: 'sms-status',
      url: message.callbackUrl,
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signature },
      body,
      params: Object.fromEntries(Object.entries(report).map(([key, value]) => [key, String(value)])),
    });
  },
};

function createMessage(core: SimCore, raw: unknown): ItemResult {
  const item = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  const localId = field(item, 'LocalID') ?? '';
  const refuse = (code: number, description: string): ItemResult => ({ LocalID: localId, ID: '', LastError: code, LastErrorDescription: description });
  const type = field(item, 'TypeID');
  const status = field(item, 'StatusID');
  const to = field(item, 'ToAddress');
  const body = field(item, 'Body');
  if (type !== 'SMS') return refuse(10_003, `TypeID ${type ?? '(missing)'} is not supported here`);
  if (status !== undefined && !STATUSES.includes(status)) return refuse(10_004, `StatusID ${status} cannot be used to create a message`);
  if (to === undefined) return refuse(10_001, 'ToAddress is required');
  if (!E164_WITH_PLUS.test(to)) return refuse(10_005, `ToAddress ${to} is not a valid number`);
  if (body === undefined) return refuse(10_002, 'Body is required');

  const id = String(nextId++);
  const message: SimMessage = {
    preset: 'auron',
    id,
    partIds: [id],
    to,
    from: field(item, 'FromAddress') ?? '',
    text: body,
    parts: smsParts(body).parts,
    callbackUrl: core.accounts.auron.webhookUrl,
    reference: localId === '' ? undefined : localId,
    garbled: false,
    at: core.now().toISOString(),
  };
  core.addMessage(message);
  // CREATING holds the message; only SCHEDULED sends it (and so gets reports).
  if (status === 'SCHEDULED') scheduleReceipts(core, auronRoutes, message);
  return { LocalID: localId, ID: id, LastError: 0, LastErrorDescription: 'Success' };
}
