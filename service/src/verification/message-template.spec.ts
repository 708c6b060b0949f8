import { describe, expect, it } from 'vitest';
import { BUILT_IN_TEMPLATES, DEFAULT_TEMPLATE_NAME, hasTemplate, pickLocale, renderVerificationMessage, type RenderInput } from './message-template.js';

describe('pickLocale', () => {
  it.each([
    { available: ['en', 'de', 'fr'], wanted: 'de', fallback: 'en', picked: 'de', rule: 'the exact tag' },
    { available: ['en', 'pt-BR', 'pt'], wanted: 'pt-BR', fallback: 'en', picked: 'pt-BR', rule: 'the exact regional tag before its base language' },
    { available: ['en', 'pt-BR'], wanted: 'PT-br', fallback: 'en', picked: 'pt-BR', rule: 'the tag compared case-insensitively, spelled as the template spells it' },
    { available: ['en', 'de'], wanted: 'de-AT', fallback: 'en', picked: 'de', rule: 'the base language of a regional tag' },
    { available: ['fr', 'es', 'it'], wanted: 'ja', fallback: 'es', picked: 'es', rule: "the app's default when the wanted language is missing" },
    { available: ['fr', 'de', 'it'], wanted: 'ja', fallback: 'de-CH', picked: 'de', rule: "the base language of the app's default" },
    { available: ['fr', 'en', 'it'], wanted: 'ja', fallback: 'pl', picked: 'en', rule: 'English when neither the wanted locale nor the default exists' },
    { available: ['fr', 'it'], wanted: 'ja', fallback: 'pl', picked: 'fr', rule: 'the first locale the template has as a last resort' },
  ])('picks $rule', ({ available, wanted, fallback, picked }) => {
    expect(pickLocale(available, wanted, fallback)).toBe(picked);
  });

  it('prefers the wanted language over the app default and English', () => {
    expect(pickLocale(['en', 'es', 'de'], 'de-AT', 'es')).toBe('de');
  });

  it('is undefined when the template has no locale at all', () => {
    expect(pickLocale([], 'de', 'en')).toBeUndefined();
  });
});

describe('hasTemplate', () => {
  it('knows the built-in default template for any app', () => {
    expect(hasTemplate({}, DEFAULT_TEMPLATE_NAME)).toBe(true);
  });

  it("knows an app's own template", () => {
    expect(hasTemplate({ login: { en: 'Code {code}' } }, 'login')).toBe(true);
  });

  it('does not know a template nobody defined', () => {
    expect(hasTemplate({ login: { en: 'Code {code}' } }, 'signup')).toBe(false);
  });
});

describe('renderVerificationMessage', () => {
  const base: RenderInput = {
    templates: {},
    templateName: DEFAULT_TEMPLATE_NAME,
    locale: 'en',
    defaultLocale: 'en',
    code: '042917',
    brand: 'Acme',
    ttlSeconds: 600,
  };

  it('fills code, brand and minutes into the built-in English text', () => {
    expect(renderVerificationMessage(base)).toEqual({
      text: 'Your Acme verification code is 042917. It expires in 10 minutes.',
      locale: 'en',
    });
  });

  it('uses the built-in text of the wanted language, falling back from a regional tag', () => {
    const rendered = renderVerificationMessage({ ...base, locale: 'de-AT' });
    expect(rendered.locale).toBe('de');
    expect(rendered.text).toBe('Ihr Acme Bestätigungscode lautet 042917. Er läuft in 10 Minuten ab.');
  });

  it('rounds a lifetime that is not whole minutes up', () => {
    expect(renderVerificationMessage({ ...base, ttlSeconds: 61 }).text).toContain('expires in 2 minutes');
  });

  it("uses the app's own template over the built-in one of the same name", () => {
    const rendered = renderVerificationMessage({ ...base, templates: { [DEFAULT_TEMPLATE_NAME]: { en: '{brand}: {code}' } } });
    expect(rendered.text).toBe('Acme: 042917');
  });

  it('replaces every occurrence of a placeholder', () => {
    const rendered = renderVerificationMessage({ ...base, templates: { twice: { en: '{code} / {code} ({brand}, {brand})' } }, templateName: 'twice' });
    expect(rendered.text).toBe('042917 / 042917 (Acme, Acme)');
  });

  it('leaves unknown placeholders as written', () => {
    const rendered = renderVerificationMessage({ ...base, templates: { t: { en: '{code} {user}' } }, templateName: 't' });
    expect(rendered.text).toBe('042917 {user}');
  });

  it('takes replacement values literally, even when they look like patterns', () => {
    const rendered = renderVerificationMessage({ ...base, brand: "$& {code} $'", templates: { t: { en: '{brand}|{code}' } }, templateName: 't' });
    expect(rendered.text).toBe("$& {code} $'|042917");
  });

  it('appends the Android app hash on its own line after a blank line', () => {
    const rendered = renderVerificationMessage({ ...base, appHash: 'FA+9qCX9VSu' });
    expect(rendered.text.split('\n')).toEqual(['Your Acme verification code is 042917. It expires in 10 minutes.', '', 'FA+9qCX9VSu']);
  });

  it('ends with the origin-bound line "@domain #code" when the app has a domain', () => {
    const lines = renderVerificationMessage({ ...base, domain: 'login.acme.example' }).text.split('\n');
    expect(lines.at(-1)).toBe('@login.acme.example #042917');
    expect(lines.at(-2)).toBe('');
  });

  it('keeps the origin-bound line last when an app hash is present too', () => {
    const lines = renderVerificationMessage({ ...base, appHash: 'FA+9qCX9VSu', domain: 'acme.example' }).text.split('\n');
    expect(lines).toEqual(['Your Acme verification code is 042917. It expires in 10 minutes.', '', 'FA+9qCX9VSu', '', '@acme.example #042917']);
  });

  it('adds no extra lines when neither app hash nor domain is given', () => {
    expect(renderVerificationMessage({ ...base, appHash: '', domain: '' }).text).not.toContain('\n');
  });

  it('throws for an unknown template, naming it', () => {
    expect(() => renderVerificationMessage({ ...base, templateName: 'nope' })).toThrow(/unknown template "nope"/);
  });

  it('throws for a template without any text', () => {
    expect(() => renderVerificationMessage({ ...base, templates: { empty: {} }, templateName: 'empty' })).toThrow(/has no text/);
  });

  it('ships built-in texts that all contain the code placeholder', () => {
    const texts = Object.values(BUILT_IN_TEMPLATES).flatMap((byLocale) => Object.values(byLocale));
    expect(texts.length).toBeGreaterThan(0);
    for (const text of texts) expect(text).toContain('{code}');
  });
});
