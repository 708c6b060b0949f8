/**
 * Eager validation of a provider as an admin writes it: what every provider needs (a name,
 * channels, limits), then its kind's own reader (the descriptor's `validate`), so what is saved
 * is exactly what will run.
 */
import { CHANNELS, type Channel } from '../routing/routing-model.js';
import { providerKind } from '../providers/provider-kinds.js';
import type { ValidationProblem } from '../shared/validation-problem.js';
import { PROVIDER_KINDS, type ProviderDraft } from './admin-model.js';

/** Provider and app names: safe in logs, metrics labels, URLs and CSV file names. */
export const NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

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

  const descriptor = kind === undefined ? undefined : providerKind(kind);
  if (descriptor === undefined) return problems;
  // One kind, its channels: the dispatcher hands each kind what its channel needs.
  draft.channels.forEach((channel, index) => {
    if (CHANNELS.includes(channel as Channel) && !descriptor.channels.includes(channel as Channel)) {
      add(`channels[${index}]`, `a ${descriptor.kind} provider serves only ${descriptor.channels.join(', ')}`);
    }
  });
  // The kind's own reader judges its settings; a field already reported above is not repeated.
  const reported = new Set(problems.map((problem) => problem.field));
  problems.push(...descriptor.validate(draft.settings, credentials).filter((problem) => !reported.has(problem.field)));
  return problems;
}
