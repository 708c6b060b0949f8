/**
 * An HTTP SMS or call provider described as data: where to send, how to fill the request, how to
 * authenticate, how to tell success from failure, where the provider's id is, and how its errors
 * are classified. The presets (Twilio, Plivo, Vonage, Auron) are such specs; admins can write
 * their own for any provider with a JSON or form API.
 */
import { z } from 'zod';
import type { ReceiptState } from '../channel-provider.js';
import { CALL_VARIABLES, parseTemplate, SMS_VARIABLES, TemplateError } from './http-template.js';
import { JsonPathError, parseJsonPath } from './json-path.js';

const RECEIPT_STATES = ['delivered', 'failed', 'expired', 'enroute', 'accepted', 'unknown'] as const satisfies readonly ReceiptState[];

const httpStatus = z.number().int().min(100).max(599);

/** A JSON value, checked recursively (zod's record of unknown would let functions through). */
const jsonValue: z.ZodType = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(jsonValue), z.record(z.string(), jsonValue)]),
);

const JsonBodySchema = z.object({
  format: z.literal('json'),
  /** A JSON object; `{{variables}}` inside its strings are replaced and JSON-escaped. */
  template: z.record(z.string(), jsonValue),
});

const FormBodySchema = z.object({
  format: z.literal('form'),
  /** Field name → template; an array repeats the field (Twilio `StatusCallbackEvent`). */
  template: z.record(z.string(), z.union([z.string(), z.array(z.string())])),
});

const NoBodySchema = z.object({ format: z.literal('none') });

const HMAC_ALGORITHMS = ['sha1', 'sha256', 'sha512'] as const;

/** A signature over the raw request body: `prefix + encode(HMAC(secret, [timestamp + '.'] + body))`. */
const HmacSchema = z.object({
  /** Credential template, e.g. `{{credentials.signingKey}}`. */
  secret: z.string().min(1),
  header: z.string().min(1).default('X-Signature'),
  algorithm: z.enum(HMAC_ALGORITHMS).default('sha256'),
  encoding: z.enum(['hex', 'base64']).default('hex'),
  prefix: z.string().default(''),
  /** When set, the unix-seconds timestamp goes in this header and is signed as `timestamp.body`. */
  timestampHeader: z.string().min(1).optional(),
});

const AuthSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('none') }),
  z.object({ kind: z.literal('basic'), username: z.string(), password: z.string() }),
  z.object({ kind: z.literal('bearer'), token: z.string().min(1) }),
  HmacSchema.extend({ kind: z.literal('hmac') }),
]);

/** How to verify and read delivery reports posted back by a provider configured as data. */
const WebhookSpecSchema = z
  .object({
    /** How the body is encoded; query parameters are read as well for form and GET. */
    format: z.enum(['json', 'form']).default('json'),
    /** Where the list of reports is when one request carries several; absent: the body is one report. */
    itemsPath: z.string().optional(),
    idPath: z.string().min(1),
    statusPath: z.string().min(1),
    errorCodePath: z.string().optional(),
    /** Where our attempt id is, when the provider echoes a reference we sent; else `?attempt=` of the URL. */
    attemptIdPath: z.string().optional(),
    /** Provider status (case-insensitive) → receipt state; unmapped statuses become `unknown`. */
    statusMap: z.record(z.string(), z.enum(RECEIPT_STATES)),
    signature: HmacSchema.extend({ toleranceSeconds: z.number().int().min(1).max(3600).default(300) }).optional(),
    /** Must be true when there is no `signature`: unsigned reports can be forged by anyone who knows the URL. */
    acceptUnsigned: z.boolean().default(false),
  })
  .refine((webhook) => webhook.signature !== undefined || webhook.acceptUnsigned, {
    message: 'set a signature, or acceptUnsigned: true for a provider that does not sign',
    path: ['signature'],
  });

/** The zod schema of `HttpProviderSpec`; use `parseHttpProviderSpec` for field-named problems. */
export const HttpProviderSpecSchema = z.object({
  /** `sms` requests may use SMS variables, `voice` requests call variables (`answerUrl` …). */
  channel: z.enum(['sms', 'voice']).default('sms'),
  method: z.enum(['POST', 'PUT', 'GET']).default('POST'),
  /** Absolute http(s) URL template; variables are percent-encoded. */
  url: z.string().min(1),
  headers: z.record(z.string(), z.string()).default({}),
  body: z.discriminatedUnion('format', [JsonBodySchema, FormBodySchema, NoBodySchema]).default({ format: 'none' }),
  auth: AuthSchema.default({ kind: 'none' }),
  /** How the provider's answer is encoded. */
  response: z.enum(['json', 'form']).default('json'),
  success: z
    .object({
      statuses: z.array(httpStatus).min(1).default([200, 201, 202]),
      /** A field that must be present (and equal `equals`, when given) for the answer to be a success. */
      jsonPath: z.string().optional(),
      equals: z.union([z.string(), z.number(), z.boolean()]).optional(),
    })
    .prefault({}),
  /** Where the provider's id is; a path with `[*]` yields one id per part (Vonage `messages[*].message-id`). */
  messageIdPath: z.string().min(1),
  errors: z
    .object({
      /** Where the provider's error code is (Twilio `code`, Vonage `messages[0].status`); else the HTTP status. */
      codePath: z.string().optional(),
      messagePath: z.string().optional(),
      /** Statuses that mean "not taken, try later" (throttling); retried honouring Retry-After. */
      notAcceptedStatuses: z.array(httpStatus).default([408, 429]),
      /**
       * What a 5xx means. `ambiguous` (default): the provider may have taken the message, so it
       * is retried only under an idempotency key. `not-accepted` only where the provider
       * documents that a 5xx never sends.
       */
      serverErrors: z.enum(['ambiguous', 'not-accepted']).default('ambiguous'),
      /** Provider codes (at `codePath`) that mean "not taken, try later", e.g. Vonage `1` (throttled). */
      notAcceptedCodes: z.array(z.string()).default([]),
    })
    .prefault({}),
  timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
  retries: z
    .object({
      /** Retries after the first request; each only where it cannot send twice (see http-exchange.ts). */
      max: z.number().int().min(0).max(5).default(2),
      baseDelayMs: z.number().int().min(0).max(60_000).default(250),
      /** Longest wait before a retry; a Retry-After beyond it ends the retries. */
      maxDelayMs: z.number().int().min(0).max(60_000).default(5_000),
    })
    .prefault({}),
  /**
   * The provider dedupes requests carrying this header (value default `{{attemptId}}`), so a
   * request whose outcome is unknown may be sent again without sending the SMS twice.
   */
  idempotency: z.object({ header: z.string().min(1), value: z.string().min(1).default('{{attemptId}}') }).optional(),
  webhook: WebhookSpecSchema.optional(),
});

/** A provider as data, with every default filled in. */
export type HttpProviderSpec = z.output<typeof HttpProviderSpecSchema>;
/** What a spec may be written as (defaults optional). */
export type HttpProviderSpecInput = z.input<typeof HttpProviderSpecSchema>;
/** Delivery-report settings of a spec. */
export type HttpWebhookSpec = NonNullable<HttpProviderSpec['webhook']>;
/** HMAC request signing settings. */
export type HmacSigning = z.output<typeof HmacSchema>;

/** A spec, or every problem found, each starting with the field path (`body.template.to: …`). */
export type HttpProviderSpecResult = { readonly ok: true; readonly spec: HttpProviderSpec } | { readonly ok: false; readonly problems: readonly string[] };

/** Validates `input` as an `HttpProviderSpec`: shape, templates and paths. */
export function parseHttpProviderSpec(input: unknown): HttpProviderSpecResult {
  const parsed = HttpProviderSpecSchema.safeParse(input);
  if (!parsed.success) return { ok: false, problems: parsed.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`) };
  const problems = templateAndPathProblems(parsed.data);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, spec: parsed.data };
}

/** Like `parseHttpProviderSpec`, throwing `HttpSpecError` with all problems: for presets, whose specs are code. */
export function requireHttpProviderSpec(input: HttpProviderSpecInput): HttpProviderSpec {
  const result = parseHttpProviderSpec(input);
  if (!result.ok) throw new HttpSpecError(result.problems);
  return result.spec;
}

/** A spec that failed validation; `problems` name the fields. */
export class HttpSpecError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid HTTP provider spec: ${problems.join('; ')}`);
    this.name = 'HttpSpecError';
  }
}

/** `['body', 'template', 'message', 0, 'To']` → `body.template.message[0].To`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(spec)' : out;
}

function templateAndPathProblems(spec: HttpProviderSpec): string[] {
  const problems: string[] = [];
  const variables: readonly string[] = spec.channel === 'voice' ? CALL_VARIABLES : SMS_VARIABLES;
  const template = (path: readonly PropertyKey[], text: string, allowed: readonly string[] = variables): void => {
    try {
      parseTemplate(text, allowed);
    } catch (error) {
      if (error instanceof TemplateError) problems.push(`${formatPath(path)}: ${error.reason}`);
      else throw error;
    }
  };
  const jsonPath = (path: readonly PropertyKey[], text: string | undefined): void => {
    if (text === undefined) return;
    try {
      parseJsonPath(text);
    } catch (error) {
      if (error instanceof JsonPathError) problems.push(`${formatPath(path)}: ${error.message}`);
      else throw error;
    }
  };

  template(['url'], spec.url);
  if (!/^https?:\/\//i.test(spec.url)) problems.push('url: must start with http:// or https://');
  for (const [name, value] of Object.entries(spec.headers)) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) problems.push(`headers.${name}: not a valid header name`);
    template(['headers', name], value);
  }
  if (spec.method === 'GET' && spec.body.format !== 'none') problems.push('body.format: a GET request has no body; use none');
  if (spec.body.format === 'json') walkJson(spec.body.template, ['body', 'template'], template);
  if (spec.body.format === 'form') {
    for (const [field, value] of Object.entries(spec.body.template)) {
      if (Array.isArray(value)) value.forEach((item, index) => { template(['body', 'template', field, index], item); });
      else template(['body', 'template', field], value);
    }
  }
  // Credentials only: a signing key or password must not be built from message content.
  const auth = spec.auth;
  if (auth.kind === 'basic') {
    template(['auth', 'username'], auth.username, []);
    template(['auth', 'password'], auth.password, []);
  } else if (auth.kind === 'bearer') {
    template(['auth', 'token'], auth.token, []);
  } else if (auth.kind === 'hmac') {
    template(['auth', 'secret'], auth.secret, []);
  }
  jsonPath(['success', 'jsonPath'], spec.success.jsonPath);
  if (spec.success.equals !== undefined && spec.success.jsonPath === undefined) problems.push('success.equals: needs success.jsonPath');
  jsonPath(['messageIdPath'], spec.messageIdPath);
  jsonPath(['errors', 'codePath'], spec.errors.codePath);
  jsonPath(['errors', 'messagePath'], spec.errors.messagePath);
  if (spec.idempotency) template(['idempotency', 'value'], spec.idempotency.value);
  if (spec.retries.maxDelayMs < spec.retries.baseDelayMs) problems.push('retries.maxDelayMs: must not be below retries.baseDelayMs');
  const webhook = spec.webhook;
  if (webhook) {
    jsonPath(['webhook', 'itemsPath'], webhook.itemsPath);
    jsonPath(['webhook', 'idPath'], webhook.idPath);
    jsonPath(['webhook', 'statusPath'], webhook.statusPath);
    jsonPath(['webhook', 'errorCodePath'], webhook.errorCodePath);
    jsonPath(['webhook', 'attemptIdPath'], webhook.attemptIdPath);
    if (webhook.signature) template(['webhook', 'signature', 'secret'], webhook.signature.secret, []);
  }
  return problems;
}

function walkJson(value: unknown, path: PropertyKey[], visit: (path: readonly PropertyKey[], text: string) => void): void {
  if (typeof value === 'string') visit(path, value);
  else if (Array.isArray(value)) value.forEach((item: unknown, index) => { walkJson(item, [...path, index], visit); });
  else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) walkJson(item, [...path, key], visit);
  }
}
