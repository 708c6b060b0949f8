import { describe, expect, it } from 'vitest';
import type { AppDraft } from './admin-model.js';
import { isHostname, isLocale, isSenderId, MAX_EMAIL_LOCALES, MAX_EMAIL_TEMPLATE_CHARACTERS, templateTextProblems, validateApp } from './app-validation.js';

const app: AppDraft = {
  name: 'checkout',
  senderId: 'Checkout',
  domain: 'shop.example.com',
  defaultLocale: 'en',
  allowedCountries: ['DE', 'AT'],
  defaultCodeLength: 6,
  templates: { login: { en: 'Your {brand} code is {code}. Valid {minutes} min.', 'de-CH': 'Ihr Code: {code}' } },
  emailTemplates: { de: { subject: 'Ihr {brand} Code', text: 'Code: {code}', html: '<p>Code: <b>{code}</b></p>' } },
};

describe('validateApp', () => {
  it('accepts a complete app', () => {
    expect(validateApp(app)).toEqual([]);
  });

  it('accepts an app without domain, countries or templates', () => {
    expect(validateApp({ ...app, domain: null, allowedCountries: [], templates: {}, emailTemplates: {} })).toEqual([]);
  });

  it('names every bad field', () => {
    const problems = validateApp({ ...app, name: '', senderId: 'Far too long sender', domain: 'https://x', defaultLocale: 'en_US!', allowedCountries: ['DE', 'XX', 'DE'], defaultCodeLength: 3 });
    expect(problems.map((problem) => problem.field)).toEqual(['name', 'senderId', 'domain', 'defaultLocale', 'allowedCountries[1]', 'allowedCountries[2]', 'defaultCodeLength']);
  });

  it.each([4, 10])('accepts a code length of %i', (length) => {
    expect(validateApp({ ...app, defaultCodeLength: length })).toEqual([]);
  });

  it('names a bad template text by template and locale', () => {
    const problems = validateApp({ ...app, templates: { login: { en: 'no code here' } } });
    expect(problems).toEqual([{ field: 'templates.login.texts.en', reason: 'must contain {code}' }]);
  });

  it('caps the number of e-mail locales', () => {
    const template = { subject: 'Code', text: '{code}', html: '<p>{code}</p>' };
    const locales = ['en', 'de', 'fr', 'es', 'it', 'nl', 'pt', 'pl', 'sv', 'da', 'fi', 'no', 'cs', 'sk', 'hu', 'ro', 'bg', 'el', 'tr', 'ru', 'uk', 'ja', 'ko', 'zh', 'ar', 'he', 'hi', 'th', 'vi', 'id', 'ms', 'lt', 'lv', 'et', 'sl', 'hr', 'sr', 'ga', 'mt', 'is', 'ca'];
    const emailTemplates = Object.fromEntries(locales.map((locale) => [locale, template]));
    expect(validateApp({ ...app, emailTemplates })).toEqual([{ field: 'emailTemplates', reason: `has ${locales.length} locales; at most ${MAX_EMAIL_LOCALES}` }]);
    expect(validateApp({ ...app, emailTemplates: Object.fromEntries(locales.slice(1).map((locale) => [locale, template])) })).toEqual([]);
  });

  it('caps the characters of all e-mail templates together', () => {
    const html = `<p>{code}</p>${' '.repeat(99_000)}`;
    const emailTemplates = Object.fromEntries(['en', 'de', 'fr', 'es'].map((locale) => [locale, { subject: 'Code', text: '{code}', html }]));
    expect(validateApp({ ...app, emailTemplates })).toEqual([
      { field: 'emailTemplates', reason: `hold ${4 * (4 + 6 + html.length)} characters in all; at most ${MAX_EMAIL_TEMPLATE_CHARACTERS}` },
    ]);
  });

  it('refuses two keys for one locale', () => {
    const template = { subject: 'Code', text: '{code}', html: '<p>{code}</p>' };
    expect(validateApp({ ...app, emailTemplates: { 'de-CH': template, 'de-ch': template } })).toEqual([
      { field: 'emailTemplates.de-ch', reason: 'is the same locale as "de-CH"' },
    ]);
  });

  it('names bad e-mail templates by locale and part', () => {
    const problems = validateApp({
      ...app,
      emailTemplates: {
        de: { subject: 'Code\r\n{code}', text: 'Hallo {user}', html: '<p>{code}</p>' },
        'de_DE!': { subject: 'Code', text: '{code}', html: '' },
      },
    });
    expect(problems).toEqual([
      { field: 'emailTemplates.de.subject', reason: 'must be one line' },
      { field: 'emailTemplates.de.text', reason: 'unknown placeholder {user}; use {code}, {brand} or {minutes}' },
      { field: 'emailTemplates.de.text', reason: 'must contain {code}' },
      { field: 'emailTemplates.de_DE!', reason: '"de_DE!" is not a BCP 47 language tag' },
      { field: 'emailTemplates.de_DE!.html', reason: 'is required' },
    ]);
  });
});

describe('isSenderId', () => {
  it.each(['Checkout', 'ACME2024', '12345', '12345678', '+4915123456789'])('accepts %j', (sender) => {
    expect(isSenderId(sender)).toBe(true);
  });

  it.each(['', 'TwelveChars1', '123456789', 'Shop Now', '+0123', 'Bäcker'])('refuses %j', (sender) => {
    expect(isSenderId(sender)).toBe(false);
  });
});

describe('isHostname', () => {
  it.each(['example.com', 'login.shop-1.example.co.uk'])('accepts %j', (host) => {
    expect(isHostname(host)).toBe(true);
  });

  it.each(['localhost', 'https://example.com', 'example.com/path', '-bad.example.com', 'a..b'])('refuses %j', (host) => {
    expect(isHostname(host)).toBe(false);
  });
});

describe('isLocale', () => {
  it.each(['en', 'de-CH', 'zh-Hant-TW'])('accepts %j', (tag) => {
    expect(isLocale(tag)).toBe(true);
  });

  it.each(['', 'en_US', 'not a locale'])('refuses %j', (tag) => {
    expect(isLocale(tag)).toBe(false);
  });
});

describe('templateTextProblems', () => {
  it('accepts the three placeholders', () => {
    expect(templateTextProblems('{brand}: {code} ({minutes} min)')).toEqual([]);
  });

  it('refuses unknown placeholders by name', () => {
    expect(templateTextProblems('{code} {user}')).toEqual(['unknown placeholder {user}; use {code}, {brand} or {minutes}']);
  });

  it('refuses texts over 500 characters', () => {
    expect(templateTextProblems(`{code}${'x'.repeat(495)}`)).toEqual(['must be at most 500 characters']);
  });
});
