import { describe, expect, it } from 'vitest';
import { decodeGsm7, encodeGsm7 } from './sms-encoding.js';

const ESCAPE = 0x1b;
const septets = (...codes: number[]) => Uint8Array.from(codes);

describe('decodeGsm7', () => {
  it('reads every default-alphabet code as the character the shared encoder gives that code', () => {
    for (let code = 0; code < 0x80; code++) {
      if (code === ESCAPE) continue;
      const char = decodeGsm7(septets(code));
      expect(Array.from(encodeGsm7(char)), `code 0x${code.toString(16)} → ${JSON.stringify(char)}`).toEqual([code]);
    }
  });

  it.each(['\f', '^', '{', '}', '\\', '[', '~', ']', '|', '€'])('reads the extension pair for %j back', (char) => {
    expect(decodeGsm7(encodeGsm7(char))).toBe(char);
  });

  it('reads a whole text encoded by the shared encoder back', () => {
    const text = 'Ünicode-free: @£$¥ {tést} [ok] €5 ~ | \\ ^';
    expect(decodeGsm7(encodeGsm7(text))).toBe(text);
  });

  it('shows the default character for an escape the extension table lacks (23.038 §6.2.1.1)', () => {
    expect(decodeGsm7(septets(ESCAPE, 0x41))).toBe('A');
  });

  it('shows a space for the reserved escape-escape sequence', () => {
    expect(decodeGsm7(septets(0x41, ESCAPE, ESCAPE, 0x42))).toBe('A B');
  });

  it('shows a space for an escape that ends the text', () => {
    expect(decodeGsm7(septets(0x41, ESCAPE))).toBe('A ');
  });
});
