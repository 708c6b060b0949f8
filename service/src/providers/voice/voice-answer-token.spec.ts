import { describe, expect, it } from 'vitest';
import { deriveAnswerTokenKey, signAnswerToken, verifyAnswerToken } from './voice-answer-token.js';

const KEY = Buffer.alloc(32, 7);
const OTHER_KEY = Buffer.alloc(32, 8);
const ATTEMPT = '0b7c2a9e-4d1f-4c3b-9a8e-1f2d3c4b5a69';
const NOW = new Date('2026-11-22T10:00:00.000Z');
const EXPIRES = new Date('2026-11-22T10:10:00.000Z');

/** The token with its payload replaced, keeping the original signature. */
function withPayload(token: string, payload: string): string {
  return `${Buffer.from(payload, 'utf8').toString('base64url')}.${token.split('.')[1] ?? ''}`;
}

describe('answer tokens', () => {
  it('give back the attempt id before they expire', () => {
    const token = signAnswerToken(ATTEMPT, EXPIRES, KEY);

    expect(verifyAnswerToken(token, KEY, NOW)).toEqual({ ok: true, attemptId: ATTEMPT });
  });

  it('are safe in a URL path', () => {
    expect(signAnswerToken(ATTEMPT, EXPIRES, KEY)).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
  });

  it('are valid until the millisecond before expiry, and expired from it on', () => {
    const token = signAnswerToken(ATTEMPT, EXPIRES, KEY);

    expect(verifyAnswerToken(token, KEY, new Date(EXPIRES.getTime() - 1))).toMatchObject({ ok: true });
    expect(verifyAnswerToken(token, KEY, EXPIRES)).toEqual({ ok: false, reason: 'expired' });
    expect(verifyAnswerToken(token, KEY, new Date(EXPIRES.getTime() + 60_000))).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuse a token whose attempt id was changed', () => {
    const token = signAnswerToken(ATTEMPT, EXPIRES, KEY);

    expect(verifyAnswerToken(withPayload(token, `v1.${EXPIRES.getTime()}.another-attempt`), KEY, NOW)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('refuse a token whose expiry was extended', () => {
    const token = signAnswerToken(ATTEMPT, new Date(NOW.getTime() - 1000), KEY);

    expect(verifyAnswerToken(withPayload(token, `v1.${EXPIRES.getTime()}.${ATTEMPT}`), KEY, NOW)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('check the signature before the expiry', () => {
    const token = signAnswerToken(ATTEMPT, new Date(NOW.getTime() - 1000), KEY);

    expect(verifyAnswerToken(token, OTHER_KEY, NOW)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('refuse a token with a changed signature', () => {
    const token = signAnswerToken(ATTEMPT, EXPIRES, KEY);
    const [payload = '', signature = ''] = token.split('.');
    const flipped = `${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`;

    expect(verifyAnswerToken(`${payload}.${flipped}`, KEY, NOW)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('refuse a token signed with another key', () => {
    expect(verifyAnswerToken(signAnswerToken(ATTEMPT, EXPIRES, OTHER_KEY), KEY, NOW)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('refuse the same signature spelled with other spare bits', () => {
    const token = signAnswerToken(ATTEMPT, EXPIRES, KEY);
    const [payload = '', signature = ''] = token.split('.');
    // The last of 43 base64 characters carries 4 bits of the MAC and 2 spare bits.
    const last = signature.at(-1) ?? 'A';
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sibling = alphabet[alphabet.indexOf(last) ^ 1] ?? 'A';

    expect(verifyAnswerToken(`${payload}.${signature.slice(0, -1)}${sibling}`, KEY, NOW)).toEqual({ ok: false, reason: 'malformed' });
  });

  it.each(['', 'abc', 'a.b.c', 'a.b', '!!.??', `${'A'.repeat(600)}.${'B'.repeat(43)}`])('call %j malformed', (token) => {
    expect(verifyAnswerToken(token, KEY, NOW)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuse to sign an attempt id that is not URL-safe, or with a short key', () => {
    expect(() => signAnswerToken('att/1', EXPIRES, KEY)).toThrow(RangeError);
    expect(() => signAnswerToken(ATTEMPT, EXPIRES, Buffer.alloc(16))).toThrow(RangeError);
    expect(() => signAnswerToken(ATTEMPT, new Date(Number.NaN), KEY)).toThrow(RangeError);
  });
});

describe('deriveAnswerTokenKey', () => {
  it('derives a stable 32-byte key of its own from a master key', () => {
    const derived = deriveAnswerTokenKey(KEY);

    expect(derived).toHaveLength(32);
    expect(derived.equals(deriveAnswerTokenKey(KEY))).toBe(true);
    expect(derived.equals(KEY)).toBe(false);
    expect(derived.equals(deriveAnswerTokenKey(OTHER_KEY))).toBe(false);
  });
});
