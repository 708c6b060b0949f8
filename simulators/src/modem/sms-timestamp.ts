/**
 * Time stamps in semi-octets (3GPP 23.040 §9.2.3.11: TP-SCTS, TP-DT, absolute TP-VP): year,
 * month, day, hour, minute, second of local time, then the zone in quarter hours whose first
 * semi-octet's high bit is the sign.
 */
import type { OctetReader } from './octet-reader.js';

function swapped(value: number): number {
  return ((value % 10) << 4) | Math.floor(value / 10);
}

function unswapped(octet: number): number {
  return (octet & 0x0f) * 10 + (octet >> 4);
}

/** Writes `at` as local time in a zone `zoneQuarterHours` (−48..56) east of UTC. */
export function writeTimestamp(at: Date, zoneQuarterHours: number): Buffer {
  const local = new Date(at.getTime() + zoneQuarterHours * 15 * 60_000);
  const zone = Math.abs(zoneQuarterHours);
  const zoneOctet = swapped(zone) | (zoneQuarterHours < 0 ? 0x08 : 0);
  return Buffer.from([
    swapped(local.getUTCFullYear() % 100),
    swapped(local.getUTCMonth() + 1),
    swapped(local.getUTCDate()),
    swapped(local.getUTCHours()),
    swapped(local.getUTCMinutes()),
    swapped(local.getUTCSeconds()),
    zoneOctet,
  ]);
}

/** Reads a time stamp; years 00-89 are taken as 20xx, 90-99 as 19xx. */
export function readTimestamp(reader: OctetReader, field: string): Date {
  const octets = reader.take(7, field);
  const [year, month, day, hour, minute, second, zoneOctet] = [...octets].map((octet, index) => (index === 6 ? octet : unswapped(octet)));
  const zone = unswapped((zoneOctet ?? 0) & 0xf7) * ((zoneOctet ?? 0) & 0x08 ? -1 : 1);
  const fullYear = (year ?? 0) < 90 ? 2000 + (year ?? 0) : 1900 + (year ?? 0);
  const localMs = Date.UTC(fullYear, (month ?? 1) - 1, day ?? 1, hour ?? 0, minute ?? 0, second ?? 0);
  return new Date(localMs - zone * 15 * 60_000);
}
