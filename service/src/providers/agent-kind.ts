/**
 * The `agent` provider kind: GSM modems at a field site, driven by a modem-agent process that
 * dials in to the service. Known to the model (rows and routes may name it) but not runnable
 * until the agent link lands, so rows of this kind are refused rather than saved and never run.
 */
import { ProviderConfigError, type ProviderKindDescriptor } from './provider-kind.js';

export const agentKind: ProviderKindDescriptor = {
  kind: 'agent',
  title: 'Modem agent',
  description: 'GSM modems at a field site, driven by a modem-agent process that connects to the service.',
  channels: ['sms'],
  available: false,
  fields: [],
  openCredentials: false,
  validate: () => [{ field: 'kind', reason: 'agent providers are not available in this version (they arrive with the modem agent)' }],
  build(row) {
    throw new ProviderConfigError(row.name, 'kind "agent" is not supported yet');
  },
};
