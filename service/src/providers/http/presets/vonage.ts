/**
 * Vonage (Nexmo) SMS API:
 * - POST https://rest.nexmo.com/sms/json, form-encoded api_key, api_secret, from, to (digits,
 *   no "+"), text, type (`unicode` for non-GSM text), callback, client-ref. The answer is HTTP
 *   200 even for refusals: `{"message-count": "2", "messages": [{status: "0", "message-id": …}, …]}`,
 *   one entry per part, status "0" success, else `error-text` (1 throttled, 2 missing parameter,
 *   3 invalid parameter, 4 invalid credentials, 5 internal error, 6 invalid message, …).
 * - Delivery receipts (developer.vonage.com/messaging/sms/guides/delivery-receipts): messageId,
 *   status (delivered, expired, failed, rejected, accepted, buffered, unknown), err-code,
 *   client-ref, message-timestamp; by GET, form POST or JSON POST as set in the dashboard. Signed
 *   webhooks add timestamp, nonce and sig (webhook-signatures.ts); reports signed more than five
 *   minutes away from now are refused as replays.
 *
 * The SMS API has no idempotency key: a request whose answer is lost is not repeated.
 */
import { z } from 'zod';
import { normaliseProviderMessageId, type DeliveryReceipt, type ReceiptState } from '../../channel-provider.js';
import { requireHttpProviderSpec, type HttpProviderSpec } from '../http-provider-spec.js';
import { scalarText } from '../json-path.js';
import {
  accepted,
  forbidden,
  formParams,
  isFinal,
  isReportMethod,
  jsonBody,
  mapStatus,
  mediaType,
  methodNotAllowed,
  parseUtcTimestamp,
  queryParams,
  REPLAY_WINDOW_SECONDS,
  toRecord,
  type WebhookCorrelation,
  type WebhookRequest,
  type WebhookResult,
} from '../webhook-request.js';
import { VONAGE_SIGNATURE_METHODS, verifyVonageSignature, type VonageSignatureMethod } from '../webhook-signatures.js';
import { booleanSetting, CommonSettings, trimBaseUrl } from './preset-settings.js';

/** A Vonage provider's settings (row settings and credentials merged). */
export const VonageSettingsSchema = z
  .object({
    apiKey: z.string().regex(/^[A-Za-z0-9]{4,32}$/, 'expected the account API key'),
    apiSecret: z.string().min(1),
    /** Sender: alphanumeric id or number (E.164 with or without +). */
    from: z.string().min(1),
    baseUrl: z.url({ protocol: /^https?$/ }).default('https://rest.nexmo.com'),
    /** The signature secret of signed webhooks (dashboard → API settings). */
    signatureSecret: z.string().min(1).optional(),
    signatureMethod: z.enum(VONAGE_SIGNATURE_METHODS).default('md5hash'),
    /** Only without a signature secret: take unsigned delivery receipts (anyone knowing the URL can forge them). */
    acceptUnsignedWebhooks: booleanSetting.default(false),
    ...CommonSettings,
  })
  .refine((settings) => settings.signatureSecret !== undefined || settings.acceptUnsignedWebhooks, {
    message: 'set signatureSecret (signed webhooks), or acceptUnsignedWebhooks: true',
    path: ['signatureSecret'],
  });

/** Validated Vonage settings. */
export type VonageSettings = z.output<typeof VonageSettingsSchema>;

/** The credentials the Vonage spec reads. */
export function vonageCredentials(settings: VonageSettings): Record<string, string> {
  return { apiSecret: settings.apiSecret };
}

/** The SMS spec. */
export function vonageSmsSpec(settings: VonageSettings): HttpProviderSpec {
  return requireHttpProviderSpec({
    channel: 'sms',
    method: 'POST',
    url: `${trimBaseUrl(settings.baseUrl)}/sms/json`,
    body: {
      format: 'form',
      template: {
        api_key: settings.apiKey,
        api_secret: '{{credentials.apiSecret}}',
        from: '{{fromDigits}}',
        to: '{{toDigits}}',
        text: '{{text}}',
        type: '{{textType}}',
        // Receipts go to the URL as configured: Vonage signs only its own parameters, and the
        // attempt travels as client-ref, which it echoes in the receipt.
        callback: '{{callbackBaseUrl}}',
        'client-ref': '{{attemptId}}',
        'status-report-req': '1',
      },
    },
    success: { statuses: [200], jsonPath: 'messages[*].status', equals: '0' },
    messageIdPath: 'messages[*].message-id',
    errors: {
      codePath: 'messages[0].status',
      messagePath: 'messages[0].error-text',
      notAcceptedStatuses: [429],
      serverErrors: 'ambiguous',
      // 1: throughput exceeded; 5: internal error, explicitly not processed. Both say "try again".
      notAcceptedCodes: ['1', '5'],
    },
    timeoutMs: settings.timeoutMs,
    retries: { max: settings.maxRetries, baseDelayMs: settings.retryBaseDelayMs, maxDelayMs: Math.max(5_000, settings.retryBaseDelayMs) },
  });
}

/** Vonage delivery receipt `status` → receipt state. */
export const VONAGE_STATES: Readonly<Record<string, ReceiptState>> = {
  delivered: 'delivered',
  expired: 'expired',
  failed: 'failed',
  rejected: 'failed',
  accepted: 'enroute',
  buffered: 'enroute',
  unknown: 'unknown',
};

/** How a Vonage provider's webhook is verified. */
export interface VonageWebhookSecrets {
  readonly signatureSecret?: string | undefined;
  readonly signatureMethod: VonageSignatureMethod;
  readonly acceptUnsigned: boolean;
}

/** Why a request is not a genuine Vonage report (bad sig, stale timestamp, unsigned); undefined when it is. */
export function vonageRefusal(secrets: VonageWebhookSecrets, request: WebhookRequest, now: Date): string | undefined {
  if (secrets.signatureSecret === undefined) return secrets.acceptUnsigned ? undefined : 'no signature secret configured for this provider';
  const params = vonageParams(request);
  if (!verifyVonageSignature(secrets.signatureSecret, secrets.signatureMethod, params)) return 'missing or bad Vonage sig';
  const timestamp = Number(params.timestamp);
  if (!Number.isFinite(timestamp) || Math.abs(now.getTime() / 1000 - timestamp) > REPLAY_WINDOW_SECONDS) return 'signed timestamp outside the replay window';
  return undefined;
}

/** Handles a Vonage SMS API delivery receipt (GET, form POST or JSON POST); see `handleWebhook`. */
export function handleVonageWebhook(secrets: VonageWebhookSecrets, request: WebhookRequest, now: Date): WebhookResult {
  if (!isReportMethod(request.method)) return methodNotAllowed(request.method);
  const refusal = vonageRefusal(secrets, request, now);
  if (refusal !== undefined) return forbidden(refusal);
  const params = vonageParams(request);
  const receipt = vonageReceipt(params);
  if (receipt === undefined) return accepted([], [], 'no messageId/status');
  const attemptId = params['client-ref'];
  const correlations: WebhookCorrelation[] = attemptId ? [{ attemptId, providerMessageId: receipt.providerMessageId }] : [];
  return accepted([receipt], correlations);
}

/** The report's parameters: JSON body, form body, or query, whichever the account is set to. */
function vonageParams(request: WebhookRequest): Record<string, string> {
  if (request.method.toUpperCase() === 'POST' && mediaType(request) === 'application/json') {
    const body = jsonBody(request);
    const params: Record<string, string> = {};
    if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
      for (const [key, value] of Object.entries(body)) {
        const text = scalarText(value);
        if (text !== undefined) params[key] = text;
      }
    }
    return params;
  }
  // Vonage signs the parameters it sends: the query of a GET, the body of a POST.
  return toRecord(request.method.toUpperCase() === 'GET' ? queryParams(request) : formParams(request));
}

/** The receipt a Vonage report describes, if any. */
export function vonageReceipt(params: Readonly<Record<string, string>>): DeliveryReceipt | undefined {
  const id = params.messageId;
  const status = params.status;
  if (!id || !status) return undefined;
  const state = mapStatus(VONAGE_STATES, status);
  const code = params['err-code'];
  return {
    providerMessageId: normaliseProviderMessageId(id),
    state,
    errorCode: code !== undefined && code !== '' && code !== '0' ? code : undefined,
    doneAt: isFinal(state) ? parseUtcTimestamp(params['message-timestamp']) : undefined,
  };
}
