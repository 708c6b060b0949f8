import { describe, expect, it } from 'vitest';
import { decodeDataCodingScheme } from './data-coding-scheme.js';

describe('decodeDataCodingScheme (23.038 §4)', () => {
  it.each([
    [0x00, 'gsm7'],
    [0x04, '8bit'],
    [0x08, 'ucs2'],
    [0x0c, 'gsm7'],
    [0x84, 'gsm7'],
    [0xb8, 'gsm7'],
  ])('reads value %i as %s (reserved values as GSM-7)', (value, alphabet) => {
    expect(decodeDataCodingScheme(value).alphabet).toBe(alphabet);
  });

  it('reads 0x10 as GSM-7 class 0, the flash message', () => {
    expect(decodeDataCodingScheme(0x10)).toMatchObject({ alphabet: 'gsm7', messageClass: 0 });
  });

  it('ignores class bits unless bit 4 says they mean a class', () => {
    expect(decodeDataCodingScheme(0x02).messageClass).toBeUndefined();
  });

  it('reads 0x18 as UCS-2 class 0', () => {
    expect(decodeDataCodingScheme(0x18)).toMatchObject({ alphabet: 'ucs2', messageClass: 0 });
  });

  it('reads group 01xx as marked for automatic deletion', () => {
    expect(decodeDataCodingScheme(0x48)).toMatchObject({ alphabet: 'ucs2', autoDelete: true });
  });

  it('reads bit 5 as compressed', () => {
    expect(decodeDataCodingScheme(0x20).compressed).toBe(true);
  });

  it.each([
    [0xf0, 'gsm7', 0],
    [0xf5, '8bit', 1],
    [0xf6, '8bit', 2],
    [0xf3, 'gsm7', 3],
  ])('reads group 1111 value %i as %s class %i', (value, alphabet, messageClass) => {
    expect(decodeDataCodingScheme(value)).toMatchObject({ alphabet, messageClass });
  });

  it('reads 0xC8 as "discard message", voicemail waiting set, in GSM-7', () => {
    expect(decodeDataCodingScheme(0xc8)).toMatchObject({
      alphabet: 'gsm7',
      messageWaiting: { active: true, kind: 'voicemail', discardMessage: true },
    });
  });

  it('reads 0xD2 as "store message", e-mail waiting cleared, in GSM-7', () => {
    expect(decodeDataCodingScheme(0xd2)).toMatchObject({
      alphabet: 'gsm7',
      messageWaiting: { active: false, kind: 'email', discardMessage: false },
    });
  });

  it('reads 0xEB as "store message" in UCS-2, other message waiting set', () => {
    expect(decodeDataCodingScheme(0xeb)).toMatchObject({
      alphabet: 'ucs2',
      messageWaiting: { active: true, kind: 'other', discardMessage: false },
    });
  });
});
