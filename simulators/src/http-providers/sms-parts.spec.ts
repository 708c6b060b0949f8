import { describe, expect, it } from 'vitest';
import { smsParts } from './sms-parts.js';

describe('smsParts', () => {
  it('sends up to 160 GSM-7 septets in one part and 161 in two', () => {
    expect(smsParts('a'.repeat(160))).toEqual({ alphabet: 'gsm7', parts: 1 });
    expect(smsParts('a'.repeat(161))).toEqual({ alphabet: 'gsm7', parts: 2 });
    expect(smsParts('a'.repeat(306))).toEqual({ alphabet: 'gsm7', parts: 2 });
    expect(smsParts('a'.repeat(307))).toEqual({ alphabet: 'gsm7', parts: 3 });
  });

  it('counts an extension character as two septets and never splits it', () => {
    expect(smsParts('€'.repeat(80))).toEqual({ alphabet: 'gsm7', parts: 1 });
    expect(smsParts('€'.repeat(81))).toEqual({ alphabet: 'gsm7', parts: 2 });
    // 152 septets, then an escape sequence that would straddle the 153-septet boundary.
    expect(smsParts(`${'a'.repeat(152)}€${'a'.repeat(152)}`)).toEqual({ alphabet: 'gsm7', parts: 3 });
  });

  it('falls back to UCS-2 for a character outside GSM-7: 70 units in one part, 67 once concatenated', () => {
    expect(smsParts('Привет'.padEnd(70, 'я'))).toEqual({ alphabet: 'ucs2', parts: 1 });
    expect(smsParts('я'.repeat(71))).toEqual({ alphabet: 'ucs2', parts: 2 });
    expect(smsParts('я'.repeat(134))).toEqual({ alphabet: 'ucs2', parts: 2 });
    expect(smsParts('я'.repeat(135))).toEqual({ alphabet: 'ucs2', parts: 3 });
  });

  it('counts an emoji as two UTF-16 units and keeps its surrogate pair in one part', () => {
    expect(smsParts('😀'.repeat(35))).toEqual({ alphabet: 'ucs2', parts: 1 });
    expect(smsParts(`${'я'.repeat(66)}😀${'я'.repeat(66)}`)).toEqual({ alphabet: 'ucs2', parts: 3 });
  });

  it('sends an empty text as one part', () => {
    expect(smsParts('')).toEqual({ alphabet: 'gsm7', parts: 1 });
  });
});
