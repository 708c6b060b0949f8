import { describe, expect, it } from 'vitest';
import { PrefixTrie } from './prefix-trie.js';

function trie(entries: Record<string, string>): PrefixTrie<string> {
  const result = new PrefixTrie<string>();
  for (const [prefix, value] of Object.entries(entries)) result.set(prefix, value);
  return result;
}

describe('PrefixTrie', () => {
  const numbers = trie({ '1': 'nanp', '49': 'de', '4915': 'de-mobile', '491512': 'de-mobile-x' });

  it.each([
    { digits: '4915123456789', expected: 'de-mobile-x' },
    { digits: '4915223456789', expected: 'de-mobile' },
    { digits: '4930123456', expected: 'de' },
    { digits: '12015550123', expected: 'nanp' },
    { digits: '33612345678', expected: undefined },
    { digits: '', expected: undefined },
  ])('finds the longest stored prefix of $digits', ({ digits, expected }) => {
    expect(numbers.longestMatch(digits)).toBe(expected);
  });

  it('reads from an offset and stops at the first non-digit', () => {
    expect(numbers.longestMatch('+4915123', 1)).toBe('de-mobile-x');
    expect(numbers.longestMatch('+49x15123', 1)).toBe('de');
  });

  it('visits every stored prefix along the number, shortest first, until told to stop', () => {
    const seen: string[] = [];
    numbers.forEachMatch('4915123', 0, (value) => {
      seen.push(value);
      return false;
    });
    expect(seen).toEqual(['de', 'de-mobile', 'de-mobile-x']);
    const firstOnly: string[] = [];
    numbers.forEachMatch('4915123', 0, (value) => {
      firstOnly.push(value);
      return true;
    });
    expect(firstOnly).toEqual(['de']);
  });

  it('gets exact prefixes only, replaces values and counts prefixes', () => {
    const t = trie({ '49': 'a', '4915': 'b' });
    expect(t.get('491')).toBeUndefined();
    t.set('49', 'c');
    expect(t.get('49')).toBe('c');
    expect(t.size).toBe(2);
  });

  it('rejects a prefix with a non-digit', () => {
    expect(() => {
      new PrefixTrie<number>().set('4a', 1);
    }).toThrow(RangeError);
  });

  it('keeps every entry while growing past its initial capacity', () => {
    const t = new PrefixTrie<number>();
    for (let i = 0; i < 20_000; i++) t.set(String(100_000 + i * 7), i);
    expect(t.size).toBe(20_000);
    expect(t.longestMatch(`${100_000 + 19_999 * 7}55`)).toBe(19_999);
    expect(t.get(String(100_000 + 12_345 * 7))).toBe(12_345);
  });
});
