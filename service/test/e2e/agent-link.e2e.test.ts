import { status } from '@grpc/grpc-js';
import { Agent, ProviderKind, type CreateAgentResponse, type ListInboundMessagesResponse } from '@switchboard/proto/switchboard/v1/admin';
import { ReceiptStatus, SmsFailure } from '@switchboard/proto/switchboard/v1/agent';
import { Channel } from '@switchboard/proto/switchboard/v1/channel';
import { DeliveryStatus, type SendCodeRequest } from '@switchboard/proto/switchboard/v1/verify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateAgentToken } from '../../src/shared/api-keys.js';
import { adminClient } from '../support/admin-client.js';
import { ScriptedAgent } from '../support/scripted-agent.js';
import { databaseTargets, startTestSystem, verifyApi, waitFor, type TestSystem, type VerifyApi } from '../support/test-system.js';

let numberSeq = 10;
/** A fresh French mobile number (routed to the agent) per test. */
function frenchNumber(): string {
  numberSeq += 1;
  return `+336123456${String(numberSeq).padStart(2, '0')}`;
}

function sendRequest(to: string): SendCodeRequest {
  return { to, channel: Channel.CHANNEL_SMS, locale: '', codeLength: 0, templateName: '', brand: '', idempotencyKey: '', appHash: '', email: '' };
}

function codeIn(text: string): string {
  const match = /(\d{6})/.exec(text);
  if (!match?.[1]) throw new Error(`no code in ${JSON.stringify(text)}`);
  return match[1];
}

describe.each(databaseTargets())('the agent link (AgentService) on $name', ({ url }) => {
  let system: TestSystem;
  let api: VerifyApi;
  let token: string;
  const agents: ScriptedAgent[] = [];

  const connect = (withToken: string | null = token) => {
    const agent = new ScriptedAgent(system.switchboard.grpcPort, withToken);
    agents.push(agent);
    return agent;
  };
  const online = async () => {
    const agent = connect();
    agent.hello('site-1');
    await agent.welcome();
    return agent;
  };
  const delivery = async (verificationId: string) => (await api.getVerification({ verificationId })).verification?.deliveryStatus;

  beforeAll(async () => {
    system = await startTestSystem({
      databaseUrl: url,
      env: { AGENT_ANSWER_GRACE_SECONDS: '2' },
      rules: [
        { name: 'france', priority: 10, prefixes: ['33'], candidates: ['field-site'], fallback: [{ provider: 'smsc-a', channel: 'sms', receiptTimeoutSeconds: 30 }] },
        { name: 'uk', priority: 20, prefixes: ['44'], candidates: ['dark-site'], fallback: [{ provider: 'smsc-a', channel: 'sms', receiptTimeoutSeconds: 30 }] },
      ],
    });
    api = verifyApi(system.client, system.apiKey);
    const admin = adminClient(system.switchboard.grpcPort);
    try {
      token = (await admin.call<CreateAgentResponse>('createAgent', { agent: Agent.fromPartial({ id: 'site-1', description: 'Lyon depot' }) })).token;
      await admin.call<CreateAgentResponse>('createAgent', { agent: Agent.fromPartial({ id: 'site-2', description: 'never connects' }) });
      for (const [name, agent, timeout] of [['field-site', 'site-1', '10'], ['dark-site', 'site-2', '120']] as const) {
        await admin.call('createProvider', {
          provider: { name, kind: ProviderKind.PROVIDER_KIND_AGENT, enabled: true, channels: [Channel.CHANNEL_SMS], throughputPerSecond: 0, burst: 0, maxInFlight: 0, settings: { agent, queueTimeoutSeconds: timeout }, credentials: {} },
        });
      }
    } finally {
      admin.close();
    }
  });

  afterEach(() => {
    for (const agent of agents.splice(0)) agent.close();
  });

  afterAll(async () => {
    await system.stop();
  });

  describe('who may connect', () => {
    it('refuses a stream without a token, or with an unknown one, as UNAUTHENTICATED', async () => {
      const anonymous = connect(null);
      anonymous.hello('site-1');
      expect((await anonymous.ended())?.code).toBe(status.UNAUTHENTICATED);
      const stranger = connect(generateAgentToken());
      stranger.hello('site-1');
      expect((await stranger.ended())?.code).toBe(status.UNAUTHENTICATED);
    });

    it("refuses a hello naming another agent than the token's", async () => {
      const agent = connect();
      agent.hello('site-2');
      const error = await agent.ended();
      expect(error?.code).toBe(status.PERMISSION_DENIED);
      expect(error?.details).toContain('site-1');
    });

    it('wants a hello first, and names what came instead', async () => {
      const agent = connect();
      agent.send({ body: { $case: 'heartbeat', value: { modems: [] } } });
      const error = await agent.ended();
      expect(error?.code).toBe(status.INVALID_ARGUMENT);
      expect(error?.details).toContain('hello');
    });

    it('acknowledges and drops a malformed result instead of ending the stream, so nothing behind it is held up', async () => {
      const agent = await online();
      agent.send({ body: { $case: 'submitted', value: { resultId: 'bad-1', messageId: 'not-a-uuid', modemLabel: 'orange-1', modemImei: '', references: [1], submittedAt: new Date() } } });
      agent.send({ body: { $case: 'failed', value: { resultId: 'bad-2', messageId: '7f000000-0000-4000-8000-000000000000', failure: SmsFailure.SMS_FAILURE_UNSPECIFIED, reason: '', modemLabel: '' } } });
      agent.send({ body: { $case: 'inbound', value: { resultId: 'after-bad', modemLabel: 'orange-1', from: '+33698765401', text: 'still here', parts: 1, receivedAt: new Date() } } });
      await agent.ack('after-bad');
      expect(agent.acked()).toEqual(expect.arrayContaining(['bad-1', 'bad-2', 'after-bad']));
      expect(agent.isEnded).toBe(false);
    });

    it('ends the stream on a message it cannot acknowledge, naming the field', async () => {
      const agent = await online();
      agent.send({ body: { $case: 'accepted', value: { messageId: 'not-a-uuid' } } });
      const error = await agent.ended();
      expect(error?.code).toBe(status.INVALID_ARGUMENT);
      expect(error?.details).toContain('accepted.message_id');
    });

    it('ends the older stream when the agent connects again: the newer one wins', async () => {
      const first = await online();
      const second = await online();
      expect((await first.ended())?.code).toBe(status.ALREADY_EXISTS);
      expect(second.isEnded).toBe(false);
    });
  });

  describe('sending through an agent', () => {
    it('delivers a code: SendSms, accepted, submitted, status report, and the code verifies', async () => {
      const agent = await online();
      const to = frenchNumber();
      const verificationId = (await api.sendCode(sendRequest(to))).verification?.id ?? '';
      const command = await agent.command();
      expect(command).toMatchObject({ to, requestStatusReport: true, modems: [] });
      expect(command.sendBefore?.getTime()).toBeGreaterThan(Date.now());
      expect(command.validitySeconds).toBeGreaterThan(0);
      agent.accept(command.messageId);
      agent.submitted('r-1', command.messageId, [42]);
      await agent.ack('r-1');
      await waitFor(async () => (await delivery(verificationId)) === DeliveryStatus.DELIVERY_STATUS_SUBMITTED, 'the submit to be recorded');
      agent.send({ body: { $case: 'receipt', value: { resultId: 'r-2', messageId: command.messageId, part: 0, status: ReceiptStatus.RECEIPT_STATUS_DELIVERED, statusCode: 0, dischargedAt: new Date() } } });
      await agent.ack('r-2');
      await waitFor(async () => (await delivery(verificationId)) === DeliveryStatus.DELIVERY_STATUS_DELIVERED, 'delivery');
      expect((await api.verifyCode({ target: { $case: 'verificationId', value: verificationId }, code: codeIn(command.text) })).approved).toBe(true);
      expect(system.smsc.latest(to)).toBeUndefined();
    });

    it('acknowledges a resent result again and applies it once', async () => {
      const agent = await online();
      const to = frenchNumber();
      const verificationId = (await api.sendCode(sendRequest(to))).verification?.id ?? '';
      const command = await agent.command();
      agent.accept(command.messageId);
      agent.submitted('dup-1', command.messageId);
      await agent.ack('dup-1');
      // A failure resent under the id of the submit must not undo it.
      agent.send({ body: { $case: 'failed', value: { resultId: 'dup-1', messageId: command.messageId, failure: SmsFailure.SMS_FAILURE_PERMANENT, reason: 'resent', modemLabel: 'orange-1' } } });
      await waitFor(() => agent.acked().filter((id) => id === 'dup-1').length === 2, 'the second ack');
      expect(await delivery(verificationId)).toBe(DeliveryStatus.DELIVERY_STATUS_SUBMITTED);
      expect(system.smsc.latest(to)).toBeUndefined();
    });

    it('falls back to the next step when the agent reports a retryable failure', async () => {
      const agent = await online();
      const to = frenchNumber();
      await api.sendCode(sendRequest(to));
      const command = await agent.command();
      agent.accept(command.messageId);
      agent.send({ body: { $case: 'failed', value: { resultId: 'f-1', messageId: command.messageId, failure: SmsFailure.SMS_FAILURE_RETRYABLE, reason: '+CMS ERROR: 38', modemLabel: 'orange-1' } } });
      await waitFor(() => system.smsc.latest(to) !== undefined, 'the fallback over SMPP');
      expect(system.smsc.latest(to)?.text).toContain(codeIn(command.text));
    });

    it('never falls back after an outcome the agent cannot know: a second code is worse than none', async () => {
      const agent = await online();
      const to = frenchNumber();
      const verificationId = (await api.sendCode(sendRequest(to))).verification?.id ?? '';
      const command = await agent.command();
      agent.accept(command.messageId);
      agent.send({ body: { $case: 'failed', value: { resultId: 'u-1', messageId: command.messageId, failure: SmsFailure.SMS_FAILURE_OUTCOME_UNKNOWN, reason: 'agent restarted mid-send', modemLabel: 'orange-1' } } });
      await agent.ack('u-1');
      await waitFor(async () => (await delivery(verificationId)) === DeliveryStatus.DELIVERY_STATUS_SUBMITTED, 'the attempt to be recorded as possibly sent');
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(system.smsc.latest(to)).toBeUndefined();
    });

    it('resends a command not yet accepted on the next stream, and not once accepted', async () => {
      const first = await online();
      const to = frenchNumber();
      await api.sendCode(sendRequest(to));
      const command = await first.command();
      first.close();
      const second = await online();
      expect((await second.command()).messageId).toBe(command.messageId);
      second.accept(command.messageId);
      // Messages are handled in order: once this heartbeat's successor is acknowledged, the accept is stored.
      second.send({ body: { $case: 'heartbeat', value: { modems: [] } } });
      second.send({ body: { $case: 'inbound', value: { resultId: 'order-1', modemLabel: 'orange-1', from: '+33698765400', text: 'ok', parts: 1, receivedAt: new Date() } } });
      await second.ack('order-1');
      second.close();
      const third = await online();
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(third.commands().map((c) => c.messageId)).not.toContain(command.messageId);
      third.submitted('late-1', command.messageId);
      await third.ack('late-1');
    });

    it('skips a step whose agent is offline and goes on at once', async () => {
      const to = `+447911123${String(++numberSeq).padStart(3, '0')}`;
      const started = Date.now();
      await api.sendCode(sendRequest(to));
      await waitFor(() => system.smsc.latest(to) !== undefined, 'the next step over SMPP');
      expect(Date.now() - started).toBeLessThan(8000);
    });

    it('withdraws a command no stream carried by its send-before time, and the step fails over', async () => {
      // Seen a moment ago, so its route is still up, but not connected: the command waits in the queue.
      const agent = await online();
      agent.close();
      await agent.ended().catch(() => undefined);
      const to = frenchNumber();
      await api.sendCode(sendRequest(to));
      await waitFor(() => system.smsc.latest(to) !== undefined, 'the fallback after the queue timeout', 30_000);
      const next = await online();
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(next.commands().map((c) => c.to)).not.toContain(to);
    }, 40_000);

    it('never withdraws a command a stream carried, even unaccepted: the agent may have it; outcome unknown, no fallback', async () => {
      const agent = await online();
      const to = frenchNumber();
      const verificationId = (await api.sendCode(sendRequest(to))).verification?.id ?? '';
      await agent.command();
      // The accept is lost with the link; the agent may be sending it right now.
      agent.close();
      await waitFor(async () => (await delivery(verificationId)) === DeliveryStatus.DELIVERY_STATUS_SUBMITTED, 'the outcome recorded as unknown after send-before and the answer grace', 30_000);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(system.smsc.latest(to)).toBeUndefined();
    }, 40_000);
  });

  describe.runIf(url !== undefined)('across replicas', () => {
    it('reaches an agent connected to another replica, and the newer stream wins there too', async () => {
      const replica = await system.startReplica();
      const elsewhere = new ScriptedAgent(replica.grpcPort, token);
      agents.push(elsewhere);
      elsewhere.hello('site-1');
      await elsewhere.welcome();
      const to = frenchNumber();
      const verificationId = (await api.sendCode(sendRequest(to))).verification?.id ?? '';
      const command = await elsewhere.command();
      elsewhere.accept(command.messageId);
      elsewhere.submitted('x-1', command.messageId);
      await elsewhere.ack('x-1');
      await waitFor(async () => (await delivery(verificationId)) === DeliveryStatus.DELIVERY_STATUS_SUBMITTED, 'the submit, stored by the other replica');
      elsewhere.send({ body: { $case: 'receipt', value: { resultId: 'x-2', messageId: command.messageId, part: 0, status: ReceiptStatus.RECEIPT_STATUS_DELIVERED, statusCode: 0, dischargedAt: new Date() } } });
      await waitFor(async () => (await delivery(verificationId)) === DeliveryStatus.DELIVERY_STATUS_DELIVERED, 'the status report, applied whichever replica dispatched it');
      const here = await online();
      expect((await elsewhere.ended())?.code).toBe(status.ALREADY_EXISTS);
      expect(here.isEnded).toBe(false);
    });
  });

  describe('from the agent', () => {
    it('stores an inbound SMS once, however often it is resent', async () => {
      const agent = await online();
      const inbound = { resultId: 'in-1', modemLabel: 'orange-1', from: '+33698765432', text: 'STOP', parts: 1, receivedAt: new Date() };
      agent.send({ body: { $case: 'inbound', value: inbound } });
      agent.send({ body: { $case: 'inbound', value: inbound } });
      await waitFor(() => agent.acked().filter((id) => id === 'in-1').length === 2, 'both acks');
      const admin = adminClient(system.switchboard.grpcPort);
      try {
        const { messages } = await admin.call<ListInboundMessagesResponse>('listInboundMessages', { pageSize: 10, pageToken: '', provider: 'field-site', from: '' });
        expect(messages.filter((m) => m.text === 'STOP').map((m) => [m.provider, m.text, m.to])).toEqual([['field-site', 'STOP', 'orange-1']]);
      } finally {
        admin.close();
      }
    });
  });
});
