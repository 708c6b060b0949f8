/**
 * The token in a voice call's answer URL. Whoever fetches that URL hears the code, so the URL
 * must not be guessable or reusable after the call: it carries the attempt id and an expiry,
 * signed with HMAC-SHA256 under a server key. Nothing in it is secret (the attempt id is not the
 * code); it is signed, not encrypted.
 *
 * Layout: `base64url("v1." + expiresAtMs + "." + attemptId) + "." + base64url(hmac)`, both parts
 * URL-path safe. The MAC covers a purpose label as well, so a MAC the same key makes elsewhere
 * is never a valid answer token.
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/** Why a token was refused. Callers answer all three the same way (404) and log the reason. */
export type AnswerTokenFailure = 'malformed' | 'bad-signature' | 'expired';

/** The attempt a valid token names, or why the token was refused. */
export type AnswerTokenResult = { readonly ok: true; readonly attemptId: string } | { readonly ok: false; readonly reason: AnswerTokenFailure };

/** Shortest key accepted: the HMAC-SHA256 block of security, as for the code HMAC key. */
export const MIN_ANSWER_TOKEN_KEY_BYTES = 32;

const PURPOSE = 'switchboard/voice-answer/v1';
const VERSION = 'v1';
const ATTEMPT_ID = /^[A-Za-z0-9_-]{1,128}$/;
const MAX_TOKEN_LENGTH = 512;
const MAC_BYTES = 32;

/**
 * Derives the answer-token key from a master secret (e.g. the code HMAC key) with HKDF-SHA256,
 * so the service needs no extra setting and the two uses never share a key.
 */
export function deriveAnswerTokenKey(masterKey: Uint8Array): Buffer {
  checkKey(masterKey);
  return Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), PURPOSE, 32));
}

/**
 * Signs an answer token for `attemptId` (letters, digits, `-`, `_`; UUIDs fit) valid until
 * `expiresAt`. Throws `RangeError` for an attempt id or key it cannot sign: a programming error.
 */
export function signAnswerToken(attemptId: string, expiresAt: Date, key: Uint8Array): string {
  checkKey(key);
  if (!ATTEMPT_ID.test(attemptId)) throw new RangeError('attemptId must be 1-128 letters, digits, "-" or "_"');
  const expiresAtMs = expiresAt.getTime();
  if (!Number.isSafeInteger(expiresAtMs) || expiresAtMs < 0) throw new RangeError('expiresAt must be a valid date');
  const payload = Buffer.from(`${VERSION}.${expiresAtMs}.${attemptId}`, 'utf8').toString('base64url');
  return `${payload}.${mac(payload, key).toString('base64url')}`;
}

/**
 * Checks a token from an answer URL: well formed, signed with `key`, and `now` before its expiry
 * (in that order, so an unsigned token learns nothing about expiry). The MAC is compared in
 * constant time.
 */
export function verifyAnswerToken(token: string, key: Uint8Array, now: Date): AnswerTokenResult {
  checkKey(key);
  if (token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: 'malformed' };
  const parts = token.split('.');
  const [payload, signature] = parts;
  if (parts.length !== 2 || payload === undefined || signature === undefined) return { ok: false, reason: 'malformed' };
  if (!/^[A-Za-z0-9_-]+$/.test(payload) || !/^[A-Za-z0-9_-]+$/.test(signature)) return { ok: false, reason: 'malformed' };

  const presented = Buffer.from(signature, 'base64url');
  // Base64 has spare bits in its last character; only the canonical spelling is accepted.
  if (presented.length !== MAC_BYTES || presented.toString('base64url') !== signature) return { ok: false, reason: 'malformed' };
  if (!timingSafeEqual(presented, mac(payload, key))) return { ok: false, reason: 'bad-signature' };

  const match = /^v1\.(\d{1,16})\.([A-Za-z0-9_-]{1,128})$/.exec(Buffer.from(payload, 'base64url').toString('utf8'));
  const expiresAtMs = Number(match?.[1]);
  const attemptId = match?.[2];
  // A correctly signed token we cannot read was made by a different version of this code.
  if (attemptId === undefined || !Number.isSafeInteger(expiresAtMs)) return { ok: false, reason: 'malformed' };
  if (now.getTime() >= expiresAtMs) return { ok: false, reason: 'expired' };
  return { ok: true, attemptId };
}

function mac(payload: string, key: Uint8Array): Buffer {
  return createHmac('sha256', key).update(`${PURPOSE}\n${payload}`, 'utf8').digest();
}

function checkKey(key: Uint8Array): void {
  if (key.length < MIN_ANSWER_TOKEN_KEY_BYTES) throw new RangeError(`answer token key must be at least ${MIN_ANSWER_TOKEN_KEY_BYTES} bytes`);
}
