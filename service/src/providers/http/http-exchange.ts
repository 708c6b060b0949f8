/**
 * Sends one rendered request with a timeout and bounded retries, and maps what came back to
 * success or a `ProviderError`. The one rule everything here serves: a retry must never send a
 * second SMS (or place a second call). So a request is repeated only when
 *
 * - it certainly did not reach the provider (connection refused, DNS failure, TLS handshake), or
 * - the provider said it did not take it (429, a documented "throttled" code), or
 * - the provider dedupes on the idempotency key we send (Twilio I-Twilio-Idempotency-Token),
 *   which makes even an unanswered request safe to repeat.
 *
 * Everything else that may have reached the provider (a timeout, a reset connection, a 5xx) ends
 * as `outcomeUnknown`: the attempt is recorded and its delivery report decides, never a resend.
 */
import { ProviderError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { maskPhoneNumber } from '../../shared/masking.js';
import type { HttpProviderSpec } from './http-provider-spec.js';
import type { RenderedRequest } from './http-request.js';
import { parseJsonPath, readJsonPath, readText, scalarText, type JsonPath } from './json-path.js';

/** The logger HTTP providers accept: pino's call shape. */

/** The `fetch` providers call; injectable only so tests can use real fetch against loopback. */
export type FetchFunction = typeof fetch;

/** A provider's answer that passed the success rule. */
export interface AcceptedAnswer {
  readonly status: number;
  /** The parsed body (JSON value, or a record for form-encoded answers). */
  readonly body: unknown;
}

/** What the exchange needs besides the request. */
export interface ExchangeContext {
  readonly providerName: string;
  readonly fetch: FetchFunction;
  readonly log: Logger;
  /** Aborted when the provider stops: in-flight requests end, no retry follows. */
  readonly stopSignal: AbortSignal;
  /** True when the provider dedupes on the request's idempotency key. */
  readonly idempotent: boolean;
  /** For logs only. */
  readonly logFields: Readonly<Record<string, unknown>>;
  /** Random in [0, 1) for jitter; injectable for tests. */
  readonly random?: () => number;
}

/** The parsed paths of a spec's answer handling. */
export interface AnswerRules {
  readonly spec: HttpProviderSpec;
  readonly successPath: JsonPath | undefined;
  readonly codePath: JsonPath | undefined;
  readonly messagePath: JsonPath | undefined;
}

/** Parses the spec's answer paths once. */
export function answerRules(spec: HttpProviderSpec): AnswerRules {
  const path = (text: string | undefined): JsonPath | undefined => (text === undefined ? undefined : parseJsonPath(text));
  return { spec, successPath: path(spec.success.jsonPath), codePath: path(spec.errors.codePath), messagePath: path(spec.errors.messagePath) };
}

// Failures that happen before a request byte is written: nothing can have been sent.
const NOT_SENT_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_NONAME',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);

/** How one try ended, before any retry decision. */
type TryOutcome =
  | { readonly kind: 'answered'; readonly status: number; readonly headers: Headers; readonly text: string }
  | { readonly kind: 'not-sent'; readonly reason: string; readonly cause: unknown }
  | { readonly kind: 'unknown'; readonly reason: string; readonly cause: unknown };

/** What to do after a try. */
type Verdict =
  | { readonly kind: 'accepted'; readonly answer: AcceptedAnswer }
  /** Not taken (or not sent); another try may follow. `retryAfterMs` from the provider, if it said. */
  | { readonly kind: 'not-taken'; readonly error: ProviderError; readonly retryAfterMs?: number | undefined }
  /** May have been taken; repeatable only under an idempotency key. */
  | { readonly kind: 'ambiguous'; readonly error: ProviderError }
  /** Refused for good, or taken without a usable answer: never repeated. */
  | { readonly kind: 'final'; readonly error: ProviderError };

/**
 * Sends `request` until it is accepted, refused for good, or no safe retry is left. Resolves
 * with the accepted answer; rejects with a `ProviderError`.
 */
export async function exchange(request: RenderedRequest, rules: AnswerRules, context: ExchangeContext): Promise<AcceptedAnswer> {
  const { spec } = rules;
  const random = context.random ?? Math.random;
  // Once a try may have reached the provider, a later failure cannot prove it did not send.
  let mayHaveSent = false;
  for (let attempt = 0; ; attempt++) {
    const started = Date.now();
    const outcome = await tryOnce(request, spec.timeoutMs, context);
    const verdict = judge(outcome, rules, context.providerName);
    context.log.debug(
      { ...context.logFields, provider: context.providerName, try: attempt + 1, verdict: verdict.kind, status: outcome.kind === 'answered' ? outcome.status : outcome.reason, ms: Date.now() - started },
      'HTTP provider request',
    );
    if (verdict.kind === 'accepted') return verdict.answer;
    if (verdict.kind === 'ambiguous') mayHaveSent = true;

    const repeatable = verdict.kind === 'not-taken' || (verdict.kind === 'ambiguous' && context.idempotent);
    const delay = repeatable ? retryDelay(attempt, verdict.kind === 'not-taken' ? verdict.retryAfterMs : undefined, spec, random) : undefined;
    if (!repeatable || attempt >= spec.retries.max || delay === undefined || context.stopSignal.aborted) {
      throw finalError(verdict, mayHaveSent);
    }
    context.log.info({ ...context.logFields, provider: context.providerName, try: attempt + 1, retryInMs: Math.round(delay), reason: verdict.error.message }, 'HTTP provider request retried');
    await sleep(delay, context.stopSignal);
  }
}

/** The error a failed exchange ends with, after the retries it was allowed. */
function finalError(verdict: Exclude<Verdict, { kind: 'accepted' }>, mayHaveSent: boolean): ProviderError {
  const error = verdict.error;
  if (!mayHaveSent || error.outcomeUnknown) return error;
  // An earlier try may have been taken. A definite refusal of the same request (4xx, not a 409
  // "key in use") means that one was refused too; anything else leaves the outcome unknown.
  if (verdict.kind === 'final' && !error.retryable && error.providerCode !== '409') return error;
  return new ProviderError(`${error.message}, after an earlier request whose outcome is unknown`, {
    retryable: false,
    outcomeUnknown: true,
    providerCode: error.providerCode,
    cause: error,
  });
}

async function tryOnce(request: RenderedRequest, timeoutMs: number, context: ExchangeContext): Promise<TryOutcome> {
  if (context.stopSignal.aborted) return { kind: 'not-sent', reason: 'provider stopped', cause: undefined };
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = AbortSignal.any([timeout, context.stopSignal]);
  try {
    const response = await context.fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      // A redirected POST would be sent again to wherever it points; a provider that redirects
      // is misconfigured, and the 3xx is reported as such.
      redirect: 'manual',
      signal,
    });
    const text = await response.text();
    return { kind: 'answered', status: response.status, headers: response.headers, text };
  } catch (error) {
    if (timeout.aborted) return { kind: 'unknown', reason: `no answer within ${timeoutMs} ms`, cause: error };
    if (isAborted(context.stopSignal)) return { kind: 'unknown', reason: 'provider stopped during the request', cause: error };
    const codes = errorCodes(error);
    const notSent = codes.find((code) => NOT_SENT_CODES.has(code));
    if (notSent !== undefined) return { kind: 'not-sent', reason: notSent, cause: error };
    return { kind: 'unknown', reason: codes[0] ?? (error instanceof Error ? error.message : 'request failed'), cause: error };
  }
}

function judge(outcome: TryOutcome, rules: AnswerRules, name: string): Verdict {
  if (outcome.kind === 'not-sent') {
    return {
      kind: 'not-taken',
      error: new ProviderError(`${name}: could not reach the provider (${outcome.reason})`, { retryable: true, notConnected: true, cause: outcome.cause }),
    };
  }
  if (outcome.kind === 'unknown') {
    return {
      kind: 'ambiguous',
      error: new ProviderError(`${name}: ${outcome.reason}; outcome unknown`, { retryable: false, outcomeUnknown: true, cause: outcome.cause }),
    };
  }

  const { spec } = rules;
  const { status } = outcome;
  const body = parseBody(outcome.text, spec.response);
  const code = (rules.codePath && body !== undefined ? readText(body, rules.codePath) : undefined) ?? undefined;
  const detail = describe(body, rules);

  if (spec.success.statuses.includes(status)) {
    if (body === undefined) {
      // Taken, by its status, but the answer cannot be read: resending could send it twice.
      return { kind: 'final', error: new ProviderError(`${name}: HTTP ${status} with an unreadable body; outcome unknown`, { retryable: false, outcomeUnknown: true, providerCode: String(status) }) };
    }
    const check = successCheck(body, rules);
    if (check === 'ok') return { kind: 'accepted', answer: { status, body } };
    if (check === 'partial') {
      return { kind: 'final', error: new ProviderError(`${name}: some parts were taken, some refused${detail}`, { retryable: false, outcomeUnknown: true, providerCode: code }) };
    }
    // A well-formed answer saying "not sent" (Vonage 200 with messages[0].status != 0).
    const providerCode = code ?? String(status);
    if (spec.errors.notAcceptedCodes.includes(providerCode)) {
      return { kind: 'not-taken', error: new ProviderError(`${name}: not taken, code ${providerCode}${detail}`, { retryable: true, providerCode }) };
    }
    return { kind: 'final', error: new ProviderError(`${name}: refused with code ${providerCode}${detail}`, { retryable: false, providerCode }) };
  }

  const providerCode = code ?? String(status);
  if (spec.errors.notAcceptedStatuses.includes(status) || (code !== undefined && spec.errors.notAcceptedCodes.includes(code))) {
    return {
      kind: 'not-taken',
      error: new ProviderError(`${name}: HTTP ${status} (not taken)${detail}`, { retryable: true, providerCode }),
      retryAfterMs: retryAfterMs(outcome.headers.get('retry-after')),
    };
  }
  if (status >= 500) {
    if (spec.errors.serverErrors === 'not-accepted') {
      return { kind: 'not-taken', error: new ProviderError(`${name}: HTTP ${status}${detail}`, { retryable: true, providerCode }) };
    }
    return { kind: 'ambiguous', error: new ProviderError(`${name}: HTTP ${status}${detail}; outcome unknown`, { retryable: false, outcomeUnknown: true, providerCode }) };
  }
  if (status >= 300 && status < 400) {
    return { kind: 'final', error: new ProviderError(`${name}: HTTP ${status} redirect to ${outcome.headers.get('location') ?? '?'}; check the URL`, { retryable: false, providerCode }) };
  }
  return { kind: 'final', error: new ProviderError(`${name}: refused with HTTP ${status}${code === undefined ? '' : `, code ${code}`}${detail}`, { retryable: false, providerCode }) };
}

function successCheck(body: unknown, rules: AnswerRules): 'ok' | 'partial' | 'failed' {
  const path = rules.successPath;
  if (path === undefined) return 'ok';
  const values = readJsonPath(body, path);
  if (values.length === 0) return 'failed';
  const expected = rules.spec.success.equals;
  if (expected === undefined) return 'ok';
  const matches = values.filter((value) => scalarText(value) === String(expected)).length;
  if (matches === values.length) return 'ok';
  return matches > 0 ? 'partial' : 'failed';
}

/** The provider's error message, masked and trimmed, as ` (message)`; '' when none. */
function describe(body: unknown, rules: AnswerRules): string {
  if (body === undefined || rules.messagePath === undefined) return '';
  const message = readText(body, rules.messagePath);
  return message === undefined || message === '' ? '' : ` (${maskNumbersIn(message).slice(0, 200)})`;
}

/** Provider messages quote the number ("The 'To' number +1555… is not valid"): mask it for logs. */
export function maskNumbersIn(text: string): string {
  return text.replace(/\+?\d{7,}/g, (digits) => maskPhoneNumber(digits));
}

function parseBody(text: string, format: 'json' | 'form'): unknown {
  if (format === 'form') return Object.fromEntries(new URLSearchParams(text));
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** RFC 9110 §10.2.3: delay-seconds or an HTTP-date. */
export function retryAfterMs(header: string | null, now: number = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Exponential backoff with equal jitter (half fixed, half random), or the provider's Retry-After
 * when it gave one. Undefined when the wait would exceed `maxDelayMs`: the caller gives up and
 * the dispatcher's own backoff takes over.
 */
function retryDelay(attempt: number, retryAfter: number | undefined, spec: HttpProviderSpec, random: () => number): number | undefined {
  if (retryAfter !== undefined) return retryAfter <= spec.retries.maxDelayMs ? retryAfter : undefined;
  const ceiling = Math.min(spec.retries.maxDelayMs, spec.retries.baseDelayMs * 2 ** attempt);
  return ceiling / 2 + random() * (ceiling / 2);
}

// A call, not a property read, so TypeScript does not narrow `aborted` across the await.
function isAborted(signal: AbortSignal): boolean {
  return signal.aborted;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Every `code` along an error's cause chain (undici wraps socket errors in `fetch failed`). */
function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  const seen = new Set<unknown>();
  const visit = (value: unknown): void => {
    if (typeof value !== 'object' || value === null || seen.has(value)) return;
    seen.add(value);
    const record = value as { code?: unknown; cause?: unknown; errors?: unknown };
    if (typeof record.code === 'string') codes.push(record.code);
    visit(record.cause);
    if (Array.isArray(record.errors)) for (const inner of record.errors as unknown[]) visit(inner);
  };
  visit(error);
  return codes;
}
