import { createHmac, createSecretKey, randomInt, timingSafeEqual, type KeyObject } from 'node:crypto';

/** Shortest and longest code a verification may use (SendCode's `code_length`). */
export const MIN_CODE_LENGTH = 4;
export const MAX_CODE_LENGTH = 10;

/**
 * A uniformly random numeric code from the CSPRNG (NIST SP 800-63B-4 §3.1.3: at least 20 bits of
 * entropy for 6 digits; `randomInt` has no modulo bias). Leading zeros are kept.
 */
export function generateCode(length: number): string {
  if (!Number.isInteger(length) || length < MIN_CODE_LENGTH || length > MAX_CODE_LENGTH) {
    throw new RangeError(`code length must be ${MIN_CODE_LENGTH}-${MAX_CODE_LENGTH}, got ${length}`);
  }
  let code = '';
  for (let i = 0; i < length; i++) code += String(randomInt(10));
  return code;
}

/**
 * Keyed hashing of codes: only the HMAC is stored, so a database dump does not reveal live codes.
 * The verification id is part of the input so equal codes of different verifications hash apart.
 */
export class CodeHasher {
  // A KeyObject, made once: importing the raw key on every HMAC costs five times the HMAC.
  readonly #key: KeyObject;

  constructor(key: Buffer) {
    if (key.length < 32) throw new RangeError('code HMAC key must be at least 32 bytes');
    this.#key = createSecretKey(key);
  }

  hash(verificationId: string, code: string): string {
    return createHmac('sha256', this.#key).update(`${verificationId}:${code}`).digest('base64url');
  }

  /**
   * True when `code` matches any of the stored hashes. Every hash is compared in constant time and
   * none is skipped, so timing tells nothing about which (or whether one) matched.
   */
  matches(verificationId: string, code: string, storedHashes: readonly string[]): boolean {
    const candidate = Buffer.from(this.hash(verificationId, code));
    let matched = false;
    for (const stored of storedHashes) {
      const expected = Buffer.from(stored);
      if (expected.length === candidate.length && timingSafeEqual(expected, candidate)) matched = true;
    }
    return matched;
  }
}
