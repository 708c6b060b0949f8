import { InvalidArgumentError } from './errors.js';

/**
 * Rules every API shares, so SendCode, SendMessage and AdminService answer the same input the
 * same way.
 */

/** How long an idempotency key stands for its first request (SendCode, SendMessage). */
export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;

const MAX_IDEMPOTENCY_KEY_LENGTH = 128;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for the ids this service issues (UUIDs). */
export function isUuid(text: string): boolean {
  return UUID.test(text);
}

/** Refuses an idempotency key that is too long or holds spaces or non-printable characters. */
export function assertIdempotencyKey(key: string): void {
  if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH || /[^\x21-\x7e]/.test(key)) {
    throw new InvalidArgumentError('idempotency_key', `must be at most ${MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters without spaces`);
  }
}
