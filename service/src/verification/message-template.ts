/**
 * The text of a verification message. Templates are per app, per locale; placeholders are
 * `{code}`, `{brand}` and `{minutes}` (the code's lifetime).
 */

/** Templates of one app: template name -> locale -> text. */
export type TemplateSet = Readonly<Record<string, Readonly<Record<string, string>>>>;

/** The template used when an app defines none. */
export const DEFAULT_TEMPLATE_NAME = 'default';

/** Built-in texts, so an app works before an admin writes its own. */
export const BUILT_IN_TEMPLATES: TemplateSet = {
  [DEFAULT_TEMPLATE_NAME]: {
    en: 'Your {brand} verification code is {code}. It expires in {minutes} minutes.',
    de: 'Ihr {brand} Bestätigungscode lautet {code}. Er läuft in {minutes} Minuten ab.',
    fr: 'Votre code de vérification {brand} est {code}. Il expire dans {minutes} minutes.',
    es: 'Tu código de verificación de {brand} es {code}. Caduca en {minutes} minutos.',
  },
};

export interface RenderInput {
  readonly templates: TemplateSet;
  readonly templateName: string;
  readonly locale: string;
  readonly defaultLocale: string;
  readonly code: string;
  readonly brand: string;
  readonly ttlSeconds: number;
  /** Android SMS Retriever hash of the calling app, if it asked for one. */
  readonly appHash?: string | undefined;
  /** Domain for the origin-bound line (WebOTP, iOS/Android autofill), if the app has one. */
  readonly domain?: string | undefined;
}

/** The rendered text and the locale actually used after fallback. */
export interface RenderedMessage {
  readonly text: string;
  readonly locale: string;
}

/**
 * Picks the closest locale the template has: exact tag, then its base language, then the app's
 * default, then English, then whatever the template has first.
 */
export function pickLocale(available: readonly string[], wanted: string, fallback: string): string | undefined {
  const byLower = new Map(available.map((tag) => [tag.toLowerCase(), tag]));
  const candidates = [wanted, wanted.split('-')[0] ?? '', fallback, fallback.split('-')[0] ?? '', 'en'];
  for (const candidate of candidates) {
    const hit = byLower.get(candidate.toLowerCase());
    if (hit !== undefined) return hit;
  }
  return available[0];
}

/** Names of templates available to an app: its own plus the built-in ones. */
export function hasTemplate(templates: TemplateSet, name: string): boolean {
  // Own properties only: `toString` or `__proto__` are not templates.
  return Object.hasOwn(templates, name) || Object.hasOwn(BUILT_IN_TEMPLATES, name);
}

function templateNamed(templates: TemplateSet, name: string): Readonly<Record<string, string>> | undefined {
  if (Object.hasOwn(templates, name)) return templates[name];
  return Object.hasOwn(BUILT_IN_TEMPLATES, name) ? BUILT_IN_TEMPLATES[name] : undefined;
}

export function renderVerificationMessage(input: RenderInput): RenderedMessage {
  const template = templateNamed(input.templates, input.templateName);
  if (template === undefined) throw new RangeError(`unknown template "${input.templateName}"`);
  const locale = pickLocale(Object.keys(template), input.locale, input.defaultLocale);
  if (locale === undefined) throw new RangeError(`template "${input.templateName}" has no text`);
  const body = (Object.hasOwn(template, locale) ? (template[locale] ?? '') : '').replace(/\{(code|brand|minutes)\}/g, (_, name: string) => {
    if (name === 'code') return input.code;
    if (name === 'brand') return input.brand;
    return String(Math.ceil(input.ttlSeconds / 60));
  });
  const lines = [body];
  // Android SMS Retriever reads the 11-character app hash anywhere in the text.
  if (input.appHash) lines.push('', input.appHash);
  // WebOTP and iOS/Android autofill require the origin-bound line to be the message's LAST line:
  // "@<domain> #<code>" (WICG sms-one-time-codes format).
  if (input.domain) lines.push('', `@${input.domain} #${input.code}`);
  return { text: lines.join('\n'), locale };
}
