import { describe, expect, it } from 'vitest';
import { maskNumber } from './masking.js';

describe('maskNumber', () => {
  it('keeps the start and the last two digits of an E.164 number', () => {
    expect(maskNumber('+4915112345678')).toBe('+4915*******78');
  });

  it('drops formatting and masks a number without a plus the same way', () => {
    expect(maskNumber('49 151 1234-5678')).toBe('4915*******78');
  });

  it('hides most of a short code', () => {
    expect(maskNumber('4711')).toBe('4***');
    expect(maskNumber('12')).toBe('**');
  });

  it('leaves an alphanumeric sender id readable', () => {
    expect(maskNumber('Switchboard')).toBe('Switchboard');
  });
});
