/**
 * Delivery reports of a provider configured as data (`HttpProviderSpec.webhook`): where the id,
 * status and error code are, how statuses map to receipt states, and the HMAC the provider signs
 * the raw body with (`X-Signature: hex(HMAC-SHA256(secret, timestamp + "." + body))` or as
 * configured). Reports signed outside the tolerance window are refused as replays.
 */
import { createHmac } from 'node:crypto';
import { normaliseProviderMessageId, type DeliveryReceipt, type ReceiptState } from '../../channel-provider.js';
import type { HttpWebhookSpec } from '../http-provider-spec.js';
import { parseTemplate, renderTemplate } from '../http-template.js';
import { parseJsonPath, readJsonPath, readText, type JsonPath } from '../json-path.js';
import {
  accepted,
  attemptFromUrl,
  forbidden,
  formParams,
  header,
  isReportMethod,
  jsonBody,
  methodNotAllowed,
  queryParams,
  toRecord,
  type WebhookCorrelation,
  type WebhookRequest,
  type WebhookResult,
} from '../webhook-request.js';
import { constantTimeEqual } from '../webhook-signatures.js';

/** A generic webhook spec with its paths parsed and its signing secret resolved. */
export interface GenericWebhook {
  readonly spec: HttpWebhookSpec;
  readonly secret: string | undefined;
  readonly paths: {
    readonly items: JsonPath | undefined;
    readonly id: JsonPath;
    readonly status: JsonPath;
    readonly errorCode: JsonPath | undefined;
    readonly attemptId: JsonPath | undefined;
  };
  readonly statusMap: Readonly<Record<string, ReceiptState>>;
}

/** Prepares `spec` for handling; throws `MissingValueError` when the signing credential is missing. */
export function genericWebhook(spec: HttpWebhookSpec, credentials: Readonly<Record<string, string>>): GenericWebhook {
  const optional = (text: string | undefined): JsonPath | undefined => (text === undefined ? undefined : parseJsonPath(text));
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(credentials)) values[`credentials.${key}`] = value;
  const secret = spec.signature === undefined ? undefined : renderTemplate(parseTemplate(spec.signature.secret, []), values);
  return {
    spec,
    secret,
    paths: {
      items: optional(spec.itemsPath),
      id: parseJsonPath(spec.idPath),
      status: parseJsonPath(spec.statusPath),
      errorCode: optional(spec.errorCodePath),
      attemptId: optional(spec.attemptIdPath),
    },
    statusMap: Object.fromEntries(Object.entries(spec.statusMap).map(([status, state]) => [status.trim().toLowerCase(), state])),
  };
}

/** Why a request is not a genuine report (bad, missing or stale signature; unsigned); undefined when it is. */
export function genericRefusal(webhook: GenericWebhook, request: WebhookRequest, now: Date): string | undefined {
  const signature = webhook.spec.signature;
  if (signature === undefined) return webhook.spec.acceptUnsigned ? undefined : 'unsigned reports are not accepted';
  const given = header(request, signature.header);
  if (given === undefined || webhook.secret === undefined || webhook.secret === '') return `missing ${signature.header}`;
  let payload = request.rawBody.toString('utf8');
  if (signature.timestampHeader !== undefined) {
    const timestamp = header(request, signature.timestampHeader);
    if (timestamp === undefined || !/^\d+$/.test(timestamp) || Math.abs(now.getTime() / 1000 - Number(timestamp)) > signature.toleranceSeconds) {
      return 'signed timestamp missing or outside the replay window';
    }
    payload = `${timestamp}.${payload}`;
  }
  const expected = `${signature.prefix}${createHmac(signature.algorithm, webhook.secret).update(payload, 'utf8').digest(signature.encoding)}`;
  // Hex digits may come in either case; base64 is case-sensitive.
  const matches = signature.encoding === 'hex' ? constantTimeEqual(expected.toLowerCase(), given.trim().toLowerCase()) : constantTimeEqual(expected, given.trim());
  return matches ? undefined : `bad ${signature.header}`;
}

/** Handles a report for a generic provider; see `handleWebhook`. */
export function handleGenericWebhook(webhook: GenericWebhook, request: WebhookRequest, now: Date): WebhookResult {
  if (!isReportMethod(request.method)) return methodNotAllowed(request.method);
  const refusal = genericRefusal(webhook, request, now);
  if (refusal !== undefined) return forbidden(refusal);

  const document = webhook.spec.format === 'json' && request.method.toUpperCase() === 'POST' ? jsonBody(request) : { ...toRecord(queryParams(request)), ...toRecord(formParams(request)) };
  if (document === undefined) return accepted([], [], 'body is not JSON');
  const items = webhook.paths.items === undefined ? [document] : readJsonPath(document, webhook.paths.items).flatMap((item) => (Array.isArray(item) ? (item as unknown[]) : [item]));
  const fallbackAttempt = attemptFromUrl(request);
  const receipts: DeliveryReceipt[] = [];
  const correlations: WebhookCorrelation[] = [];
  for (const item of items) {
    const id = readText(item, webhook.paths.id)?.trim();
    const status = readText(item, webhook.paths.status)?.trim();
    if (!id || !status) continue;
    const state = webhook.statusMap[status.toLowerCase()] ?? 'unknown';
    const code = webhook.paths.errorCode === undefined ? undefined : readText(item, webhook.paths.errorCode)?.trim();
    const providerMessageId = normaliseProviderMessageId(id);
    receipts.push({ providerMessageId, state, errorCode: code !== undefined && code !== '' && code !== '0' ? code : undefined });
    const attemptId = (webhook.paths.attemptId === undefined ? undefined : readText(item, webhook.paths.attemptId)) ?? fallbackAttempt;
    if (attemptId) correlations.push({ attemptId, providerMessageId });
  }
  return accepted(receipts, correlations, receipts.length === 0 ? 'no report with an id and a status' : '');
}
