import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretBox } from './secret-box.js';

const key = Buffer.alloc(32, 0x42);

/** Flips one bit of the base64url segment at `index` of a sealed value. */
function flipBitIn(sealed: string, index: number): string {
  const parts = sealed.split('.');
  const bytes = Buffer.from(parts[index] ?? '', 'base64url');
  bytes[0] = (bytes[0] ?? 0) ^ 0x01;
  parts[index] = bytes.toString('base64url');
  return parts.join('.');
}

describe('SecretBox', () => {
  it.each([
    ['ASCII', 'Your code is 123456'],
    ['unicode', 'Ihr Bestätigungscode: 123456 ✅ 認証コード 🔐'],
    ['empty', ''],
    ['long', 'x'.repeat(10_000)],
  ])('opens what it sealed (%s text)', (_kind, plaintext) => {
    const box = new SecretBox(key);
    expect(box.open(box.seal(plaintext, 'message:1'), 'message:1')).toBe(plaintext);
  });

  it('opens with another instance holding the same key', () => {
    expect(new SecretBox(Buffer.from(key)).open(new SecretBox(key).seal('secret', 'ctx'), 'ctx')).toBe('secret');
  });

  it('produces the versioned v1.<iv>.<tag>.<ciphertext> format in base64url', () => {
    expect(new SecretBox(key).seal('secret', 'ctx')).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
  });

  it('does not contain the plaintext', () => {
    const sealed = new SecretBox(key).seal('123456', 'ctx');
    expect(sealed).not.toContain('123456');
    expect(sealed).not.toContain(Buffer.from('123456').toString('base64url'));
  });

  it('gives a different ciphertext each time for the same text and context', () => {
    const box = new SecretBox(key);
    const sealed = Array.from({ length: 20 }, () => box.seal('same text', 'same context'));
    expect(new Set(sealed).size).toBe(20);
  });

  it('fails to open under another context', () => {
    const box = new SecretBox(key);
    expect(() => box.open(box.seal('secret', 'message:1'), 'message:2')).toThrow();
  });

  it('fails to open with the wrong key', () => {
    const sealed = new SecretBox(key).seal('secret', 'ctx');
    expect(() => new SecretBox(Buffer.alloc(32, 0x43)).open(sealed, 'ctx')).toThrow();
  });

  it.each([
    [1, 'iv'],
    [2, 'auth tag'],
    [3, 'ciphertext'],
  ])('fails to open when the %s segment (%s) is tampered with', (index) => {
    const box = new SecretBox(key);
    expect(() => box.open(flipBitIn(box.seal('secret', 'ctx'), index), 'ctx')).toThrow();
  });

  it('fails to open when segments are swapped between two sealed values', () => {
    const box = new SecretBox(key);
    const [version, iv, tag] = box.seal('first secret', 'ctx').split('.');
    const ciphertext = box.seal('other secret', 'ctx').split('.')[3];
    expect(() => box.open([version, iv, tag, ciphertext].join('.'), 'ctx')).toThrow();
  });

  it.each(['', 'plain text', 'v1', 'v1.aaa.bbb', 'v2.aaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbbbb.cc'])(
    'rejects the malformed input %j as not a SecretBox ciphertext',
    (sealed) => {
      expect(() => new SecretBox(key).open(sealed, 'ctx')).toThrow('not a SecretBox ciphertext');
    },
  );

  it.each([4, 12])('fails to open when the auth tag is cut to %i bytes', (bytes) => {
    const box = new SecretBox(key);
    const [version, iv, tag, ciphertext] = box.seal('secret', 'ctx').split('.');
    const short = Buffer.from(tag ?? '', 'base64url').subarray(0, bytes).toString('base64url');
    expect(() => box.open([version, iv, short, ciphertext].join('.'), 'ctx')).toThrow('not a SecretBox ciphertext');
  });

  it('rejects a sealed value with extra segments', () => {
    const box = new SecretBox(key);
    expect(() => box.open(`${box.seal('secret', 'ctx')}.junk`, 'ctx')).toThrow('not a SecretBox ciphertext');
  });

  it('rejects an iv of the wrong size', () => {
    const box = new SecretBox(key);
    const [version, , tag, ciphertext] = box.seal('secret', 'ctx').split('.');
    expect(() => box.open([version, '', tag, ciphertext].join('.'), 'ctx')).toThrow();
  });

  it.each([0, 16, 31, 33, 64])('refuses a key of %i bytes', (length) => {
    expect(() => new SecretBox(randomBytes(length))).toThrow(RangeError);
  });
});
