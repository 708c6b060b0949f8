import { describe, expect, it } from 'vitest';
import { normaliseProviderMessageId, providerMessageIdForms } from './sms-provider.js';

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

describe('providerMessageIdForms', () => {
  it.each([
    // decimal digits are also valid hex: both conversions are offered, exact form first
    ['6699', ['6699', '1a2b', '26265']],
    ['1A2B', ['1a2b', '6699']],
    ['0x', ['x']],
    ['sm-123', ['sm-123']],
    ['ff', ['ff', '255']],
    ['10', ['10', 'a', '16']],
  ])('%j → %j', (raw, forms) => {
    expect(providerMessageIdForms(raw)).toEqual(forms);
  });

  it('keeps 64-bit ids exact beyond Number precision', () => {
    expect(providerMessageIdForms('18446744073709551615')).toContain('ffffffffffffffff');
    expect(providerMessageIdForms('FFFFFFFFFFFFFFFF')).toContain('18446744073709551615');
  });

  it('treats very long ids as opaque tokens', () => {
    const uuidLike = 'a'.repeat(41);
    expect(providerMessageIdForms(uuidLike)).toEqual([uuidLike]);
  });
});
