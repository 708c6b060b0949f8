import { describe, expect, it } from 'vitest';
import { formatDuration, maskPhoneNumber } from './format.js';

describe('maskPhoneNumber', () => {
  it('keeps five leading and four trailing digits of a mobile number', () => {
    expect(maskPhoneNumber('+4915112345678')).toBe('+49151****5678');
  });

  it('uses a fixed-width mask whatever the number of hidden digits', () => {
    expect(maskPhoneNumber('+491511234567890')).toBe('+49151****7890');
  });

  it('hides leading digits first when a number is too short to show nine', () => {
    expect(maskPhoneNumber('+4479111234')).toBe('+44****1234');
  });

  it('still hides four digits of an eight-digit number', () => {
    expect(maskPhoneNumber('+35312345')).toBe('+****2345');
  });

  it('hides four of the seven digits of the shortest E.164 number', () => {
    expect(maskPhoneNumber('+6831234')).toBe('+****234');
  });

  it.each([
    ['an empty string', ''],
    ['a number without the plus', '4915112345678'],
    ['a national number', '015112345678'],
    ['a country code starting with 0', '+0915112345678'],
    ['spaces', '+49 151 12345678'],
    ['letters', '+49151CALLME'],
    ['fewer than seven digits', '+491234'],
    ['more than fifteen digits', '+4915112345678901'],
    ['a trailing newline', '+4915112345678\n'],
  ])('rejects %s', (_name, input) => {
    expect(() => maskPhoneNumber(input)).toThrow(RangeError);
  });

  it('does not repeat the rejected number in its error', () => {
    expect(() => maskPhoneNumber('4915112345678')).toThrow(/got 13 characters/);
    expect(() => maskPhoneNumber('4915112345678')).not.toThrow(/4915112345678/);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0 ms'],
    [850, '850 ms'],
    [999.4, '999 ms'],
    [999.6, '1.0 s'],
    [1_234, '1.2 s'],
    [59_949, '59.9 s'],
    [59_950, '1 min'],
    [185_000, '3 min 5 s'],
    [3_599_400, '59 min 59 s'],
    [3_600_000, '1 h'],
    [7_380_000, '2 h 3 min'],
    [86_399_000, '23 h 59 min'],
    [86_400_000, '1 d'],
    [367_200_000, '4 d 6 h'],
  ])('formats %d ms as %s', (ms, expected) => {
    expect(formatDuration(ms)).toBe(expected);
  });

  it.each([
    ['a negative duration', -1],
    ['NaN', Number.NaN],
    ['infinity', Number.POSITIVE_INFINITY],
  ])('rejects %s', (_name, ms) => {
    expect(() => formatDuration(ms)).toThrow(RangeError);
  });
});
