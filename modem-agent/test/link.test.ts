// The agent link against a scripted AgentService over real gRPC on loopback, with a real journal
// in a temp dir: the delivery rules of agent.proto, checked from the service's side of the wire.
import { copyFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServerCredentials, status as Status } from '@grpc/grpc-js';
import { ModemHealth, ReceiptStatus, SmsFailure, type ConnectRequest, type SendSms } from '@switchboard/proto/switchboard/v1/agent';
import { afterEach, describe, expect, it } from 'vitest';
import { Secret, type ServiceTls } from '../src/config.js';
import { Journal, type JournalResult } from '../src/journal/index.js';
import { AgentLink, type AgentLinkOptions, type LinkJournal } from '../src/link/index.js';
import {
  eventually,
  makeTestPki,
  modem,
  RecordingLogger,
  RecordingSender,
  ScriptedService,
  type ScriptedStream,
  type StreamScript,
} from './link-harness.js';

const TOKEN = 'tok-7f3a9c1e5b2d';

interface Agent {
  readonly journal: Journal;
  readonly sender: RecordingSender;
  readonly logger: RecordingLogger;
  readonly link: AgentLink;
}

interface Rig {
  readonly service: ScriptedService;
  readonly path: string;
  agent: Agent;
}

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startAgent(service: ScriptedService, path: string, options: Partial<AgentLinkOptions> = {}): Promise<Agent> {
  const journal = await Journal.open(path);
  const linkJournal = options.journal ?? journal;
  const sender = new RecordingSender(journal);
  const logger = new RecordingLogger();
  const link = new AgentLink({
    config: agentConfig(service.port),
    sender,
    logger,
    agentVersion: '0.1.0',
    backoff: { initialMs: 10, maxMs: 50 },
    refusedRetryMs: 50,
    heartbeatMs: 20,
    ...options,
    journal: linkJournal,
  });
  sender.listener = link.onResult;
  link.start();
  cleanups.push(async () => {
    await link.stop();
    await journal.close();
  });
  return { journal, sender, logger, link };
}

function agentConfig(port: number, tls: ServiceTls = { mode: 'plaintext' }, host = '127.0.0.1'): AgentLinkOptions['config'] {
  return {
    service: { address: { host, port }, tls },
    agent: { id: 'site-7', token: new Secret(TOKEN) },
    heartbeatSeconds: 15,
  };
}

/** A scripted service, a journal in a temp dir and a started agent; `script` runs from the first stream. */
async function rig(
  options: Partial<AgentLinkOptions> = {},
  script?: StreamScript,
  credentials?: ServerCredentials,
): Promise<Rig> {
  const service = await ScriptedService.start(credentials);
  if (script !== undefined) service.script = script;
  const dir = await mkdtemp(join(tmpdir(), 'link-test-'));
  cleanups.push(async () => {
    service.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const path = join(dir, 'journal.jsonl');
  return { service, path, agent: await startAgent(service, path, { config: agentConfig(service.port), ...options }) };
}

/**
 * `journal` as on a slow disk: an append's state shows at once but it resolves (is durable) only
 * 100 ms later, when `events` gets `durable <type> <messageId>`.
 */
function slowDisk(journalOf: () => Journal, events: string[]): LinkJournal {
  return {
    append: async (record) => {
      const outcome = await journalOf().append(record);
      await new Promise((resolve) => setTimeout(resolve, 100));
      events.push(`durable ${record.type} ${'messageId' in record ? record.messageId : ''}`);
      return outcome;
    },
    ack: (ids) => journalOf().ack(ids),
    message: (id) => journalOf().message(id),
    unackedResults: () => journalOf().unackedResults(),
  };
}

/** Stops the agent the way a restart does and starts a new one on the same journal file. */
async function restartAgent(rig: Rig): Promise<void> {
  await rig.agent.link.stop();
  await rig.agent.journal.close();
  rig.agent = await startAgent(rig.service, rig.path);
}

let nextId = 0;
function sendSms(overrides: Partial<SendSms> = {}): SendSms {
  nextId += 1;
  return {
    messageId: `00000000-0000-4000-8000-${String(nextId).padStart(12, '0')}`,
    to: '+4915112345678',
    text: 'Your code is 123456',
    requestStatusReport: true,
    validitySeconds: 600,
    sendBefore: undefined,
    modems: [],
    ...overrides,
  };
}

function command(stream: ScriptedStream, sms: SendSms): void {
  stream.send({ body: { $case: 'sendSms', value: sms } });
}

/** The agent's next heartbeat on `stream`: everything the agent meant to send before it is in. */
async function nextHeartbeat(stream: ScriptedStream): Promise<void> {
  await stream.waitFor('heartbeat', stream.bodies('heartbeat').length + 1);
}

describe('AgentLink: the stream', () => {
  it('sends a hello first, with the bearer token, the agent id, its version and every modem', async () => {
    const { service } = await rig();
    const stream = await service.stream(0);

    expect(stream.metadata.get('authorization')).toEqual([`Bearer ${TOKEN}`]);
    expect(stream.received[0]?.body).toEqual({
      $case: 'hello',
      value: {
        agentId: 'site-7',
        agentVersion: '0.1.0',
        modems: [
          expect.objectContaining({ label: 'sim-a', imei: '356938035643809', health: ModemHealth.MODEM_HEALTH_READY }),
          expect.objectContaining({ label: 'sim-b', imei: '490154203237518', health: ModemHealth.MODEM_HEALTH_READY }),
        ],
      },
    });
  });

  it('sends heartbeats with the modems as they are now', async () => {
    const { service, agent } = await rig();
    const stream = await service.stream(0);
    await nextHeartbeat(stream);

    agent.sender.snapshots = [
      modem('sim-a', '356938035643809', { health: 'sim-problem', detail: 'SIM PIN required', signalQuality: 99 }),
      modem('sim-b', '490154203237518', { queued: 3, sentLastMinute: 2 }),
    ];
    const heartbeats = await eventually(() => {
      const found = stream.bodies('heartbeat').filter((h) => h.modems[0]?.health === ModemHealth.MODEM_HEALTH_SIM_PROBLEM);
      return found.length > 0 ? found : undefined;
    }, 'a heartbeat with the changed modems');

    expect(heartbeats[0]?.modems).toEqual([
      expect.objectContaining({ label: 'sim-a', detail: 'SIM PIN required', signalQuality: 99 }),
      expect.objectContaining({ label: 'sim-b', queued: 3, sentLastMinute: 2, health: ModemHealth.MODEM_HEALTH_READY }),
    ]);
  });

  it('logs a refused token plainly and keeps dialling, without logging the token', async () => {
    const { service, agent } = await rig({}, (stream, index) => {
      if (index === 0) stream.fail(Status.UNAUTHENTICATED, 'unknown agent token');
      else stream.welcome();
    });

    await service.stream(1);
    const refusal = agent.logger.lines.find((line) => line.fields['code'] === 'UNAUTHENTICATED');
    expect(refusal).toMatchObject({ level: 'error', fields: { details: 'unknown agent token' } });
    expect(refusal?.message).toContain('token');
    expect(agent.logger.text()).not.toContain(TOKEN);
  });

  it('dials again when a newer stream of the agent took over (ALREADY_EXISTS)', async () => {
    const { service, agent } = await rig();
    (await service.stream(0)).fail(Status.ALREADY_EXISTS, 'agent site-7 connected on another stream');

    const second = await service.stream(1);
    expect(second.received[0]?.body?.$case).toBe('hello');
    const replaced = agent.logger.lines.find((line) => line.fields['code'] === 'ALREADY_EXISTS');
    expect(replaced?.level).toBe('warn');
    expect(replaced?.message).toContain('two agents');
  });

  it('dials again when the service drops the stream, and after a stream with no welcome', async () => {
    const { service, agent } = await rig({ welcomeTimeoutMs: 100 }, (stream, index) => {
      if (index === 0) stream.fail(Status.UNAVAILABLE, 'connection reset');
      else if (index === 2) stream.welcome(); // stream 1 is never welcomed: the agent gives up on it
    });

    const third = await service.stream(2);
    await third.waitFor('heartbeat');
    expect(agent.logger.lines).toContainEqual(expect.objectContaining({ message: expect.stringContaining('no welcome') as string }));
  });

  it('beats at the interval the welcome names', async () => {
    const { service, agent } = await rig({ heartbeatMs: undefined }, (stream) => {
      stream.welcome(1);
    });
    const stream = await service.stream(0);

    await stream.waitFor('heartbeat');
    expect(agent.logger.lines).toContainEqual(expect.objectContaining({ message: 'connected to AgentService', fields: expect.objectContaining({ heartbeatMs: 1000 }) as unknown }));
  });

  it('backs off further on each quick drop, and starts over after a stream that lived', async () => {
    const dropAfterHello: StreamScript = (stream, index) => {
      stream.welcome();
      if (index < 4) setTimeout(() => { stream.fail(Status.UNAVAILABLE, 'connection reset'); }, 30);
    };
    const backoff = { initialMs: 10, maxMs: 1_000, multiplier: 2, jitter: 0 };
    const quick = await rig({ backoff, stableAfterMs: 60_000 }, dropAfterHello);
    // 0: every welcomed stream counts as one that lived (a 1 ms threshold races the clock).
    const lived = await rig({ backoff, stableAfterMs: 0 }, dropAfterHello);
    await quick.service.stream(4);
    await lived.service.stream(4);

    const delays = (agent: Agent): unknown[] => agent.logger.lines.flatMap((line) => (line.fields['code'] === 'UNAVAILABLE' ? [line.fields['retryInMs']] : []));
    expect(delays(quick.agent)).toEqual([10, 20, 40, 80]);
    expect(delays(lived.agent)).toEqual([10, 10, 10, 10]);
  });

  it('dials over TLS with the configured CA and client certificate', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'link-pki-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const pki = makeTestPki(dir);
    const [ca, cert, key] = await Promise.all([readFile(pki.ca), readFile(pki.serverCert), readFile(pki.serverKey)]);
    // The service requires a client certificate signed by the CA: only a mutual-TLS dial gets a stream.
    const credentials = ServerCredentials.createSsl(ca, [{ cert_chain: cert, private_key: key }], true);
    const service = await ScriptedService.start(credentials);
    cleanups.push(() => {
      service.stop();
      return Promise.resolve();
    });
    const tls: ServiceTls = { mode: 'tls', ca: pki.ca, clientCertificate: { cert: pki.clientCert, key: pki.clientKey } };

    await startAgent(service, join(dir, 'journal.jsonl'), { config: agentConfig(service.port, tls, 'localhost') });
    const stream = await service.stream(0);

    expect(stream.metadata.get('authorization')).toEqual([`Bearer ${TOKEN}`]);
    await stream.waitFor('heartbeat');
  });

  it('stop() ends a link that is waiting to dial an unreachable service', async () => {
    const { service, agent } = await rig();
    await service.stream(0);
    service.stop();
    await eventually(() => agent.logger.lines.some((line) => line.fields['code'] === 'UNAVAILABLE'), 'the drop logged');

    await agent.link.stop();

    const dials = agent.logger.lines.filter((line) => line.message === 'dialling AgentService').length;
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(agent.logger.lines.filter((line) => line.message === 'dialling AgentService')).toHaveLength(dials);
    expect(agent.logger.lines.at(-1)?.message).toBe('agent link stopped');
  });

  it('stop() half-closes the stream and dials no more', async () => {
    const { service, agent } = await rig();
    const stream = await service.stream(0);
    await stream.waitFor('heartbeat');

    await agent.link.stop();

    expect(stream.agentEnded).toBe(true);
    expect(agent.link.connected).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(service.streams).toHaveLength(1);
  });
});

describe('AgentLink: commands', () => {
  it('answers accepted only once the command is in the journal, then hands it to the sender', async () => {
    const { service, agent, path } = await rig();
    const stream = await service.stream(0);
    const sms = sendSms({ modems: ['sim-b'], sendBefore: new Date('2030-01-01T00:00:00.000Z') });
    const copy = `${path}.at-accepted`;
    // Copied the moment `accepted` arrives: the journal file must already hold the command.
    stream.call.on('data', (request: ConnectRequest) => {
      if (request.body?.$case === 'accepted') copyFileSync(path, copy);
    });

    command(stream, sms);
    await stream.waitFor('accepted');

    const reopened = await Journal.open(copy);
    cleanups.push(() => reopened.close());
    expect(reopened.message(sms.messageId)?.command).toMatchObject({
      to: sms.to,
      text: sms.text,
      parts: 1,
      sendBefore: '2030-01-01T00:00:00.000Z',
      modems: ['sim-b'],
      statusReport: true,
      validitySeconds: 600,
    });
    expect(stream.bodies('accepted')).toEqual([{ messageId: sms.messageId }]);
    await eventually(() => agent.sender.enqueued.length > 0, 'enqueue');
    expect(agent.sender.enqueued).toEqual([sms.messageId]);
  });

  it('on a slow disk, answers accepted (first and repeated) only after the append resolved', async () => {
    const events: string[] = [];
    const holder: { journal?: Journal } = {};
    const journalOf = (): Journal => {
      if (holder.journal === undefined) throw new Error('no journal yet');
      return holder.journal;
    };
    const { service, agent } = await rig({ journal: slowDisk(journalOf, events) });
    holder.journal = agent.journal;
    const stream = await service.stream(0);
    stream.call.on('data', (request: ConnectRequest) => {
      if (request.body?.$case === 'accepted') events.push(`accepted ${request.body.value.messageId}`);
    });
    const sms = sendSms();

    command(stream, sms);
    command(stream, sms); // arrives while the first is still being made durable
    await stream.waitFor('accepted', 2);

    expect(events).toEqual([`durable command-accepted ${sms.messageId}`, `accepted ${sms.messageId}`, `accepted ${sms.messageId}`]);
    expect(agent.sender.enqueued).toEqual([sms.messageId]);
  });

  it('answers a repeated send_sms with accepted again and never enqueues it twice', async () => {
    const { service, agent } = await rig();
    const stream = await service.stream(0);
    const sms = sendSms();

    command(stream, sms);
    command(stream, sms); // while the first is still being journalled
    await stream.waitFor('accepted', 2);
    command(stream, sms); // after
    await stream.waitFor('accepted', 3);
    await nextHeartbeat(stream);

    expect(stream.bodies('accepted')).toEqual([{ messageId: sms.messageId }, { messageId: sms.messageId }, { messageId: sms.messageId }]);
    expect(agent.sender.enqueued).toEqual([sms.messageId]);
  });

  it('answers a send_sms repeated after a reconnect with accepted and the results it has', async () => {
    const { service, agent } = await rig();
    const first = await service.stream(0);
    const sms = sendSms();
    command(first, sms);
    await first.waitFor('accepted');
    await agent.sender.submitAll(sms.messageId, 'sim-a', 42);
    await first.waitFor('submitted');
    first.fail(Status.UNAVAILABLE, 'connection reset');

    const second = await service.stream(1);
    await second.waitFor('submitted'); // resent on connect
    command(second, sms); // the service had not seen the accepted
    await second.waitFor('accepted');
    const submitted = await second.waitFor('submitted', 2);

    expect(submitted.map((s) => s.references)).toEqual([[42], [42]]);
    expect(agent.sender.enqueued).toEqual([sms.messageId]);
  });

  it('journals a malformed send_sms as failed, permanently, naming the field', async () => {
    const { service, agent } = await rig();
    const stream = await service.stream(0);
    const sms = sendSms({ to: '015112345678' });

    command(stream, sms);
    await stream.waitFor('accepted');
    const [failed] = await stream.waitFor('failed');

    expect(failed).toMatchObject({ messageId: sms.messageId, failure: SmsFailure.SMS_FAILURE_PERMANENT });
    expect(failed?.reason).toContain('send_sms.to');
    expect(agent.journal.message(sms.messageId)?.status).toBe('failed');
    expect(agent.sender.enqueued).toEqual([]);
  });

  it('fails a send_sms only for modems this agent lacks as retryable, so the service may route it elsewhere', async () => {
    const { service, agent } = await rig();
    const stream = await service.stream(0);
    const sms = sendSms({ modems: ['sim-z'] });

    command(stream, sms);
    await stream.waitFor('accepted');
    const [failed] = await stream.waitFor('failed');

    expect(failed).toMatchObject({ messageId: sms.messageId, failure: SmsFailure.SMS_FAILURE_RETRYABLE });
    expect(failed?.reason).toContain('send_sms.modems');
    expect(agent.sender.enqueued).toEqual([]);
  });

  it('drops a send_sms without message_id with a log line naming the field', async () => {
    const { service, agent } = await rig();
    const stream = await service.stream(0);
    const valid = sendSms();

    command(stream, sendSms({ messageId: '' }));
    command(stream, valid);
    await stream.waitFor('accepted');
    await nextHeartbeat(stream);

    expect(stream.bodies('accepted')).toEqual([{ messageId: valid.messageId }]);
    expect(stream.bodies('failed')).toEqual([]);
    expect(agent.logger.lines).toContainEqual(
      expect.objectContaining({ level: 'warn', message: expect.stringContaining('message_id') as string, fields: { field: 'message_id' } }),
    );
  });
});

describe('AgentLink: results', () => {
  it('sends a result at once and does not resend it once acked', async () => {
    const { service, agent } = await rig();
    const first = await service.stream(0);
    const sms = sendSms();
    command(first, sms);
    await first.waitFor('accepted');

    const [entry] = await agent.sender.submitAll(sms.messageId, 'sim-a', 7);
    const [submitted] = await first.waitFor('submitted');
    expect(submitted).toMatchObject({ resultId: String(entry?.seq), messageId: sms.messageId, modemLabel: 'sim-a', modemImei: '356938035643809', references: [7] });

    first.send({ body: { $case: 'ack', value: { resultIds: [String(entry?.seq)] } } });
    await eventually(() => agent.journal.unackedResults().length === 0, 'the ack journalled');
    first.fail(Status.UNAVAILABLE, 'connection reset');
    const second = await service.stream(1);
    await nextHeartbeat(second);

    expect(second.bodies('submitted')).toEqual([]);
  });

  it('resends unacked results after the service drops the stream', async () => {
    const { service, agent } = await rig();
    const first = await service.stream(0);
    const sms = sendSms();
    command(first, sms);
    await first.waitFor('accepted');
    await agent.sender.submitAll(sms.messageId, 'sim-a', 7);
    const [sent] = await first.waitFor('submitted');

    first.fail(Status.UNAVAILABLE, 'connection reset');
    const second = await service.stream(1);
    const [resent] = await second.waitFor('submitted');

    expect(resent).toEqual(sent);
  });

  it('resends unacked results after the agent restarts on the same journal', async () => {
    const rigged = await rig();
    const first = await rigged.service.stream(0);
    const sms = sendSms();
    command(first, sms);
    await first.waitFor('accepted');
    await rigged.agent.sender.submitAll(sms.messageId, 'sim-a', 9);
    const [sent] = await first.waitFor('submitted');

    await restartAgent(rigged);
    const second = await rigged.service.stream(1);
    const [resent] = await second.waitFor('submitted');

    expect(resent?.resultId).toBe(sent?.resultId);
    expect(resent?.references).toEqual([9]);
  });

  it('reports a multi-part message as one SmsSubmitted with references in part order; its ack settles every part', async () => {
    const { service, agent } = await rig();
    const first = await service.stream(0);
    const sms = sendSms({ text: 'a'.repeat(400) }); // 3 parts of 153 GSM-7 septets
    command(first, sms);
    await first.waitFor('accepted');
    expect(agent.journal.message(sms.messageId)?.command.parts).toBe(3);

    const parts = await agent.sender.submitAll(sms.messageId, 'sim-b', 200);
    const [submitted] = await first.waitFor('submitted');
    await nextHeartbeat(first);

    expect(first.bodies('submitted')).toHaveLength(1);
    expect(submitted).toMatchObject({ resultId: String(parts.at(-1)?.seq), modemLabel: 'sim-b', references: [200, 201, 202] });

    first.send({ body: { $case: 'ack', value: { resultIds: [submitted?.resultId ?? ''] } } });
    await eventually(() => agent.journal.unackedResults().length === 0, 'every part settled');
    first.fail(Status.UNAVAILABLE, 'connection reset');
    const second = await service.stream(1);
    await nextHeartbeat(second);
    expect(second.bodies('submitted')).toEqual([]);
  });

  it('sends receipts (parts from 0) and received SMS as the sender journals them', async () => {
    const { service, agent } = await rig();
    const stream = await service.stream(0);
    const sms = sendSms({ text: 'a'.repeat(200) }); // 2 parts
    command(stream, sms);
    await stream.waitFor('accepted');
    await agent.sender.submitAll(sms.messageId, 'sim-a', 30);

    const receipt = await agent.journal.append({
      type: 'receipt', messageId: sms.messageId, part: 2, status: 'delivered', statusCode: 0, at: '2026-12-08T00:01:00.000Z',
    });
    agent.sender.listener?.(receipt.entry as JournalResult);
    const inbound = await agent.journal.append({
      type: 'inbound', id: 'sim-a:0001', modem: 'sim-a', from: '+4917012345678', text: 'STOP', parts: 1, at: '2026-12-08T00:02:00.000Z',
    });
    agent.sender.listener?.(inbound.entry as JournalResult);

    const [sentReceipt] = await stream.waitFor('receipt');
    const [sentInbound] = await stream.waitFor('inbound');
    expect(sentReceipt).toMatchObject({ resultId: String(receipt.entry.seq), messageId: sms.messageId, part: 1, status: ReceiptStatus.RECEIPT_STATUS_DELIVERED });
    expect(sentInbound).toMatchObject({ resultId: String(inbound.entry.seq), modemLabel: 'sim-a', from: '+4917012345678', parts: 1 });
  });

  it('reports a part the agent stopped during as OUTCOME_UNKNOWN after the restart, and never enqueues it', async () => {
    const rigged = await rig();
    const first = await rigged.service.stream(0);
    const sms = sendSms();
    command(first, sms);
    await first.waitFor('accepted');
    // The power goes out with the part handed to the modem and no answer.
    await rigged.agent.journal.append({ type: 'radio-attempt-started', messageId: sms.messageId, modem: 'sim-a', part: 1 });

    await restartAgent(rigged);
    const second = await rigged.service.stream(1);
    const [failed] = await second.waitFor('failed');
    command(second, sms); // the service resends what it thinks is unaccepted
    await second.waitFor('accepted');

    expect(failed).toMatchObject({ messageId: sms.messageId, failure: SmsFailure.SMS_FAILURE_OUTCOME_UNKNOWN, modemLabel: 'sim-a' });
    expect(rigged.agent.sender.enqueued).toEqual([]);
  });

  it('holds results journalled while disconnected and sends them on connect', async () => {
    const { service, agent } = await rig();
    const first = await service.stream(0);
    const sms = sendSms();
    command(first, sms);
    await first.waitFor('accepted');
    service.script = (stream, index) => {
      if (index === 1) stream.fail(Status.UNAVAILABLE, 'still down');
      else stream.welcome();
    };
    first.fail(Status.UNAVAILABLE, 'connection reset');
    await eventually(() => !agent.link.connected, 'the drop noticed');

    await agent.sender.submitAll(sms.messageId, 'sim-a', 3);
    const third = await service.stream(2);
    const [submitted] = await third.waitFor('submitted');

    expect(submitted?.references).toEqual([3]);
  });
});
