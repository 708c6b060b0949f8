/**
 * The `http` (SMS) and `voice` (calls that read the code) provider kinds: a provider's REST API,
 * by preset (Twilio, Plivo, Vonage, Auron) or a generic spec. Each preset's fields are read off
 * its settings schema, so what the form offers is what the reader takes; labels and help come
 * from the table below, and secrets are marked as credentials.
 */
import { z } from 'zod';
import type { Logger } from '../../shared/logger.js';
import type { ValidationProblem } from '../../shared/validation-problem.js';
import { configError, ProviderConfigError, type FieldDescriptor, type FieldType, type ProviderKindDescriptor, type ProviderRow } from '../provider-kind.js';
import type { VoiceAnswerFormat } from '../voice/answer-document.js';
import { VoiceCallProvider, webhookUrl } from '../voice/voice-call.provider.js';
import { createHttpProviders, HTTP_PRESETS, PRESET_SCHEMAS, resolveHttpPreset, type HttpPresetName } from './http-presets.js';
import { HttpProviderConfigError } from './http-provider.js';

/** Label, help and whether it is a secret, per key; the type and limits come from the schema. */
const KEYS: Readonly<Record<string, { readonly label: string; readonly help: string; readonly secret?: boolean; readonly type?: FieldType }>> = {
  accountSid: { label: 'Account SID', help: 'AC followed by 32 hex digits, from the Twilio console.' },
  authToken: { label: 'Auth token', help: 'Signs the API calls and verifies the status callbacks. Write-only.', secret: true },
  authId: { label: 'Auth ID', help: 'The 20-character auth id from the Plivo console.' },
  apiKey: { label: 'API key', help: 'The account API key.', secret: true },
  apiSecret: { label: 'API secret', help: 'The account API secret. Write-only.', secret: true },
  from: { label: 'Default sender', help: 'Sender number or alphanumeric id when a message names none.' },
  messagingServiceSid: { label: 'Messaging service SID', help: 'MG… : lets Twilio pick the sender; instead of a default sender.' },
  callerId: { label: 'Caller id', help: 'The number voice calls come from (E.164); defaults to the default sender.', type: 'phone' },
  baseUrl: { label: 'API base URL', help: "The provider's API root; change it only for a regional endpoint or a proxy." },
  idempotencyToken: {
    label: 'Idempotency token',
    help: 'Send I-Twilio-Idempotency-Token and repeat requests whose outcome is unknown under it. Only for accounts or proxies known to deduplicate on it.',
  },
  signatureSecret: { label: 'Signature secret', help: 'Verifies signed delivery receipts (Vonage signed webhooks). Write-only.', secret: true },
  signatureMethod: { label: 'Signature method', help: 'The hash the account signs webhooks with.' },
  acceptUnsignedWebhooks: { label: 'Accept unsigned reports', help: 'Take delivery reports without a signature. Leave off unless the account cannot sign.' },
  channelId: { label: 'Channel id', help: 'The Auron channel to send through, such as SMPP1.' },
  webhookSecret: { label: 'Webhook secret', help: 'Shared secret the reports are signed with (at least 16 characters). Write-only.', secret: true },
  spec: { label: 'SMS spec', help: 'The request, answer and report mapping of the API, as JSON (see the README: generic HTTP providers).', type: 'json' },
  callSpec: { label: 'Call spec', help: 'The same for the call API, when the provider can place calls.', type: 'json' },
  timeoutMs: { label: 'Request timeout (ms)', help: 'The provider must answer each request within it.' },
  maxRetries: { label: 'Retries', help: 'Requests repeated after a failure that cannot have sent the message (connection refused, 429, 503 before sending).' },
  retryBaseDelayMs: { label: 'Retry delay (ms)', help: 'First delay before a retry; it doubles each time.' },
};

interface JsonProperty {
  readonly type?: string;
  readonly format?: string;
  readonly enum?: readonly string[];
  readonly anyOf?: readonly JsonProperty[];
  readonly default?: unknown;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly pattern?: string;
}

/** The fields of one preset, from its schema. */
function presetFields(preset: HttpPresetName, group: string): FieldDescriptor[] {
  const schema = z.toJSONSchema(PRESET_SCHEMAS[preset], { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, JsonProperty>; required?: readonly string[] };
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {}).map(([key, property]) => {
    const known = KEYS[key];
    const boolean = property.type === 'boolean' || (property.anyOf?.some((option) => option.type === 'boolean') ?? false);
    const type: FieldType = known?.type ?? (boolean ? 'boolean' : property.enum ? 'choice' : property.type === 'integer' ? 'integer' : property.format === 'uri' ? 'url' : 'text');
    return {
      key,
      location: known?.secret ? 'credentials' : 'settings',
      type,
      label: known?.label ?? key,
      help: known?.help ?? '',
      required: required.has(key),
      defaultValue: property.default === undefined ? (boolean ? 'false' : undefined) : JSON.stringify(property.default).replace(/^"(.*)"$/, '$1'),
      choices: property.enum,
      min: property.minimum,
      max: property.maximum,
      pattern: property.pattern,
      group,
      shownWhen: { key: 'preset', values: [preset] },
    } satisfies FieldDescriptor;
  });
}

const TITLES: Readonly<Record<HttpPresetName, string>> = { twilio: 'Twilio', plivo: 'Plivo', vonage: 'Vonage', auron: 'Auron', generic: 'Generic spec' };

function fieldsFor(presets: readonly HttpPresetName[], extra: readonly FieldDescriptor[]): FieldDescriptor[] {
  return [
    {
      key: 'preset',
      location: 'settings',
      type: 'choice',
      label: 'API',
      help: 'Which provider API this is; a generic spec describes any other REST API.',
      required: true,
      choices: presets,
      group: 'API',
    },
    ...presets.flatMap((preset) => presetFields(preset, TITLES[preset])),
    ...extra,
  ];
}

/**
 * The preset reader's problems (`accountSid: expected …`), each under the field the admin typed
 * it in: `credentials.x` when x is a credential, else `settings.x`.
 */
function presetProblems(kind: 'http' | 'voice', settings: Readonly<Record<string, unknown>>, credentials: Readonly<Record<string, string>>): ValidationProblem[] {
  const resolved = resolveHttpPreset({ name: 'validation', settings, credentials });
  // Where the admin typed it; a missing secret is named where it belongs, in the credentials.
  const fieldOf = (key: string) => {
    const top = key.split('.')[0] ?? key;
    if (Object.hasOwn(settings, top)) return `settings.${key}`;
    return Object.hasOwn(credentials, top) || KEYS[top]?.secret === true ? `credentials.${key}` : `settings.${key}`;
  };
  if (!resolved.ok) {
    return resolved.problems.map((problem) => {
      const colon = problem.indexOf(': ');
      const key = colon > 0 ? problem.slice(0, colon) : 'preset';
      return { field: fieldOf(key === '(spec)' ? 'preset' : key), reason: colon > 0 ? problem.slice(colon + 2) : problem };
    });
  }
  if (kind === 'voice' && resolved.resolved.call === undefined) {
    return [{ field: 'settings.preset', reason: `"${resolved.resolved.preset}" has no call API; use twilio, plivo, or generic with callSpec` }];
  }
  return [];
}

function buildSet(row: ProviderRow, context: { readonly publicBaseUrl: string; readonly logger: Logger }) {
  try {
    return createHttpProviders(row, { callbackUrl: webhookUrl(context.publicBaseUrl, row.name), logger: context.logger });
  } catch (error) {
    if (error instanceof HttpProviderConfigError) throw new ProviderConfigError(row.name, error.message.replace(`provider ${row.name}: `, ''));
    throw error;
  }
}

export const httpKind: ProviderKindDescriptor = {
  kind: 'http',
  title: 'HTTP SMS API',
  description: "A provider's REST API for SMS (Twilio, Plivo, Vonage, Auron, or any other by a generic spec); delivery reports arrive on /webhooks/<name>.",
  channels: ['sms'],
  available: true,
  fields: fieldsFor(HTTP_PRESETS, []),
  openCredentials: true,
  validate: (settings, credentials) => presetProblems('http', settings, credentials),
  build(row, context) {
    const problems = presetProblems('http', row.settings, row.credentials);
    if (problems.length > 0) throw configError(row.name, problems);
    const set = buildSet(row, context);
    return { provider: set.sms, endpoints: { webhook: set.webhook } };
  },
};

/** Presets whose call API the voice kind can use, and the answer dialect each reads. */
const VOICE_FORMATS: Partial<Readonly<Record<HttpPresetName, VoiceAnswerFormat>>> = { twilio: 'twiml', plivo: 'plivo' };
const VOICE_PRESETS: readonly HttpPresetName[] = ['twilio', 'plivo', 'generic'];

export const voiceKind: ProviderKindDescriptor = {
  kind: 'voice',
  title: 'Voice call API',
  description: 'Calls the number and reads the code aloud (Twilio, Plivo, or a generic call spec); a fallback step for numbers that cannot take SMS.',
  channels: ['voice'],
  available: true,
  fields: fieldsFor(VOICE_PRESETS, [
    {
      key: 'answerFormat',
      location: 'settings',
      type: 'choice',
      label: 'Answer dialect',
      help: 'The document the call API fetches to know what to say: TwiML, or Plivo XML.',
      required: false,
      choices: ['twiml', 'plivo'],
      defaultValue: 'twiml',
      group: TITLES.generic,
      shownWhen: { key: 'preset', values: ['generic'] },
    },
  ]),
  openCredentials: true,
  validate(settings, credentials) {
    const { answerFormat, ...rest } = settings;
    const problems = presetProblems('voice', rest, credentials);
    if (answerFormat !== undefined && answerFormat !== '' && answerFormat !== 'twiml' && answerFormat !== 'plivo') {
      const shown = typeof answerFormat === 'string' ? `"${answerFormat.slice(0, 40)}"` : `a ${typeof answerFormat}`;
      problems.push({ field: 'settings.answerFormat', reason: `${shown} is not one of twiml, plivo` });
    }
    return problems;
  },
  build(row, context) {
    const problems = this.validate(row.settings, row.credentials);
    if (problems.length > 0) throw configError(row.name, problems);
    const { answerFormat, ...settings } = row.settings;
    const set = buildSet({ ...row, settings }, context);
    if (set.call === undefined) throw new ProviderConfigError(row.name, `settings.preset "${set.preset}" has no call API (use twilio, plivo, or generic with callSpec)`);
    const format = VOICE_FORMATS[set.preset] ?? (answerFormat === 'plivo' ? 'plivo' : 'twiml');
    const provider = new VoiceCallProvider({
      name: row.name,
      call: set.call,
      webhook: set.webhook,
      answerFormat: format,
      publicBaseUrl: context.publicBaseUrl,
      answerTokenKey: context.answerTokenKey,
    });
    return { provider, endpoints: { webhook: set.webhook, answerFormat: format } };
  },
};
