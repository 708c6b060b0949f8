/**
 * SMS text encoding, shared by everything that counts or sends parts: the accept path (parts are
 * counted and priced before routing), the SMPP provider and the HTTP providers.
 *
 * Chooses how a text goes on the wire and where its concatenated parts split. By default the GSM
 * 7-bit default alphabet (3GPP 23.038 §6.2.1) when every character is in it or its extension
 * table, else UCS-2. SMPP carries GSM-7 unpacked, one septet per octet, with data_coding 0
 * (SMPP 3.4 §5.2.19); UCS-2 is big-endian UTF-16 with data_coding 8. Some carriers want Latin-1
 * or 8-bit instead of GSM-7: `TextCoding` is that per-provider choice.
 */

/** 3GPP 23.038 default alphabet in code order; 0x1B is the escape to the extension table. */
const GSM7_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';

const ESCAPE = 0x1b;

/** 3GPP 23.038 §6.2.1.1 default extension table: each costs two septets (escape + code). */
const GSM7_EXTENSION = new Map<string, number>([
  ['\f', 0x0a],
  ['^', 0x14],
  ['{', 0x28],
  ['}', 0x29],
  ['\\', 0x2f],
  ['[', 0x3c],
  ['~', 0x3d],
  [']', 0x3e],
  ['|', 0x40],
  ['€', 0x65],
]);

const GSM7_CODES = new Map<string, number>(
  Array.from(GSM7_BASIC).flatMap((char, code) => (code === ESCAPE ? [] : [[char, code] as const])),
);

const LATIN1_MAX = 0xff;

/**
 * SMPP 3.4 §5.2.19 data_coding values Switchboard sends. 0 is the SMSC's default alphabet: GSM-7
 * at most SMSCs, Latin-1 at the few that `default-latin1` is for.
 */
export const DataCoding = { GSM7: 0, LATIN1: 3, OCTET: 4, UCS2: 8 } as const;

/** A data_coding value from `DataCoding`. */
export type DataCodingValue = (typeof DataCoding)[keyof typeof DataCoding];

/** The character set the encoded octets are in; it decides what a unit is and the part limits. */
export type MessageAlphabet = 'gsm7' | 'latin1' | 'ucs2';

/**
 * Per-provider text codings. Each falls back to UCS-2 (data_coding 8) when a character does not fit.
 * - `gsm7`: GSM-7 incl. the extension table, data_coding 0. The default.
 * - `latin1`: ISO-8859-1 octets, data_coding 3.
 * - `default-latin1`: ISO-8859-1 octets, data_coding 0, for SMSCs whose default alphabet is Latin-1.
 * - `8bit`: ISO-8859-1 octets, data_coding 4 (8-bit binary), for carriers that ask for it.
 */
export const TEXT_CODINGS = ['gsm7', 'latin1', 'default-latin1', '8bit'] as const;

/** One of `TEXT_CODINGS`. */
export type TextCoding = (typeof TEXT_CODINGS)[number];

/**
 * Units one SMS holds: alone, and as a part of a concatenated message, where the 6-octet UDH
 * (3GPP 23.040 §9.2.3.24.1) takes 7 septets, 6 octets or 3 UTF-16 units of the 140 octets.
 */
export const PART_LIMITS: Readonly<Record<MessageAlphabet, { readonly single: number; readonly multi: number }>> = {
  gsm7: { single: 160, multi: 153 },
  latin1: { single: 140, multi: 134 },
  ucs2: { single: 70, multi: 67 },
};

/** One text prepared for submit_sm. */
export interface EncodedMessage {
  readonly dataCoding: DataCodingValue;
  readonly alphabet: MessageAlphabet;
  /** The encoded octets (unpacked septets for GSM-7). */
  readonly bytes: Buffer;
  /** Septets (GSM-7), octets (Latin-1) or UTF-16 code units (UCS-2): what the per-part limits count. */
  readonly units: number;
  /** SMS parts the network will bill: 1 if it fits one part, else concatenated parts (UDH eats room). */
  readonly parts: number;
  /** True when one part holds it, so it may go in short_message without concatenation. */
  readonly fitsOnePart: boolean;
  /**
   * The encoded octets of each part, in order, without any UDH; `[bytes]` when it fits one part.
   * Splits fall between characters, so an escape sequence or a surrogate pair stays in one part
   * and a part may hold one unit less than `PART_LIMITS[alphabet].multi`.
   */
  readonly segments: readonly Buffer[];
}

/** Septets the text takes in GSM-7, or undefined when a character is outside the alphabet. */
export function gsm7Septets(text: string): number | undefined {
  let septets = 0;
  for (const char of text) {
    if (GSM7_CODES.has(char)) septets += 1;
    else if (GSM7_EXTENSION.has(char)) septets += 2;
    else return undefined;
  }
  return septets;
}

/** Whether every character is in ISO-8859-1 (U+0000–U+00FF), i.e. takes one octet. */
export function isLatin1(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    if (text.charCodeAt(index) > LATIN1_MAX) return false;
  }
  return true;
}

const codePoint = (char: string): string => `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;

/** Encodes text as unpacked GSM-7 octets; throws on a character outside the alphabet. */
export function encodeGsm7(text: string): Buffer {
  const octets: number[] = [];
  for (const char of text) {
    const basic = GSM7_CODES.get(char);
    if (basic !== undefined) {
      octets.push(basic);
      continue;
    }
    const extension = GSM7_EXTENSION.get(char);
    if (extension === undefined) throw new RangeError(`not in the GSM 7-bit alphabet: ${codePoint(char)}`);
    octets.push(ESCAPE, extension);
  }
  return Buffer.from(octets);
}

/** The extension table the other way round: the code after an escape, to its character. */
const GSM7_EXTENSION_CHARS = new Map<number, string>(Array.from(GSM7_EXTENSION, ([char, code]) => [code, char]));

const gsm7BasicChar = (code: number): string => GSM7_BASIC[code & 0x7f] ?? ' ';

/**
 * Decodes unpacked GSM-7 septets (the inverse of {@link encodeGsm7}). Liberal, as received text
 * must be: an escape followed by a code the extension table lacks shows that code's default
 * character (23.038 §6.2.1.1); an escape followed by another escape, or ending the text, shows a
 * space, as 23.038 asks for the reserved escape-escape sequence.
 */
export function decodeGsm7(septets: Uint8Array): string {
  let text = '';
  for (let index = 0; index < septets.length; index++) {
    const code = septets[index] ?? 0;
    if (code !== ESCAPE) {
      text += gsm7BasicChar(code);
      continue;
    }
    const next = septets[index + 1];
    index += 1;
    if (next === undefined || next === ESCAPE) text += ' ';
    else text += GSM7_EXTENSION_CHARS.get(next) ?? gsm7BasicChar(next);
  }
  return text;
}

/** Encodes text as ISO-8859-1 octets; throws on a character beyond U+00FF. */
export function encodeLatin1(text: string): Buffer {
  // Buffer's 'latin1' silently keeps the low byte of wider characters; refuse instead.
  for (const char of text) {
    if (char.charCodeAt(0) > LATIN1_MAX) throw new RangeError(`not in ISO-8859-1: ${codePoint(char)}`);
  }
  return Buffer.from(text, 'latin1');
}

/** Encodes text as UCS-2 (big-endian UTF-16; characters beyond the BMP become surrogate pairs). */
export function encodeUcs2(text: string): Buffer {
  return Buffer.from(text, 'utf16le').swap16();
}

const ENCODERS: Readonly<Record<MessageAlphabet, (text: string) => Buffer>> = {
  gsm7: encodeGsm7,
  latin1: encodeLatin1,
  ucs2: encodeUcs2,
};

/** Units one character (a code point from string iteration) takes in the alphabet. */
function unitsOf(char: string, alphabet: MessageAlphabet): number {
  if (alphabet === 'gsm7') return GSM7_EXTENSION.has(char) ? 2 : 1;
  // A code point beyond the BMP is two UTF-16 units; a Latin-1 character is always one.
  return char.length;
}

/**
 * Cuts the text into part-sized pieces, between code points: an extension character's escape and
 * code, or an emoji's surrogate pair, never land in different parts. Handsets decode each part on
 * its own when concatenation fails, and some SMSCs refuse a part ending in a lone escape or surrogate.
 */
function splitText(text: string, alphabet: MessageAlphabet, maxUnits: number): string[] {
  const pieces: string[] = [];
  let piece = '';
  let pieceUnits = 0;
  for (const char of text) {
    const units = unitsOf(char, alphabet);
    if (pieceUnits + units > maxUnits) {
      pieces.push(piece);
      piece = '';
      pieceUnits = 0;
    }
    piece += char;
    pieceUnits += units;
  }
  pieces.push(piece);
  return pieces;
}

function chooseAlphabet(text: string, coding: TextCoding): { alphabet: MessageAlphabet; dataCoding: DataCodingValue } {
  switch (coding) {
    case 'gsm7':
      if (gsm7Septets(text) !== undefined) return { alphabet: 'gsm7', dataCoding: DataCoding.GSM7 };
      break;
    case 'latin1':
      if (isLatin1(text)) return { alphabet: 'latin1', dataCoding: DataCoding.LATIN1 };
      break;
    case 'default-latin1':
      if (isLatin1(text)) return { alphabet: 'latin1', dataCoding: DataCoding.GSM7 };
      break;
    case '8bit':
      if (isLatin1(text)) return { alphabet: 'latin1', dataCoding: DataCoding.OCTET };
      break;
    default: {
      // Codings come from provider settings; a typo there must not silently send UCS-2.
      const unknown: never = coding;
      throw new RangeError(`unknown text coding ${JSON.stringify(unknown)}; expected one of ${TEXT_CODINGS.join(', ')}`);
    }
  }
  return { alphabet: 'ucs2', dataCoding: DataCoding.UCS2 };
}

/**
 * Encodes text in the provider's coding (UCS-2 when a character does not fit it), counts its
 * units and splits it into concatenation parts.
 */
export function encodeText(text: string, coding: TextCoding = 'gsm7'): EncodedMessage {
  const { alphabet, dataCoding } = chooseAlphabet(text, coding);
  const encode = ENCODERS[alphabet];
  const bytes = encode(text);
  const units = alphabet === 'gsm7' ? bytes.length : text.length;
  const limit = PART_LIMITS[alphabet];
  const fitsOnePart = units <= limit.single;
  const segments = fitsOnePart ? [bytes] : splitText(text, alphabet, limit.multi).map(encode);
  return { dataCoding, alphabet, bytes, units, parts: segments.length, fitsOnePart, segments };
}

/** `encodeText`, GSM-7 unless told otherwise; the name existing callers know. */
export function encodeMessage(text: string, coding: TextCoding = 'gsm7'): EncodedMessage {
  return encodeText(text, coding);
}
