/**
 * SMS-DELIVER TPDUs (3GPP 23.040 §9.2.2.1) for the messages the emulator receives: what AT+CMGR,
 * AT+CMGL and +CMT show the host. Long texts are split as a handset's SMSC would deliver them,
 * into parts with an 8-bit concatenation header (23.040 §9.2.3.24.1).
 */
import { encodeGsm7, gsm7Septets } from '../shared/gsm7.js';
import { hexFromOctets } from './octet-reader.js';
import { writeAddress, writeServiceCentre } from './sms-address.js';
import { writeTimestamp } from './sms-timestamp.js';
import { concatenationHeader, ucs2FromText, writeGsm7UserData, writeOctetUserData, type SmsAlphabet } from './user-data.js';

/** A PDU as a modem prints it: SMSC address + TPDU in hex, and the TPDU's length in octets. */
export interface EncodedPdu {
  readonly hex: string;
  readonly tpduLength: number;
}

export interface DeliverRequest {
  /** `+4915…`, digits, or an alphanumeric sender name (up to 11 GSM-7 characters). */
  readonly from: string;
  readonly text: string;
  readonly serviceCentre: string;
  readonly receivedAt: Date;
  readonly zoneQuarterHours: number;
  /** Concatenation reference for a text that needs several parts (0-255). */
  readonly reference: number;
  /** Forces an alphabet; by default GSM-7 when every character has a code in it, UCS-2 otherwise. */
  readonly alphabet?: Exclude<SmsAlphabet, '8bit'>;
  /** Overrides the type-of-address octet of the sender (e.g. 0xC8 as some SMSCs write). */
  readonly fromTypeOfAddress?: number;
}

// 23.040 §9.2.3.16 / 23.038: 160 septets or 140 octets in one TPDU; a 6-octet concatenation header leaves 153 / 134.
const GSM7_SINGLE = 160;
const GSM7_PART = 153;
const UCS2_SINGLE_UNITS = 70;
const UCS2_PART_UNITS = 67;

const MTI_DELIVER_NO_MORE = 0x04; // TP-MTI 00, TP-MMS 1: no more messages waiting.
const UDHI = 0x40;

function splitGsm7(text: string): string[] {
  let total = 0;
  for (const char of text) total += gsm7Septets(char) ?? 1;
  if (total <= GSM7_SINGLE) return [text];
  const parts: string[] = [];
  let current = '';
  let used = 0;
  for (const char of text) {
    const septets = gsm7Septets(char) ?? 1;
    // An escape and its character stay in one part (23.038 §6.2.1.1).
    if (used + septets > GSM7_PART) {
      parts.push(current);
      current = '';
      used = 0;
    }
    current += char;
    used += septets;
  }
  parts.push(current);
  return parts;
}

function splitUcs2(text: string): string[] {
  if (text.length <= UCS2_SINGLE_UNITS) return [text];
  const parts: string[] = [];
  let current = '';
  for (const char of text) {
    // A surrogate pair stays in one part.
    if (current.length + char.length > UCS2_PART_UNITS) {
      parts.push(current);
      current = '';
    }
    current += char;
  }
  parts.push(current);
  return parts;
}

/** The SMS-DELIVER PDUs for one received text, in order. */
export function encodeDeliverParts(request: DeliverRequest): EncodedPdu[] {
  const alphabet = request.alphabet ?? (encodeGsm7(request.text) === undefined ? 'ucs2' : 'gsm7');
  const texts = alphabet === 'gsm7' ? splitGsm7(request.text) : splitUcs2(request.text);
  const sca = writeServiceCentre(request.serviceCentre);
  const originator = writeAddress(request.from, request.fromTypeOfAddress);
  const timestamp = writeTimestamp(request.receivedAt, request.zoneQuarterHours);
  return texts.map((text, index) => {
    const header = texts.length > 1 ? concatenationHeader({ reference: request.reference, total: texts.length, sequence: index + 1 }) : undefined;
    let userData: Buffer;
    if (alphabet === 'gsm7') {
      const septets = encodeGsm7(text);
      if (septets === undefined) throw new RangeError('text has characters outside GSM-7; deliver it as ucs2');
      userData = writeGsm7UserData(septets, header);
    } else {
      userData = writeOctetUserData(ucs2FromText(text), header);
    }
    const tpdu = Buffer.concat([
      Buffer.from([MTI_DELIVER_NO_MORE | (header ? UDHI : 0)]),
      originator,
      Buffer.from([0x00, alphabet === 'gsm7' ? 0x00 : 0x08]),
      timestamp,
      userData,
    ]);
    return { hex: hexFromOctets(Buffer.concat([sca, tpdu])), tpduLength: tpdu.length };
  });
}
