import type { Metadata } from '@grpc/grpc-js';
import { UnauthenticatedError, UnavailableError } from '../shared/errors.js';
import type { AppAuthenticator, AppProfile } from '../verification/app-profile.js';

const MAX_KEY_LENGTH = 256;
const KEY_CHECK_RETRY_MS = 1000;

/** The API key from `authorization: Bearer <key>` or `x-api-key: <key>`; null when absent. */
export function apiKeyFrom(metadata: Metadata): string | null {
  const [authorization] = metadata.get('authorization');
  if (typeof authorization === 'string' && authorization !== '') {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    if (!match?.[1]) throw new UnauthenticatedError('authorization metadata must be "Bearer <api key>"');
    return match[1];
  }
  const [apiKey] = metadata.get('x-api-key');
  const trimmed = typeof apiKey === 'string' ? apiKey.trim() : '';
  return trimmed === '' ? null : trimmed;
}

/** The calling app; UNAUTHENTICATED when the key is missing, malformed or unknown. */
export async function authenticateApp(metadata: Metadata, authenticator: AppAuthenticator): Promise<AppProfile> {
  const key = apiKeyFrom(metadata);
  if (key === null) throw new UnauthenticatedError('an API key is required: send "authorization: Bearer <key>" or "x-api-key: <key>"');
  if (key.length > MAX_KEY_LENGTH) throw new UnauthenticatedError('unknown API key');
  const app = await authenticator.findByApiKey(key).catch((error: unknown) => {
    // The key store could not answer (database down or its pool exhausted): the caller may retry.
    throw new UnavailableError('the API key cannot be checked right now', KEY_CHECK_RETRY_MS, { cause: error });
  });
  if (!app) throw new UnauthenticatedError('unknown API key');
  return app;
}
