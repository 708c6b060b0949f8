/**
 * The shape of a delivery-report webhook as the service's HTTP server hands it over, what a
 * handler answers, and the helpers every provider's handler shares (reading parameters, answering
 * 403 with nothing taken).
 */
import type { DeliveryReceipt, ReceiptState } from '../channel-provider.js';
import { ATTEMPT_QUERY_PARAMETER } from './http-provider.js';
import type { Params } from './webhook-signatures.js';

/** One request to a provider's webhook endpoint. */
export interface WebhookRequest {
  readonly method: string;
  /**
   * The full public URL the provider called, with its query, exactly as configured at the
   * provider (scheme and host as seen from outside, not the proxy's): Twilio and Plivo sign it.
   */
  readonly url: string;
  /** Header names in any case; node's `IncomingMessage.headers` fits as is. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** The body exactly as received: signatures cover the bytes, not a re-serialisation. */
  readonly rawBody: Buffer;
}

/** A report that names the attempt it belongs to (`?attempt=` we put in the callback URL, or an echoed reference). */
export interface WebhookCorrelation {
  readonly attemptId: string;
  readonly providerMessageId: string;
}

/** What to answer, and what the reports said. */
export interface WebhookResult {
  readonly status: number;
  readonly body: string;
  readonly contentType: string;
  /**
   * Normalised receipts, for the provider's `ReceiptSink`. Duplicates and late reports are
   * returned like any other: the attempt state machine applies a receipt idempotently (a final
   * state is never left, a repeated one changes nothing), so the handler need not remember them.
   */
  readonly receipts: readonly DeliveryReceipt[];
  /**
   * Attempt ids named by reports, so an attempt recorded as outcome unknown (its submit's answer
   * was lost) can learn its provider id from the report and be matched after all.
   */
  readonly correlations: readonly WebhookCorrelation[];
  /** Why the request was refused or ignored, for logs; '' when reports were taken. */
  readonly note: string;
}

/** Reports older (or further in the future) than this are refused as replays where the scheme signs a time. */
export const REPLAY_WINDOW_SECONDS = 300;

/** The first value of a header, by case-insensitive name. */
export function header(request: WebhookRequest, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(request.headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    return typeof value === 'string' ? value : value[0];
  }
  return undefined;
}

/** The media type of the body, lower case, without parameters. */
export function mediaType(request: WebhookRequest): string {
  return (header(request, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** Query parameters of the request URL, in order. */
export function queryParams(request: WebhookRequest): Params {
  try {
    return [...new URL(request.url).searchParams.entries()];
  } catch {
    return [];
  }
}

/** Form parameters of a POST body (application/x-www-form-urlencoded), in order; [] otherwise. */
export function formParams(request: WebhookRequest): Params {
  if (request.method.toUpperCase() !== 'POST' || mediaType(request) !== 'application/x-www-form-urlencoded') return [];
  return [...new URLSearchParams(request.rawBody.toString('utf8')).entries()];
}

/** The body as JSON, or undefined when it is not JSON. */
export function jsonBody(request: WebhookRequest): unknown {
  const text = request.rawBody.toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Pairs as a record; a repeated key keeps its last value. */
export function toRecord(params: Params): Record<string, string> {
  return Object.fromEntries(params);
}

/** The `attempt` query parameter `{{callbackUrl}}` added, if present. */
export function attemptFromUrl(request: WebhookRequest): string | undefined {
  const value = queryParams(request).find(([key]) => key === ATTEMPT_QUERY_PARAMETER)?.[1];
  return value === undefined || value === '' ? undefined : value;
}

/** 403, nothing taken. */
export function forbidden(note: string): WebhookResult {
  return { status: 403, body: 'forbidden', contentType: 'text/plain; charset=utf-8', receipts: [], correlations: [], note };
}

/** 405 for methods providers do not use. */
export function methodNotAllowed(method: string): WebhookResult {
  return { status: 405, body: 'method not allowed', contentType: 'text/plain; charset=utf-8', receipts: [], correlations: [], note: `method ${method}` };
}

/**
 * 200 with what was taken. A signed request that carries no report we understand is still
 * answered 200 (with a note): the provider would only retry it, and it would not get better.
 */
export function accepted(receipts: readonly DeliveryReceipt[], correlations: readonly WebhookCorrelation[], note = ''): WebhookResult {
  return { status: 200, body: '', contentType: 'text/plain; charset=utf-8', receipts, correlations, note: receipts.length === 0 && note === '' ? 'no report in request' : note };
}

/** True for GET and POST, the methods providers send reports with. */
export function isReportMethod(method: string): boolean {
  const upper = method.toUpperCase();
  return upper === 'GET' || upper === 'POST';
}

/** Looks a provider status up in a map with lower-case keys; unknown statuses are `unknown`. */
export function mapStatus(map: Readonly<Record<string, ReceiptState>>, status: string): ReceiptState {
  return map[status.trim().toLowerCase()] ?? 'unknown';
}

/** True for states that end an attempt. */
export function isFinal(state: ReceiptState): boolean {
  return state === 'delivered' || state === 'failed' || state === 'expired';
}

/** `2024-05-01 12:34:56[.ffffff]` (UTC, as Plivo and Vonage write it) → Date; undefined when it does not parse. */
export function parseUtcTimestamp(text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  const match = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d+)?/.exec(text.trim());
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, fraction] = match;
  const ms = fraction === undefined ? 0 : Math.floor(Number(fraction) * 1000);
  const date = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms));
  return Number.isNaN(date.getTime()) ? undefined : date;
}
