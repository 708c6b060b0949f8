import { describe, expect, it } from 'vitest';
import { BUILT_IN_EMAIL_TEMPLATES, EMAIL_TEMPLATE_LIMITS, emailTemplateProblems, escapeHtml, renderVerificationEmail, type EmailRenderInput, type EmailTemplateSet } from './email-template.js';

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

describe('emailTemplateProblems', () => {
  it('accepts the built-in templates', () => {
    for (const template of Object.values(BUILT_IN_EMAIL_TEMPLATES)) expect(emailTemplateProblems(template)).toEqual([]);
  });

  it('lists every problem with its part', () => {
    expect(emailTemplateProblems({ subject: 'Code\n{brand}', text: 'Hallo {name} {user_id}', html: '' })).toEqual([
      { part: 'subject', reason: 'must be one line' },
      { part: 'text', reason: 'unknown placeholder {name}, {user_id}; use {code}, {brand} or {minutes}' },
      { part: 'text', reason: 'must contain {code}' },
      { part: 'html', reason: 'is required' },
    ]);
  });

  it('takes CSS in the HTML part: only {name} is a placeholder', () => {
    const html = '<style>p{color:#333} @media (max-width:600px){.code{font-size:24px}}</style><p class="code">{code}</p>';
    expect(emailTemplateProblems({ subject: 'Code', text: '{code}', html })).toEqual([]);
  });

  it('refuses parts over their length limits', () => {
    const problems = emailTemplateProblems({ subject: `{code} ${'x'.repeat(EMAIL_TEMPLATE_LIMITS.subject)}`, text: '{code}', html: `<p>{code}</p>${' '.repeat(EMAIL_TEMPLATE_LIMITS.html)}` });
    expect(problems).toEqual([
      { part: 'subject', reason: `is ${EMAIL_TEMPLATE_LIMITS.subject + 7} characters; at most ${EMAIL_TEMPLATE_LIMITS.subject}` },
      { part: 'html', reason: `is ${EMAIL_TEMPLATE_LIMITS.html + 13} characters; at most ${EMAIL_TEMPLATE_LIMITS.html}` },
    ]);
  });

  it('reports a template that is not an object, and parts that are not text', () => {
    expect(emailTemplateProblems(null)).toEqual([{ part: null, reason: 'must be an object with subject, text and html' }]);
    expect(emailTemplateProblems({ subject: 7, text: '{code}', html: '{code}' })).toEqual([{ part: 'subject', reason: 'must be text' }]);
    expect(emailTemplateProblems({ text: '{code}', html: '{code}' })).toEqual([{ part: 'subject', reason: 'is required' }]);
  });
});

describe('escapeHtml', () => {
  it('escapes the five characters that matter in text and attributes', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});
