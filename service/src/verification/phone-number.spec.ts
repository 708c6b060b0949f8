import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../shared/errors.js';
import { parsePhoneNumber } from './phone-number.js';

function errorOf(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

describe('parsePhoneNumber', () => {
  it.each([
    ['+4915123456789', 'DE'],
    ['+12015550123', 'US'],
    ['+447400123456', 'GB'],
    ['+33612345678', 'FR'],
    ['+919876543210', 'IN'],
    ['+5511987654321', 'BR'],
    ['+819012345678', 'JP'],
    ['+61412345678', 'AU'],
    ['+2348021234567', 'NG'],
  ])('accepts %s as a number of %s', (raw, country) => {
    expect(parsePhoneNumber(raw, 'to')).toEqual({ e164: raw, country });
  });

  it('resolves a number to the territory it belongs to, not just its calling code', () => {
    // +44 7911 is a Guernsey mobile range, though it shares the UK's calling code.
    expect(parsePhoneNumber('+447911123456', 'to').country).toBe('GG');
  });

  it('normalises spaces, dashes, dots and brackets to E.164', () => {
    expect(parsePhoneNumber(' +49 (151) 234-567.89 ', 'to')).toEqual({ e164: '+4915123456789', country: 'DE' });
  });

  it('rejects a number in a fictional range', () => {
    // Ofcom reserves 07700 900xxx for drama: it parses but is not a valid number.
    expect(() => parsePhoneNumber('+447700900123', 'to')).toThrow(InvalidArgumentError);
  });

  it('rejects a national number without "+" and country code', () => {
    expect(() => parsePhoneNumber('015123456789', 'to')).toThrow(/must be in E\.164 form/);
  });

  it('rejects an international number given with 00 instead of "+"', () => {
    expect(() => parsePhoneNumber('004915123456789', 'to')).toThrow(/must be in E\.164 form/);
  });

  it('rejects letters', () => {
    expect(() => parsePhoneNumber('+1800FLOWERS', 'to')).toThrow(/may hold only "\+" and digits/);
  });

  it('rejects a number with too many digits for its country', () => {
    expect(() => parsePhoneNumber('+4915123456789012345', 'to')).toThrow(/is not a valid phone number/);
  });

  it('rejects input longer than 32 characters before parsing it', () => {
    expect(() => parsePhoneNumber(`+49${'1'.repeat(30)}`, 'to')).toThrow(/longer than 32 characters/);
  });

  it.each(['', '   '])('rejects the empty input %j as required', (raw) => {
    expect(() => parsePhoneNumber(raw, 'to')).toThrow(/is required/);
  });

  it('rejects "+" alone', () => {
    expect(() => parsePhoneNumber('+', 'to')).toThrow(InvalidArgumentError);
  });

  it('throws InvalidArgumentError naming the request field', () => {
    const error = errorOf(() => parsePhoneNumber('12345', 'phone_number'));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).field).toBe('phone_number');
    expect((error as InvalidArgumentError).message).toMatch(/^phone_number: /);
  });

  it('does not echo an invalid number in full in the error', () => {
    const error = errorOf(() => parsePhoneNumber('+447700900123', 'to'));
    expect((error as Error).message).not.toContain('447700900123');
    expect((error as Error).message).toContain('*');
  });
});
