/**
 * Eager validation of an app as an admin writes it: every problem at once, fields relative to the
 * app (`senderId`, `templates.login.texts.de`, `emailTemplates.de.html`).
 */
import { isCountryCode } from '../routing/iso-codes.js';
import type { ValidationProblem } from '../shared/validation-problem.js';
import { emailTemplateProblems } from '../verification/email-template.js';
import type { AppDraft } from './admin-model.js';
import { NAME_PATTERN } from './provider-validation.js';

/** Longest template text: a code SMS should stay within a few parts even in UCS-2. */
export const MAX_TEMPLATE_LENGTH = 500;

const PLACEHOLDERS = new Set(['code', 'brand', 'minutes']);

/**
 * Most e-mail locales one app may keep, and most characters over all of them: the app is read
 * on every authenticated call and listed whole by ListApps, within gRPC's 4 MB messages.
 */
export const MAX_EMAIL_LOCALES = 40;
export const MAX_EMAIL_TEMPLATE_CHARACTERS = 300_000;

/**
 * Whether `senderId` can be a sender address: up to 11 letters and digits with at least one letter
 * (GSM 03.38 alphanumeric originator, 3GPP 23.040 §9.1.2.5 allows 11 characters), a short code of
 * up to 8 digits, or an E.164 number.
 */
export function isSenderId(senderId: string): boolean {
  if (/^\+[1-9]\d{6,14}$/.test(senderId)) return true;
  if (/^\d{1,8}$/.test(senderId)) return true;
  return /^[A-Za-z0-9]{1,11}$/.test(senderId) && /[A-Za-z]/.test(senderId);
}

/** Whether `domain` is a DNS host name with at least two labels (no scheme, port or path). */
export function isHostname(domain: string): boolean {
  if (domain.length > 253) return false;
  const labels = domain.split('.');
  if (labels.length < 2) return false;
  return labels.every((label) => /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(label));
}

/** Whether `tag` is a well-formed BCP 47 language tag (as ICU parses them). */
export function isLocale(tag: string): boolean {
  if (tag === '' || tag.length > 35) return false;
  try {
    return Intl.getCanonicalLocales(tag).length === 1;
  } catch {
    return false;
  }
}

/** Lists the problems of one template text: length, `{code}` present, only known placeholders. */
export function templateTextProblems(text: string): string[] {
  const problems: string[] = [];
  if (text.length > MAX_TEMPLATE_LENGTH) problems.push(`must be at most ${MAX_TEMPLATE_LENGTH} characters`);
  if (!text.includes('{code}')) problems.push('must contain {code}');
  const unknown = [...text.matchAll(/\{([^{}]*)\}/g)].map((match) => match[1] ?? '').filter((name) => !PLACEHOLDERS.has(name));
  if (unknown.length > 0) problems.push(`unknown placeholder ${unknown.map((name) => `{${name}}`).join(', ')}; use {code}, {brand} or {minutes}`);
  return problems;
}

/** Lists every problem of `draft`; empty when it is valid. */
export function validateApp(draft: AppDraft): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const add = (field: string, reason: string) => problems.push({ field, reason });

  if (!NAME_PATTERN.test(draft.name)) add('name', `"${draft.name.slice(0, 80)}" must be 1-64 letters, digits, "-" or "_"`);
  if (!isSenderId(draft.senderId)) {
    add('senderId', `"${draft.senderId.slice(0, 20)}" must be up to 11 letters and digits, a short code of up to 8 digits, or an E.164 number`);
  }
  if (draft.domain !== null && !isHostname(draft.domain)) add('domain', `"${draft.domain.slice(0, 80)}" must be a host name such as example.com`);
  if (!isLocale(draft.defaultLocale)) add('defaultLocale', `"${draft.defaultLocale.slice(0, 40)}" is not a BCP 47 language tag (e.g. en, de-CH)`);

  const seen = new Set<string>();
  draft.allowedCountries.forEach((country, index) => {
    if (!isCountryCode(country)) add(`allowedCountries[${index}]`, `"${country}" is not an ISO 3166-1 alpha-2 country code (e.g. DE)`);
    else if (seen.has(country)) add(`allowedCountries[${index}]`, 'is listed twice');
    seen.add(country);
  });
  if (!Number.isInteger(draft.defaultCodeLength) || draft.defaultCodeLength < 4 || draft.defaultCodeLength > 10) {
    add('defaultCodeLength', 'must be 4 to 10 digits');
  }

  for (const [name, texts] of Object.entries(draft.templates)) {
    if (!NAME_PATTERN.test(name)) add(`templates.${name}`, 'template names must be 1-64 letters, digits, "-" or "_"');
    if (Object.keys(texts).length === 0) add(`templates.${name}.texts`, 'give at least one locale');
    for (const [locale, text] of Object.entries(texts)) {
      const field = `templates.${name}.texts.${locale}`;
      if (!isLocale(locale)) add(field, `"${locale}" is not a BCP 47 language tag`);
      for (const reason of templateTextProblems(text)) add(field, reason);
    }
  }
  const emailLocales = Object.keys(draft.emailTemplates);
  if (emailLocales.length > MAX_EMAIL_LOCALES) add('emailTemplates', `has ${emailLocales.length} locales; at most ${MAX_EMAIL_LOCALES}`);
  const emailCharacters = Object.values(draft.emailTemplates).reduce((sum, template) => sum + textLength(template.subject) + textLength(template.text) + textLength(template.html), 0);
  if (emailCharacters > MAX_EMAIL_TEMPLATE_CHARACTERS) add('emailTemplates', `hold ${emailCharacters} characters in all; at most ${MAX_EMAIL_TEMPLATE_CHARACTERS}`);
  const seenLocales = new Map<string, string>();
  for (const [locale, template] of Object.entries(draft.emailTemplates)) {
    const field = `emailTemplates.${locale}`;
    if (!isLocale(locale)) add(field, `"${locale.slice(0, 40)}" is not a BCP 47 language tag`);
    // Locales match ignoring case when a message picks one: two such keys would be a coin toss.
    const same = seenLocales.get(locale.toLowerCase());
    if (same !== undefined) add(field, `is the same locale as "${same}"`);
    seenLocales.set(locale.toLowerCase(), locale);
    for (const problem of emailTemplateProblems(template)) add(problem.part === null ? field : `${field}.${problem.part}`, problem.reason);
  }
  return problems;
}

function textLength(value: unknown): number {
  return typeof value === 'string' ? value.length : 0;
}
