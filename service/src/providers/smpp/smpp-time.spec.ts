import { describe, expect, it } from 'vitest';
import { InvalidValidityError, relativeValidityPeriod } from './smpp-time.js';

describe('relativeValidityPeriod', () => {
  const now = new Date('2026-11-05T14:03:22.250Z');
  const after = (ms: number): Date => new Date(now.getTime() + ms);

  it.each([
    [600_000, '000000001000000R'],
    [90_001, '000000000131000R'], // rounded up to whole seconds
    [3_723_000, '000000010203000R'],
    [26 * 3600_000 + 1000, '000001020001000R'],
    [10_000, '000000000100000R'], // at least one minute
    [-5_000, '000000000100000R'],
    [90 * 86_400_000, '000030000000000R'], // at most 30 days
  ])('writes %i ms as %s', (ms, expected) => {
    expect(relativeValidityPeriod(after(ms), now)).toBe(expected);
  });

  it('refuses an invalid date', () => {
    expect(() => relativeValidityPeriod(new Date(Number.NaN), now)).toThrow(InvalidValidityError);
  });
});
