/**
 * What every preset's settings share, and reading them from a provider row: `settings` and
 * `credentials` are merged (a value may sit in either), validated with the preset's schema, and
 * every problem is named by its key.
 */
import { z } from 'zod';
import { formatPath } from '../http-provider-spec.js';

/** Tuning every preset accepts. */
export const CommonSettings = {
  /** Per request; the provider must answer within it. */
  timeoutMs: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /** Retries where they cannot send twice (see http-exchange.ts). */
  maxRetries: z.coerce.number().int().min(0).max(5).default(2),
  retryBaseDelayMs: z.coerce.number().int().min(0).max(60_000).default(250),
};

/** Settings of a preset, or the problems, each `key: reason`. */
export type SettingsResult<T> = { readonly ok: true; readonly settings: T } | { readonly ok: false; readonly problems: readonly string[] };

/** Validates the merged settings and credentials of a provider row against `schema`. */
export function readSettings<T>(
  schema: z.ZodType<T>,
  settings: Readonly<Record<string, unknown>>,
  credentials: Readonly<Record<string, string>>,
): SettingsResult<T> {
  const merged: Record<string, unknown> = {};
  for (const [key, value] of Object.entries({ ...settings, ...credentials })) {
    // An empty form field means "not set", as in the SMPP factory.
    if (value !== '' && value !== null) merged[key] = value;
  }
  const parsed = schema.safeParse(merged);
  if (parsed.success) return { ok: true, settings: parsed.data };
  return { ok: false, problems: parsed.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`) };
}

/** `https://api.example.com/` → `https://api.example.com`: paths are appended with a leading slash. */
export function trimBaseUrl(url: string): string {
  return url.replace(/\/+$/, '');
}

/** A literal put into a URL path (an account id), percent-encoded once when the spec is built. */
export function pathSegment(value: string): string {
  return encodeURIComponent(value);
}

/** Booleans as admins type them in settings forms. */
export const booleanSetting = z.union([z.boolean(), z.enum(['true', 'false']).transform((value) => value === 'true')]);
