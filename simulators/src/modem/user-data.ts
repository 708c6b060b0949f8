/**
 * TP-DCS (3GPP 23.038 §4), the user data header (23.040 §9.2.3.24) and TP-UD in each alphabet,
 * for SUBMITs read from the host and DELIVERs written to it.
 */
import { decodeGsm7 } from '../shared/gsm7.js';
import { PduDecodeError } from './pdu-errors.js';
import { headerSeptets, packSeptets, unpackSeptets } from './septet-packing.js';

export type SmsAlphabet = 'gsm7' | '8bit' | 'ucs2';

export interface DataCoding {
  readonly alphabet: SmsAlphabet;
  /** 0-3 when the DCS gives a message class (class 0: flash), else null. */
  readonly messageClass: number | null;
}

/** Reads TP-DCS; compressed text and reserved groups are refused, as the emulator cannot show them. */
export function readDataCoding(dcs: number): DataCoding {
  const group = dcs >> 4;
  if (group <= 0x07) {
    // 00xx / 01xx: general data coding (01xx: marked for automatic deletion).
    if (dcs & 0x20) throw new PduDecodeError('bad-coding', `DCS 0x${dcs.toString(16)} asks for compressed text (23.038 §4), which no handset supports`);
    const alphabetBits = (dcs >> 2) & 0x03;
    if (alphabetBits === 0x03) throw new PduDecodeError('bad-coding', `DCS 0x${dcs.toString(16)} names the reserved alphabet 11`);
    const alphabet: SmsAlphabet = alphabetBits === 0 ? 'gsm7' : alphabetBits === 1 ? '8bit' : 'ucs2';
    return { alphabet, messageClass: dcs & 0x10 ? dcs & 0x03 : null };
  }
  if (group === 0x0c || group === 0x0d) return { alphabet: 'gsm7', messageClass: null };
  if (group === 0x0e) return { alphabet: 'ucs2', messageClass: null };
  if (group === 0x0f) return { alphabet: dcs & 0x04 ? '8bit' : 'gsm7', messageClass: dcs & 0x03 };
  throw new PduDecodeError('bad-coding', `DCS 0x${dcs.toString(16)} is in a reserved coding group`);
}

/** One information element of a user data header. */
export interface InformationElement {
  readonly id: number;
  readonly data: Buffer;
}

/** Where a part sits in a concatenated message (IEI 0x00 with an 8-bit reference, 0x08 with 16 bits). */
export interface Concatenation {
  readonly reference: number;
  readonly total: number;
  readonly sequence: number;
}

const IEI_CONCAT_8BIT = 0x00;
const IEI_CONCAT_16BIT = 0x08;

function parseHeader(header: Buffer): InformationElement[] {
  const elements: InformationElement[] = [];
  let at = 0;
  while (at < header.length) {
    const id = header[at];
    const length = header[at + 1];
    if (id === undefined || length === undefined || at + 2 + length > header.length) {
      throw new PduDecodeError('bad-user-data', `user data header element at octet ${at} runs past the header's ${header.length} octets`);
    }
    elements.push({ id, data: header.subarray(at + 2, at + 2 + length) });
    at += 2 + length;
  }
  return elements;
}

/** The concatenation element of a header, checked as 23.040 §9.2.3.24.1 asks; null when there is none. */
export function concatenationOf(elements: readonly InformationElement[]): Concatenation | null {
  for (const { id, data } of elements) {
    if (id !== IEI_CONCAT_8BIT && id !== IEI_CONCAT_16BIT) continue;
    const wide = id === IEI_CONCAT_16BIT;
    if (data.length !== (wide ? 4 : 3)) throw new PduDecodeError('bad-user-data', `concatenation element 0x0${id} has ${data.length} octets, expected ${wide ? 4 : 3}`);
    const reference = wide ? data.readUInt16BE(0) : (data[0] ?? 0);
    const total = data[wide ? 2 : 1] ?? 0;
    const sequence = data[wide ? 3 : 2] ?? 0;
    if (total === 0 || sequence === 0 || sequence > total) {
      throw new PduDecodeError('bad-user-data', `concatenation says part ${sequence} of ${total}; parts count from 1 up to the total`);
    }
    return { reference, total, sequence };
  }
  return null;
}

/** TP-UD taken apart: header elements, the payload (septets unpacked, one per octet, for GSM-7) and its text. */
export interface UserData {
  readonly header: readonly InformationElement[];
  readonly payload: Buffer;
  readonly text: string;
  /** What was odd about the text (a lone escape, an unknown extension); empty when it was clean. */
  readonly problems: readonly string[];
}

/** Reads TP-UD given TP-UDL (septets for GSM-7, octets otherwise) and the octets left in the TPDU. */
export function readUserData(udl: number, octets: Buffer, alphabet: SmsAlphabet, hasHeader: boolean): UserData {
  const expectedOctets = alphabet === 'gsm7' ? Math.ceil((udl * 7) / 8) : udl;
  if (alphabet === 'gsm7' ? udl > 160 : udl > 140) {
    throw new PduDecodeError('bad-user-data', `UDL ${udl} exceeds the ${alphabet === 'gsm7' ? '160 septets' : '140 octets'} of one TPDU`);
  }
  if (octets.length < expectedOctets) throw new PduDecodeError('truncated', `UDL ${udl} needs ${expectedOctets} octets of user data, the PDU has ${octets.length}`);
  if (octets.length > expectedOctets) throw new PduDecodeError('trailing-octets', `PDU has ${octets.length - expectedOctets} octets after the ${expectedOctets} that UDL ${udl} covers`);

  let header: InformationElement[] = [];
  let headerOctets = 0;
  if (hasHeader) {
    const udhl = octets[0];
    if (udhl === undefined || 1 + udhl > octets.length) throw new PduDecodeError('bad-user-data', `UDHI is set but the header length ${udhl ?? 'is missing'} does not fit the user data`);
    headerOctets = 1 + udhl;
    header = parseHeader(octets.subarray(1, headerOctets));
  }

  if (alphabet === 'gsm7') {
    const skip = hasHeader ? headerSeptets(headerOctets) : 0;
    if (skip > udl) throw new PduDecodeError('bad-user-data', `UDL ${udl} septets is shorter than the ${skip} the header takes`);
    const payload = Buffer.from(unpackSeptets(octets, udl - skip, skip));
    const { text, problems } = decodeGsm7(payload);
    return { header, payload, text, problems };
  }
  const payload = Buffer.from(octets.subarray(headerOctets));
  if (alphabet === 'ucs2') {
    if (payload.length % 2 !== 0) throw new PduDecodeError('bad-user-data', `UCS-2 text has an odd number of octets (${payload.length})`);
    return { header, payload, text: textFromUcs2(payload), problems: [] };
  }
  return { header, payload, text: '', problems: [] };
}

/** UTF-16 big-endian octets as text (UCS-2 in SMS carries surrogate pairs in practice). */
export function textFromUcs2(octets: Buffer): string {
  const swappedCopy = Buffer.from(octets);
  swappedCopy.swap16();
  return swappedCopy.toString('utf16le');
}

/** Text as UTF-16 big-endian octets. */
export function ucs2FromText(text: string): Buffer {
  const octets = Buffer.from(text, 'utf16le');
  octets.swap16();
  return octets;
}

/** A concatenation header (8-bit reference) with its UDHL: `05 00 03 ref total seq`. */
export function concatenationHeader(part: Concatenation): Buffer {
  return Buffer.from([0x05, IEI_CONCAT_8BIT, 0x03, part.reference & 0xff, part.total, part.sequence]);
}

/** TP-UDL and TP-UD for GSM-7 septets (unpacked) after an optional header, with the fill bits it needs. */
export function writeGsm7UserData(septets: Buffer, header?: Buffer): Buffer {
  const headerOctets = header?.length ?? 0;
  const skip = header ? headerSeptets(headerOctets) : 0;
  const fillBits = skip * 7 - headerOctets * 8;
  const packed = packSeptets([...septets], fillBits);
  return Buffer.concat([Buffer.from([skip + septets.length]), header ?? Buffer.alloc(0), packed]);
}

/** TP-UDL and TP-UD for octets (UCS-2 or 8-bit) after an optional header. */
export function writeOctetUserData(payload: Buffer, header?: Buffer): Buffer {
  const body = Buffer.concat([header ?? Buffer.alloc(0), payload]);
  return Buffer.concat([Buffer.from([body.length]), body]);
}
