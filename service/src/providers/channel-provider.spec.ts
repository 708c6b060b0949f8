import { describe, expect, it } from 'vitest';
import { normaliseProviderMessageId, receiptIdAsIssued } from './channel-provider.js';

describe('normaliseProviderMessageId', () => {
  it.each([
    ['0001A2b', '1a2b'],
    ['  42 ', '42'],
    ['0', '0'],
    ['000', '0'],
    ['SM0ABC', 'sm0abc'],
  ])('%j → %j', (raw, normalised) => {
    expect(normaliseProviderMessageId(raw)).toBe(normalised);
  });
});

describe('receiptIdAsIssued', () => {
  it.each([
    ['6699', 'hex-to-decimal', '1a2b'],
    ['18446744073709551615', 'hex-to-decimal', 'ffffffffffffffff'],
    ['1A2B', 'decimal-to-hex', '6699'],
    ['FFFFFFFFFFFFFFFF', 'decimal-to-hex', '18446744073709551615'],
    ['0001A2b', 'same', '1a2b'],
    ['1000', 'same', '1000'],
    // Not a number in the reported base: left as reported (normalised), not guessed at.
    ['SM-12', 'hex-to-decimal', 'sm-12'],
    ['xyz', 'decimal-to-hex', 'xyz'],
  ] as const)('%j reported by a %s carrier is %j as issued', (reported, base, issued) => {
    expect(receiptIdAsIssued(reported, base)).toBe(issued);
  });

  it('treats very long ids as opaque tokens', () => {
    const long = '1'.repeat(41);
    expect(receiptIdAsIssued(long, 'hex-to-decimal')).toBe(long);
  });
});
