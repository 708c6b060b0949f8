/**
 * Plivo Messaging and Voice (API v1):
 * - POST /v1/Account/{auth_id}/Message/ with JSON src, dst, text, url (status callback), method;
 *   HTTP Basic auth_id:auth_token; 202 `{api_id, message: "message(s) queued", message_uuid: [...]}`;
 *   errors as `{api_id, error}` with the HTTP status as the only code.
 * - POST /v1/Account/{auth_id}/Call/ with from, to, answer_url, answer_method, hangup_url,
 *   hangup_method; 201 `{api_id, message: "call fired", request_uuid}`.
 * - Callbacks are form POSTs signed with X-Plivo-Signature-V3 + X-Plivo-Signature-V3-Nonce
 *   (webhook-signatures.ts): MessageUUID + Status + ErrorCode for messages
 *   (plivo.com/docs/messaging/api/message/message-status-callbacks), RequestUUID + CallStatus +
 *   HangupCause on a call's hangup.
 *
 * Plivo documents no idempotency key for these APIs: a request whose answer is lost is not repeated.
 */
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
  parseUtcTimestamp,
  queryParams,
  toRecord,
  type WebhookCorrelation,
  type WebhookRequest,
  type WebhookResult,
} from '../webhook-request.js';
import { verifyPlivoV3Signature } from '../webhook-signatures.js';
import { CommonSettings, pathSegment, trimBaseUrl } from './preset-settings.js';

/** A Plivo provider's settings (row settings and credentials merged). */
export const PlivoSettingsSchema = z.object({
  authId: z.string().regex(/^[A-Z0-9]{20}$/, 'expected the 20-character auth id'),
  authToken: z.string().min(1),
  /** Sender: a Plivo number (E.164, with or without +) or an alphanumeric sender id. */
  from: z.string().min(1),
  /** Caller id for calls (a Plivo number); defaults to `from`. */
  callerId: z.string().regex(/^\+?[1-9]\d{5,14}$/, 'expected an E.164 number').optional(),
  baseUrl: z.url({ protocol: /^https?$/ }).default('https://api.plivo.com'),
  ...CommonSettings,
});

/** Validated Plivo settings. */
export type PlivoSettings = z.output<typeof PlivoSettingsSchema>;

/** The credentials the Plivo specs read. */
export function plivoCredentials(settings: PlivoSettings): Record<string, string> {
  return { authToken: settings.authToken };
}

function common(settings: PlivoSettings): Pick<HttpProviderSpec, 'auth' | 'errors' | 'timeoutMs' | 'retries'> {
  return {
    auth: { kind: 'basic', username: settings.authId, password: '{{credentials.authToken}}' },
    errors: { messagePath: 'error', notAcceptedStatuses: [429], serverErrors: 'ambiguous', notAcceptedCodes: [] },
    timeoutMs: settings.timeoutMs,
    retries: { max: settings.maxRetries, baseDelayMs: settings.retryBaseDelayMs, maxDelayMs: Math.max(5_000, settings.retryBaseDelayMs) },
  };
}

function accountUrl(settings: PlivoSettings, resource: string): string {
  return `${trimBaseUrl(settings.baseUrl)}/v1/Account/${pathSegment(settings.authId)}/${resource}/`;
}

/** The SMS spec: Message/, JSON. */
export function plivoSmsSpec(settings: PlivoSettings): HttpProviderSpec {
  return requireHttpProviderSpec({
    channel: 'sms',
    method: 'POST',
    url: accountUrl(settings, 'Message'),
    // Plivo writes numbers as country code + number without "+" (`14155551234`).
    body: { format: 'json', template: { src: '{{fromDigits}}', dst: '{{toDigits}}', text: '{{text}}', type: 'sms', url: '{{callbackUrl}}', method: 'POST' } },
    success: { statuses: [200, 202], jsonPath: 'message_uuid[0]' },
    messageIdPath: 'message_uuid[0]',
    ...common(settings),
  });
}

/** The voice spec: Call/, JSON; the hangup callback ends the attempt. */
export function plivoCallSpec(settings: PlivoSettings): HttpProviderSpec {
  return requireHttpProviderSpec({
    channel: 'voice',
    method: 'POST',
    url: accountUrl(settings, 'Call'),
    body: {
      format: 'json',
      template: {
        from: '{{fromDigits}}',
        to: '{{toDigits}}',
        answer_url: '{{answerUrl}}',
        answer_method: 'POST',
        hangup_url: '{{statusCallbackUrl}}',
        hangup_method: 'POST',
      },
    },
    success: { statuses: [200, 201] },
    messageIdPath: 'request_uuid',
    ...common(settings),
  });
}

/** Plivo message Status → receipt state. */
export const PLIVO_MESSAGE_STATES: Readonly<Record<string, ReceiptState>> = {
  queued: 'accepted',
  sent: 'enroute',
  delivered: 'delivered',
  read: 'delivered',
  undelivered: 'failed',
  failed: 'failed',
  rejected: 'failed',
};

/** Plivo CallStatus (hangup and call-status events) → receipt state. */
export const PLIVO_CALL_STATES: Readonly<Record<string, ReceiptState>> = {
  queued: 'accepted',
  ringing: 'enroute',
  'early media': 'enroute',
  // Answered is not yet delivered: the code is read from the answer document, which the
  // provider may fetch after this callback; delivered would erase the code first.
  'in-progress': 'enroute',
  answered: 'enroute',
  completed: 'delivered',
  busy: 'failed',
  failed: 'failed',
  timeout: 'failed',
  'no-answer': 'failed',
  cancel: 'failed',
  canceled: 'failed',
  cancelled: 'failed',
};

/** Why a request is not a genuine Plivo request (bad V3 signature, uncovered body); undefined when it is. */
export function plivoRefusal(authToken: string, request: WebhookRequest): string | undefined {
  const method = request.method.toUpperCase() === 'GET' ? 'GET' : 'POST';
  const form = formParams(request);
  const nonce = header(request, 'x-plivo-signature-v3-nonce');
  if (!verifyPlivoV3Signature(authToken, method, request.url, nonce, form, header(request, 'x-plivo-signature-v3'))) return 'missing or bad X-Plivo-Signature-V3';
  // V3 covers form parameters only: any other body would be unauthenticated.
  if (form.length === 0 && request.rawBody.length > 0) return 'body not covered by the signature';
  return undefined;
}

/** Handles a Plivo message status or call hangup callback; see `handleWebhook`. */
export function handlePlivoWebhook(authToken: string, request: WebhookRequest): WebhookResult {
  if (!isReportMethod(request.method)) return methodNotAllowed(request.method);
  const refusal = plivoRefusal(authToken, request);
  if (refusal !== undefined) return forbidden(refusal);
  // V3 signs a nonce, not a time: a replay verifies, and is harmless because receipts apply idempotently.
  const params = toRecord(request.method.toUpperCase() === 'GET' ? queryParams(request) : formParams(request));
  const receipt = plivoReceipt(params);
  if (receipt === undefined) return accepted([], [], 'no MessageUUID/Status or RequestUUID/CallStatus');
  const attemptId = attemptFromUrl(request);
  const correlations: WebhookCorrelation[] = attemptId === undefined ? [] : [{ attemptId, providerMessageId: receipt.providerMessageId }];
  return accepted([receipt], correlations);
}

/** The receipt a Plivo callback's parameters describe, if any. */
export function plivoReceipt(params: Readonly<Record<string, string>>): DeliveryReceipt | undefined {
  if (params.MessageUUID && params.Status) {
    const state = mapStatus(PLIVO_MESSAGE_STATES, params.Status);
    const errorCode = state === 'failed' && params.ErrorCode && params.ErrorCode !== '000' ? params.ErrorCode : undefined;
    return {
      providerMessageId: normaliseProviderMessageId(params.MessageUUID),
      state,
      errorCode,
      doneAt: isFinal(state) ? parseUtcTimestamp(params.DeliveryReportTime) : undefined,
    };
  }
  // Calls are placed by request_uuid, which every call callback carries as RequestUUID.
  const callId = params.RequestUUID ?? params.CallUUID;
  if (callId && params.CallStatus) {
    const state = mapStatus(PLIVO_CALL_STATES, params.CallStatus);
    return {
      providerMessageId: normaliseProviderMessageId(callId),
      state,
      errorCode: state === 'failed' ? (params.HangupCause ?? params.CallStatus) : undefined,
      doneAt: isFinal(state) ? parseUtcTimestamp(params.EndTime) : undefined,
    };
  }
  return undefined;
}
