/**
 * The standalone HTTP provider simulator's settings, read once from the environment. Every bad
 * variable is reported at once.
 */
import { VONAGE_SIGNATURE_METHODS, type VonageSignatureMethod } from './webhook-signing.js';
import { DEFAULT_SIM_ACCOUNTS, DEFAULT_SIM_BEHAVIOUR, type HttpProviderSimulatorOptions } from './http-provider.simulator.js';

/** Options for `HttpProviderSimulator`, or every problem found. */
export type HttpSimConfigResult =
  | { readonly ok: true; readonly options: Omit<HttpProviderSimulatorOptions, 'logger'> }
  | { readonly ok: false; readonly errors: readonly string[] };

/**
 * Reads HTTP_SIM_PORT (8030), HTTP_SIM_HOST (127.0.0.1), HTTP_SIM_RECEIPT_DELAY_MS,
 * TWILIO_SIM_ACCOUNT_SID, TWILIO_SIM_AUTH_TOKEN, PLIVO_SIM_AUTH_ID, PLIVO_SIM_AUTH_TOKEN,
 * VONAGE_SIM_API_KEY, VONAGE_SIM_API_SECRET, VONAGE_SIM_SIGNATURE_SECRET,
 * VONAGE_SIM_SIGNATURE_METHOD, VONAGE_SIM_WEBHOOK_METHOD (GET | POST | POST-JSON),
 * AURON_SIM_API_KEY, AURON_SIM_CHANNEL, AURON_SIM_WEBHOOK_URL, AURON_SIM_WEBHOOK_SECRET.
 */
export function parseHttpSimEnv(env: Readonly<Record<string, string | undefined>>): HttpSimConfigResult {
  const errors: string[] = [];
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      errors.push(`${name}: expected an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
      return fallback;
    }
    return value;
  };
  const textValue = (name: string, fallback: string, pattern: RegExp, expected: string): string => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    if (!pattern.test(raw)) {
      errors.push(`${name}: expected ${expected}`);
      return fallback;
    }
    return raw;
  };
  const optional = (name: string, fallback: string | undefined): string | undefined => {
    const raw = env[name];
    if (raw === undefined) return fallback;
    return raw === '' ? undefined : raw;
  };
  const url = (name: string): string | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    if (!URL.canParse(raw) || !/^https?:/i.test(raw)) {
      errors.push(`${name}: expected an http(s) URL`);
      return undefined;
    }
    return raw;
  };
  const oneOf = <T extends string>(name: string, values: readonly T[], fallback: T): T => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    if (!(values as readonly string[]).includes(raw)) {
      errors.push(`${name}: expected one of ${values.join(', ')}`);
      return fallback;
    }
    return raw as T;
  };

  const defaults = DEFAULT_SIM_ACCOUNTS;
  const options = {
    port: integer('HTTP_SIM_PORT', 8030, 0, 65_535),
    host: env.HTTP_SIM_HOST ?? '127.0.0.1',
    behaviour: { receiptDelayMs: integer('HTTP_SIM_RECEIPT_DELAY_MS', DEFAULT_SIM_BEHAVIOUR.receiptDelayMs, 0, 600_000) },
    accounts: {
      twilio: {
        accountSid: textValue('TWILIO_SIM_ACCOUNT_SID', defaults.twilio.accountSid, /^AC[0-9a-fA-F]{32}$/, 'AC followed by 32 hex digits'),
        authToken: textValue('TWILIO_SIM_AUTH_TOKEN', defaults.twilio.authToken, /^\S+$/, 'a token without spaces'),
      },
      plivo: {
        authId: textValue('PLIVO_SIM_AUTH_ID', defaults.plivo.authId, /^[A-Z0-9]{20}$/, '20 upper-case letters and digits'),
        authToken: textValue('PLIVO_SIM_AUTH_TOKEN', defaults.plivo.authToken, /^\S+$/, 'a token without spaces'),
      },
      vonage: {
        apiKey: textValue('VONAGE_SIM_API_KEY', defaults.vonage.apiKey, /^[A-Za-z0-9]{4,32}$/, '4-32 letters and digits'),
        apiSecret: textValue('VONAGE_SIM_API_SECRET', defaults.vonage.apiSecret, /^\S+$/, 'a secret without spaces'),
        signatureSecret: optional('VONAGE_SIM_SIGNATURE_SECRET', defaults.vonage.signatureSecret),
        signatureMethod: oneOf<VonageSignatureMethod>('VONAGE_SIM_SIGNATURE_METHOD', VONAGE_SIGNATURE_METHODS, defaults.vonage.signatureMethod),
        webhookMethod: oneOf('VONAGE_SIM_WEBHOOK_METHOD', ['GET', 'POST', 'POST-JSON'] as const, defaults.vonage.webhookMethod),
      },
      auron: {
        apiKey: optional('AURON_SIM_API_KEY', defaults.auron.apiKey),
        channel: textValue('AURON_SIM_CHANNEL', defaults.auron.channel, /^[A-Za-z0-9_]+$/, 'a channel id such as HTTP_API1'),
        webhookUrl: url('AURON_SIM_WEBHOOK_URL'),
        webhookSecret: optional('AURON_SIM_WEBHOOK_SECRET', defaults.auron.webhookSecret),
      },
    },
  };
  return errors.length > 0 ? { ok: false, errors } : { ok: true, options };
}
