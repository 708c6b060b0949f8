/**
 * SMPP 3.4 §7.1 time fields. Only the relative form (§7.1.1, `YYMMDDhhmmss000R`) is written: it
 * does not depend on the SMSC's clock or time zone agreeing with ours.
 */

/** A `validUntil` that is not a usable date. */
export class InvalidValidityError extends RangeError {
  constructor() {
    super('validUntil is not a valid date');
    this.name = 'InvalidValidityError';
  }
}

// Short validities are refused or rounded oddly by some SMSCs, and a code needs time to arrive.
const MIN_SECONDS = 60;
// Months and years have no fixed length in relative time; no code lives anywhere near this long.
const MAX_SECONDS = 30 * 24 * 60 * 60;

const two = (value: number): string => String(value).padStart(2, '0');

/**
 * The time left until `until` as a relative validity_period: rounded up to whole seconds, at least
 * one minute, at most 30 days. `000000001000000R` is ten minutes.
 */
export function relativeValidityPeriod(until: Date, now: Date = new Date()): string {
  const remainingMs = until.getTime() - now.getTime();
  if (Number.isNaN(remainingMs)) throw new InvalidValidityError();
  const total = Math.min(MAX_SECONDS, Math.max(MIN_SECONDS, Math.ceil(remainingMs / 1000)));
  const days = Math.floor(total / 86_400);
  const hours = Math.floor((total % 86_400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  // YY MM are always 00; t (tenths) 0, nn 00, p 'R' (§7.1.1).
  return `0000${two(days)}${two(hours)}${two(minutes)}${two(seconds)}000R`;
}
