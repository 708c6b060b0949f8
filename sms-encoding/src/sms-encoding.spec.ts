import { describe, expect, it } from 'vitest';
import {
  DataCoding,
  encodeGsm7,
  encodeLatin1,
  encodeMessage,
  encodeText,
  encodeUcs2,
  gsm7Septets,
  isLatin1,
  TEXT_CODINGS,
  type TextCoding,
} from './sms-encoding.js';

describe('gsm7Septets', () => {
  it.each([
    ['Your code is 482913', 19],
    ['@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ', 31],
    ['¡¿ÄÖÑÜ§äöñüà', 12],
    ['€', 2],
    ['{}[]~|^\\\f', 18],
    ['', 0],
    ['ç', undefined], // only capital Ç is in the default alphabet
    ['Код', undefined],
    ['🔐', undefined],
    ['\u001b', undefined], // the escape itself is not a character
  ])('counts %j as %s septets', (text, septets) => {
    expect(gsm7Septets(text)).toBe(septets);
  });
});

describe('encodeGsm7', () => {
  it('maps characters to their default-alphabet codes', () => {
    expect([...encodeGsm7('@A_ü')]).toEqual([0x00, 0x41, 0x11, 0x7e]);
  });

  it('escapes extension characters', () => {
    expect([...encodeGsm7('€[')]).toEqual([0x1b, 0x65, 0x1b, 0x3c]);
  });

  it('throws on characters outside the alphabet', () => {
    expect(() => encodeGsm7('ж')).toThrow(RangeError);
  });
});

describe('encodeUcs2', () => {
  it('writes big-endian UTF-16 with surrogate pairs', () => {
    expect(encodeUcs2('Жa🔐').toString('hex')).toBe('04160061d83ddd10');
  });
});

describe('encodeMessage', () => {
  it.each([
    { name: 'short GSM', text: 'a'.repeat(160), dataCoding: 0, units: 160, parts: 1, fitsOnePart: true },
    { name: 'GSM one over', text: 'a'.repeat(161), dataCoding: 0, units: 161, parts: 2, fitsOnePart: false },
    { name: 'GSM extension chars count twice', text: '€'.repeat(80), dataCoding: 0, units: 160, parts: 1, fitsOnePart: true },
    { name: 'GSM extension tipping over', text: 'a' + '€'.repeat(80), dataCoding: 0, units: 161, parts: 2, fitsOnePart: false },
    { name: 'GSM three parts', text: 'a'.repeat(307), dataCoding: 0, units: 307, parts: 3, fitsOnePart: false },
    { name: 'UCS-2 single', text: 'ж'.repeat(70), dataCoding: 8, units: 70, parts: 1, fitsOnePart: true },
    { name: 'UCS-2 one over', text: 'ж'.repeat(71), dataCoding: 8, units: 71, parts: 2, fitsOnePart: false },
    { name: 'emoji counts as two units', text: '🔐'.repeat(35), dataCoding: 8, units: 70, parts: 1, fitsOnePart: true },
    { name: 'one non-GSM char switches all to UCS-2', text: 'a'.repeat(69) + 'ç', dataCoding: 8, units: 70, parts: 1, fitsOnePart: true },
  ])('$name', ({ text, dataCoding, units, parts, fitsOnePart }) => {
    const encoded = encodeMessage(text);

    expect(encoded).toMatchObject({ dataCoding, units, parts, fitsOnePart });
    expect(encoded.bytes.length).toBe(dataCoding === 8 ? units * 2 : units);
  });
});

describe('encodeLatin1', () => {
  it('writes one ISO-8859-1 octet per character', () => {
    expect([...encodeLatin1('aé©ÿ')]).toEqual([0x61, 0xe9, 0xa9, 0xff]);
  });

  it('throws on characters beyond U+00FF instead of truncating them', () => {
    expect(() => encodeLatin1('€')).toThrow(/U\+20AC/);
  });
});

describe('isLatin1', () => {
  it.each([
    ['Grüße, ça coûte 5 £', true],
    ['', true],
    ['ÿ', true],
    ['€', false], // € is in the GSM-7 extension table but not in ISO-8859-1
    ['Ā', false],
  ])('%j → %s', (text, expected) => {
    expect(isLatin1(text)).toBe(expected);
  });
});

describe('encodeText', () => {
  it('offers the four codings providers can choose', () => {
    expect(TEXT_CODINGS).toEqual(['gsm7', 'latin1', 'default-latin1', '8bit']);
  });

  it.each<{ coding: TextCoding; text: string; dataCoding: number; alphabet: string; hex: string; units: number }>([
    { coding: 'gsm7', text: 'Ça €1', dataCoding: 0, alphabet: 'gsm7', hex: '0961201b6531', units: 6 },
    { coding: 'gsm7', text: 'ça', dataCoding: 8, alphabet: 'ucs2', hex: '00e70061', units: 2 },
    { coding: 'latin1', text: 'ça €', dataCoding: 8, alphabet: 'ucs2', hex: '00e70061002020ac', units: 4 },
    { coding: 'latin1', text: 'ça [x]', dataCoding: 3, alphabet: 'latin1', hex: 'e761205b785d', units: 6 },
    { coding: 'default-latin1', text: 'ça [x]', dataCoding: 0, alphabet: 'latin1', hex: 'e761205b785d', units: 6 },
    { coding: 'default-latin1', text: 'Код', dataCoding: 8, alphabet: 'ucs2', hex: '041a043e0434', units: 3 },
    { coding: '8bit', text: 'ça [x]', dataCoding: 4, alphabet: 'latin1', hex: 'e761205b785d', units: 6 },
    { coding: '8bit', text: 'a🔐', dataCoding: 8, alphabet: 'ucs2', hex: '0061d83ddd10', units: 3 },
  ])('$coding sends $text as $alphabet with data_coding $dataCoding', ({ coding, text, dataCoding, alphabet, hex, units }) => {
    const encoded = encodeText(text, coding);

    expect(encoded).toMatchObject({ dataCoding, alphabet, units, parts: 1, fitsOnePart: true });
    expect(encoded.bytes.toString('hex')).toBe(hex);
    expect(encoded.segments).toEqual([encoded.bytes]);
  });

  it('defaults to GSM-7', () => {
    expect(encodeText('hi').dataCoding).toBe(DataCoding.GSM7);
    expect(encodeMessage('hi', 'latin1').dataCoding).toBe(DataCoding.LATIN1);
  });

  it('refuses a coding it does not know', () => {
    expect(() => encodeText('hi', 'latin9' as TextCoding)).toThrow(/unknown text coding "latin9"/);
  });

  it.each<{ name: string; coding: TextCoding; text: string; units: number; parts: number; segmentOctets: number[] }>([
    { name: 'GSM-7 fills one part at 160 septets', coding: 'gsm7', text: 'a'.repeat(160), units: 160, parts: 1, segmentOctets: [160] },
    { name: 'GSM-7 splits at 161 septets', coding: 'gsm7', text: 'a'.repeat(161), units: 161, parts: 2, segmentOctets: [153, 8] },
    { name: 'GSM-7 fills two parts at 306 septets', coding: 'gsm7', text: 'a'.repeat(306), units: 306, parts: 2, segmentOctets: [153, 153] },
    { name: 'GSM-7 needs a third part at 307 septets', coding: 'gsm7', text: 'a'.repeat(307), units: 307, parts: 3, segmentOctets: [153, 153, 1] },
    {
      name: 'an escape straddling the 153 boundary moves whole to the next part',
      coding: 'gsm7',
      text: 'a'.repeat(152) + '€' + 'a'.repeat(152),
      units: 306,
      parts: 3,
      segmentOctets: [152, 153, 1],
    },
    { name: 'Latin-1 fills one part at 140 octets', coding: 'latin1', text: 'é'.repeat(140), units: 140, parts: 1, segmentOctets: [140] },
    { name: 'Latin-1 splits at 141 octets', coding: 'latin1', text: 'é'.repeat(141), units: 141, parts: 2, segmentOctets: [134, 7] },
    { name: '8-bit splits at 134 octets a part', coding: '8bit', text: 'x'.repeat(269), units: 269, parts: 3, segmentOctets: [134, 134, 1] },
    { name: 'UCS-2 fills one part at 70 units', coding: 'gsm7', text: 'ж'.repeat(70), units: 70, parts: 1, segmentOctets: [140] },
    { name: 'UCS-2 splits at 71 units', coding: 'gsm7', text: 'ж'.repeat(71), units: 71, parts: 2, segmentOctets: [134, 8] },
    {
      name: 'a surrogate pair straddling the 67 boundary moves whole to the next part',
      coding: 'gsm7',
      text: 'ж'.repeat(66) + '🔐' + 'ж'.repeat(66),
      units: 134,
      parts: 3,
      segmentOctets: [132, 134, 2],
    },
  ])('$name', ({ coding, text, units, parts, segmentOctets }) => {
    const encoded = encodeText(text, coding);

    expect(encoded).toMatchObject({ units, parts });
    expect(encoded.segments.map((segment) => segment.length)).toEqual(segmentOctets);
    expect(Buffer.concat(encoded.segments)).toEqual(encoded.bytes);
  });
});
