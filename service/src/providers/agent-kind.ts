/**
 * The `agent` provider kind: GSM modems at a field site, driven by a modem-agent process that
 * dials in to the service (AgentService). The row names a registered agent and optionally which
 * of its modems may send; the agent link behind `ProviderContext.agents` does the rest.
 */
import { AGENT_ID_PATTERN, DEFAULT_QUEUE_TIMEOUT_SECONDS, parseAgentSettings } from './agent/agent-settings.js';
import { AgentProvider } from './agent/agent.provider.js';
import { configError, field, ProviderConfigError, type FieldDescriptor, type ProviderKindDescriptor } from './provider-kind.js';

// What the rest of the service (AdminService's agent registry) needs to know of the kind: which
// ids an agent may have, and when it counts as down.
export { AGENT_ID_PATTERN } from './agent/agent-settings.js';
export { AGENT_OFFLINE_AFTER_MS } from './agent/agent.provider.js';

const AGENT = 'Agent';
const SENDING = 'Sending';

export const AGENT_FIELDS: readonly FieldDescriptor[] = [
  field('agent', 'text', 'Agent id', 'The id a registered modem agent connects with (its config `agent.id`), e.g. site-lyon-1.', { group: AGENT, required: true, pattern: AGENT_ID_PATTERN }),
  field('modems', 'text', 'Modems', "Labels of the agent's modems that may send, separated by commas; empty: any healthy modem of the agent.", { group: AGENT }),
  field('queueTimeoutSeconds', 'integer', 'Queue timeout (s)', 'How long a message may wait for the agent and a free modem; after that the agent does not start it and the next step goes ahead.', {
    group: SENDING,
    min: 10,
    max: 3600,
    defaultValue: String(DEFAULT_QUEUE_TIMEOUT_SECONDS),
  }),
  field('statusReports', 'boolean', 'Status reports', 'Ask the network for a status report of each part (TP-SRR), so delivery is confirmed.', { group: SENDING, defaultValue: 'true' }),
];

export const agentKind: ProviderKindDescriptor = {
  kind: 'agent',
  title: 'Modem agent',
  description: 'GSM modems at a field site, driven by a modem-agent process that connects to the service.',
  channels: ['sms'],
  available: true,
  fields: AGENT_FIELDS,
  openCredentials: false,
  validate(settings, credentials) {
    const parsed = parseAgentSettings(settings, credentials);
    return parsed.ok ? [] : parsed.problems;
  },
  build(row, context) {
    const parsed = parseAgentSettings(row.settings, row.credentials);
    if (!parsed.ok) throw configError(row.name, parsed.problems);
    if (context.agents === undefined) throw new ProviderConfigError(row.name, 'this process has no agent link (AgentService is not served)');
    return { provider: new AgentProvider({ name: row.name, settings: parsed.settings, gateway: context.agents }), endpoints: {} };
  },
};
