// TP-UDL and TP-UD (3GPP 23.040 §9.2.3.16, §9.2.3.24): the length counts septets for GSM-7 and
// octets otherwise, header included, so where the text starts depends on the alphabet.
import type { DataCodingScheme } from './data-coding-scheme.js';
import { decodeGsm7 } from '@switchboard/sms-encoding';
import type { OctetReader } from './octet-reader.js';
import { PduError } from './pdu-error.js';
import { fillBitsAfterHeader, headerSeptets, packedLength, unpackSeptets } from './septet-packing.js';
import { decodeUserDataHeader, type UserDataHeader } from './user-data-header.js';

/** The message itself: text for GSM-7 and UCS-2, octets for 8-bit and compressed data. */
export type MessageBody =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'binary'; readonly octets: Uint8Array };

/** A decoded TP-UD. */
export interface UserData {
  /** Present when TP-UDHI is set. */
  readonly header: UserDataHeader | undefined;
  readonly body: MessageBody;
}

/** 23.040 §9.2.3.16: 140 octets of user data, i.e. 160 septets. */
const MAX_USER_DATA_OCTETS = 140;
const MAX_USER_DATA_SEPTETS = 160;

function decodeUcs2(octets: Uint8Array, offset: number): string {
  if (octets.length % 2 !== 0) {
    throw new PduError('TP-UD', `UCS-2 text has an odd number of octets (${octets.length})`, offset);
  }
  // UTF-16BE; a surrogate pair split across concatenated parts decodes as two lone halves.
  return Buffer.from(octets).swap16().toString('utf16le');
}

/**
 * Reads TP-UDL and TP-UD.
 *
 * @throws {PduError} when the length exceeds one SMS or the octets that are left, or a header
 *   leaves no room for itself.
 */
export function readUserData(reader: OctetReader, coding: DataCodingScheme, hasHeader: boolean): UserData {
  const lengthOffset = reader.offset;
  const length = reader.readOctet('TP-UDL');
  const septets = coding.alphabet === 'gsm7' && !coding.compressed;
  const limit = septets ? MAX_USER_DATA_SEPTETS : MAX_USER_DATA_OCTETS;
  const unit = septets ? 'septets' : 'octets';
  if (length > limit) throw new PduError('TP-UDL', `${length} ${unit} exceeds the ${limit} one SMS holds`, lengthOffset);
  const octetCount = septets ? packedLength(length) : length;
  if (octetCount > reader.remaining) {
    throw new PduError('TP-UD', `TP-UDL of ${length} ${unit} needs ${octetCount} octets but ${reader.remaining} remain`, reader.offset);
  }
  const offset = reader.offset;
  const octets = reader.readOctets(octetCount, 'TP-UD');
  const header = hasHeader ? decodeUserDataHeader(octets, offset) : undefined;
  const headerOctets = hasHeader ? 1 + (octets[0] ?? 0) : 0;
  const payload = octets.subarray(headerOctets);

  if (septets) {
    const skipped = headerSeptets(headerOctets);
    if (skipped > length) {
      throw new PduError('TP-UDL', `${length} septets is fewer than the ${skipped} the header takes`, lengthOffset);
    }
    const text = decodeGsm7(unpackSeptets(payload, length - skipped, fillBitsAfterHeader(headerOctets)));
    return { header, body: { kind: 'text', text } };
  }
  if (coding.alphabet === 'ucs2' && !coding.compressed) {
    return { header, body: { kind: 'text', text: decodeUcs2(payload, offset + headerOctets) } };
  }
  return { header, body: { kind: 'binary', octets: payload.slice() } };
}
