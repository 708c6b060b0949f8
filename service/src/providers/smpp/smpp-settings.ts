/**
 * An SMPP provider as admins describe it: the `settings` and `credentials` of its provider row.
 * One reader serves AdminService (validate before saving, naming every bad field) and the
 * provider factory (build from what was saved), so the two can never disagree.
 */
import type { ConnectionOptions } from 'node:tls';
import { RECEIPT_ID_BASES } from '../channel-provider.js';
import { TEXT_CODINGS, type TextCoding } from '@switchboard/sms-encoding';
import { InvalidAddressError, sourceAddress, type SenderKind, type TonNpiOverride } from './smpp-address.js';
import { LONG_MESSAGE_MODES, type LongMessageMode } from './smpp-segmentation.js';
import { DEFAULT_RECONNECT_MAX_MS, DEFAULT_RECONNECT_MIN_MS, PART_RECEIPTS, type BindMode, type ReceiptRequest, type SmppProviderOptions } from './smpp-provider-options.js';

/** A bad setting: `field` is `settings.<key>` or `credentials.<key>`. */
export interface SettingProblem {
  readonly field: string;
  readonly reason: string;
}

/** Everything of `SmppProviderOptions` that comes from the row (the sinks come from the process). */
export type SmppSettings = Omit<SmppProviderOptions, 'name' | 'receiptSink' | 'lateAcceptanceSink' | 'inboundSink' | 'metrics' | 'logger'>;

/** Every setting an SMPP provider reads, for documentation and for refusing typos. */
export const SMPP_SETTING_KEYS = [
  'host', 'port', 'systemId', 'systemType', 'addressRange',
  'tls', 'tlsServername', 'tlsCa', 'tlsRejectUnauthorized',
  'bindMode', 'binds', 'windowSize',
  'sourceAddr', 'textCoding', 'longMessage', 'receipts', 'receiptIdBase', 'partReceipts',
  'alphanumericTon', 'alphanumericNpi', 'shortCodeTon', 'shortCodeNpi', 'internationalTon', 'internationalNpi',
  'throttleRetries', 'submitTimeoutMs', 'enquireLinkIntervalMs', 'enquireLinkTimeoutMs', 'bindTimeoutMs',
  'reconnectMinMs', 'reconnectMaxMs', 'stableBindMs', 'maxDeliveriesInFlight',
] as const;

const BIND_MODES: readonly BindMode[] = ['transceiver', 'pair'];
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const RECEIPT_REQUESTS: readonly ReceiptRequest[] = ['final', 'final-and-intermediate'];

/** Reads and checks an SMPP provider's settings; lists every problem when any. */
export function parseSmppSettings(
  settings: Readonly<Record<string, unknown>>,
  credentials: Readonly<Record<string, string>>,
): { ok: true; settings: SmppSettings } | { ok: false; problems: SettingProblem[] } {
  const problems: SettingProblem[] = [];
  const add = (key: string, reason: string) => problems.push({ field: `settings.${key}`, reason });

  for (const key of Object.keys(settings)) {
    if (!(SMPP_SETTING_KEYS as readonly string[]).includes(key)) add(key, `is not an SMPP setting (known: ${SMPP_SETTING_KEYS.join(', ')})`);
  }
  const text = (key: string): string | undefined => {
    const value = settings[key];
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value === 'string') return value.trim();
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    add(key, 'must be text');
    return undefined;
  };
  const integer = (key: string, min: number, max: number): number | undefined => {
    const raw = text(key);
    if (raw === undefined) return undefined;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      add(key, `"${raw.slice(0, 40)}" must be a whole number from ${min} to ${max}`);
      return undefined;
    }
    return Number(raw);
  };
  const choice = <T extends string>(key: string, allowed: readonly T[]): T | undefined => {
    const raw = text(key);
    if (raw === undefined) return undefined;
    const found = allowed.find((value) => value === raw);
    if (found === undefined) add(key, `"${raw.slice(0, 40)}" is not one of ${allowed.join(', ')}`);
    return found;
  };
  const flag = (key: string): boolean | undefined => {
    const raw = text(key);
    if (raw === undefined) return undefined;
    if (raw === 'true') return true;
    if (raw === 'false') return false;
    add(key, `"${raw.slice(0, 40)}" must be true or false`);
    return undefined;
  };

  const absent = (key: string) => {
    const value = settings[key];
    return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
  };
  for (const key of ['host', 'port', 'systemId']) if (absent(key)) add(key, 'is required for smpp providers');
  const host = text('host');
  const port = integer('port', 1, 65_535);
  const systemId = text('systemId');
  const password = credentials.password ?? '';
  if (password === '') problems.push({ field: 'credentials.password', reason: 'is required for smpp providers' });

  const useTls = flag('tls');
  const tlsCa = text('tlsCa');
  if (tlsCa !== undefined && !tlsCa.includes('-----BEGIN CERTIFICATE-----')) add('tlsCa', 'must be PEM (-----BEGIN CERTIFICATE-----)');
  const tlsServername = text('tlsServername');
  const rejectUnauthorized = flag('tlsRejectUnauthorized');
  if (!useTls && (tlsCa !== undefined || tlsServername !== undefined || rejectUnauthorized !== undefined)) add('tls', 'must be true when other tls* settings are given');
  const tls: ConnectionOptions | undefined = useTls
    ? { ...(tlsCa ? { ca: tlsCa } : {}), ...(tlsServername ? { servername: tlsServername } : {}), ...(rejectUnauthorized === false ? { rejectUnauthorized: false } : {}) }
    : undefined;

  const overrides: Partial<Record<SenderKind, TonNpiOverride>> = {};
  for (const [kind, prefix] of [['alphanumeric', 'alphanumeric'], ['short-code', 'shortCode'], ['international', 'international']] as const) {
    const ton = integer(`${prefix}Ton`, 0, 6);
    const npi = integer(`${prefix}Npi`, 0, 18);
    if (ton !== undefined || npi !== undefined) overrides[kind] = { ton, npi };
  }

  const parsed: SmppSettings = {
    host: host ?? '',
    port: port ?? 0,
    systemId: systemId ?? '',
    password,
    systemType: text('systemType'),
    addressRange: text('addressRange'),
    tls,
    bindMode: choice('bindMode', BIND_MODES),
    binds: integer('binds', 1, 16),
    windowSize: integer('windowSize', 1, 1000),
    sourceAddr: text('sourceAddr') ?? 'Switchboard',
    sourceAddressOverrides: overrides,
    textCoding: choice<TextCoding>('textCoding', TEXT_CODINGS),
    longMessage: choice<LongMessageMode>('longMessage', LONG_MESSAGE_MODES),
    receipts: choice('receipts', RECEIPT_REQUESTS),
    receiptIdBase: choice('receiptIdBase', RECEIPT_ID_BASES),
    partReceipts: choice('partReceipts', PART_RECEIPTS),
    throttleRetries: integer('throttleRetries', 0, 100),
    submitTimeoutMs: integer('submitTimeoutMs', 100, 120_000),
    enquireLinkIntervalMs: integer('enquireLinkIntervalMs', 1000, 3_600_000),
    enquireLinkTimeoutMs: integer('enquireLinkTimeoutMs', 100, 120_000),
    bindTimeoutMs: integer('bindTimeoutMs', 100, 120_000),
    reconnectMinMs: integer('reconnectMinMs', 100, 600_000),
    reconnectMaxMs: integer('reconnectMaxMs', 100, 3_600_000),
    stableBindMs: integer('stableBindMs', 0, 3_600_000),
    maxDeliveriesInFlight: integer('maxDeliveriesInFlight', 1, 10_000),
  };
  const reconnectMin = parsed.reconnectMinMs ?? DEFAULT_RECONNECT_MIN_MS;
  const reconnectMax = parsed.reconnectMaxMs ?? DEFAULT_RECONNECT_MAX_MS;
  if (reconnectMax < reconnectMin) {
    const max = parsed.reconnectMaxMs === undefined ? `is unset, so ${reconnectMax} (the default)` : `is ${reconnectMax}`;
    const min = parsed.reconnectMinMs === undefined ? `${reconnectMin} (the default)` : String(reconnectMin);
    add('reconnectMaxMs', `${max}, below reconnectMinMs ${min}; the cap cannot be under the first delay`);
  }
  // What the provider would refuse at start must be refused here, naming the field, rather
  // than saved and then never run.
  if (parsed.sourceAddr !== '') {
    try {
      sourceAddress(parsed.sourceAddr, overrides);
    } catch (error) {
      if (error instanceof InvalidAddressError) add('sourceAddr', error.message);
      else throw error;
    }
  }
  for (const [key, value, limit] of [['systemId', parsed.systemId, 15], ['systemType', parsed.systemType, 12], ['addressRange', parsed.addressRange, 40]] as const) {
    if (value === undefined) continue;
    if (!PRINTABLE_ASCII.test(value)) add(key, 'must be printable ASCII (SMPP 3.4 §3.1 C-Octet String)');
    else if (value.length > limit) add(key, `is ${value.length} characters; SMPP 3.4 §4.1 allows at most ${limit}`);
  }
  if (password !== '' && (!PRINTABLE_ASCII.test(password) || password.length > 8)) {
    // Never echo the value.
    problems.push({ field: 'credentials.password', reason: 'must be at most 8 printable ASCII characters (SMPP 3.4 §4.1)' });
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, settings: parsed };
}
