/** API keys and agent tokens: how they look and how they are stored. */
import { createHash, randomBytes } from 'node:crypto';

/** Prefix of every API key, so leaked keys are easy to recognise (and to scan for). */
const KEY_PREFIX = 'sb_';

/** Prefix of every modem agent token: told apart from an app's key at a glance, and by scanners. */
const AGENT_TOKEN_PREFIX = 'sbagent_';

/** SHA-256 of an API key or agent token. Both carry 256 random bits, so a fast hash is safe against guessing. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** A new random API key: `sb_` and 43 base64url characters (256 bits). */
export function generateApiKey(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

/** A new random modem agent token: `sbagent_` and 43 base64url characters (256 bits), stored as {@link hashApiKey}. */
export function generateAgentToken(): string {
  return AGENT_TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** The first characters of an agent token kept in the clear to tell tokens apart: `sbagent_` and 4 of the secret. */
export function agentTokenPrefix(token: string): string {
  return token.slice(0, 12);
}
