// Display formatting for admin views. Phone numbers are personal data: the dashboard shows
// them masked, and errors about them never repeat the number itself.

/** ITU-T E.164: a plus, a country code that never starts with 0, at most 15 digits in all. */
const E164 = /^\+[1-9]\d{6,14}$/;

/** Digits always hidden, so even the shortest number keeps most of itself private. */
const MIN_HIDDEN_DIGITS = 4;
const MAX_LEADING_DIGITS = 5;
const MAX_TRAILING_DIGITS = 4;
/** Fixed width, so the mask does not reveal how many digits it hides. */
const MASK = '****';

/**
 * Masks an E.164 number for display: up to five leading digits (country code and usually the
 * network prefix) and the last four stay visible, e.g. `+4915112345678` -> `+49151****5678`.
 * At least four digits are always hidden; short numbers lose leading digits first.
 *
 * @throws {RangeError} when `e164` is not a strict E.164 string (no spaces or punctuation).
 */
export function maskPhoneNumber(e164: string): string {
  if (!E164.test(e164)) {
    throw new RangeError(
      `not an E.164 number: expected "+" and 7 to 15 digits, got ${e164.length} characters`,
    );
  }
  const digits = e164.slice(1);
  const visible = digits.length - MIN_HIDDEN_DIGITS;
  const trailing = Math.min(MAX_TRAILING_DIGITS, visible);
  const leading = Math.min(MAX_LEADING_DIGITS, visible - trailing);
  return `+${digits.slice(0, leading)}${MASK}${digits.slice(digits.length - trailing)}`;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * Formats a duration in milliseconds for people, at a precision that fits its size:
 * `850 ms`, `1.2 s`, `3 min 5 s`, `2 h 3 min`, `4 d 6 h`. Beyond a minute it shows the two
 * largest units and drops a zero second unit (`2 min`, not `2 min 0 s`).
 *
 * @throws {RangeError} when `ms` is negative, NaN or infinite.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) {
    throw new RangeError(`duration must be a finite, non-negative number of ms, got ${String(ms)}`);
  }
  const rounded = Math.round(ms);
  if (rounded < SECOND) return `${rounded} ms`;

  const tenths = Math.round(rounded / 100);
  if (tenths < 600) return `${(tenths / 10).toFixed(1)} s`;

  const seconds = Math.round(rounded / SECOND);
  if (seconds < HOUR / SECOND) return pair(Math.floor(seconds / 60), 'min', seconds % 60, 's');

  const minutes = Math.floor(seconds / 60);
  if (minutes < DAY / MINUTE) return pair(Math.floor(minutes / 60), 'h', minutes % 60, 'min');

  const hours = Math.floor(minutes / 60);
  return pair(Math.floor(hours / 24), 'd', hours % 24, 'h');
}

function pair(major: number, majorUnit: string, minor: number, minorUnit: string): string {
  return minor === 0 ? `${major} ${majorUnit}` : `${major} ${majorUnit} ${minor} ${minorUnit}`;
}
