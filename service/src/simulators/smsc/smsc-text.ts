/**
 * The simulator's own alphabets (3GPP 23.038, SMPP 3.4 §5.2.19): decoding what ESMEs submit and
 * encoding what it sends as MO. Written apart from Switchboard's encoder on purpose: a shared bug
 * would otherwise pass every test.
 */

/** 3GPP 23.038 §6.2.1 default alphabet, code by code. 0x1B is the escape to the extension table. */
const GSM7_BASIC: readonly string[] = [
  '@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å',
  'Δ', '_', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ', '\u001b', 'Æ', 'æ', 'ß', 'É',
  ' ', '!', '"', '#', '¤', '%', '&', "'", '(', ')', '*', '+', ',', '-', '.', '/',
  '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?',
  '¡', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O',
  'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§',
  '¿', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
  'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à',
];

/** 3GPP 23.038 §6.2.1.1 default extension table (after 0x1B). */
const GSM7_EXTENSION: ReadonlyMap<number, string> = new Map([
  [0x0a, '\f'],
  [0x14, '^'],
  [0x28, '{'],
  [0x29, '}'],
  [0x2f, '\\'],
  [0x3c, '['],
  [0x3d, '~'],
  [0x3e, ']'],
  [0x40, '|'],
  [0x65, '€'],
]);

const ESCAPE = 0x1b;

const GSM7_ENCODE = new Map<string, number[]>([
  ...GSM7_BASIC.flatMap((char, code): [string, number[]][] => (code === ESCAPE ? [] : [[char, [code]]])),
  ...[...GSM7_EXTENSION].map(([code, char]): [string, number[]] => [char, [ESCAPE, code]]),
]);

/** Text decoded from octets, with whatever was wrong with them. */
export interface DecodedText {
  readonly text: string;
  /** Empty when the octets were valid for their data_coding. */
  readonly problems: readonly string[];
}

/** Decodes unpacked GSM-7 (one septet per octet, SMPP 3.4 §5.2.19 data_coding 0). */
export function decodeGsm7(octets: Buffer): DecodedText {
  const problems: string[] = [];
  let text = '';
  for (let i = 0; i < octets.length; i += 1) {
    const code = octets[i] ?? 0;
    if (code > 0x7f) {
      problems.push(`octet 0x${code.toString(16)} at ${i} is not a septet`);
      text += '\ufffd';
      continue;
    }
    if (code !== ESCAPE) {
      text += GSM7_BASIC[code] ?? '\ufffd';
      continue;
    }
    const next = octets[i + 1];
    if (next === undefined) {
      // An escape split from its character: the ESME cut a part in the middle of it.
      problems.push('escape 0x1B at the end with no character after it');
      break;
    }
    i += 1;
    const extended = GSM7_EXTENSION.get(next);
    if (extended === undefined) {
      // 23.038 §6.2.1.1: an unknown extension code shows as its basic-table character.
      problems.push(`unknown extension code 0x${next.toString(16)} at ${i}`);
      text += GSM7_BASIC[next & 0x7f] ?? '\ufffd';
    } else {
      text += extended;
    }
  }
  return { text, problems };
}

/** Encodes to unpacked GSM-7; undefined when a character is outside the alphabet. */
export function encodeGsm7(text: string): Buffer | undefined {
  const codes: number[] = [];
  for (const char of text) {
    const encoded = GSM7_ENCODE.get(char);
    if (encoded === undefined) return undefined;
    codes.push(...encoded);
  }
  return Buffer.from(codes);
}

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
