// Decoding GSM-7 septets back into text. `@switchboard/sms-encoding` only encodes, so the table is
// written here in code order; gsm7-text.spec.ts checks it against that package's encoder, code by
// code, so the two cannot drift apart.

/** 3GPP 23.038 §6.2.1 default alphabet in code order; code 0x1B is the escape to the extension table. */
const DEFAULT_ALPHABET =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';

const ESCAPE = 0x1b;

/** 3GPP 23.038 §6.2.1.1 default extension table (the code after an escape). */
const EXTENSION = new Map<number, string>([
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

const basicCharacter = (code: number): string => DEFAULT_ALPHABET[code & 0x7f] ?? ' ';

/**
 * Decodes unpacked septets with the default alphabet and its extension table. An escape followed
 * by a code the extension table lacks shows that code's default character (23.038 §6.2.1.1); an
 * escape followed by another escape, or ending the text, shows a space, as 23.038 asks for the
 * reserved escape-escape sequence.
 */
export function decodeGsm7(septets: Uint8Array): string {
  let text = '';
  for (let index = 0; index < septets.length; index++) {
    const code = septets[index] ?? 0;
    if (code !== ESCAPE) {
      text += basicCharacter(code);
      continue;
    }
    const next = septets[index + 1];
    index += 1;
    if (next === undefined || next === ESCAPE) text += ' ';
    else text += EXTENSION.get(next) ?? basicCharacter(next);
  }
  return text;
}
