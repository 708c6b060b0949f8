import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CodeHasher, generateCode, MAX_CODE_LENGTH, MIN_CODE_LENGTH } from './code.js';

const key = Buffer.alloc(32, 7);

/** Loose bound for a count drawn from Binomial(n, p): six standard deviations either way. */
function sixSigma(n: number, p: number): number {
  return 6 * Math.sqrt(n * p * (1 - p));
}

describe('generateCode', () => {
  it.each([MIN_CODE_LENGTH, 5, 6, 7, 8, 9, MAX_CODE_LENGTH])('returns a code of exactly %i characters', (length) => {
    expect(generateCode(length)).toHaveLength(length);
  });

  it('returns only decimal digits', () => {
    for (let i = 0; i < 500; i++) expect(generateCode(10)).toMatch(/^[0-9]{10}$/);
  });

  it('keeps leading zeros (the code is a digit string, not a number)', () => {
    // P(no leading zero in 5,000 draws) = 0.9^5000, i.e. never for a uniform generator.
    const codes = Array.from({ length: 5_000 }, () => generateCode(4));
    expect(codes.some((code) => code.startsWith('0'))).toBe(true);
    expect(codes.every((code) => code.length === 4)).toBe(true);
  });

  it.each([3, 11, 0, -6])('rejects length %i as out of range', (length) => {
    expect(() => generateCode(length)).toThrow(RangeError);
  });

  it.each([6.5, Number.NaN, Number.POSITIVE_INFINITY])('rejects the non-integer length %d', (length) => {
    expect(() => generateCode(length)).toThrow(RangeError);
  });

  it('names the allowed range in the error', () => {
    expect(() => generateCode(11)).toThrow('code length must be 4-10, got 11');
  });

  it('draws every digit about equally often over 20,000 codes', () => {
    const draws = 20_000;
    const length = 10;
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < draws; i++) {
      for (const digit of generateCode(length)) counts[Number(digit)] = (counts[Number(digit)] ?? 0) + 1;
    }
    const total = draws * length;
    const expected = total / 10;
    const bound = sixSigma(total, 0.1);
    for (const count of counts) expect(Math.abs(count - expected)).toBeLessThan(bound);
  });

  it('shows no digit bias that a chi-square test over 200,000 digits would notice', () => {
    // 9 degrees of freedom: P(statistic > 50) is about 1e-7 for a uniform generator, while a
    // classic "random byte % 10" generator lands near 80.
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < 20_000; i++) {
      for (const digit of generateCode(10)) counts[Number(digit)] = (counts[Number(digit)] ?? 0) + 1;
    }
    const expected = 20_000;
    const statistic = counts.reduce((sum, count) => sum + (count - expected) ** 2 / expected, 0);
    expect(statistic).toBeLessThan(50);
  });

  it('draws every digit about equally often at every position, the first included', () => {
    const draws = 20_000;
    const length = 6;
    const counts = Array.from({ length }, () => new Array<number>(10).fill(0));
    for (let i = 0; i < draws; i++) {
      const code = generateCode(length);
      for (let position = 0; position < length; position++) {
        const row = counts[position];
        if (row) row[Number(code[position])] = (row[Number(code[position])] ?? 0) + 1;
      }
    }
    const expected = draws / 10;
    const bound = sixSigma(draws, 0.1);
    for (const row of counts) {
      for (const count of row) expect(Math.abs(count - expected)).toBeLessThan(bound);
    }
  });
});

describe('CodeHasher', () => {
  it('stores neither the code nor the verification id in the hash', () => {
    const hash = new CodeHasher(key).hash('ver_123', '482913');
    expect(hash).not.toBe('482913');
    expect(hash).not.toContain('482913');
    expect(hash).not.toContain('ver_123');
  });

  it('produces a fixed-size base64url HMAC-SHA256 digest whatever the code length', () => {
    const hasher = new CodeHasher(key);
    expect(hasher.hash('ver_1', '1234')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(hasher.hash('ver_1', '1234567890')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('hashes the same verification id and code to the same value', () => {
    expect(new CodeHasher(key).hash('ver_1', '123456')).toBe(new CodeHasher(Buffer.from(key)).hash('ver_1', '123456'));
  });

  it('hashes the same code apart for different verification ids', () => {
    const hasher = new CodeHasher(key);
    expect(hasher.hash('ver_1', '123456')).not.toBe(hasher.hash('ver_2', '123456'));
  });

  it('hashes the same code apart under different keys', () => {
    expect(new CodeHasher(key).hash('ver_1', '123456')).not.toBe(new CodeHasher(Buffer.alloc(32, 8)).hash('ver_1', '123456'));
  });

  it('matches the right code among several stored hashes', () => {
    const hasher = new CodeHasher(key);
    const stored = [hasher.hash('ver_1', '111111'), hasher.hash('ver_1', '222222'), hasher.hash('ver_1', '333333')];
    expect(hasher.matches('ver_1', '222222', stored)).toBe(true);
    expect(hasher.matches('ver_1', '333333', stored)).toBe(true);
  });

  it('does not match a wrong code', () => {
    const hasher = new CodeHasher(key);
    const stored = [hasher.hash('ver_1', '111111'), hasher.hash('ver_1', '222222')];
    expect(hasher.matches('ver_1', '111112', stored)).toBe(false);
  });

  it('does not match anything against an empty list of hashes', () => {
    expect(new CodeHasher(key).matches('ver_1', '111111', [])).toBe(false);
  });

  it('does not match the right code under another verification id', () => {
    const hasher = new CodeHasher(key);
    expect(hasher.matches('ver_2', '111111', [hasher.hash('ver_1', '111111')])).toBe(false);
  });

  it('still matches when a stored hash of another length is in the list', () => {
    const hasher = new CodeHasher(key);
    expect(hasher.matches('ver_1', '111111', ['short', hasher.hash('ver_1', '111111')])).toBe(true);
  });

  it('rejects a key shorter than 32 bytes', () => {
    expect(() => new CodeHasher(randomBytes(31))).toThrow(RangeError);
    expect(() => new CodeHasher(Buffer.alloc(0))).toThrow(RangeError);
  });

  it('accepts a key of 32 bytes or more', () => {
    expect(() => new CodeHasher(randomBytes(32))).not.toThrow();
    expect(() => new CodeHasher(randomBytes(64))).not.toThrow();
  });
});
