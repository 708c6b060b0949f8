/** Provider credentials at rest: one sealed JSON object per provider, opened only for that provider. */
import type { SecretBox } from '../shared/secret-box.js';

/** The seal context of a provider's credentials: a ciphertext opens only for its own provider. */
export function credentialsContext(providerId: string): string {
  return `provider:${providerId}`;
}

/** The ciphertext to store; null when there are no credentials. */
export function sealCredentials(box: SecretBox, providerId: string, credentials: Readonly<Record<string, string>>): string | null {
  return Object.keys(credentials).length === 0 ? null : box.seal(JSON.stringify(credentials), credentialsContext(providerId));
}

/**
 * The stored credentials; empty when there are none or they cannot be opened (after a key
 * change, say): a provider with unreadable credentials fails to bind, it does not stop the service.
 */
export function openCredentials(box: SecretBox, providerId: string, sealed: string | null): Record<string, string> {
  if (sealed === null) return {};
  try {
    return JSON.parse(box.open(sealed, credentialsContext(providerId))) as Record<string, string>;
  } catch {
    return {};
  }
}
