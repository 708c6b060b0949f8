import { describe, expect, it } from 'vitest';
import { integerField, resultParameters, splitResultFields } from './result-fields.js';

describe('splitResultFields', () => {
  it('splits numbers and unquotes strings', () => {
    expect(splitResultFields('"SM",3')).toEqual([
      { value: 'SM', quoted: true },
      { value: '3', quoted: false },
    ]);
  });

  it('keeps a comma inside quotes', () => {
    expect(splitResultFields('0,"Balance: 5,00 EUR",15').map((field) => field.value)).toEqual(['0', 'Balance: 5,00 EUR', '15']);
  });

  it('keeps an empty field', () => {
    expect(splitResultFields(',24')).toEqual([
      { value: '', quoted: false },
      { value: '24', quoted: false },
    ]);
  });
});

describe('integerField', () => {
  it('reads a bare number', () => {
    expect(integerField({ value: '17', quoted: false })).toBe(17);
  });

  it.each([
    ['a quoted number', { value: '17', quoted: true }],
    ['text', { value: 'READY', quoted: false }],
    ['nothing', undefined],
  ])('refuses %s', (_name, field) => {
    expect(integerField(field)).toBeUndefined();
  });
});

describe('resultParameters', () => {
  it('gives what follows the name and colon', () => {
    expect(resultParameters('+CPIN: SIM PIN')).toBe('SIM PIN');
  });
});
