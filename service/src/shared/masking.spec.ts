import { describe, expect, it } from 'vitest';
import { maskPhoneNumber } from './masking.js';

describe('maskPhoneNumber', () => {
  it.each([
    ['+4915123456789', '+491********89'],
    ['+12015550123', '+120******23'],
    ['+33612345678', '+336******78'],
  ])('masks %s as %s', (number, masked) => {
    expect(maskPhoneNumber(number)).toBe(masked);
  });

  it.each([
    ['4915112345678', '4915*******78'],
    ['+14155550123', '+141******23'],
    ['12345', '1**45'],
  ])('masks an SMPP address without a plus (%s as %s) by the same rule', (address, masked) => {
    expect(maskPhoneNumber(address)).toBe(masked);
  });

  it.each(['Switchboard', 'Acme-2FA'])('leaves the alphanumeric sender id %s readable: it is not personal data', (sender) => {
    expect(maskPhoneNumber(sender)).toBe(sender);
  });

  it('keeps the length of the number', () => {
    expect(maskPhoneNumber('+4915123456789')).toHaveLength('+4915123456789'.length);
  });

  it('drops formatting characters before masking', () => {
    expect(maskPhoneNumber('+49 151 234-567-89')).toBe(maskPhoneNumber('+4915123456789'));
  });

  it.each(['+4915123456789', '+12015550123', '+441234', '+1234', '12', '1', '+4915123456789012345678'])(
    'never reveals the full number %s',
    (number) => {
      const masked = maskPhoneNumber(number);
      expect(masked).not.toBe(number);
      expect(masked).toContain('*');
      const digits = number.replace(/\D/g, '');
      expect(masked.replace(/\D/g, '').length).toBeLessThan(digits.length);
    },
  );

  it('hides at least half of the digits of a full-length number', () => {
    const masked = maskPhoneNumber('+4915123456789');
    expect(masked.match(/\*/g)?.length).toBeGreaterThanOrEqual(13 / 2);
  });
});
