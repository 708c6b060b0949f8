/**
 * `{{variable}}` templates of the HTTP provider spec. A template is parsed once into literal and
 * variable parts; each place it is rendered into escapes the values its own way (URL path
 * component, JSON string, form field, header), so a text with `&`, `"` or `/` never breaks the
 * request it goes into.
 */

/** Variables an SMS request may use. */
export const SMS_VARIABLES = [
  'to',
  'toDigits',
  'from',
  'fromDigits',
  'text',
  'textType',
  'messageId',
  'attemptId',
  'callbackUrl',
  'callbackBaseUrl',
] as const;

/** Variables a call request may use. */
export const CALL_VARIABLES = ['to', 'toDigits', 'from', 'fromDigits', 'messageId', 'attemptId', 'answerUrl', 'statusCallbackUrl'] as const;

/** The values one request is rendered with; `credentials.<key>` come from the provider's credentials. */
export type TemplateValues = Readonly<Record<string, string>>;

/** One piece of a parsed template. */
export type TemplatePart = { readonly kind: 'literal'; readonly text: string } | { readonly kind: 'variable'; readonly name: string };

/** A parsed template. */
export interface Template {
  readonly source: string;
  readonly parts: readonly TemplatePart[];
}

/** Why a template text is not valid; `reason` reads well after a field path and a colon. */
export class TemplateError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'TemplateError';
  }
}

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const CREDENTIAL = /^credentials\.([A-Za-z0-9_-]+)$/;

/**
 * Parses `text`, accepting only `allowed` variables and `credentials.<key>`. Throws
 * `TemplateError` (`unknown variable {recipient}`, `unclosed {{`).
 */
export function parseTemplate(text: string, allowed: readonly string[]): Template {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    const [whole, rawName = ''] = match;
    if (match.index > last) parts.push({ kind: 'literal', text: text.slice(last, match.index) });
    const name = rawName.trim();
    if (name === '') throw new TemplateError('empty variable {{}}');
    if (!allowed.includes(name) && !CREDENTIAL.test(name)) throw new TemplateError(`unknown variable {${name}}`);
    parts.push({ kind: 'variable', name });
    last = match.index + whole.length;
  }
  const tail = text.slice(last);
  if (tail.includes('{{')) throw new TemplateError('unclosed {{');
  if (tail.length > 0) parts.push({ kind: 'literal', text: tail });
  return { source: text, parts };
}

/** The credential keys a template reads (`{{credentials.authToken}}` → `authToken`). */
export function credentialKeys(template: Template): string[] {
  return template.parts.flatMap((part) => {
    if (part.kind !== 'variable') return [];
    const match = CREDENTIAL.exec(part.name);
    return match?.[1] === undefined ? [] : [match[1]];
  });
}

/** True when the template has at least one variable. */
export function hasVariables(template: Template): boolean {
  return template.parts.some((part) => part.kind === 'variable');
}

/** A value was missing at render time (a credential not configured); names the variable. */
export class MissingValueError extends Error {
  constructor(readonly variable: string) {
    super(`no value for {${variable}}`);
    this.name = 'MissingValueError';
  }
}

/**
 * Renders `template`, passing each variable's value through `escape` (literals stay as written).
 * Throws `MissingValueError` when a variable has no value.
 */
export function renderTemplate(template: Template, values: TemplateValues, escape: (value: string) => string = identity): string {
  let out = '';
  for (const part of template.parts) {
    if (part.kind === 'literal') {
      out += part.text;
      continue;
    }
    const value = values[part.name];
    if (value === undefined) throw new MissingValueError(part.name);
    out += escape(value);
  }
  return out;
}

function identity(value: string): string {
  return value;
}

/**
 * Values for a URL: each variable is percent-encoded as one path segment or query value
 * (RFC 3986 §2.1), so `/`, `?` and `&` in a value cannot change the URL's shape.
 */
export function escapeUrlComponent(value: string): string {
  return encodeURIComponent(value);
}

/** Header values may not carry line breaks or NUL (RFC 9110 §5.5): that would inject headers. */
export function escapeHeaderValue(value: string): string {
  if (/[\r\n\0]/.test(value)) throw new TemplateError('header value contains a line break');
  return value;
}
