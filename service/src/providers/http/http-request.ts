/**
 * Turns a spec plus one message's values into the bytes of an HTTP request: URL, headers, body,
 * authentication. Templates are parsed once per provider; credentials are checked up front, so a
 * provider with a missing secret fails at construction rather than on the first message.
 */
import { createHmac } from 'node:crypto';
import type { HmacSigning, HttpProviderSpec } from './http-provider-spec.js';
import {
  CALL_VARIABLES,
  credentialKeys,
  escapeHeaderValue,
  escapeUrlComponent,
  hasVariables,
  parseTemplate,
  renderTemplate,
  SMS_VARIABLES,
  type Template,
  type TemplateValues,
} from './http-template.js';

/** A request ready for `fetch`. */
export interface RenderedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
}

/** Credentials the spec's templates read but the provider was not given; names each one. */
export class MissingCredentialsError extends Error {
  constructor(readonly keys: readonly string[]) {
    super(`missing credentials: ${keys.join(', ')}`);
    this.name = 'MissingCredentialsError';
  }
}

type CompiledJson = { kind: 'text'; template: Template } | { kind: 'literal'; value: unknown } | { kind: 'array'; items: CompiledJson[] } | { kind: 'object'; fields: [string, CompiledJson][] };

type CompiledBody =
  | { readonly format: 'json'; readonly root: CompiledJson }
  | { readonly format: 'form'; readonly fields: readonly (readonly [string, readonly Template[]])[] }
  | { readonly format: 'none' };

type CompiledAuth =
  | { readonly kind: 'none' }
  | { readonly kind: 'basic'; readonly username: Template; readonly password: Template }
  | { readonly kind: 'bearer'; readonly token: Template }
  | { readonly kind: 'hmac'; readonly secret: Template; readonly signing: HmacSigning };

/** A spec's request with its templates parsed and its credentials bound. */
export class RequestTemplate {
  readonly #method: string;
  readonly #url: Template;
  readonly #headers: readonly (readonly [string, Template])[];
  readonly #body: CompiledBody;
  readonly #auth: CompiledAuth;
  readonly #idempotency: { readonly header: string; readonly value: Template } | undefined;
  readonly #credentials: Readonly<Record<string, string>>;

  /** Throws `MissingCredentialsError` when a `{{credentials.x}}` has no value in `credentials`. */
  constructor(spec: HttpProviderSpec, credentials: Readonly<Record<string, string>>) {
    const allowed = spec.channel === 'voice' ? CALL_VARIABLES : SMS_VARIABLES;
    const parse = (text: string): Template => parseTemplate(text, allowed);
    this.#method = spec.method;
    this.#url = parse(spec.url);
    this.#headers = Object.entries(spec.headers).map(([name, value]) => [name, parse(value)] as const);
    this.#body =
      spec.body.format === 'json'
        ? { format: 'json', root: compileJson(spec.body.template, parse) }
        : spec.body.format === 'form'
          ? {
              format: 'form',
              fields: Object.entries(spec.body.template).map(([name, value]) => [name, (Array.isArray(value) ? value : [value]).map(parse)] as const),
            }
          : { format: 'none' };
    const auth = spec.auth;
    this.#auth =
      auth.kind === 'basic'
        ? { kind: 'basic', username: parse(auth.username), password: parse(auth.password) }
        : auth.kind === 'bearer'
          ? { kind: 'bearer', token: parse(auth.token) }
          : auth.kind === 'hmac'
            ? { kind: 'hmac', secret: parse(auth.secret), signing: auth }
            : { kind: 'none' };
    this.#idempotency = spec.idempotency ? { header: spec.idempotency.header, value: parse(spec.idempotency.value) } : undefined;
    this.#credentials = credentials;

    const missing = [...new Set(this.#templates().flatMap(credentialKeys))].filter((key) => !credentials[key]);
    if (missing.length > 0) throw new MissingCredentialsError(missing);
  }

  /** True when requests carry an idempotency key the provider dedupes on. */
  get idempotent(): boolean {
    return this.#idempotency !== undefined;
  }

  /**
   * Renders one request. Throws `TemplateError` for a header value with a line break, and
   * `MissingValueError` for a variable without a value.
   */
  render(values: TemplateValues, now: Date): RenderedRequest {
    const all: Record<string, string> = { ...values };
    for (const [key, value] of Object.entries(this.#credentials)) all[`credentials.${key}`] = value;
    const headers: Record<string, string> = { accept: 'application/json' };
    for (const [name, template] of this.#headers) headers[name.toLowerCase()] = renderTemplate(template, all, escapeHeaderValue);

    let body: string | undefined;
    if (this.#body.format === 'json') {
      body = JSON.stringify(renderJson(this.#body.root, all) ?? {});
      headers['content-type'] ??= 'application/json; charset=utf-8';
    } else if (this.#body.format === 'form') {
      const form = new URLSearchParams();
      for (const [name, templates] of this.#body.fields) {
        for (const template of templates) {
          const value = renderTemplate(template, all);
          // A field whose variables rendered to nothing is left out: optional settings (a
          // sender OR a messaging service) need not be sent as empty fields.
          if (value === '' && hasVariables(template)) continue;
          form.append(name, value);
        }
      }
      body = form.toString();
      headers['content-type'] ??= 'application/x-www-form-urlencoded; charset=utf-8';
    }

    const auth = this.#auth;
    if (auth.kind === 'basic') {
      // RFC 7617: base64 of user-id ":" password, UTF-8.
      const pair = `${renderTemplate(auth.username, all)}:${renderTemplate(auth.password, all)}`;
      headers.authorization = `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;
    } else if (auth.kind === 'bearer') {
      headers.authorization = `Bearer ${renderTemplate(auth.token, all, escapeHeaderValue)}`;
    } else if (auth.kind === 'hmac') {
      Object.assign(headers, hmacHeaders(auth.signing, renderTemplate(auth.secret, all), body ?? '', now));
    }
    if (this.#idempotency) headers[this.#idempotency.header.toLowerCase()] = renderTemplate(this.#idempotency.value, all, escapeHeaderValue);

    return { method: this.#method, url: renderTemplate(this.#url, all, escapeUrlComponent), headers, body };
  }

  #templates(): Template[] {
    const templates: Template[] = [this.#url, ...this.#headers.map(([, template]) => template)];
    if (this.#body.format === 'json') templates.push(...jsonTemplates(this.#body.root));
    if (this.#body.format === 'form') templates.push(...this.#body.fields.flatMap(([, list]) => list));
    const auth = this.#auth;
    if (auth.kind === 'basic') templates.push(auth.username, auth.password);
    if (auth.kind === 'bearer') templates.push(auth.token);
    if (auth.kind === 'hmac') templates.push(auth.secret);
    if (this.#idempotency) templates.push(this.#idempotency.value);
    return templates;
  }
}

/** The headers of an HMAC-signed request: signature, and the timestamp it covers when configured. */
export function hmacHeaders(signing: HmacSigning, secret: string, body: string, now: Date): Record<string, string> {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  const payload = signing.timestampHeader === undefined ? body : `${timestamp}.${body}`;
  const digest = createHmac(signing.algorithm, secret).update(payload, 'utf8').digest(signing.encoding);
  const headers: Record<string, string> = { [signing.header.toLowerCase()]: `${signing.prefix}${digest}` };
  if (signing.timestampHeader !== undefined) headers[signing.timestampHeader.toLowerCase()] = timestamp;
  return headers;
}

function compileJson(value: unknown, parse: (text: string) => Template): CompiledJson {
  if (typeof value === 'string') return { kind: 'text', template: parse(value) };
  if (Array.isArray(value)) return { kind: 'array', items: value.map((item: unknown) => compileJson(item, parse)) };
  if (typeof value === 'object' && value !== null) {
    return { kind: 'object', fields: Object.entries(value).map(([key, item]) => [key, compileJson(item, parse)]) };
  }
  return { kind: 'literal', value };
}

/** Renders a JSON template; a string whose variables rendered to '' is left out (undefined). */
function renderJson(node: CompiledJson, values: TemplateValues): unknown {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'text': {
      const text = renderTemplate(node.template, values);
      return text === '' && hasVariables(node.template) ? undefined : text;
    }
    case 'array':
      return node.items.map((item) => renderJson(item, values)).filter((item) => item !== undefined);
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [key, item] of node.fields) {
        const rendered = renderJson(item, values);
        if (rendered !== undefined) out[key] = rendered;
      }
      return out;
    }
  }
}

function jsonTemplates(node: CompiledJson): Template[] {
  switch (node.kind) {
    case 'literal':
      return [];
    case 'text':
      return [node.template];
    case 'array':
      return node.items.flatMap(jsonTemplates);
    case 'object':
      return node.fields.flatMap(([, item]) => jsonTemplates(item));
  }
}
