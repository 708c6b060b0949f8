/**
 * Addresses in semi-octets (3GPP 23.040 §9.1.2.5, TP-DA / TP-OA / TP-RA) and the SMSC address in
 * front of a TPDU (24.011 §8.2.5.1 RP address). Numbers are written `+4915…` when the type of
 * number is international, bare digits otherwise.
 */
import { decodeGsm7, encodeGsm7 } from '../shared/gsm7.js';
import { PduDecodeError } from './pdu-errors.js';
import type { OctetReader } from './octet-reader.js';
import { packSeptets, unpackSeptets } from './septet-packing.js';

/** Type of address: international (0x91), unknown (0x81), national (0xA1), alphanumeric (0xD0). */
export const TOA_INTERNATIONAL = 0x91;
export const TOA_UNKNOWN = 0x81;
export const TOA_ALPHANUMERIC = 0xd0;

/** An address as it stood in the PDU: readable form and the type-of-address octet. */
export interface SmsAddress {
  /** `+4915…` (international), digits (other types), or the text of an alphanumeric sender. */
  readonly address: string;
  readonly typeOfAddress: number;
}

// 23.040 §9.1.2.3: semi-octets 0-9, then *, #, a, b, c; 0xF only fills the last octet.
const SEMI_OCTET_DIGITS = '0123456789*#abc';

function isAlphanumeric(typeOfAddress: number): boolean {
  return ((typeOfAddress >> 4) & 0x07) === 0x05;
}

function isInternational(typeOfAddress: number): boolean {
  return ((typeOfAddress >> 4) & 0x07) === 0x01;
}

function digitsFromSemiOctets(octets: Buffer, count: number, field: string): string {
  let digits = '';
  for (let index = 0; index < count; index += 1) {
    const octet = octets[index >> 1] ?? 0;
    const nibble = index % 2 === 0 ? octet & 0x0f : octet >> 4;
    const digit = SEMI_OCTET_DIGITS[nibble];
    if (digit === undefined) throw new PduDecodeError('bad-address', `${field} has semi-octet 0x${nibble.toString(16)} at digit ${index}`);
    digits += digit;
  }
  if (count % 2 === 1 && ((octets[count >> 1] ?? 0) >> 4) !== 0x0f) {
    throw new PduDecodeError('bad-address', `${field} has an odd number of digits but no 0xF filler`);
  }
  return digits;
}

function semiOctetsFromDigits(digits: string): Buffer {
  const out = Buffer.alloc(Math.ceil(digits.length / 2), 0xff);
  for (let index = 0; index < digits.length; index += 1) {
    const char = digits.charAt(index);
    const nibble = SEMI_OCTET_DIGITS.indexOf(char);
    if (nibble < 0) throw new RangeError(`address digit ${JSON.stringify(char)} cannot be written in semi-octets`);
    const at = index >> 1;
    const octet = out[at] ?? 0xff;
    out[at] = index % 2 === 0 ? (octet & 0xf0) | nibble : (octet & 0x0f) | (nibble << 4);
  }
  return out;
}

/** Reads TP-DA / TP-OA / TP-RA: length in useful semi-octets, type, value. */
export function readAddress(reader: OctetReader, field: string): SmsAddress {
  const semiOctets = reader.octet(`${field} length`);
  const typeOfAddress = reader.octet(`${field} type`);
  if (semiOctets > 20) throw new PduDecodeError('bad-address', `${field} claims ${semiOctets} semi-octets, at most 20 fit (23.040 §9.1.2.5)`);
  const value = reader.take(Math.ceil(semiOctets / 2), field);
  if ((typeOfAddress & 0x80) === 0) throw new PduDecodeError('bad-address', `${field} type 0x${typeOfAddress.toString(16)} lacks bit 7`);
  if (isAlphanumeric(typeOfAddress)) {
    const septets = unpackSeptets(value, Math.floor((semiOctets * 4) / 7));
    return { address: decodeGsm7(Buffer.from(septets)).text, typeOfAddress };
  }
  const digits = digitsFromSemiOctets(value, semiOctets, field);
  return { address: isInternational(typeOfAddress) ? `+${digits}` : digits, typeOfAddress };
}

/** Writes an address field; `+` makes it international, letters make it alphanumeric (a sender name). */
export function writeAddress(address: string, typeOfAddress?: number): Buffer {
  if (typeOfAddress === undefined && /[^+\d*#]/.test(address)) {
    const unpacked = encodeGsm7(address);
    if (unpacked === undefined || unpacked.length > 11) throw new RangeError(`alphanumeric address ${JSON.stringify(address)} must be at most 11 GSM-7 characters`);
    const packed = packSeptets([...unpacked]);
    return Buffer.concat([Buffer.from([Math.ceil((unpacked.length * 7) / 4), TOA_ALPHANUMERIC]), packed]);
  }
  const digits = address.replace(/^\+/, '');
  const type = typeOfAddress ?? (address.startsWith('+') ? TOA_INTERNATIONAL : TOA_UNKNOWN);
  if (digits.length === 0 || digits.length > 20) throw new RangeError(`address must have 1 to 20 digits, got ${JSON.stringify(address)}`);
  return Buffer.concat([Buffer.from([digits.length, type]), semiOctetsFromDigits(digits)]);
}

/** Reads the SMSC address in front of a TPDU: a length in octets (type included), 0 for "the one stored in the modem". */
export function readServiceCentre(reader: OctetReader): string | null {
  const octets = reader.octet('SMSC length');
  if (octets === 0) return null;
  const typeOfAddress = reader.octet('SMSC type');
  const value = reader.take(octets - 1, 'SMSC address');
  const last = value[value.length - 1] ?? 0;
  const digits = digitsFromSemiOctets(value, value.length * 2 - ((last >> 4) === 0x0f ? 1 : 0), 'SMSC address');
  return isInternational(typeOfAddress) ? `+${digits}` : digits;
}

/** Writes the SMSC address in front of a TPDU. */
export function writeServiceCentre(address: string): Buffer {
  const digits = address.replace(/^\+/, '');
  const value = semiOctetsFromDigits(digits);
  return Buffer.concat([Buffer.from([value.length + 1, address.startsWith('+') ? TOA_INTERNATIONAL : TOA_UNKNOWN]), value]);
}
