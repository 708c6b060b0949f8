/**
 * Auron SMS Server (now Auron Omni) HTTP REST API channel
 * (auronsoftware.com/kb/sms-server/http-api-reference/messagedb-create/):
 * - POST {base}/messagedb/create.json, where base is the channel's end point
 *   (`https://host:7000/HTTP_API1`), JSON `{"message": [{TypeID: "SMS", StatusID: "SCHEDULED",
 *   ToAddress, Body, LocalID}]}`; SCHEDULED makes the server route and send it.
 * - Answer `{"result": [{LocalID, ID, LastError, LastErrorDescription}]}`: LastError 0 is
 *   success and ID the message's record id; any other LastError is a refusal of that message.
 * - API-key authentication sends the key as the whole Authorization header value
 *   (…/http-api-reference/base-url-and-security/), no scheme; a channel may use IP
 *   authentication instead, then no key is set.
 *
 * Auron documents no push of delivery reports over HTTP: the message's StatusID moves to SENT,
 * DELIVERED, NOTDELIVERED or NOREPORT in its database (AxMmServer.Constants). We take them as a
 * JSON POST `{ID, StatusID, LastError}` signed like any generic webhook, which an Auron trigger
 * can send; the simulator sends exactly that. This part is our modelling, not Auron's spec.
 */
import { z } from 'zod';
import type { ReceiptState } from '../../channel-provider.js';
import { requireHttpProviderSpec, type HttpProviderSpec, type HttpWebhookSpec } from '../http-provider-spec.js';
import { booleanSetting, CommonSettings, trimBaseUrl } from './preset-settings.js';

/** Header carrying the HMAC of a signed report (generic scheme: hex HMAC-SHA256 of `timestamp.body`). */
export const AURON_SIGNATURE_HEADER = 'X-Switchboard-Signature';
/** Header carrying the unix-seconds timestamp the report's signature covers. */
export const AURON_TIMESTAMP_HEADER = 'X-Switchboard-Timestamp';

/** An Auron provider's settings (row settings and credentials merged). */
export const AuronSettingsSchema = z
  .object({
    /** The HTTP REST API channel's end point, e.g. `https://sms.example.com:7000/HTTP_API1`. */
    baseUrl: z.url({ protocol: /^https?$/ }).refine((url) => !url.includes('{{'), 'must not contain {{'),
    /** The channel's API key; absent when the channel authenticates by IP. */
    apiKey: z.string().min(1).optional(),
    /** Sender address; absent: the Auron channel's own. */
    from: z.string().min(1).optional(),
    /** Auron channel to send through (ChannelID); absent: Auron routes by its rules. */
    channelId: z.string().regex(/^[A-Za-z0-9_]+$/, 'expected a channel id such as SMPP1').optional(),
    /** Secret the delivery-report trigger signs reports with. */
    webhookSecret: z.string().min(16, 'use at least 16 characters').optional(),
    acceptUnsignedWebhooks: booleanSetting.default(false),
    ...CommonSettings,
  })
  .refine((settings) => settings.webhookSecret !== undefined || settings.acceptUnsignedWebhooks, {
    message: 'set webhookSecret, or acceptUnsignedWebhooks: true',
    path: ['webhookSecret'],
  });

/** Validated Auron settings. */
export type AuronSettings = z.output<typeof AuronSettingsSchema>;

/** The credentials the Auron spec and webhook read. */
export function auronCredentials(settings: AuronSettings): Record<string, string> {
  const credentials: Record<string, string> = {};
  if (settings.apiKey !== undefined) credentials.apiKey = settings.apiKey;
  if (settings.webhookSecret !== undefined) credentials.webhookSecret = settings.webhookSecret;
  return credentials;
}

/** Auron StatusID → receipt state (AxMmServer.Constants status definitions). */
export const AURON_STATES: Readonly<Record<string, ReceiptState>> = {
  SCHEDULED: 'accepted',
  QUEUED: 'accepted',
  SENDING: 'accepted',
  SENT: 'enroute',
  DELIVERED: 'delivered',
  NOTDELIVERED: 'failed',
  FAILED: 'failed',
  BLOCKED: 'failed',
  NOCHANNEL: 'failed',
  DAILYLIMIT: 'failed',
  // Auron gave up waiting for a report; the network's verdict stays unknown.
  NOREPORT: 'unknown',
};

/** The SMS spec: messagedb/create.json. */
export function auronSmsSpec(settings: AuronSettings): HttpProviderSpec {
  const message: Record<string, string> = {
    LocalID: '{{attemptId}}',
    TypeID: 'SMS',
    StatusID: 'SCHEDULED',
    ToAddress: '{{to}}',
    FromAddress: '{{from}}',
    Body: '{{text}}',
  };
  if (settings.channelId !== undefined) message.ChannelID = settings.channelId;
  return requireHttpProviderSpec({
    channel: 'sms',
    method: 'POST',
    url: `${trimBaseUrl(settings.baseUrl)}/messagedb/create.json`,
    headers: settings.apiKey === undefined ? {} : { Authorization: '{{credentials.apiKey}}' },
    body: { format: 'json', template: { message: [message] } },
    success: { statuses: [200], jsonPath: 'result[0].LastError', equals: 0 },
    messageIdPath: 'result[0].ID',
    errors: { codePath: 'result[0].LastError', messagePath: 'result[0].LastErrorDescription', notAcceptedStatuses: [429], serverErrors: 'ambiguous', notAcceptedCodes: [] },
    timeoutMs: settings.timeoutMs,
    retries: { max: settings.maxRetries, baseDelayMs: settings.retryBaseDelayMs, maxDelayMs: Math.max(5_000, settings.retryBaseDelayMs) },
    webhook: auronWebhookSpec(settings),
  });
}

function auronWebhookSpec(settings: AuronSettings): HttpWebhookSpec {
  return {
    format: 'json',
    idPath: 'ID',
    statusPath: 'StatusID',
    errorCodePath: 'LastError',
    statusMap: AURON_STATES,
    acceptUnsigned: settings.acceptUnsignedWebhooks,
    signature:
      settings.webhookSecret === undefined
        ? undefined
        : {
            secret: '{{credentials.webhookSecret}}',
            header: AURON_SIGNATURE_HEADER,
            algorithm: 'sha256',
            encoding: 'hex',
            prefix: '',
            timestampHeader: AURON_TIMESTAMP_HEADER,
            toleranceSeconds: 300,
          },
  };
}
