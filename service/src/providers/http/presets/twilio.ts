/**
 * Twilio Programmable Messaging and Voice (REST API 2010-04-01):
 * - POST /2010-04-01/Accounts/{AccountSid}/Messages.json, form-encoded To, From or
 *   MessagingServiceSid, Body, StatusCallback; HTTP Basic with AccountSid:AuthToken; 201 with the
 *   Message resource (`sid` SM…); errors as `{code, message, more_info, status}` (code 21211:
 *   invalid To, 20003: authentication, 20429: too many requests).
 * - POST /2010-04-01/Accounts/{AccountSid}/Calls.json with To, From, Url (the TwiML to run),
 *   StatusCallback, StatusCallbackEvent; 201 with the Call resource (`sid` CA…).
 * - Status callbacks are form POSTs signed with X-Twilio-Signature (webhook-signatures.ts):
 *   MessageSid + MessageStatus + ErrorCode, or CallSid + CallStatus.
 *
 * Idempotency token: off unless `idempotencyToken: true`. Twilio documents
 * I-Twilio-Idempotency-Token only on the webhook requests it sends
 * (twilio.com/docs/usage/webhooks/webhooks-connection-overrides), not as deduplication of REST
 * creates: relying on it, a request whose answer was lost would be repeated and could send the
 * code twice. By default an ambiguous failure (timeout, 5xx after sending) is therefore final as
 * outcome unknown, never retried. Opting in sends the token (attempt id) and repeats such requests
 * under it, for accounts or proxies known to deduplicate on it (the simulator does).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { normaliseProviderMessageId, type DeliveryReceipt, type ReceiptState } from '../../channel-provider.js';
import { requireHttpProviderSpec, type HttpProviderSpec } from '../http-provider-spec.js';
import {
  accepted,
  attemptFromUrl,
  formParams,
  forbidden,
  header,
  isFinal,
  isReportMethod,
  mapStatus,
  methodNotAllowed,
  queryParams,
  toRecord,
  type WebhookCorrelation,
  type WebhookRequest,
  type WebhookResult,
} from '../webhook-request.js';
import { constantTimeEqual, verifyTwilioSignature } from '../webhook-signatures.js';
import { booleanSetting, CommonSettings, pathSegment, trimBaseUrl } from './preset-settings.js';

/** The header Twilio dedupes requests on. */
export const TWILIO_IDEMPOTENCY_HEADER = 'I-Twilio-Idempotency-Token';

/** A Twilio provider's settings (row settings and credentials merged). */
export const TwilioSettingsSchema = z
  .object({
    accountSid: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'expected AC followed by 32 hex digits'),
    authToken: z.string().min(1),
    /** Sender number or alphanumeric id, when no messaging service picks one. */
    from: z.string().min(1).optional(),
    messagingServiceSid: z.string().regex(/^MG[0-9a-fA-F]{32}$/, 'expected MG followed by 32 hex digits').optional(),
    /** Caller id for voice calls (a Twilio number in E.164); defaults to `from`. */
    callerId: z.string().regex(/^\+[1-9]\d{5,14}$/, 'expected an E.164 number').optional(),
    baseUrl: z.url({ protocol: /^https?$/ }).default('https://api.twilio.com'),
    /**
     * Send I-Twilio-Idempotency-Token and repeat requests whose outcome is unknown under it. Opt-in:
     * Twilio does not document deduplicating REST creates on it (see the file comment).
     */
    idempotencyToken: booleanSetting.default(false),
    ...CommonSettings,
  })
  .refine((settings) => settings.from !== undefined || settings.messagingServiceSid !== undefined, {
    message: 'set from or messagingServiceSid',
    path: ['from'],
  });

/** Validated Twilio settings. */
export type TwilioSettings = z.output<typeof TwilioSettingsSchema>;

/** The credentials the Twilio specs read. */
export function twilioCredentials(settings: TwilioSettings): Record<string, string> {
  return { authToken: settings.authToken };
}

function common(settings: TwilioSettings): Pick<HttpProviderSpec, 'auth' | 'errors' | 'timeoutMs' | 'retries'> & { idempotency?: { header: string; value: string } } {
  return {
    auth: { kind: 'basic', username: settings.accountSid, password: '{{credentials.authToken}}' },
    errors: { codePath: 'code', messagePath: 'message', notAcceptedStatuses: [429], serverErrors: 'ambiguous', notAcceptedCodes: ['20429'] },
    timeoutMs: settings.timeoutMs,
    retries: { max: settings.maxRetries, baseDelayMs: settings.retryBaseDelayMs, maxDelayMs: Math.max(5_000, settings.retryBaseDelayMs) },
    ...(settings.idempotencyToken ? { idempotency: { header: TWILIO_IDEMPOTENCY_HEADER, value: '{{attemptId}}' } } : {}),
  };
}

function accountUrl(settings: TwilioSettings, resource: string): string {
  return `${trimBaseUrl(settings.baseUrl)}/2010-04-01/Accounts/${pathSegment(settings.accountSid)}/${resource}`;
}

/** The SMS spec: Messages.json, form-encoded. */
export function twilioSmsSpec(settings: TwilioSettings): HttpProviderSpec {
  // With a messaging service, Twilio picks the sender from the service's pool; a From outside
  // the pool would be refused, so none is sent.
  const sender: Record<string, string> =
    settings.messagingServiceSid === undefined ? { From: '{{from}}' } : { MessagingServiceSid: settings.messagingServiceSid };
  return requireHttpProviderSpec({
    channel: 'sms',
    method: 'POST',
    url: accountUrl(settings, 'Messages.json'),
    body: { format: 'form', template: { To: '{{to}}', ...sender, Body: '{{text}}', StatusCallback: '{{callbackUrl}}' } },
    success: { statuses: [200, 201] },
    messageIdPath: 'sid',
    ...common(settings),
  });
}

/** The voice spec: Calls.json, asking for every progress event of the call. */
export function twilioCallSpec(settings: TwilioSettings): HttpProviderSpec {
  return requireHttpProviderSpec({
    channel: 'voice',
    method: 'POST',
    url: accountUrl(settings, 'Calls.json'),
    body: {
      format: 'form',
      template: {
        To: '{{to}}',
        From: '{{from}}',
        Url: '{{answerUrl}}',
        Method: 'POST',
        StatusCallback: '{{statusCallbackUrl}}',
        StatusCallbackMethod: 'POST',
        StatusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
      },
    },
    success: { statuses: [200, 201] },
    messageIdPath: 'sid',
    ...common(settings),
  });
}

/** Twilio MessageStatus → receipt state (twilio.com/docs/messaging/api/message-resource#message-status-values). */
export const TWILIO_MESSAGE_STATES: Readonly<Record<string, ReceiptState>> = {
  accepted: 'accepted',
  scheduled: 'accepted',
  queued: 'accepted',
  sending: 'enroute',
  sent: 'enroute',
  delivered: 'delivered',
  read: 'delivered',
  undelivered: 'failed',
  failed: 'failed',
  canceled: 'failed',
};

/**
 * Twilio CallStatus → receipt state. A voice code is delivered when the answered call
 * `completed` (answered alone is en route: see below); a call that ends busy, unanswered,
 * failed or cancelled never reached anyone.
 */
export const TWILIO_CALL_STATES: Readonly<Record<string, ReceiptState>> = {
  queued: 'accepted',
  initiated: 'accepted',
  ringing: 'enroute',
  // Answered is not yet delivered: the code is read from the answer document, which the
  // provider may fetch after this callback; delivered would erase the code first.
  'in-progress': 'enroute',
  answered: 'enroute',
  completed: 'delivered',
  busy: 'failed',
  'no-answer': 'failed',
  failed: 'failed',
  canceled: 'failed',
};

/** Why a request is not a genuine Twilio request (bad signature, uncovered body); undefined when it is. */
export function twilioRefusal(authToken: string, request: WebhookRequest): string | undefined {
  const form = formParams(request);
  // GET callbacks are signed over the URL alone (its query holds the parameters).
  if (!verifyTwilioSignature(authToken, request.url, form, header(request, 'x-twilio-signature'))) return 'missing or bad X-Twilio-Signature';
  // A body that is not form parameters is outside the signature unless Twilio put its SHA-256
  // in the signed URL as bodySHA256 (how Twilio signs JSON webhooks).
  if (!bodyCovered(request, form.length > 0)) return 'body not covered by the signature';
  return undefined;
}

/** Handles a Twilio status callback (SMS or call); see `handleWebhook`. */
export function handleTwilioWebhook(authToken: string, request: WebhookRequest): WebhookResult {
  if (!isReportMethod(request.method)) return methodNotAllowed(request.method);
  const refusal = twilioRefusal(authToken, request);
  if (refusal !== undefined) return forbidden(refusal);
  // Twilio's signature has no timestamp: a replayed callback verifies. That is harmless here,
  // because the attempt state machine applies a receipt idempotently.
  const params = toRecord(request.method.toUpperCase() === 'GET' ? queryParams(request) : formParams(request));
  const receipt = twilioReceipt(params);
  if (receipt === undefined) return accepted([], [], 'no MessageSid/MessageStatus or CallSid/CallStatus');
  const attemptId = attemptFromUrl(request);
  const correlations: WebhookCorrelation[] = attemptId === undefined ? [] : [{ attemptId, providerMessageId: receipt.providerMessageId }];
  return accepted([receipt], correlations);
}

function bodyCovered(request: WebhookRequest, isForm: boolean): boolean {
  if (isForm || request.rawBody.length === 0) return true;
  const declared = queryParams(request).find(([key]) => key === 'bodySHA256')?.[1];
  return declared !== undefined && constantTimeEqual(declared.toLowerCase(), createHash('sha256').update(request.rawBody).digest('hex'));
}

/** The receipt a Twilio callback's parameters describe, if any. */
export function twilioReceipt(params: Readonly<Record<string, string>>): DeliveryReceipt | undefined {
  const messageSid = params.MessageSid ?? params.SmsSid;
  const messageStatus = params.MessageStatus ?? params.SmsStatus;
  if (messageSid && messageStatus) {
    const state = mapStatus(TWILIO_MESSAGE_STATES, messageStatus);
    const errorCode = params.ErrorCode && params.ErrorCode !== '0' ? params.ErrorCode : undefined;
    return { providerMessageId: normaliseProviderMessageId(messageSid), state, errorCode };
  }
  if (params.CallSid && params.CallStatus) {
    const state = mapStatus(TWILIO_CALL_STATES, params.CallStatus);
    const failed = state === 'failed';
    const timestamp = params.Timestamp === undefined ? undefined : new Date(params.Timestamp);
    return {
      providerMessageId: normaliseProviderMessageId(params.CallSid),
      state,
      errorCode: failed ? (params.ErrorCode ?? params.SipResponseCode ?? params.CallStatus) : undefined,
      doneAt: isFinal(state) && timestamp !== undefined && !Number.isNaN(timestamp.getTime()) ? timestamp : undefined,
    };
  }
  return undefined;
}
