/**
 * Chooses how a text goes on the wire: the GSM 7-bit default alphabet (3GPP 23.038 §6.2.1) when
 * every character is in it, else UCS-2. SMPP carries GSM-7 unpacked, one septet per octet, with
 * data_coding 0 (SMPP 3.4 §5.2.19); UCS-2 is big-endian UTF-16 with data_coding 8.
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

/** SMPP 3.4 §5.2.19 data_coding values Switchboard sends. */
export const DataCoding = { GSM7: 0, UCS2: 8 } as const;

/** One text prepared for submit_sm. */
export interface EncodedMessage {
  readonly dataCoding: (typeof DataCoding)[keyof typeof DataCoding];
  /** The encoded octets (unpacked septets for GSM-7). */
  readonly bytes: Buffer;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2): what the per-part limits count. */
  readonly units: number;
  /** SMS parts the network will bill: 1 if it fits one part, else concatenated parts (UDH eats room). */
  readonly parts: number;
  /** True when one part holds it, so it may go in short_message; else it needs message_payload. */
  readonly fitsOnePart: boolean;
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
    if (extension === undefined) throw new RangeError(`not in the GSM 7-bit alphabet: U+${char.codePointAt(0)?.toString(16) ?? '?'}`);
    octets.push(ESCAPE, extension);
  }
  return Buffer.from(octets);
}

/** Encodes text as UCS-2 (big-endian UTF-16; characters beyond the BMP become surrogate pairs). */
export function encodeUcs2(text: string): Buffer {
  return Buffer.from(text, 'utf16le').swap16();
}

// 3GPP 23.040 §9.2.3.24.1: a concatenation UDH takes 6 octets, leaving 153 septets or 67 UCS-2 units.
const LIMITS = {
  [DataCoding.GSM7]: { single: 160, multi: 153 },
  [DataCoding.UCS2]: { single: 70, multi: 67 },
} as const;

/** Picks GSM-7 when it can represent the whole text, else UCS-2, and counts parts. */
export function encodeMessage(text: string): EncodedMessage {
  const septets = gsm7Septets(text);
  const dataCoding = septets === undefined ? DataCoding.UCS2 : DataCoding.GSM7;
  const units = septets ?? text.length;
  const bytes = septets === undefined ? encodeUcs2(text) : encodeGsm7(text);
  const limit = LIMITS[dataCoding];
  const fitsOnePart = units <= limit.single;
  const parts = fitsOnePart ? 1 : Math.ceil(units / limit.multi);
  return { dataCoding, bytes, units, parts, fitsOnePart };
}
