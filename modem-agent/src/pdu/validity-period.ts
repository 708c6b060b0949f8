// TP-VP in relative format (3GPP 23.040 §9.2.3.12.1): one octet on a scale that is fine for short
// periods and coarse for long ones. Switchboard's codes expire, so a requested validity is rounded
// down to a value the scale has: a message must not outlive the code it carries.
import { PduError } from './pdu-error.js';

const MINUTES_PER_DAY = 24 * 60;
const MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY;

/** The shortest relative validity, TP-VP 0. */
export const MIN_VALIDITY_MINUTES = 5;

/** Minutes a relative TP-VP octet stands for. */
export function relativeValidityMinutes(tpVp: number): number {
  if (tpVp <= 143) return (tpVp + 1) * 5;
  if (tpVp <= 167) return 12 * 60 + (tpVp - 143) * 30;
  if (tpVp <= 196) return (tpVp - 166) * MINUTES_PER_DAY;
  return (tpVp - 192) * MINUTES_PER_WEEK;
}

/**
 * The relative TP-VP octet for the longest period not above `minutes`; beyond 63 weeks, 63 weeks.
 *
 * @throws {PduError} when `minutes` is not a number of at least 5.
 */
export function encodeRelativeValidity(minutes: number): number {
  if (!Number.isFinite(minutes) || minutes < MIN_VALIDITY_MINUTES) {
    throw new PduError('TP-VP', `validity must be at least ${MIN_VALIDITY_MINUTES} minutes, got ${minutes}`);
  }
  if (minutes <= 12 * 60) return Math.floor(minutes / 5) - 1;
  if (minutes < 2 * MINUTES_PER_DAY) return Math.min(167, 143 + Math.floor((minutes - 12 * 60) / 30));
  if (minutes < 35 * MINUTES_PER_DAY) return Math.min(196, 166 + Math.floor(minutes / MINUTES_PER_DAY));
  return Math.min(255, 192 + Math.floor(minutes / MINUTES_PER_WEEK));
}
