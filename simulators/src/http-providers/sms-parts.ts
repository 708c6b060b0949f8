/**
 * How many SMS a text sent through a provider's HTTP API becomes, as the provider bills it
 * (Twilio NumSegments, Plivo Units, one Vonage message-id per part): GSM-7 when every character
 * is in the default alphabet or its extension table, else UCS-2 (3GPP 23.038). One part holds
 * 160 septets or 70 UTF-16 units; once concatenated, the 6-octet UDH (3GPP 23.040 §9.2.3.24.1)
 * leaves 153 or 67. A part never ends inside an escape sequence or a surrogate pair.
 */
import { gsm7Septets } from '../shared/gsm7.js';

/** The alphabet a provider picks for a text and how many parts it sends. */
export interface SmsParts {
  readonly alphabet: 'gsm7' | 'ucs2';
  readonly parts: number;
}

const LIMITS = {
  gsm7: { single: 160, concatenated: 153 },
  ucs2: { single: 70, concatenated: 67 },
} as const;

/** The parts `text` is sent in. */
export function smsParts(text: string): SmsParts {
  // Code points, not graphemes: SMS splits and counts by character code, whatever a font joins.
  const characters = Array.from(text);
  const septets = characters.map(gsm7Septets);
  const alphabet = septets.every((count) => count !== undefined) ? 'gsm7' : 'ucs2';
  // UCS-2 counts UTF-16 units: a character beyond the BMP is a surrogate pair, two units.
  const units = alphabet === 'gsm7' ? (septets as number[]) : characters.map((character) => character.length);
  const limit = LIMITS[alphabet];
  const total = units.reduce((sum, count) => sum + count, 0);
  if (total <= limit.single) return { alphabet, parts: 1 };
  let parts = 1;
  let filled = 0;
  for (const count of units) {
    if (filled + count > limit.concatenated) {
      parts += 1;
      filled = 0;
    }
    filled += count;
  }
  return { alphabet, parts };
}
