/**
 * The e-mail that carries a verification code: subject, plain text and HTML, per app and locale,
 * with the placeholders SMS templates use (`{code}`, `{brand}`, `{minutes}`). Substituted values
 * are HTML-escaped in the HTML part and stripped of line breaks in the subject; the template text
 * itself is the app admin's and is used as written.
 */
import { pickLocale } from '../../verification/message-template.js';

/** One locale's e-mail. */
export interface EmailTemplate {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** An app's e-mail templates: locale tag -> template. */
export type EmailTemplateSet = Readonly<Record<string, EmailTemplate>>;

/** A field of an e-mail template set that cannot be used, named as `<locale>.<part>`. */
export interface EmailTemplateProblem {
  readonly field: string;
  readonly reason: string;
}

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

/** Every problem of an app's e-mail templates, for the admin API (fields as `de.html`). */
export function validateEmailTemplates(set: EmailTemplateSet): EmailTemplateProblem[] {
  const problems: EmailTemplateProblem[] = [];
  for (const [locale, template] of Object.entries(set)) {
    if (!/^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$/.test(locale)) problems.push({ field: locale, reason: 'is not a locale tag such as en or pt-BR' });
    // The set may come straight from JSON: check the shape, not just the type.
    const raw: unknown = template;
    if (typeof raw !== 'object' || raw === null) {
      problems.push({ field: locale, reason: 'must be an object with subject, text and html' });
      continue;
    }
    for (const part of ['subject', 'text', 'html'] as const) {
      const value: unknown = (raw as Partial<Record<string, unknown>>)[part];
      const field = `${locale}.${part}`;
      if (typeof value !== 'string' || value.trim() === '') {
        problems.push({ field, reason: 'is required' });
        continue;
      }
      const unknown = [...value.matchAll(/\{([A-Za-z_]+)\}/g)].map((match) => match[1]).filter((name) => name !== 'code' && name !== 'brand' && name !== 'minutes');
      if (unknown.length > 0) problems.push({ field, reason: `unknown placeholder {${unknown.join('}, {')}}; use {code}, {brand} or {minutes}` });
      if (part !== 'subject' && !value.includes('{code}')) problems.push({ field, reason: 'must contain {code}' });
      if (part === 'subject' && /[\r\n]/.test(value)) problems.push({ field, reason: 'must be one line' });
    }
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
