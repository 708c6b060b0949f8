/**
 * From a stored provider row to a running provider: the row's kind names its descriptor, and the
 * descriptor reads the settings and builds it. Re-exports the descriptor types the composition
 * root and the pool use.
 */
import type { ProviderDefinition } from '../persistence/provider.repository.js';
import { ProviderConfigError, type BuiltProvider, type ProviderContext } from './provider-kind.js';
import { providerKind } from './provider-kinds.js';

export { ProviderConfigError, type BuiltProvider, type ProviderContext, type ProviderEndpoints } from './provider-kind.js';

/** Builds the provider a row describes; throws `ProviderConfigError` naming what is wrong. */
export function createProvider(definition: ProviderDefinition, context: ProviderContext): BuiltProvider {
  const descriptor = providerKind(definition.kind);
  if (descriptor === undefined) throw new ProviderConfigError(definition.name, `kind "${definition.kind}" is not supported`);
  return descriptor.build(definition, context);
}
