import { describe, expect, it } from 'vitest';
import { BUILT_IN_EMAIL_TEMPLATES, escapeHtml, renderVerificationEmail, validateEmailTemplates, type EmailRenderInput, type EmailTemplateSet } from './email-template.js';

const CODE = '482913';

function render(overrides: Partial<EmailRenderInput> = {}) {
  return renderVerificationEmail({ locale: 'en', defaultLocale: 'en', code: CODE, brand: 'Acme', ttlSeconds: 600, ...overrides });
}

const APP_TEMPLATES: EmailTemplateSet = {
  en: { subject: 'Acme sign-in', text: 'Code: {code}', html: '<p>Code: {code}</p>' },
  de: { subject: 'Acme Anmeldung', text: 'Code: {code}', html: '<p>Code: {code}</p>' },
};

describe('renderVerificationEmail', () => {
  it.each([
    { locale: 'en', subject: 'Your Acme verification code', text: `Your Acme verification code is ${CODE}.`, minutes: 'It expires in 10 minutes.' },
    { locale: 'de', subject: 'Ihr Acme Bestätigungscode', text: `Ihr Acme Bestätigungscode lautet ${CODE}.`, minutes: 'Er läuft in 10 Minuten ab.' },
    { locale: 'fr', subject: 'Votre code de vérification Acme', text: `Votre code de vérification Acme est ${CODE}.`, minutes: 'Il expire dans 10 minutes.' },
    { locale: 'es', subject: 'Tu código de verificación de Acme', text: `Tu código de verificación de Acme es ${CODE}.`, minutes: 'Caduca en 10 minutos.' },
  ])('writes the built-in $locale e-mail with the code in both parts', ({ locale, subject, text, minutes }) => {
    const email = render({ locale });

    expect(email.locale).toBe(locale);
    expect(email.subject).toBe(subject);
    expect(email.text.startsWith(text)).toBe(true);
    expect(email.text).toContain(minutes);
    expect(email.html).toContain(`>${CODE}</p>`);
    expect(email.html).toContain(minutes);
    expect(email.html).toContain(`<html lang="${locale}">`);
    expect(`${email.subject}${email.text}${email.html}`).not.toMatch(/\{(code|brand|minutes)\}/);
  });

  it('keeps the code out of the subject', () => {
    for (const locale of Object.keys(BUILT_IN_EMAIL_TEMPLATES)) expect(render({ locale }).subject).not.toContain(CODE);
  });

  it('rounds the lifetime up to whole minutes', () => {
    expect(render({ ttlSeconds: 61 }).text).toContain('It expires in 2 minutes.');
  });

  it.each([
    { templates: undefined, locale: 'de-AT', defaultLocale: 'en', picked: 'de', rule: 'the language of a regional tag' },
    { templates: undefined, locale: 'pt-BR', defaultLocale: 'es', picked: 'es', rule: "the app's default when the language is missing" },
    { templates: undefined, locale: 'ja', defaultLocale: 'pl', picked: 'en', rule: 'English when neither exists' },
    { templates: APP_TEMPLATES, locale: 'fr', defaultLocale: 'de', picked: 'de', rule: "the app's default among the app's own templates" },
    { templates: { fr: { subject: 'Acme', text: '{code}', html: '{code}' } }, locale: 'ja', defaultLocale: 'pl', picked: 'fr', rule: 'the first template as a last resort' },
  ])('picks $rule', ({ templates, locale, defaultLocale, picked }) => {
    expect(render({ templates, locale, defaultLocale }).locale).toBe(picked);
  });

  it("uses the app's templates instead of the built-in ones, even where it has no such locale", () => {
    const email = render({ templates: APP_TEMPLATES, locale: 'es', defaultLocale: 'en' });

    expect(email).toMatchObject({ locale: 'en', subject: 'Acme sign-in', text: `Code: ${CODE}`, html: `<p>Code: ${CODE}</p>` });
  });

  it('uses the built-in templates when the app has an empty set', () => {
    expect(render({ templates: {}, locale: 'fr' }).subject).toBe('Votre code de vérification Acme');
  });

  it('escapes substituted values in the HTML part only', () => {
    const brand = `<b>"Tom" & Jerry's</b>`;
    const email = render({ brand });

    expect(email.html).toContain('Your &lt;b&gt;&quot;Tom&quot; &amp; Jerry&#39;s&lt;/b&gt; verification code is:');
    expect(email.html).not.toContain(brand);
    expect(email.text).toContain(`Your ${brand} verification code is ${CODE}.`);
  });

  it('keeps line breaks of a brand out of the subject', () => {
    expect(render({ brand: 'Acme\r\nBcc: eve@example.com' }).subject).toBe('Your Acme Bcc: eve@example.com verification code');
  });

  it('keeps replacement patterns in values literal', () => {
    expect(render({ brand: 'A$&B$1' }).text).toContain('Your A$&B$1 verification code');
  });
});

describe('validateEmailTemplates', () => {
  it('accepts the built-in templates', () => {
    expect(validateEmailTemplates(BUILT_IN_EMAIL_TEMPLATES)).toEqual([]);
  });

  it('lists every problem with its field', () => {
    const problems = validateEmailTemplates({
      de: { subject: 'Code\n{brand}', text: 'Hallo {name}', html: '' },
      'not a tag': { subject: 'x', text: '{code}', html: '{code}' },
    });

    expect(problems).toEqual([
      { field: 'de.subject', reason: 'must be one line' },
      { field: 'de.text', reason: 'unknown placeholder {name}; use {code}, {brand} or {minutes}' },
      { field: 'de.text', reason: 'must contain {code}' },
      { field: 'de.html', reason: 'is required' },
      { field: 'not a tag', reason: 'is not a locale tag such as en or pt-BR' },
    ]);
  });

  it('reports a locale that is not an object', () => {
    expect(validateEmailTemplates(JSON.parse('{"en": null}') as EmailTemplateSet)).toEqual([{ field: 'en', reason: 'must be an object with subject, text and html' }]);
  });
});

describe('escapeHtml', () => {
  it('escapes the five characters that matter in text and attributes', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});
