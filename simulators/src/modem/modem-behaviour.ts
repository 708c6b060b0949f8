/**
 * The faults and pace a test scripts into an emulated modem. Everything can be given at
 * construction and changed while it runs (`updateBehaviour`); changes are checked and a bad one
 * is refused with a RangeError naming the field.
 */

/** What registration ends in: CREG 1 (home), 5 (roaming), 3 (denied) or stays 2 (searching). */
export type RegistrationOutcome = 'home' | 'roaming' | 'denied' | 'searching';

/** Answer sends with +CMS ERROR: `code`, the next `count` of them or, when null, all. */
export interface SendFailure {
  readonly code: number;
  readonly count: number | null;
}

/** Lines the modem blurts out after the PDU and before it answers +CMGS, for the next `sends` sends (null: every one). */
export interface MidSendLines {
  readonly lines: readonly string[];
  readonly sends: number | null;
}

export interface ModemBehaviour {
  /** From power-up (SIM ready, radio on) to the end of registration. */
  readonly registrationDelayMs: number;
  readonly registration: RegistrationOutcome;
  /** AT+CSQ rssi: 0-31, 99 unknown. */
  readonly signalQuality: number;
  readonly failSends: SendFailure | null;
  /** Sends per minute a send answers at (a real modem: 6-10); null answers at once. */
  readonly smsPerMinute: number | null;
  readonly statusReportDelayMs: number;
  /** Share (0-1) of requested status reports that never come, spread evenly (0.25: every fourth). */
  readonly statusReportMissingFraction: number;
  /** TP-ST of the reports (23.040 §9.2.3.15): 0 delivered, 0x41 and up permanent errors … */
  readonly statusReportStatus: number;
  /** Where reports go; null follows the vendor profile (and through it AT+CNMI's ds). */
  readonly statusReportRouting: 'cds' | 'cdsi' | null;
  readonly unsolicitedMidSend: MidSendLines | null;
  /** After this many answered sends, the next send gets no answer and the modem hangs. */
  readonly hangAfterSends: number | null;
  /** After this many answered sends, the next send unplugs the modem; it comes back after `replugAfterMs` (null: stays away). */
  readonly unplugAfterSends: { readonly sends: number; readonly replugAfterMs: number | null } | null;
  /** How long a reboot (AT+CFUN=1,1, replug) keeps the modem deaf before its boot chatter. */
  readonly bootMs: number;
}

export const DEFAULT_MODEM_BEHAVIOUR: ModemBehaviour = {
  registrationDelayMs: 0,
  registration: 'home',
  signalQuality: 20,
  failSends: null,
  smsPerMinute: null,
  statusReportDelayMs: 1000,
  statusReportMissingFraction: 0,
  statusReportStatus: 0,
  statusReportRouting: null,
  unsolicitedMidSend: null,
  hangAfterSends: null,
  unplugAfterSends: null,
  bootMs: 500,
};

export type ModemBehaviourPatch = Partial<ModemBehaviour>;

const REGISTRATION_OUTCOMES: readonly RegistrationOutcome[] = ['home', 'roaming', 'denied', 'searching'];

function check(ok: boolean, field: string, expected: string, value: unknown): void {
  if (!ok) throw new RangeError(`${field}: expected ${expected}, got ${JSON.stringify(value)}`);
}

const isWhole = (value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): boolean =>
  typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;

/** Checks every field a patch sets. @throws {RangeError} naming the first bad field. */
export function validateBehaviourPatch(patch: ModemBehaviourPatch): ModemBehaviourPatch {
  const known = new Set(Object.keys(DEFAULT_MODEM_BEHAVIOUR));
  for (const key of Object.keys(patch)) check(known.has(key), key, 'a ModemBehaviour field', key);
  const p = patch;
  if (p.registrationDelayMs !== undefined) check(isWhole(p.registrationDelayMs, 0), 'registrationDelayMs', 'an integer ≥ 0', p.registrationDelayMs);
  if (p.registration !== undefined) check(REGISTRATION_OUTCOMES.includes(p.registration), 'registration', REGISTRATION_OUTCOMES.join(' | '), p.registration);
  if (p.signalQuality !== undefined) check(isWhole(p.signalQuality, 0, 31) || p.signalQuality === 99, 'signalQuality', '0-31 or 99', p.signalQuality);
  if (p.failSends) {
    check(isWhole(p.failSends.code, 0, 511), 'failSends.code', 'a +CMS ERROR code 0-511', p.failSends.code);
    check(p.failSends.count === null || isWhole(p.failSends.count, 1), 'failSends.count', 'null or an integer ≥ 1', p.failSends.count);
  }
  if (p.smsPerMinute !== undefined && p.smsPerMinute !== null) {
    check(typeof p.smsPerMinute === 'number' && p.smsPerMinute > 0 && p.smsPerMinute <= 60_000, 'smsPerMinute', 'null or a number in (0, 60000]', p.smsPerMinute);
  }
  if (p.statusReportDelayMs !== undefined) check(isWhole(p.statusReportDelayMs, 0), 'statusReportDelayMs', 'an integer ≥ 0', p.statusReportDelayMs);
  if (p.statusReportMissingFraction !== undefined) {
    const fraction = p.statusReportMissingFraction;
    check(typeof fraction === 'number' && fraction >= 0 && fraction <= 1, 'statusReportMissingFraction', 'a number from 0 to 1', fraction);
  }
  if (p.statusReportStatus !== undefined) check(isWhole(p.statusReportStatus, 0, 255), 'statusReportStatus', 'a TP-ST octet 0-255', p.statusReportStatus);
  if (p.statusReportRouting !== undefined) check([null, 'cds', 'cdsi'].includes(p.statusReportRouting), 'statusReportRouting', "null | 'cds' | 'cdsi'", p.statusReportRouting);
  if (p.unsolicitedMidSend) {
    const { lines, sends } = p.unsolicitedMidSend;
    check(Array.isArray(lines) && lines.every((line) => typeof line === 'string' && !/[\r\n]/.test(line)), 'unsolicitedMidSend.lines', 'strings without CR or LF', lines);
    check(sends === null || isWhole(sends, 1), 'unsolicitedMidSend.sends', 'null or an integer ≥ 1', sends);
  }
  if (p.hangAfterSends !== undefined && p.hangAfterSends !== null) check(isWhole(p.hangAfterSends, 0), 'hangAfterSends', 'null or an integer ≥ 0', p.hangAfterSends);
  if (p.unplugAfterSends) {
    check(isWhole(p.unplugAfterSends.sends, 0), 'unplugAfterSends.sends', 'an integer ≥ 0', p.unplugAfterSends.sends);
    const replug = p.unplugAfterSends.replugAfterMs;
    check(replug === null || isWhole(replug, 0), 'unplugAfterSends.replugAfterMs', 'null or an integer ≥ 0', replug);
  }
  if (p.bootMs !== undefined) check(isWhole(p.bootMs, 0), 'bootMs', 'an integer ≥ 0', p.bootMs);
  return patch;
}

/** How long a send takes to be answered at `smsPerMinute`. */
export function sendDurationMs(smsPerMinute: number | null): number {
  return smsPerMinute === null ? 0 : Math.round(60_000 / smsPerMinute);
}
