/**
 * Eager validation of a provider as an admin writes it. SMPP needs enough to bind (SMPP 3.4 §4.1:
 * host, port, system_id and password); HTTP and voice rows are judged by their preset's reader,
 * e-mail rows by the SMTP settings reader, so what is saved is exactly what will run. Agents
 * bring their own rules with their issue.
 */
import { CHANNELS, type Channel } from '../routing/routing-model.js';
import type { ValidationProblem } from '../shared/validation-problem.js';
import { parseSmtpSettings } from '../providers/email/smtp-settings.js';
import { resolveHttpPreset } from '../providers/http/http-presets.js';
import { parseSmppSettings } from '../providers/smpp/smpp-settings.js';
import { PROVIDER_KINDS, type ProviderDraft, type ProviderKind } from './admin-model.js';

/** Provider and app names: safe in logs, metrics labels, URLs and CSV file names. */
export const NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Settings each kind cannot work without, and which credential names it needs. */
const REQUIRED: Partial<Record<ProviderKind, { readonly settings: readonly string[]; readonly credentials: readonly string[] }>> = {};

/**
 * Lists every problem of `draft`, fields relative to the provider (`name`, `channels[1]`,
 * `settings.port`). `credentials` must be the effective ones (on update: stored merged with the
 * request), so a kept password counts as present.
 */
export function validateProvider(draft: ProviderDraft, credentials: Readonly<Record<string, string>> = draft.credentials): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const add = (field: string, reason: string) => problems.push({ field, reason });

  if (!NAME_PATTERN.test(draft.name)) add('name', `"${draft.name.slice(0, 80)}" must be 1-64 letters, digits, "-" or "_"`);
  const kind = PROVIDER_KINDS.find((known) => known === draft.kind);
  if (kind === undefined) add('kind', `"${draft.kind}" is not one of ${PROVIDER_KINDS.join(', ')}`);

  if (draft.channels.length === 0) add('channels', 'name at least one channel');
  const seen = new Set<string>();
  draft.channels.forEach((channel, index) => {
    if (!CHANNELS.includes(channel as Channel)) add(`channels[${index}]`, `"${channel}" is not one of ${CHANNELS.join(', ')}`);
    else if (seen.has(channel)) add(`channels[${index}]`, 'is listed twice');
    seen.add(channel);
  });

  if (!Number.isFinite(draft.throughputPerSecond) || draft.throughputPerSecond < 0) add('throughputPerSecond', 'must be a number of at least 0 (0: unlimited)');
  if (!Number.isInteger(draft.burst) || draft.burst < 0) add('burst', 'must be a whole number of at least 0');
  if (!Number.isInteger(draft.maxInFlight) || draft.maxInFlight < 0) add('maxInFlight', 'must be a whole number of at least 0 (0: unlimited)');

  for (const key of Object.keys(draft.settings)) {
    if (key.trim() === '') add('settings', 'setting names must not be empty');
    else if (Object.hasOwn(credentials, key)) add(`settings.${key}`, 'is also a credential; secrets belong in credentials only');
  }
  for (const key of Object.keys(credentials)) {
    if (key.trim() === '') add('credentials', 'credential names must not be empty');
  }

  const required = kind === undefined ? undefined : REQUIRED[kind];
  for (const key of required?.settings ?? []) {
    if ((draft.settings[key] ?? '').trim() === '') add(`settings.${key}`, `is required for ${draft.kind} providers`);
  }
  for (const key of required?.credentials ?? []) {
    if ((credentials[key] ?? '') === '') add(`credentials.${key}`, `is required for ${draft.kind} providers`);
  }
  // The provider's own reader judges its settings, so what is saved is exactly what will bind.
  const reported = new Set(problems.map((problem) => problem.field));
  const addOwn = (own: readonly ValidationProblem[]) => problems.push(...own.filter((problem) => !reported.has(problem.field)));
  if (kind === 'smpp') {
    const parsed = parseSmppSettings(draft.settings, credentials);
    if (!parsed.ok) addOwn(parsed.problems);
  }
  if (kind === 'http' || kind === 'voice' || kind === 'email') {
    // One kind, one channel: the dispatcher hands each kind what its channel needs.
    const served = KIND_CHANNEL[kind];
    draft.channels.forEach((channel, index) => {
      if (CHANNELS.includes(channel as Channel) && channel !== served) add(`channels[${index}]`, `a ${kind} provider serves only ${served}`);
    });
  }
  if (kind === 'http' || kind === 'voice') addOwn(httpProblems(kind, draft.settings, credentials));
  if (kind === 'email') {
    const parsed = parseSmtpSettings(draft.settings, credentials);
    if (!parsed.ok) addOwn(parsed.problems);
  }
  return problems;
}

const KIND_CHANNEL = { http: 'sms', voice: 'voice', email: 'email' } as const;

/**
 * The preset reader's problems (`accountSid: expected …`), each under the field the admin typed
 * it in: `credentials.x` when x is a credential, else `settings.x`.
 */
function httpProblems(kind: 'http' | 'voice', settings: Readonly<Record<string, string>>, credentials: Readonly<Record<string, string>>): ValidationProblem[] {
  const resolved = resolveHttpPreset({ name: 'validation', settings, credentials });
  const field = (key: string) => (Object.hasOwn(credentials, key.split('.')[0] ?? key) ? `credentials.${key}` : `settings.${key}`);
  if (!resolved.ok) {
    return resolved.problems.map((problem) => {
      const colon = problem.indexOf(': ');
      const key = colon > 0 ? problem.slice(0, colon) : 'preset';
      return { field: field(key === '(spec)' ? 'preset' : key), reason: colon > 0 ? problem.slice(colon + 2) : problem };
    });
  }
  if (kind === 'voice' && resolved.resolved.call === undefined) {
    return [{ field: 'settings.preset', reason: `"${resolved.resolved.preset}" has no call API; use twilio, plivo, or generic with callSpec` }];
  }
  return [];
}
