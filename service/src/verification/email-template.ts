/**
 * The e-mail that carries a verification code: subject, plain text and HTML, per app and locale,
 * with the placeholders SMS templates use (`{code}`, `{brand}`, `{minutes}`). Substituted values
 * are HTML-escaped in the HTML part and stripped of line breaks in the subject; the template text
 * itself is the app admin's and is used as written.
 */
import { pickLocale } from './message-template.js';

/** One locale's e-mail. */
export interface EmailTemplate {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** An app's e-mail templates: locale tag -> template. */
export type EmailTemplateSet = Readonly<Record<string, EmailTemplate>>;

/** What is wrong with one part of a locale's e-mail template (`part` null: the whole of it). */
export interface EmailTemplateProblem {
  readonly part: EmailTemplatePart | null;
  readonly reason: string;
}

export type EmailTemplatePart = 'subject' | 'text' | 'html';

/** Longest parts an admin may write: a subject fits a mail client's list, bodies stay mail-sized. */
export const EMAIL_TEMPLATE_LIMITS: Readonly<Record<EmailTemplatePart, number>> = { subject: 200, text: 10_000, html: 100_000 };

function html(lang: string, intro: string, expiry: string, ignore: string): string {
  return [
    '<!DOCTYPE html>',
    `<html lang="${lang}">`,
    '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{brand}</title></head>',
    '<body style="margin:0;padding:24px;font-family:Helvetica,Arial,sans-serif;color:#1f2933;background:#ffffff">',
    `<p style="margin:0 0 16px;font-size:16px">${intro}</p>`,
    '<p style="margin:0 0 16px;font-size:32px;font-weight:bold;letter-spacing:6px;font-family:Menlo,Consolas,monospace">{code}</p>',
    `<p style="margin:0 0 8px;font-size:14px">${expiry}</p>`,
    `<p style="margin:0;font-size:12px;color:#616e7c">${ignore}</p>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** Built-in e-mails, so an app can use the channel before an admin writes its own. */
export const BUILT_IN_EMAIL_TEMPLATES: EmailTemplateSet = {
  en: {
    subject: 'Your {brand} verification code',
    text: 'Your {brand} verification code is {code}.\n\nIt expires in {minutes} minutes. If you did not ask for this code, you can ignore this e-mail.\n',
    html: html('en', 'Your {brand} verification code is:', 'It expires in {minutes} minutes.', 'If you did not ask for this code, you can ignore this e-mail.'),
  },
  de: {
    subject: 'Ihr {brand} Bestätigungscode',
    text: 'Ihr {brand} Bestätigungscode lautet {code}.\n\nEr läuft in {minutes} Minuten ab. Wenn Sie diesen Code nicht angefordert haben, können Sie diese E-Mail ignorieren.\n',
    html: html('de', 'Ihr {brand} Bestätigungscode lautet:', 'Er läuft in {minutes} Minuten ab.', 'Wenn Sie diesen Code nicht angefordert haben, können Sie diese E-Mail ignorieren.'),
  },
  fr: {
    subject: 'Votre code de vérification {brand}',
    text: "Votre code de vérification {brand} est {code}.\n\nIl expire dans {minutes} minutes. Si vous n'avez pas demandé ce code, vous pouvez ignorer cet e-mail.\n",
    html: html('fr', 'Votre code de vérification {brand} est :', 'Il expire dans {minutes} minutes.', 'Si vous n’avez pas demandé ce code, vous pouvez ignorer cet e-mail.'),
  },
  es: {
    subject: 'Tu código de verificación de {brand}',
    text: 'Tu código de verificación de {brand} es {code}.\n\nCaduca en {minutes} minutos. Si no has solicitado este código, puedes ignorar este correo.\n',
    html: html('es', 'Tu código de verificación de {brand} es:', 'Caduca en {minutes} minutos.', 'Si no has solicitado este código, puedes ignorar este correo.'),
  },
};

/** One verification e-mail to render. */
export interface EmailRenderInput {
  /** The app's own templates; empty or absent: the built-in ones. */
  readonly templates?: EmailTemplateSet | undefined;
  /** The verification's locale (BCP 47). */
  readonly locale: string;
  /** The app's default locale. */
  readonly defaultLocale: string;
  readonly code: string;
  readonly brand: string;
  /** The code's lifetime; `{minutes}` is it rounded up to whole minutes. */
  readonly ttlSeconds: number;
}

/** A rendered e-mail and the locale actually used after fallback. */
export interface RenderedEmail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly locale: string;
}

const PLACEHOLDER = /\{(code|brand|minutes)\}/g;

/**
 * Renders the verification e-mail. Locale fallback as for SMS: exact tag, its language, the app's
 * default (and its language), English, then the first the set has. An app's set replaces the
 * built-in one as a whole, so its mails never mix its wording with ours.
 */
export function renderVerificationEmail(input: EmailRenderInput): RenderedEmail {
  const own = input.templates !== undefined && Object.keys(input.templates).length > 0 ? input.templates : undefined;
  const set = own ?? BUILT_IN_EMAIL_TEMPLATES;
  const locale = pickLocale(Object.keys(set), input.locale, input.defaultLocale);
  const template = locale !== undefined && Object.hasOwn(set, locale) ? set[locale] : undefined;
  if (locale === undefined || template === undefined) throw new RangeError('e-mail template set has no locale');
  const values: Record<string, string> = {
    code: input.code,
    brand: input.brand,
    minutes: String(Math.max(1, Math.ceil(input.ttlSeconds / 60))),
  };
  const fill = (text: string, escape: (value: string) => string) => text.replace(PLACEHOLDER, (_, name: string) => escape(values[name] ?? ''));
  return {
    subject: fill(template.subject, headerText),
    text: fill(template.text, (value) => value),
    html: fill(template.html, escapeHtml),
    locale,
  };
}

/**
 * The one template of an app's set that a message in `locale` will use, as a set of one, or
 * undefined when the app has none (the built-in e-mails then apply). Messages carry this rather
 * than the whole set: what an accepted code is sent with is fixed when it is accepted, as its
 * SMS text is. One locale is at most about 110 000 characters (the part limits), sealed with
 * the message until its delivery ends.
 */
export function emailTemplateFor(set: EmailTemplateSet, locale: string, defaultLocale: string): EmailTemplateSet | undefined {
  const picked = pickLocale(Object.keys(set), locale, defaultLocale);
  const template = picked !== undefined && Object.hasOwn(set, picked) ? set[picked] : undefined;
  return picked === undefined || template === undefined ? undefined : { [picked]: template };
}

/**
 * Every problem of one locale's e-mail template: each part present, within its length, with only
 * the known placeholders, the bodies showing `{code}`, the subject on one line. The template may
 * come straight from JSON, so its shape is checked too.
 */
export function emailTemplateProblems(template: unknown): EmailTemplateProblem[] {
  if (typeof template !== 'object' || template === null) return [{ part: null, reason: 'must be an object with subject, text and html' }];
  const problems: EmailTemplateProblem[] = [];
  for (const part of ['subject', 'text', 'html'] as const) {
    const value: unknown = (template as Partial<Record<string, unknown>>)[part];
    const add = (reason: string) => problems.push({ part, reason });
    if (value !== undefined && value !== null && typeof value !== 'string') {
      add('must be text');
      continue;
    }
    if (value === undefined || value === null || value.trim() === '') {
      add('is required');
      continue;
    }
    if (value.length > EMAIL_TEMPLATE_LIMITS[part]) add(`is ${value.length} characters; at most ${EMAIL_TEMPLATE_LIMITS[part]}`);
    // Only `{name}` is a placeholder: HTML carries CSS (`p{color:red}`) whose braces are not ours.
    const unknown = [...value.matchAll(/\{([A-Za-z_]\w*)\}/g)].map((match) => match[1] ?? '').filter((name) => name !== 'code' && name !== 'brand' && name !== 'minutes');
    if (unknown.length > 0) add(`unknown placeholder ${unknown.map((name) => `{${name}}`).join(', ')}; use {code}, {brand} or {minutes}`);
    if (part !== 'subject' && !value.includes('{code}')) add('must contain {code}');
    if (part === 'subject' && /[\r\n]/.test(value)) add('must be one line');
  }
  return problems;
}

/** HTML-escapes a value for element text or a quoted attribute. */
export function escapeHtml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** A value for a header line: no line breaks or other control characters. */
function headerText(value: string): string {
  return value.replace(/[\u0000-\u001F\u007F]+/g, ' ');
}
