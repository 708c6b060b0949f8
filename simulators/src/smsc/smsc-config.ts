/**
 * The standalone simulator's settings, read once from the environment. Every bad variable is
 * reported at once, so a misconfigured start fails with the whole list. Behaviour variables left
 * unset keep the simulator's defaults (see `DEFAULT_BEHAVIOUR`).
 */
import type { ReceiptMode } from './smsc-behaviour.js';
import type { MessageIdFormat, ReceiptIdFormat, ReceiptStyle } from './smsc-receipt.js';
import { parseStatus } from './smsc-status.js';
import type { SmscSimulatorOptions } from './smsc.simulator.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** What the environment configures: everything but the logger and the TLS material, which `main.ts` reads from `tlsFiles`. */
export type SmscEnvOptions = Omit<SmscSimulatorOptions, 'logger' | 'tls'> & {
  readonly smppPort: number;
  readonly smppHost: string;
  readonly httpPort: number;
  readonly httpHost: string;
  readonly systemId: string;
  readonly password: string;
  readonly receiptDelayMs: number;
};

/** Settings of `main.ts`, or every problem found. */
export type SmscConfigResult =
  | {
      readonly ok: true;
      readonly options: SmscEnvOptions;
      /** PEM files for SMPP over TLS, when SMSC_SIM_TLS_KEY_FILE and SMSC_SIM_TLS_CERT_FILE are set. */
      readonly tlsFiles?: { readonly key: string; readonly cert: string } | undefined;
    }
  | { readonly ok: false; readonly errors: readonly string[] };

/**
 * Reads SMSC_SIM_* variables; unset ones take their defaults:
 * PORT 2775, HOST 127.0.0.1, HTTP_PORT 8025, HTTP_HOST 127.0.0.1, SYSTEM_ID switchboard,
 * PASSWORD secret, RECEIPT_DELAY_MS 500; and optionally RECEIPTS, RECEIPT_STYLE,
 * RECEIPT_ID_FORMAT, MESSAGE_ID_FORMAT, RECEIPT_DATE_SECONDS, MAX_TPS, WINDOW, DELIVER_WINDOW (0: none),
 * SUBMIT_LATENCY_MS, SUBMIT_ERROR_RATE, SUBMIT_ERROR_STATUS, DROP_SUBMIT_RESPONSE_RATE,
 * LATE_SUBMIT_RESPONSE_MS, DISCONNECT_AFTER_SUBMITS (every n), DISCONNECT_EVERY_MS, MAX_BINDS,
 * SEED, TLS_KEY_FILE + TLS_CERT_FILE.
 */
export function parseSmscEnv(env: Readonly<Record<string, string | undefined>>): SmscConfigResult {
  const errors: string[] = [];
  const set = (name: string): string | undefined => {
    const raw = env[name];
    return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
  };

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
  const optionalInteger = (name: string, min: number, max: number): number | undefined =>
    set(name) === undefined ? undefined : integer(name, min, min, max);
  const fraction = (name: string): number | undefined => {
    const raw = set(name);
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0 || value > 1) {
      errors.push(`${name}: expected a number from 0 to 1, got ${JSON.stringify(raw)}`);
      return undefined;
    }
    return value;
  };
  const oneOf = <T extends string>(name: string, values: readonly T[]): T | undefined => {
    const raw = set(name);
    if (raw === undefined) return undefined;
    if ((values as readonly string[]).includes(raw)) return raw as T;
    errors.push(`${name}: expected one of ${values.join(', ')}, got ${JSON.stringify(raw)}`);
    return undefined;
  };
  const boolean = (name: string): boolean | undefined => {
    const raw = set(name);
    if (raw === undefined) return undefined;
    if (/^(true|1|yes)$/i.test(raw)) return true;
    if (/^(false|0|no)$/i.test(raw)) return false;
    errors.push(`${name}: expected true or false, got ${JSON.stringify(raw)}`);
    return undefined;
  };
  const text = (name: string, fallback: string, maxLength: number): string => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    // SMPP 3.4 §4.1: system_id is at most 16 octets, password 9 (both C-octet strings).
    if (raw.length >= maxLength || !/^[\x21-\x7e]+$/.test(raw)) {
      errors.push(`${name}: expected 1-${maxLength - 1} printable ASCII characters without spaces`);
      return fallback;
    }
    return raw;
  };
  const status = (name: string): number | undefined => {
    const raw = set(name);
    if (raw === undefined) return undefined;
    const value = parseStatus(raw);
    if (value === undefined || value === 0) {
      errors.push(`${name}: expected a non-zero SMPP command_status (ESME_RSYSERR, 8 or 0x08), got ${JSON.stringify(raw)}`);
      return undefined;
    }
    return value;
  };

  const options: Mutable<SmscEnvOptions> = {
    smppPort: integer('SMSC_SIM_PORT', 2775, 0, 65_535),
    smppHost: env.SMSC_SIM_HOST ?? '127.0.0.1',
    httpPort: integer('SMSC_SIM_HTTP_PORT', 8025, 0, 65_535),
    httpHost: env.SMSC_SIM_HTTP_HOST ?? '127.0.0.1',
    systemId: text('SMSC_SIM_SYSTEM_ID', 'switchboard', 16),
    password: text('SMSC_SIM_PASSWORD', 'secret', 9),
    receiptDelayMs: integer('SMSC_SIM_RECEIPT_DELAY_MS', 500, 0, 600_000),
  };
  const behaviour: Partial<Mutable<SmscEnvOptions>> = {
    receipts: oneOf<ReceiptMode>('SMSC_SIM_RECEIPTS', ['delivered', 'failed', 'expired', 'rejected', 'drop']),
    receiptStyle: oneOf<ReceiptStyle>('SMSC_SIM_RECEIPT_STYLE', ['text', 'tlv', 'both']),
    receiptIdFormat: oneOf<ReceiptIdFormat>('SMSC_SIM_RECEIPT_ID_FORMAT', ['same', 'hex', 'decimal']),
    messageIdFormat: oneOf<MessageIdFormat>('SMSC_SIM_MESSAGE_ID_FORMAT', ['hex', 'decimal']),
    receiptDateSeconds: boolean('SMSC_SIM_RECEIPT_DATE_SECONDS'),
    receiptIdTlvNul: boolean('SMSC_SIM_RECEIPT_ID_TLV_NUL'),
    receiptRedeliveryMs: optionalInteger('SMSC_SIM_RECEIPT_REDELIVERY_MS', 0, 3_600_000),
    receiptRedeliveries: optionalInteger('SMSC_SIM_RECEIPT_REDELIVERIES', 0, 1000),
    receiptParts: oneOf<'each' | 'last'>('SMSC_SIM_RECEIPT_PARTS', ['each', 'last']),
    maxTps: optionalInteger('SMSC_SIM_MAX_TPS', 1, 100_000),
    messageIdSequence: optionalInteger('SMSC_SIM_MESSAGE_ID_SEQUENCE', 1, 0xffffffff),
    receiptSession: oneOf<'submitting' | 'other'>('SMSC_SIM_RECEIPT_SESSION', ['submitting', 'other']),
    window: optionalInteger('SMSC_SIM_WINDOW', 1, 100_000),
    deliverWindow: noneAsZero(optionalInteger('SMSC_SIM_DELIVER_WINDOW', 0, 100_000)),
    submitLatencyMs: optionalInteger('SMSC_SIM_SUBMIT_LATENCY_MS', 0, 600_000),
    submitErrorRate: fraction('SMSC_SIM_SUBMIT_ERROR_RATE'),
    submitErrorStatus: status('SMSC_SIM_SUBMIT_ERROR_STATUS'),
    lateSubmitResponseMs: optionalInteger('SMSC_SIM_LATE_SUBMIT_RESPONSE_MS', 0, 600_000),
    disconnectEveryMs: optionalInteger('SMSC_SIM_DISCONNECT_EVERY_MS', 10, 86_400_000),
    maxBindsPerSystemId: optionalInteger('SMSC_SIM_MAX_BINDS', 1, 1000),
    seed: optionalInteger('SMSC_SIM_SEED', 0, 0xffffffff),
  };
  const dropRate = fraction('SMSC_SIM_DROP_SUBMIT_RESPONSE_RATE');
  if (dropRate !== undefined && dropRate > 0) behaviour.dropSubmitResponses = { count: null, rate: dropRate };
  const disconnectAfter = optionalInteger('SMSC_SIM_DISCONNECT_AFTER_SUBMITS', 1, 1_000_000);
  if (disconnectAfter !== undefined) behaviour.disconnectAfterSubmits = { count: disconnectAfter, repeat: true };
  for (const [key, value] of Object.entries(behaviour) as [string, unknown][]) {
    if (value !== undefined) Object.assign(options, { [key]: value });
  }

  const key = set('SMSC_SIM_TLS_KEY_FILE');
  const cert = set('SMSC_SIM_TLS_CERT_FILE');
  if ((key === undefined) !== (cert === undefined)) errors.push('SMSC_SIM_TLS_KEY_FILE and SMSC_SIM_TLS_CERT_FILE: set both or neither');

  if (errors.length > 0) return { ok: false, errors };
  return key !== undefined && cert !== undefined ? { ok: true, options, tlsFiles: { key, cert } } : { ok: true, options };
}

/** 0 in a variable means "no limit" (null); unset stays unset. */
function noneAsZero(value: number | undefined): number | null | undefined {
  return value === 0 ? null : value;
}
