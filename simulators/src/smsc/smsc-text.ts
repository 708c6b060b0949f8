/**
 * The simulator's own alphabets (3GPP 23.038, SMPP 3.4 §5.2.19): decoding what ESMEs submit and
 * encoding what it sends as MO. Written apart from Switchboard's encoder on purpose: a shared bug
 * would otherwise pass every test. The GSM-7 tables live in shared/gsm7.ts.
 */
import { decodeGsm7, encodeGsm7, type DecodedText } from '../shared/gsm7.js';

export { decodeGsm7, encodeGsm7, type DecodedText } from '../shared/gsm7.js';

/** Decodes UCS-2 big-endian strictly: a surrogate pair split across parts shows as U+FFFD. */
export function decodeUcs2(octets: Buffer): DecodedText {
  const problems: string[] = [];
  const odd = octets.length % 2 !== 0;
  const even = odd ? octets.subarray(0, octets.length - 1) : octets;
  const text = new TextDecoder('utf-16be').decode(even);
  if (text.includes('\ufffd') && !hasReplacementCharacter(even)) problems.push('unpaired UTF-16 surrogate');
  if (odd) problems.push(`odd number of UCS-2 octets (${octets.length})`);
  return { text: odd ? `${text}\ufffd` : text, problems };
}

function hasReplacementCharacter(octets: Buffer): boolean {
  for (let i = 0; i + 1 < octets.length; i += 2) if (octets[i] === 0xff && octets[i + 1] === 0xfd) return true;
  return false;
}

/** UCS-2 big-endian (UTF-16BE: characters beyond the BMP as surrogate pairs, as phones do). */
export function encodeUcs2(text: string): Buffer {
  const octets = Buffer.alloc(text.length * 2);
  for (let i = 0; i < text.length; i += 1) octets.writeUInt16BE(text.charCodeAt(i), i * 2);
  return octets;
}

/** What alphabet a data_coding value selects (SMPP 3.4 §5.2.19, 3GPP 23.038 §4). */
export type Alphabet = 'gsm7' | 'ascii' | 'latin1' | 'ucs2';

/** The alphabet of `dataCoding`, and whether the simulator really knows it. */
export function alphabetOf(dataCoding: number): { alphabet: Alphabet; known: boolean } {
  switch (dataCoding) {
    case 0x00:
      return { alphabet: 'gsm7', known: true };
    case 0x01:
      return { alphabet: 'ascii', known: true };
    case 0x02: // octet unspecified
    case 0x03: // Latin-1
    case 0x04: // octet unspecified: SMSCs hand it on as 8-bit; shown as Latin-1
      return { alphabet: 'latin1', known: true };
    case 0x08:
      return { alphabet: 'ucs2', known: true };
    default:
      // 23.038 §4 coding group 1111: bit 2 selects 8-bit data, else the GSM default alphabet.
      if ((dataCoding & 0xf0) === 0xf0) return { alphabet: (dataCoding & 0x04) === 0 ? 'gsm7' : 'latin1', known: true };
      return { alphabet: 'latin1', known: false };
  }
}

/** Decodes message octets per data_coding. */
export function decodeText(octets: Buffer, dataCoding: number): DecodedText {
  const { alphabet, known } = alphabetOf(dataCoding);
  const decoded: DecodedText =
    alphabet === 'gsm7'
      ? decodeGsm7(octets)
      : alphabet === 'ucs2'
        ? decodeUcs2(octets)
        : { text: octets.toString(alphabet === 'ascii' ? 'ascii' : 'latin1'), problems: [] };
  return known ? decoded : { ...decoded, problems: [...decoded.problems, `data_coding 0x${dataCoding.toString(16)} shown as Latin-1`] };
}

/** Encodes `text` for `dataCoding` 0, 3 or 8; undefined when the alphabet cannot hold it. */
export function encodeText(text: string, dataCoding: 0 | 3 | 8): Buffer | undefined {
  if (dataCoding === 0) return encodeGsm7(text);
  if (dataCoding === 8) return encodeUcs2(text);
  // Latin-1 is exactly U+0000..U+00FF.
  return /^[\u0000-\u00ff]*$/.test(text) ? Buffer.from(text, 'latin1') : undefined;
}

/** How many octets of user data fit one SMS after `udhOctets` of header (3GPP 23.040 §9.2.3.24). */
export function capacity(dataCoding: number, udhOctets: number): number {
  if (alphabetOf(dataCoding).alphabet !== 'gsm7') return 140 - udhOctets;
  // Septets: the header plus its fill bits occupy whole septets.
  return 160 - Math.ceil((udhOctets * 8) / 7);
}
