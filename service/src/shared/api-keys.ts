/** API keys: how they look and how they are stored. */
import { createHash, randomBytes } from 'node:crypto';

/** Prefix of every API key, so leaked keys are easy to recognise (and to scan for). */
const KEY_PREFIX = 'sb_';

/** SHA-256 of an API key. Keys carry 256 random bits, so a fast hash is safe against guessing. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** A new random API key: `sb_` and 43 base64url characters (256 bits). */
export function generateApiKey(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}
