/**
 * An SMS route through a modem agent: the submit hands the attempt to the agent link and waits
 * for the agent's own answer (the network took every part, or why not), so the attempt ends up
 * exactly where it would with an SMPP or HTTP provider: accepted with one id per part for the
 * status reports, refused (retryable or not), or outcome unknown, never resent.
 */
import { encodeMessage } from '@switchboard/sms-encoding';
import { ProviderError } from '../../shared/errors.js';
import type { ChannelProvider, OutboundSms, ProviderStatus, SubmitAccepted } from '../channel-provider.js';
import { agentPartId, type AgentGateway } from '../agent-gateway.js';
import type { AgentSettings } from './agent-settings.js';

/**
 * How long an agent may be out of touch before its route counts as down (a later step then goes
 * ahead at once instead of waiting out the queue timeout). Longer than a link flap, shorter than
 * anyone's patience for a code.
 */
export const AGENT_OFFLINE_AFTER_MS = 45_000;

export class AgentProvider implements ChannelProvider {
  readonly name: string;
  readonly #settings: AgentSettings;
  readonly #gateway: AgentGateway;
  readonly #now: () => number;

  constructor(options: { name: string; settings: AgentSettings; gateway: AgentGateway; now?: () => number }) {
    this.name = options.name;
    this.#settings = options.settings;
    this.#gateway = options.gateway;
    this.#now = options.now ?? Date.now;
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }

  async submit(message: OutboundSms): Promise<SubmitAccepted> {
    const { agent, modems, queueTimeoutSeconds, statusReports } = this.#settings;
    if (this.#gateway.presence(agent) === undefined) {
      throw new ProviderError(`modem agent ${agent} is not registered`, { retryable: true, notConnected: true, providerCode: 'AGENT_UNKNOWN' });
    }
    const now = this.#now();
    const validUntil = message.validUntil?.getTime() ?? Number.POSITIVE_INFINITY;
    const sendBefore = new Date(Math.min(now + queueTimeoutSeconds * 1000, validUntil));
    const validitySeconds = Number.isFinite(validUntil) ? Math.max(60, Math.floor((validUntil - now) / 1000)) : 0;
    const outcome = await this.#gateway.submit({
      attemptId: message.attemptId,
      messageId: message.messageId,
      agentId: agent,
      provider: this.name,
      to: message.to,
      text: message.text,
      statusReport: statusReports,
      validitySeconds,
      sendBefore,
      modems,
    });
    switch (outcome.kind) {
      case 'submitted': {
        const parts = outcome.references.length > 0 ? outcome.references.length : encodeMessage(message.text).parts;
        const ids = Array.from({ length: parts }, (_, index) => agentPartId(message.attemptId, index + 1));
        return parts > 1 ? { providerMessageId: ids[0] ?? '', partMessageIds: ids, parts } : { providerMessageId: ids[0] ?? '', parts };
      }
      case 'failed':
        if (outcome.failure === 'outcome-unknown') {
          throw new ProviderError(`agent ${agent}: ${outcome.reason}`, { retryable: false, outcomeUnknown: true, providerCode: 'AGENT_OUTCOME_UNKNOWN' });
        }
        throw new ProviderError(`agent ${agent}${outcome.modemLabel ? ` modem ${outcome.modemLabel}` : ''}: ${outcome.reason}`, {
          retryable: outcome.failure === 'retryable',
          providerCode: outcome.failure === 'retryable' ? 'AGENT_RETRYABLE' : 'AGENT_PERMANENT',
        });
      case 'not-taken':
        // Nothing reached a modem: not a failure of the route's quality, so breakers ignore it.
        throw new ProviderError(`agent ${agent}: ${outcome.reason}`, { retryable: true, notConnected: true, providerCode: 'AGENT_NOT_TAKEN' });
      case 'no-answer':
        throw new ProviderError(`agent ${agent}: ${outcome.reason}`, { retryable: false, outcomeUnknown: true, providerCode: 'AGENT_NO_ANSWER' });
    }
  }

  status(): ProviderStatus {
    const presence = this.#gateway.presence(this.#settings.agent);
    if (presence === undefined) return { connection: 'unknown agent', binds: [], lastError: `modem agent ${this.#settings.agent} is not registered` };
    const recent = presence.lastSeenAt !== null && this.#now() - presence.lastSeenAt.getTime() < AGENT_OFFLINE_AFTER_MS;
    if (presence.connected || recent) return { connection: 'ready', binds: [], lastError: '' };
    const since = presence.lastSeenAt === null ? 'never connected' : `last seen ${presence.lastSeenAt.toISOString()}`;
    return { connection: 'offline', binds: [], lastError: `modem agent ${this.#settings.agent} is offline (${since})` };
  }
}
