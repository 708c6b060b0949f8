// TP-SCTS and TP-DT (3GPP 23.040 §9.2.3.11): seven octets of swapped BCD semi-octets, year to
// second, then the offset from UTC in quarter hours with its sign in bit 3 of the first digit.
import type { OctetReader } from './octet-reader.js';
import { PduError } from './pdu-error.js';

/** A service centre time stamp as the SC wrote it, local time and offset. */
export interface SmsTimestamp {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  /** Offset of the local time from UTC, in minutes (east positive). */
  readonly utcOffsetMinutes: number;
  /** The same instant as milliseconds since the Unix epoch. */
  readonly epochMillis: number;
}

/** Two-digit years below this are 20xx; the published 23.040-era vectors are from the 1990s. */
const CENTURY_PIVOT = 80;
const TIMESTAMP_OCTETS = 7;

const RANGES = [
  ['month', 1, 12],
  ['day', 1, 31],
  ['hour', 0, 23],
  ['minute', 0, 59],
  ['second', 0, 59],
] as const;

function swappedBcd(octet: number, field: string, offset: number): number {
  const tens = octet & 0x0f;
  const units = octet >> 4;
  if (tens > 9 || units > 9) {
    throw new PduError(field, `0x${octet.toString(16).padStart(2, '0')} is not two BCD digits`, offset);
  }
  return tens * 10 + units;
}

/**
 * Reads a 7-octet time stamp.
 *
 * @throws {PduError} when a digit is not BCD or a part is out of range (month 13, minute 61…).
 */
export function readTimestamp(reader: OctetReader, field: string): SmsTimestamp {
  const start = reader.offset;
  const octets = reader.readOctets(TIMESTAMP_OCTETS, field);
  const parts = Array.from(octets.subarray(0, 6), (octet, index) => swappedBcd(octet, field, start + index));
  const [yy = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0] = parts;
  for (const [index, [name, min, max]] of RANGES.entries()) {
    const value = parts[index + 1] ?? 0;
    if (value < min || value > max) throw new PduError(field, `${name} ${value} is out of range ${min}–${max}`, start + index + 1);
  }
  const zone = octets[6] ?? 0;
  const quarters = swappedBcd(zone & 0xf7, field, start + 6);
  const utcOffsetMinutes = (zone & 0x08 ? -1 : 1) * quarters * 15;
  const year = yy < CENTURY_PIVOT ? 2000 + yy : 1900 + yy;
  const epochMillis = Date.UTC(year, month - 1, day, hour, minute, second) - utcOffsetMinutes * 60_000;
  return { year, month, day, hour, minute, second, utcOffsetMinutes, epochMillis };
}
