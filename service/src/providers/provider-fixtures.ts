/** Helpers the provider specs share. */
import { ProviderError } from '../shared/errors.js';

/** The `ProviderError` a promise rejects with; throws when it resolves or rejects with anything else. */
export async function providerFailure(promise: Promise<unknown>): Promise<ProviderError> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof ProviderError)) {
    throw new Error(`expected a ProviderError, got ${error === undefined ? 'success' : error instanceof Error ? `${error.name}: ${error.message}` : typeof error}`);
  }
  return error;
}
