// Address fields (3GPP 23.040 §9.1.2.5): a length, a type-of-address octet, then the number in
// swapped semi-octets, or for alphanumeric senders GSM-7 septets packed into the value octets.
import { decodeGsm7 } from '@switchboard/sms-encoding';
import type { OctetReader } from './octet-reader.js';
import { PduError } from './pdu-error.js';
import { unpackSeptets } from './septet-packing.js';

/** What the type-of-address octet's TON bits (6–4) say the value is. */
export type AddressKind =
  | 'unknown'
  | 'international'
  | 'national'
  | 'network-specific'
  | 'subscriber'
  | 'alphanumeric'
  | 'abbreviated'
  | 'reserved';

const KINDS: readonly AddressKind[] = [
  'unknown',
  'international',
  'national',
  'network-specific',
  'subscriber',
  'alphanumeric',
  'abbreviated',
  'reserved',
];

/** A decoded originator, destination, recipient or SMSC address. */
export interface SmsAddress {
  readonly kind: AddressKind;
  /** `+` and digits for international numbers, the digits otherwise, the text for alphanumeric. */
  readonly value: string;
  /** The raw type-of-address octet, numbering plan included. */
  readonly typeOfAddress: number;
}

/** International number, ISDN/E.164 numbering plan. */
const TOA_INTERNATIONAL = 0x91;
/** Unknown type, ISDN/E.164 numbering plan: short codes and numbers without `+`. */
const TOA_UNKNOWN = 0x81;
/** 23.040 §9.1.2.5: an address value holds at most 10 octets, i.e. 20 semi-octets. */
const MAX_SEMI_OCTETS = 20;
const E164_DIGITS = 15;

/** 24.008 §10.5.4.7 BCD: semi-octets 0xA–0xE are `*`, `#`, `a`, `b`, `c`; 0xF pads an odd length. */
const SEMI_OCTET_DIGITS = '0123456789*#abc';

/**
 * Encodes a destination for TP-DA: `+` and up to 15 digits as international (type 0x91), plain
 * digits (short codes) as unknown type (0x81).
 *
 * @throws {PduError} when the number is anything else.
 */
export function encodeAddress(number: string, field = 'TP-DA'): Uint8Array {
  const international = number.startsWith('+');
  const digits = international ? number.slice(1) : number;
  const limit = international ? E164_DIGITS : MAX_SEMI_OCTETS;
  if (!/^\d+$/.test(digits) || digits.length > limit) {
    const expected = international ? `"+" and 1 to ${E164_DIGITS} digits` : `1 to ${MAX_SEMI_OCTETS} digits`;
    throw new PduError(field, `${JSON.stringify(number)} is not a number: expected ${expected}`);
  }
  return Uint8Array.from([digits.length, international ? TOA_INTERNATIONAL : TOA_UNKNOWN, ...encodeSemiOctets(digits)]);
}

/** Digits in swapped semi-octets, the last octet's high half 0xF when the count is odd. */
function encodeSemiOctets(digits: string): Uint8Array {
  const octets: number[] = [];
  for (let index = 0; index < digits.length; index += 2) {
    const low = Number(digits[index]);
    const high = index + 1 < digits.length ? Number(digits[index + 1]) : 0xf;
    octets.push((high << 4) | low);
  }
  return Uint8Array.from(octets);
}

function addressKind(typeOfAddress: number): AddressKind {
  return KINDS[(typeOfAddress >> 4) & 0x07] ?? 'reserved';
}

function decodeSemiOctets(octets: Uint8Array, semiOctets: number, field: string, offset: number): string {
  let digits = '';
  for (let index = 0; index < semiOctets; index++) {
    const octet = octets[index >> 1] ?? 0;
    const nibble = index % 2 === 0 ? octet & 0x0f : octet >> 4;
    const digit = SEMI_OCTET_DIGITS[nibble];
    // Some senders count the filler in the length; a filler in last place is only that.
    if (digit === undefined && index === semiOctets - 1) break;
    if (digit === undefined) {
      throw new PduError(field, `semi-octet ${index + 1} of ${semiOctets} is 0xF, a filler inside the number`, offset + (index >> 1));
    }
    digits += digit;
  }
  return digits;
}

function decodeValue(typeOfAddress: number, value: Uint8Array, semiOctets: number, field: string, offset: number): SmsAddress {
  const kind = addressKind(typeOfAddress);
  if (kind === 'alphanumeric') {
    const septets = Math.floor((semiOctets * 4) / 7);
    return { kind, typeOfAddress, value: decodeGsm7(unpackSeptets(value, septets)) };
  }
  const digits = decodeSemiOctets(value, semiOctets, field, offset);
  return { kind, typeOfAddress, value: kind === 'international' ? `+${digits}` : digits };
}

/**
 * Reads a TP-OA, TP-DA or TP-RA field, whose length octet counts useful semi-octets.
 *
 * @throws {PduError} when the length exceeds 20 semi-octets or the PDU ends inside the field.
 */
export function readAddress(reader: OctetReader, field: string): SmsAddress {
  const start = reader.offset;
  const semiOctets = reader.readOctet(field);
  if (semiOctets > MAX_SEMI_OCTETS) {
    throw new PduError(field, `length ${semiOctets} exceeds the ${MAX_SEMI_OCTETS} semi-octets an address holds`, start);
  }
  const typeOfAddress = reader.readOctet(field);
  const valueOffset = reader.offset;
  const value = reader.readOctets(Math.ceil(semiOctets / 2), field);
  return decodeValue(typeOfAddress, value, semiOctets, field, valueOffset);
}

/**
 * Reads the SMSC information in front of a TPDU (24.011 §8.2.5.1), whose length octet counts
 * octets, type-of-address included. Returns undefined for `00`, "the SMSC stored in the modem".
 */
export function readSmscAddress(reader: OctetReader): SmsAddress | undefined {
  const field = 'SMSC address';
  const octets = reader.readOctet(field);
  if (octets === 0) return undefined;
  if (octets > 1 + MAX_SEMI_OCTETS / 2) {
    throw new PduError(field, `length ${octets} exceeds the 11 octets an SMSC address holds`, reader.offset - 1);
  }
  const typeOfAddress = reader.readOctet(field);
  const valueOffset = reader.offset;
  const value = reader.readOctets(octets - 1, field);
  // The length counts whole octets; a trailing 0xF filler marks an odd digit count.
  const semiOctets = value.length * 2 - ((value.at(-1) ?? 0) >> 4 === 0x0f ? 1 : 0);
  return decodeValue(typeOfAddress, value, semiOctets, field, valueOffset);
}
