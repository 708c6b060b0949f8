/**
 * Twilio's REST API 2010-04-01 as the simulator serves it: Messages.json and Calls.json under
 * /2010-04-01/Accounts/{AccountSid}/, form-encoded parameters, HTTP Basic AccountSid:AuthToken,
 * answers and errors shaped like Twilio's (`{code, message, more_info, status}`), requests
 * deduplicated on I-Twilio-Idempotency-Token, and status callbacks signed with
 * X-Twilio-Signature.
 */
import type { SimCall, SimCore, SimMessage, SimProviderRoutes } from './sim-core.js';
import { basicAuth, E164_WITH_PLUS, formFields, json, randomHex, rfc2822, type SimRequest, type SimResponse } from './sim-http.js';
import { scheduleReceipts } from './sim-receipts.js';
import { smsParts } from './sms-parts.js';
import { twilioSignature } from './webhook-signing.js';

const PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/(Messages|Calls)\.json$/;
const IDEMPOTENCY_HEADER = 'i-twilio-idempotency-token';
const CALL_EVENTS = ['initiated', 'ringing', 'answered', 'completed'];

/** Twilio's error body. */
function twilioError(status: number, code: number, message: string, headers: Readonly<Record<string, string>> = {}): SimResponse {
  return json(status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }, headers);
}

function isUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** A signed request to the service: POST form parameters, or GET with them in the (signed) query. */
async function sendSigned(core: SimCore, kind: 'sms-status' | 'call-status' | 'answer', url: string, params: [string, string][], method: 'GET' | 'POST' = 'POST') {
  const form = new URLSearchParams(params).toString();
  const target = method === 'GET' ? `${url}${url.includes('?') ? '&' : '?'}${form}` : url;
  const headers: Record<string, string> = {
    'x-twilio-signature': twilioSignature(core.accounts.twilio.authToken, target, method === 'GET' ? [] : params),
    'i-twilio-idempotency-token': randomHex(32),
  };
  if (method === 'POST') headers['content-type'] = 'application/x-www-form-urlencoded';
  return core.deliver({ preset: 'twilio', kind, url: target, method, headers, body: method === 'POST' ? form : undefined, params: Object.fromEntries(params) });
}

/** Twilio's API for the simulator. */
export const twilioRoutes: SimProviderRoutes = {
  preset: 'twilio',

  route(request) {
    const match = PATH.exec(request.path);
    return match?.[2] === undefined ? undefined : match[2] === 'Messages' ? 'messages' : 'calls';
  },

  handle(core, request, route) {
    const account = core.accounts.twilio;
    const auth = basicAuth(request);
    if (auth?.user !== account.accountSid || auth.password !== account.authToken) {
      return Promise.resolve(twilioError(401, 20003, 'Authenticate'));
    }
    const sid = PATH.exec(request.path)?.[1];
    if (sid !== account.accountSid) return Promise.resolve(twilioError(404, 20404, `The requested resource ${request.path} was not found`));
    if (request.method !== 'POST') return Promise.resolve(twilioError(405, 20004, 'Method not allowed'));

    const token = headerValue(request, IDEMPOTENCY_HEADER);
    if (token !== undefined) {
      const earlier = core.idempotentAnswer('twilio', `${route}:${token}`);
      if (earlier !== undefined) return Promise.resolve(earlier);
    }
    const answer = route === 'messages' ? createMessage(core, request) : createCall(core, request);
    if (token !== undefined && answer.status < 300) core.rememberIdempotentAnswer('twilio', `${route}:${token}`, answer);
    return Promise.resolve(answer);
  },

  errorResponse(status, code, message, retryAfterSeconds) {
    const headers: Record<string, string> = retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) };
    if (status === 429) return twilioError(429, Number(code ?? 20429), message ?? 'Too Many Requests', headers);
    if (status >= 500) return twilioError(status, Number(code ?? 20500), message ?? 'Internal Server Error', headers);
    return twilioError(status, Number(code ?? 21211), message ?? 'Invalid request', headers);
  },

  refusal(code, message) {
    return twilioError(400, Number(code), message ?? 'The request was refused');
  },

  async sendReceipt(core, message, outcome) {
    if (message.callbackUrl === undefined) return;
    const status = outcome === 'sent' ? 'sent' : outcome;
    const params: [string, string][] = [
      ['AccountSid', core.accounts.twilio.accountSid],
      ['ApiVersion', '2010-04-01'],
      ['From', message.from],
      ['MessageSid', message.id],
      ['MessageStatus', status],
      ['SmsSid', message.id],
      ['SmsStatus', status],
      ['To', message.to],
    ];
    // 30003 Unreachable destination handset, 30008 Unknown error (Twilio error dictionary).
    if (outcome === 'undelivered') params.push(['ErrorCode', '30003']);
    if (outcome === 'failed') params.push(['ErrorCode', '30008']);
    await sendSigned(core, 'sms-status', message.callbackUrl, params);
  },
};

function headerValue(request: SimRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function createMessage(core: SimCore, request: SimRequest): SimResponse {
  // Twilio reads form parameters only: a JSON body arrives as no parameters at all.
  const params = formFields(request);
  const to = params.get('To');
  const from = params.get('From');
  const service = params.get('MessagingServiceSid');
  const body = params.get('Body');
  const callback = params.get('StatusCallback');
  if (!to) return twilioError(400, 21604, "A 'To' phone number is required.");
  if (!E164_WITH_PLUS.test(to)) return twilioError(400, 21211, `The 'To' number ${to} is not a valid phone number.`);
  if (!from && !service) return twilioError(400, 21603, "A 'From' phone number is required.");
  if (service && !/^MG[0-9a-f]{32}$/i.test(service)) return twilioError(400, 21701, 'The Messaging Service Sid is invalid.');
  if (!body) return twilioError(400, 21602, 'Message body is required.');
  if (body.length > 1600) return twilioError(400, 21617, 'The concatenated message body exceeds the 1600 character limit.');
  if (callback && !isUrl(callback)) return twilioError(400, 21609, 'Invalid StatusCallback URL');

  const now = core.now();
  const sid = `SM${randomHex(32)}`;
  const parts = smsParts(body).parts;
  const message: SimMessage = {
    preset: 'twilio',
    id: sid,
    partIds: [sid],
    to,
    from: from ?? service ?? '',
    text: body,
    parts,
    callbackUrl: callback ?? undefined,
    reference: undefined,
    garbled: false,
    at: now.toISOString(),
  };
  core.addMessage(message);
  scheduleReceipts(core, twilioRoutes, message);
  const account = core.accounts.twilio.accountSid;
  return json(201, {
    account_sid: account,
    api_version: '2010-04-01',
    body,
    date_created: rfc2822(now),
    date_sent: null,
    date_updated: rfc2822(now),
    direction: 'outbound-api',
    error_code: null,
    error_message: null,
    from: from ?? null,
    messaging_service_sid: service ?? null,
    num_media: '0',
    num_segments: String(parts),
    price: null,
    price_unit: 'USD',
    sid,
    status: service ? 'accepted' : 'queued',
    subresource_uris: { media: `/2010-04-01/Accounts/${account}/Messages/${sid}/Media.json` },
    to,
    uri: `/2010-04-01/Accounts/${account}/Messages/${sid}.json`,
  });
}

function createCall(core: SimCore, request: SimRequest): SimResponse {
  const params = formFields(request);
  const to = params.get('To');
  const from = params.get('From');
  const url = params.get('Url');
  const twiml = params.get('Twiml');
  const statusCallback = params.get('StatusCallback');
  const method = params.get('Method') ?? 'POST';
  const events = params.getAll('StatusCallbackEvent').flatMap((value) => value.split(/\s+/)).filter((value) => value !== '');
  if (!to) return twilioError(400, 21201, "No 'To' number is specified");
  if (!E164_WITH_PLUS.test(to)) return twilioError(400, 21211, "Invalid 'To' Phone Number");
  if (!from) return twilioError(400, 21213, "No 'From' number is specified");
  if (!E164_WITH_PLUS.test(from)) return twilioError(400, 21212, "Invalid 'From' Phone Number");
  if (!url && !twiml) return twilioError(400, 21205, 'Url parameter is required');
  if (url && !isUrl(url)) return twilioError(400, 21205, 'Url is not a valid URL');
  if (statusCallback && !isUrl(statusCallback)) return twilioError(400, 21609, 'Invalid StatusCallback URL');
  if (method !== 'GET' && method !== 'POST') return twilioError(400, 21207, 'Method must be GET or POST');
  const unknownEvent = events.find((event) => !CALL_EVENTS.includes(event));
  if (unknownEvent !== undefined) return twilioError(400, 21626, `Invalid StatusCallbackEvent ${unknownEvent}`);

  const now = core.now();
  const sid = `CA${randomHex(32)}`;
  const call: SimCall = {
    preset: 'twilio',
    id: sid,
    to,
    from,
    answerUrl: url ?? '',
    answerMethod: method,
    statusCallbackUrl: statusCallback ?? undefined,
    // Without StatusCallbackEvent Twilio reports only the end of the call.
    events: events.length > 0 ? events : ['completed'],
    status: 'queued',
    answer: undefined,
    at: now.toISOString(),
  };
  core.addCall(call);
  runCall(core, call);
  const account = core.accounts.twilio.accountSid;
  return json(201, {
    account_sid: account,
    api_version: '2010-04-01',
    date_created: rfc2822(now),
    direction: 'outbound-api',
    from,
    sid,
    status: 'queued',
    to,
    uri: `/2010-04-01/Accounts/${account}/Calls/${sid}.json`,
  });
}

/** The life of a call: initiated, ringing, then answered (the TwiML fetched) and completed, or a failure. */
function runCall(core: SimCore, call: SimCall): void {
  const step = core.behaviour().callStepDelayMs;
  const outcome = core.behaviour().callOutcome;
  let sequence = 0;
  const status = async (event: string, callStatus: string, extra: [string, string][] = []): Promise<void> => {
    call.status = callStatus;
    if (call.statusCallbackUrl === undefined || !call.events.includes(event)) return;
    await sendSigned(core, 'call-status', call.statusCallbackUrl, [
      ['AccountSid', core.accounts.twilio.accountSid],
      ['ApiVersion', '2010-04-01'],
      ['CallSid', call.id],
      ['CallStatus', callStatus],
      ['CallbackSource', 'call-progress-events'],
      ['Direction', 'outbound-api'],
      ['From', call.from],
      ['SequenceNumber', String(sequence++)],
      ['Timestamp', rfc2822(core.now())],
      ['To', call.to],
      ...extra,
    ]);
  };
  const steps: (() => Promise<void>)[] = [
    () => status('initiated', 'initiated'),
    () => status('ringing', 'ringing'),
  ];
  if (outcome === 'completed') {
    steps.push(
      async () => {
        if (call.answerUrl !== '') {
          call.answer = await sendSigned(core, 'answer', call.answerUrl, [
            ['AccountSid', core.accounts.twilio.accountSid],
            ['ApiVersion', '2010-04-01'],
            ['CallSid', call.id],
            ['CallStatus', 'in-progress'],
            ['Direction', 'outbound-api'],
            ['From', call.from],
            ['To', call.to],
          ], call.answerMethod);
        }
        await status('answered', 'in-progress');
      },
      () => status('completed', 'completed', [['CallDuration', '9']]),
    );
  } else {
    steps.push(() => status('completed', outcome));
  }
  const next = (index: number): void => {
    const run = steps[index];
    if (run === undefined) return;
    core.schedule(step, async () => {
      await run();
      next(index + 1);
    });
  };
  next(0);
}
