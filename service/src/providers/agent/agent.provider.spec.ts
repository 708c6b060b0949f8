import { describe, expect, it } from 'vitest';
import type { AgentGateway, AgentOutcome, AgentPresence, AgentSubmission } from '../agent-gateway.js';
import { ProviderError } from '../../shared/errors.js';
import type { OutboundSms } from '../channel-provider.js';
import { AgentProvider, AGENT_OFFLINE_AFTER_MS } from './agent.provider.js';

const NOW = Date.parse('2026-12-08T10:00:00Z');

/** A gateway answering every submit with `outcome`, recording what it was given. */
function gateway(outcome: AgentOutcome, presence: AgentPresence | 'unregistered' = { connected: true, lastSeenAt: new Date(NOW) }) {
  const submitted: AgentSubmission[] = [];
  const port: AgentGateway = {
    submit: (submission) => {
      submitted.push(submission);
      return Promise.resolve(outcome);
    },
    presence: () => (presence === 'unregistered' ? undefined : presence),
  };
  return { port, submitted };
}

function provider(port: AgentGateway, settings: Partial<{ modems: string[]; queueTimeoutSeconds: number }> = {}) {
  return new AgentProvider({
    name: 'field-site',
    settings: { agent: 'site-1', modems: settings.modems ?? [], queueTimeoutSeconds: settings.queueTimeoutSeconds ?? 120, statusReports: true },
    gateway: port,
    now: () => NOW,
  });
}

const sms = (overrides: Partial<OutboundSms> = {}): OutboundSms => ({
  messageId: 'b3b7c0de-0000-4000-8000-000000000001',
  attemptId: 'a77e0000-0000-4000-8000-000000000002',
  to: '+33612345678',
  from: 'Shop',
  text: 'Your code is 123456',
  validUntil: new Date(NOW + 600_000),
  ...overrides,
});

async function refusal(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(() => undefined, (thrown: unknown) => thrown);
  if (!(error instanceof ProviderError)) throw new Error(`expected a ProviderError, got ${String(error)}`);
  return error;
}

describe('AgentProvider', () => {
  it('hands the attempt to its agent with a send-before of the queue timeout, bounded by the validity', async () => {
    const { port, submitted } = gateway({ kind: 'submitted', modemLabel: 'orange-1', modemImei: '1', references: [9], submittedAt: new Date(NOW) });
    await provider(port, { modems: ['orange-1'], queueTimeoutSeconds: 60 }).submit(sms());
    expect(submitted[0]).toMatchObject({ agentId: 'site-1', provider: 'field-site', attemptId: sms().attemptId, modems: ['orange-1'], statusReport: true, validitySeconds: 600 });
    expect(submitted[0]?.sendBefore.getTime()).toBe(NOW + 60_000);
    await provider(port, { queueTimeoutSeconds: 3600 }).submit(sms());
    expect(submitted[1]?.sendBefore.getTime()).toBe(NOW + 600_000);
  });

  it('names each part of a long text by attempt and part, as status reports will', async () => {
    const { port } = gateway({ kind: 'submitted', modemLabel: 'orange-1', modemImei: '1', references: [1, 2, 3], submittedAt: new Date(NOW) });
    const accepted = await provider(port).submit(sms({ text: 'x'.repeat(400) }));
    expect(accepted).toEqual({ providerMessageId: `${sms().attemptId}/1`, partMessageIds: [1, 2, 3].map((part) => `${sms().attemptId}/${part}`), parts: 3 });
  });

  it.each([
    [{ kind: 'failed', failure: 'retryable', reason: '+CMS ERROR: 38', modemLabel: 'orange-1' }, { retryable: true, outcomeUnknown: false, notConnected: false }],
    [{ kind: 'failed', failure: 'permanent', reason: '+CMS ERROR: 21', modemLabel: 'orange-1' }, { retryable: false, outcomeUnknown: false, notConnected: false }],
    [{ kind: 'failed', failure: 'outcome-unknown', reason: 'crashed', modemLabel: 'orange-1' }, { retryable: false, outcomeUnknown: true, notConnected: false }],
    [{ kind: 'not-taken', reason: 'offline' }, { retryable: true, outcomeUnknown: false, notConnected: true }],
    [{ kind: 'no-answer', reason: 'silent' }, { retryable: false, outcomeUnknown: true, notConnected: false }],
  ] as const)('turns %o into the matching refusal', async (outcome, expected) => {
    const error = await refusal(provider(gateway(outcome).port).submit(sms()));
    expect({ retryable: error.retryable, outcomeUnknown: error.outcomeUnknown, notConnected: error.notConnected }).toEqual(expected);
    expect(error.message).toContain('site-1');
  });

  it('refuses at once, without queueing, for an agent nobody registered', async () => {
    const { port, submitted } = gateway({ kind: 'no-answer', reason: '' }, 'unregistered');
    const error = await refusal(provider(port).submit(sms()));
    expect(error.message).toContain('not registered');
    expect(submitted).toHaveLength(0);
  });

  it('reads ready while the agent is connected or was seen lately, offline after that', () => {
    const lately = new Date(NOW - AGENT_OFFLINE_AFTER_MS + 1000);
    const long = new Date(NOW - AGENT_OFFLINE_AFTER_MS - 1000);
    expect(provider(gateway({ kind: 'no-answer', reason: '' }).port).status().connection).toBe('ready');
    expect(provider(gateway({ kind: 'no-answer', reason: '' }, { connected: false, lastSeenAt: lately }).port).status().connection).toBe('ready');
    const offline = provider(gateway({ kind: 'no-answer', reason: '' }, { connected: false, lastSeenAt: long }).port).status();
    expect(offline.connection).toBe('offline');
    expect(offline.lastError).toContain('site-1');
  });
});
