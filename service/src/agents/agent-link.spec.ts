import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AgentOutcome, AgentSubmission } from '../providers/agent-gateway.js';
import type { DeliveryReceipt, LateAcceptance } from '../providers/channel-provider.js';
import type { SwitchboardError } from '../shared/errors.js';
import { silentLogger } from '../shared/logger.js';
import { MemoryAgentLinkStore } from '../../test/support/memory-agent-link-store.js';
import { AgentHub } from './agent-hub.js';
import type { ServiceMessage } from './agent-link.ports.js';
import { AgentSession } from './agent-session.js';

const TOKEN = 'sbagent_test-token';
const ACCEPT_GRACE = 5_000;
const ANSWER_GRACE = 20_000;
let seq = 0;

function submission(overrides: Partial<AgentSubmission> = {}): AgentSubmission {
  seq += 1;
  return {
    attemptId: `a0000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    messageId: `b0000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    agentId: 'site-1',
    provider: 'field',
    to: '+33612345678',
    text: 'Your code is 123456',
    statusReport: true,
    validitySeconds: 600,
    sendBefore: new Date(Date.now() + 10_000),
    modems: [],
    ...overrides,
  };
}

/** The hub and a stream of agent site-1 on it, with everything the service side records. */
function setUp() {
  const store = new MemoryAgentLinkStore();
  store.register('site-1', TOKEN);
  const hub = new AgentHub({ store, logger: silentLogger, acceptGraceMs: ACCEPT_GRACE, answerGraceMs: ANSWER_GRACE, pollMs: 60_000 });
  const receipts: DeliveryReceipt[] = [];
  const late: LateAcceptance[] = [];
  const inbound: string[] = [];
  const connect = () => {
    const sent: ServiceMessage[] = [];
    const ended: SwitchboardError[] = [];
    const session = new AgentSession({
      agentId: 'site-1',
      token: TOKEN,
      sessionId: `s-${++seq}`,
      replica: 'r-1',
      heartbeatSeconds: 15,
      store,
      host: hub,
      receipts: (_provider, receipt) => {
        receipts.push(receipt);
        return Promise.resolve();
      },
      lateAcceptances: (_provider, acceptance) => {
        late.push(acceptance);
        return Promise.resolve();
      },
      inbound: (_provider, message) => {
        inbound.push(message.text);
        return Promise.resolve();
      },
      send: (message) => sent.push(message),
      end: (error) => ended.push(error),
      logger: silentLogger,
    });
    session.receive({ kind: 'hello', agentId: 'site-1', agentVersion: '1.0.0', modems: [] });
    const commands = () => sent.flatMap((m) => (m.kind === 'send' ? [m.command.attemptId] : []));
    const acks = () => sent.flatMap((m) => (m.kind === 'ack' ? m.resultIds : []));
    return { session, sent, ended, commands, acks };
  };
  return { store, hub, receipts, late, inbound, connect };
}

/** Lets promise chains run under fake timers. */
async function settle(): Promise<void> {
  for (let i = 0; i < 200; i++) await Promise.resolve();
}

describe('the agent link: hub and session', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('withdraws a command no stream carried by its send-before time: never sent, the step may fail over', async () => {
    const { store, hub } = setUp();
    const command = submission();
    const outcome = hub.submit(command);
    await vi.advanceTimersByTimeAsync(10_000 + ACCEPT_GRACE);
    expect(await outcome).toMatchObject({ kind: 'not-taken' });
    expect(store.state(command.attemptId)).toBe('expired');
  });

  it('never withdraws a command a stream carried, accepted or not; without an answer it ends as no-answer', async () => {
    const { store, hub, connect } = setUp();
    const agent = connect();
    await settle();
    const command = submission();
    let outcome: AgentOutcome | undefined;
    void hub.submit(command).then((o) => (outcome = o));
    await settle();
    expect(agent.commands()).toEqual([command.attemptId]);
    // The accept is lost with the link.
    agent.session.close();
    await vi.advanceTimersByTimeAsync(10_000 + ACCEPT_GRACE + 1000);
    expect(outcome).toBeUndefined();
    expect(store.state(command.attemptId)).toBe('queued');
    await vi.advanceTimersByTimeAsync(ANSWER_GRACE);
    expect(outcome).toMatchObject({ kind: 'no-answer' });
    expect(store.state(command.attemptId)).toBe('abandoned');
  });

  it("resolves a submit with the agent's answer, and applies a resent answer once", async () => {
    const { store, hub, connect, late } = setUp();
    const agent = connect();
    await settle();
    const command = submission();
    const outcome = hub.submit(command);
    await settle();
    agent.session.receive({ kind: 'accepted', messageId: command.attemptId });
    agent.session.receive({ kind: 'submitted', resultId: '7', messageId: command.attemptId, modemLabel: 'orange-1', modemImei: '1', references: [3, 4], submittedAt: new Date() });
    expect(await outcome).toMatchObject({ kind: 'submitted', references: [3, 4] });
    expect(late).toEqual([]);
    agent.session.receive({ kind: 'failed', resultId: '7', messageId: command.attemptId, failure: 'permanent', reason: 'resent under the same id', modemLabel: '' });
    await settle();
    expect(agent.acks()).toEqual(['7', '7']);
    expect(store.state(command.attemptId)).toBe('submitted');
  });

  it('gives an attempt nobody here waits for its part ids as a late acceptance, again on a resend', async () => {
    const { store, connect, late } = setUp();
    const command = submission();
    await store.enqueue(command);
    const agent = connect();
    await settle();
    const answer = { kind: 'submitted', resultId: '9', messageId: command.attemptId, modemLabel: 'orange-1', modemImei: '1', references: [5, 6], submittedAt: new Date() } as const;
    agent.session.receive(answer);
    agent.session.receive(answer);
    await settle();
    expect(late.map((l) => [l.part, l.providerMessageId])).toEqual([
      [1, `${command.attemptId}/1`],
      [2, `${command.attemptId}/2`],
      [1, `${command.attemptId}/1`],
      [2, `${command.attemptId}/2`],
    ]);
  });

  it('applies a status report and an inbound SMS once each, and acknowledges every copy', async () => {
    const { store, connect, receipts, inbound } = setUp();
    const command = submission();
    await store.enqueue(command);
    const agent = connect();
    await settle();
    const report = { kind: 'receipt', resultId: '11', messageId: command.attemptId, part: 1, status: 'delivered', statusCode: 0, dischargedAt: null } as const;
    const sms = { kind: 'inbound', resultId: '12', modemLabel: 'orange-1', from: '+33698765432', text: 'STOP', parts: 1, receivedAt: null } as const;
    for (const message of [report, report, sms, sms]) agent.session.receive(message);
    await settle();
    expect(receipts).toMatchObject([{ providerMessageId: `${command.attemptId}/2`, state: 'delivered', handset: '+33612345678' }]);
    expect(inbound).toEqual(['STOP']);
    expect(agent.acks()).toEqual(['11', '11', '12', '12']);
  });

  it('refuses a hello whose token was rotated meanwhile, and ends the older stream when the agent connects again', async () => {
    const { store, connect } = setUp();
    const first = connect();
    await settle();
    const second = connect();
    await settle();
    expect(first.ended.map((e) => e.code)).toEqual(['ALREADY_EXISTS']);
    expect(second.ended).toEqual([]);
    store.tokens.clear();
    const third = connect();
    await settle();
    expect(third.ended.map((e) => e.code)).toEqual(['UNAUTHENTICATED']);
  });

  it('on stop, withdraws what no stream carried and leaves what one did as no-answer', async () => {
    const { store, hub, connect } = setUp();
    const waiting = hub.submit(submission({ agentId: 'site-2' }));
    connect();
    await settle();
    const carried = submission();
    const held = hub.submit(carried);
    await settle();
    await hub.stop();
    expect(await waiting).toMatchObject({ kind: 'not-taken' });
    expect(await held).toMatchObject({ kind: 'no-answer' });
    expect(store.state(carried.attemptId)).toBe('abandoned');
    expect(await hub.submit(submission())).toMatchObject({ kind: 'not-taken' });
  });
});
