import { describe, expect, it } from 'vitest';
import { encodeGsm7, encodeMessage, encodeUcs2, gsm7Septets } from './message-encoding.js';

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
