/**
 * The GSM 7-bit default alphabet (3GPP 23.038 §6.2.1) and its extension table, the simulators'
 * own: the SMSC decodes and encodes short messages with it, the HTTP providers count parts by it.
 * Written apart from Switchboard's encoder on purpose: a shared bug would otherwise pass every test.
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

/** Septets `char` takes in GSM-7: 1 from the basic table, 2 (escape and code) from the extension table; undefined outside both. */
export function gsm7Septets(char: string): number | undefined {
  return GSM7_ENCODE.get(char)?.length;
}
