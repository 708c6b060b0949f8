/**
 * The standalone simulator's settings, read once from the environment. Every bad variable is
 * reported at once, so a misconfigured start fails with the whole list.
 */
import type { SmscSimulatorOptions } from './smsc.simulator.js';

/** Settings of `main.ts`, or every problem found. */
export type SmscConfigResult =
  | { readonly ok: true; readonly options: Required<Omit<SmscSimulatorOptions, 'logger'>> }
  | { readonly ok: false; readonly errors: readonly string[] };

/** Reads SMSC_SIM_* variables; unset ones take their defaults. */
export function parseSmscEnv(env: Readonly<Record<string, string | undefined>>): SmscConfigResult {
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

  const options = {
    smppPort: integer('SMSC_SIM_PORT', 2775, 0, 65_535),
    smppHost: env.SMSC_SIM_HOST ?? '127.0.0.1',
    httpPort: integer('SMSC_SIM_HTTP_PORT', 8025, 0, 65_535),
    httpHost: env.SMSC_SIM_HTTP_HOST ?? '127.0.0.1',
    systemId: text('SMSC_SIM_SYSTEM_ID', 'switchboard', 16),
    password: text('SMSC_SIM_PASSWORD', 'secret', 9),
    receiptDelayMs: integer('SMSC_SIM_RECEIPT_DELAY_MS', 500, 0, 600_000),
  };
  return errors.length > 0 ? { ok: false, errors } : { ok: true, options };
}
