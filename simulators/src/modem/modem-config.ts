/**
 * Settings of the `modem-emulator` process, read once from its arguments, a JSON file and the
 * environment; every problem is reported at once.
 *
 *   modem-emulator --link /tmp/ttyModem0 [--link /tmp/ttyModem1] [--vendor simcom|quectel|huawei]
 *                  [--pin 1234] [--sms-per-minute 8] [--registration-delay-ms 3000]
 *                  [--status-report-delay-ms 5000] [--config modems.json]
 *
 * MODEM_EMU_LINKS (comma-separated), MODEM_EMU_VENDOR, MODEM_EMU_PIN, MODEM_EMU_SMS_PER_MINUTE,
 * MODEM_EMU_REGISTRATION_DELAY_MS, MODEM_EMU_STATUS_REPORT_DELAY_MS and MODEM_EMU_CONFIG stand in
 * for flags not given. The JSON file lists modems of their own:
 * `{ "modems": [{ "link": "/tmp/ttyModem0", "vendor": "huawei", "pin": null, "behaviour": { … } }] }`
 * with `behaviour` fields as in `ModemBehaviour`.
 */
import { validateBehaviourPatch, type ModemBehaviourPatch } from './modem-behaviour.js';
import { VENDOR_IDS, type VendorId } from './modem-profile.js';

export interface EmulatedModemConfig {
  readonly link: string;
  readonly vendor: VendorId;
  readonly pin: string | null;
  readonly behaviour: ModemBehaviourPatch;
}

export type ModemEmulatorConfigResult = { readonly ok: true; readonly modems: readonly EmulatedModemConfig[] } | { readonly ok: false; readonly errors: readonly string[] };

const FLAGS: Readonly<Record<string, string>> = {
  '--link': 'MODEM_EMU_LINKS',
  '--vendor': 'MODEM_EMU_VENDOR',
  '--pin': 'MODEM_EMU_PIN',
  '--sms-per-minute': 'MODEM_EMU_SMS_PER_MINUTE',
  '--registration-delay-ms': 'MODEM_EMU_REGISTRATION_DELAY_MS',
  '--status-report-delay-ms': 'MODEM_EMU_STATUS_REPORT_DELAY_MS',
  '--config': 'MODEM_EMU_CONFIG',
};

export function parseModemEmulatorConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  readFile: (path: string) => string,
): ModemEmulatorConfigResult {
  const errors: string[] = [];
  const given = new Map<string, string[]>();
  for (let at = 0; at < argv.length; at += 1) {
    const flag = argv[at] ?? '';
    const value = argv[at + 1];
    if (!(flag in FLAGS)) {
      errors.push(`unknown argument ${JSON.stringify(flag)} (known: ${Object.keys(FLAGS).join(', ')})`);
      if (value !== undefined && !value.startsWith('--')) at += 1;
      continue;
    }
    if (value === undefined || value.startsWith('--')) {
      errors.push(`${flag} needs a value`);
      continue;
    }
    given.set(flag, [...(given.get(flag) ?? []), value]);
    at += 1;
  }
  const setting = (flag: string): string | undefined => given.get(flag)?.at(-1) ?? nonEmpty(env[FLAGS[flag] ?? '']);

  const vendor = setting('--vendor') ?? 'simcom';
  if (!(VENDOR_IDS as string[]).includes(vendor)) errors.push(`vendor: expected one of ${VENDOR_IDS.join(', ')}, got ${JSON.stringify(vendor)}`);
  const pin = setting('--pin') ?? null;
  if (pin !== null && !/^\d{4,8}$/.test(pin)) errors.push('pin: expected 4 to 8 digits');
  const shared: ModemBehaviourPatch = {};
  const number = (flag: string, field: 'smsPerMinute' | 'registrationDelayMs' | 'statusReportDelayMs'): void => {
    const raw = setting(flag);
    if (raw === undefined) return;
    const value = Number(raw);
    if (!Number.isFinite(value)) errors.push(`${flag}: expected a number, got ${JSON.stringify(raw)}`);
    else Object.assign(shared, { [field]: value });
  };
  number('--sms-per-minute', 'smsPerMinute');
  number('--registration-delay-ms', 'registrationDelayMs');
  number('--status-report-delay-ms', 'statusReportDelayMs');
  collectBehaviourError(shared, 'flags', errors);

  const links = given.get('--link') ?? (nonEmpty(env.MODEM_EMU_LINKS)?.split(',').map((link) => link.trim()) ?? []);
  const modems: EmulatedModemConfig[] = links.map((link) => ({ link, vendor: vendor as VendorId, pin, behaviour: shared }));

  const configPath = setting('--config');
  if (configPath !== undefined) modems.push(...readConfigFile(configPath, readFile, errors));
  if (modems.length === 0 && errors.length === 0) errors.push('no modem: give --link <path> (or MODEM_EMU_LINKS, or --config with "modems")');
  const paths = modems.map((modem) => modem.link);
  for (const path of new Set(paths.filter((path, at) => paths.indexOf(path) !== at))) errors.push(`link ${path} is given twice`);
  return errors.length > 0 ? { ok: false, errors } : { ok: true, modems };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function collectBehaviourError(patch: ModemBehaviourPatch, where: string, errors: string[]): void {
  try {
    validateBehaviourPatch(patch);
  } catch (error) {
    errors.push(`${where}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function readConfigFile(path: string, readFile: (path: string) => string, errors: string[]): EmulatedModemConfig[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFile(path));
  } catch (error) {
    errors.push(`config ${path}: ${error instanceof Error ? error.message : String(error)}`);
    return [];
  }
  const list = (parsed as { modems?: unknown } | null)?.modems;
  if (!Array.isArray(list)) {
    errors.push(`config ${path}: expected { "modems": [ … ] }`);
    return [];
  }
  return list.flatMap((entry: unknown, at): EmulatedModemConfig[] => {
    const where = `config ${path} modems[${at}]`;
    const { link, vendor = 'simcom', pin = null, behaviour = {} } = (entry ?? {}) as Record<string, unknown>;
    const before = errors.length;
    if (typeof link !== 'string' || link === '') errors.push(`${where}.link: expected a device path`);
    if (typeof vendor !== 'string' || !(VENDOR_IDS as string[]).includes(vendor)) errors.push(`${where}.vendor: expected one of ${VENDOR_IDS.join(', ')}`);
    if (pin !== null && (typeof pin !== 'string' || !/^\d{4,8}$/.test(pin))) errors.push(`${where}.pin: expected null or 4 to 8 digits`);
    if (typeof behaviour !== 'object' || behaviour === null) errors.push(`${where}.behaviour: expected an object`);
    else collectBehaviourError(behaviour, where, errors);
    if (errors.length > before) return [];
    return [{ link: link as string, vendor: vendor as VendorId, pin: pin as string | null, behaviour: behaviour as ModemBehaviourPatch }];
  });
}
