/**
 * From a provider row (settings + decrypted credentials) to running HTTP providers: the preset
 * named by the row is validated (every bad setting listed by key), its specs built, and the SMS
 * provider, the call provider (Twilio, Plivo) and the webhook config returned together.
 */
import { z } from 'zod';
import type { FetchFunction } from './http-exchange.js';
import { HttpCallProvider } from './http-call-provider.js';
import { HttpProviderConfigError, HttpSmsProvider } from './http-provider.js';
import { parseHttpProviderSpec, type HttpProviderSpec } from './http-provider-spec.js';
import { AuronSettingsSchema, auronCredentials, auronSmsSpec } from './presets/auron.js';
import { PlivoSettingsSchema, plivoCallSpec, plivoCredentials, plivoSmsSpec } from './presets/plivo.js';
import { readSettings } from './presets/preset-settings.js';
import { TwilioSettingsSchema, twilioCallSpec, twilioCredentials, twilioSmsSpec } from './presets/twilio.js';
import { VonageSettingsSchema, vonageCredentials, vonageSmsSpec } from './presets/vonage.js';
import { genericWebhookConfig, type WebhookConfig } from './webhooks.js';
import type { Logger } from '../../shared/logger.js';

/** The HTTP provider flavours a row can name. */
export const HTTP_PRESETS = ['twilio', 'plivo', 'vonage', 'auron', 'generic'] as const;
/** One of `HTTP_PRESETS`. */
export type HttpPresetName = (typeof HTTP_PRESETS)[number];

/** What a provider row holds, as the factory has it. */
export interface HttpProviderDefinition {
  readonly name: string;
  /** The preset; when absent, `settings.preset`. */
  readonly preset?: string | undefined;
  readonly settings: Readonly<Record<string, unknown>>;
  readonly credentials: Readonly<Record<string, string>>;
}

/** A preset resolved from settings: specs, the credentials they read, senders, webhook. */
export interface ResolvedHttpPreset {
  readonly preset: HttpPresetName;
  readonly sms: HttpProviderSpec;
  /** Present for presets with a call API (Twilio, Plivo; a generic row with `callSpec`). */
  readonly call: HttpProviderSpec | undefined;
  readonly credentials: Readonly<Record<string, string>>;
  readonly defaultFrom: string | undefined;
  readonly defaultCallerId: string | undefined;
  /** Absent for a generic spec without `webhook`: such a provider sends no reports we can take. */
  readonly webhook: WebhookConfig | undefined;
}

/** A resolved preset, or every problem (`accountSid: expected AC followed by 32 hex digits`). */
export type ResolveResult = { readonly ok: true; readonly resolved: ResolvedHttpPreset } | { readonly ok: false; readonly problems: readonly string[] };

export const GenericSettingsSchema = z.object({
  /** The SMS spec (an object, or its JSON text as a settings form may store it). */
  spec: z.union([z.record(z.string(), z.unknown()), z.string()]),
  callSpec: z.union([z.record(z.string(), z.unknown()), z.string()]).optional(),
  from: z.string().min(1).optional(),
  callerId: z.string().min(1).optional(),
});

/** Each preset's settings schema (settings and credentials merged), for the kind's field list. */
export const PRESET_SCHEMAS: Readonly<Record<HttpPresetName, z.ZodType>> = {
  twilio: TwilioSettingsSchema,
  plivo: PlivoSettingsSchema,
  vonage: VonageSettingsSchema,
  auron: AuronSettingsSchema,
  generic: GenericSettingsSchema,
};

/** Validates a row's settings for its preset and builds the specs. */
export function resolveHttpPreset(definition: HttpProviderDefinition): ResolveResult {
  const preset = definition.preset ?? definition.settings.preset;
  const { settings, credentials } = definition;
  switch (preset) {
    case 'twilio': {
      const read = readSettings(TwilioSettingsSchema, settings, credentials);
      if (!read.ok) return read;
      const s = read.settings;
      return resolved({
        preset,
        sms: twilioSmsSpec(s),
        call: twilioCallSpec(s),
        credentials: twilioCredentials(s),
        defaultFrom: s.from,
        defaultCallerId: s.callerId ?? s.from,
        webhook: { kind: 'twilio', authToken: s.authToken },
      });
    }
    case 'plivo': {
      const read = readSettings(PlivoSettingsSchema, settings, credentials);
      if (!read.ok) return read;
      const s = read.settings;
      return resolved({
        preset,
        sms: plivoSmsSpec(s),
        call: plivoCallSpec(s),
        credentials: plivoCredentials(s),
        defaultFrom: s.from,
        defaultCallerId: s.callerId ?? s.from,
        webhook: { kind: 'plivo', authToken: s.authToken },
      });
    }
    case 'vonage': {
      const read = readSettings(VonageSettingsSchema, settings, credentials);
      if (!read.ok) return read;
      const s = read.settings;
      return resolved({
        preset,
        sms: vonageSmsSpec(s),
        call: undefined,
        credentials: vonageCredentials(s),
        defaultFrom: s.from,
        defaultCallerId: undefined,
        webhook: { kind: 'vonage', signatureSecret: s.signatureSecret, signatureMethod: s.signatureMethod, acceptUnsigned: s.acceptUnsignedWebhooks },
      });
    }
    case 'auron': {
      const read = readSettings(AuronSettingsSchema, settings, credentials);
      if (!read.ok) return read;
      const s = read.settings;
      const sms = auronSmsSpec(s);
      const creds = auronCredentials(s);
      return resolved({
        preset,
        sms,
        call: undefined,
        credentials: creds,
        defaultFrom: s.from,
        defaultCallerId: undefined,
        webhook: sms.webhook === undefined ? undefined : genericWebhookConfig(sms.webhook, creds),
      });
    }
    case 'generic':
      return resolveGeneric(settings, credentials);
    default:
      return { ok: false, problems: [`preset: expected one of ${HTTP_PRESETS.join(', ')}, got ${JSON.stringify(preset ?? null)}`] };
  }
}

function resolveGeneric(settings: Readonly<Record<string, unknown>>, credentials: Readonly<Record<string, string>>): ResolveResult {
  const read = readSettings(GenericSettingsSchema, settings, {});
  if (!read.ok) return read;
  const problems: string[] = [];
  const spec = (field: 'spec' | 'callSpec', value: unknown, channel: 'sms' | 'voice'): HttpProviderSpec | undefined => {
    let input = value;
    if (typeof value === 'string') {
      try {
        input = JSON.parse(value) as unknown;
      } catch {
        problems.push(`${field}: not valid JSON`);
        return undefined;
      }
    }
    const parsed = parseHttpProviderSpec(input);
    if (!parsed.ok) {
      problems.push(...parsed.problems.map((problem) => `${field}.${problem}`));
      return undefined;
    }
    if (parsed.spec.channel !== channel) problems.push(`${field}.channel: must be ${channel}`);
    return parsed.spec;
  };
  const sms = spec('spec', read.settings.spec, 'sms');
  const call = read.settings.callSpec === undefined ? undefined : spec('callSpec', read.settings.callSpec, 'voice');
  if (sms === undefined || problems.length > 0) return { ok: false, problems };
  let webhook: WebhookConfig | undefined;
  try {
    webhook = sms.webhook === undefined ? undefined : genericWebhookConfig(sms.webhook, credentials);
  } catch (error) {
    return { ok: false, problems: [`spec.webhook.signature.secret: ${error instanceof Error ? error.message : 'cannot be read'}`] };
  }
  return resolved({ preset: 'generic', sms, call, credentials, defaultFrom: read.settings.from, defaultCallerId: read.settings.callerId ?? read.settings.from, webhook });
}

function resolved(preset: ResolvedHttpPreset): ResolveResult {
  return { ok: true, resolved: preset };
}

/** What the factory gets for one HTTP provider row. */
export interface HttpProviderSet {
  readonly preset: HttpPresetName;
  readonly sms: HttpSmsProvider;
  readonly call: HttpCallProvider | undefined;
  /** Pass to `handleWebhook` with each request to this provider's endpoint; absent: no reports taken. */
  readonly webhook: WebhookConfig | undefined;
}

/** How the service runs the providers. */
export interface HttpProviderRuntime {
  /** Public URL of this provider's webhook endpoint (the same endpoint takes SMS and call reports). */
  readonly callbackUrl: string;
  readonly logger?: Logger | undefined;
  readonly fetch?: FetchFunction | undefined;
}

/** Builds the providers a row describes; throws `HttpProviderConfigError` listing every problem. */
export function createHttpProviders(definition: HttpProviderDefinition, runtime: HttpProviderRuntime): HttpProviderSet {
  const result = resolveHttpPreset(definition);
  if (!result.ok) throw new HttpProviderConfigError(definition.name, result.problems.join('; '));
  const { resolved: preset } = result;
  const sms = new HttpSmsProvider({
    name: definition.name,
    spec: preset.sms,
    credentials: preset.credentials,
    callbackUrl: runtime.callbackUrl,
    defaultFrom: preset.defaultFrom,
    logger: runtime.logger,
    fetch: runtime.fetch,
  });
  const call =
    preset.call === undefined
      ? undefined
      : new HttpCallProvider({
          name: definition.name,
          spec: preset.call,
          credentials: preset.credentials,
          defaultFrom: preset.defaultCallerId,
          logger: runtime.logger,
          fetch: runtime.fetch,
        });
  return { preset: preset.preset, sms, call, webhook: preset.webhook };
}
