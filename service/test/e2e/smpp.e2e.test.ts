import { credentials, Metadata } from '@grpc/grpc-js';
import type { GetProviderHealthResponse, ListInboundMessagesResponse, ListProvidersResponse } from '@switchboard/proto/switchboard/v1/admin';
import { MessagingServiceClient, type SendMessageResponse } from '@switchboard/proto/switchboard/v1/messaging';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AttemptPartSchema, AttemptSchema, MessageSchema } from '../../src/persistence/entities.js';
import { DEFAULT_BEHAVIOUR, INJECTION_KINDS } from '@switchboard/simulators/smsc';
import { adminClient } from '../support/admin-client.js';
import { databaseTargets, startTestSystem, waitFor, type TestSystem } from '../support/test-system.js';

/**
 * SMPP as a carrier sees it, end to end: the service binds to the SMSC simulator over loopback
 * and every assertion is made where the carrier would see it (the simulator's inbox and counters)
 * and where an operator would (message and attempt rows, AdminService, /metrics).
 */
describe.each(databaseTargets())('SMPP like a carrier expects, on $name', ({ url }) => {
  let system: TestSystem;
  let client: MessagingServiceClient;
  let admin: ReturnType<typeof adminClient>;
  let auth: Metadata;
  let numbers = 0;

  beforeAll(async () => {
    system = await startTestSystem({
      databaseUrl: url,
      // Two transmitter+receiver pairs with small windows, short submit timeouts, quick throttling back-off,
      // and a rebind cap of 2 s: the mid-stream test drops binds often enough to push the default 30 s.
      smppSettings: { bindMode: 'pair', binds: '2', windowSize: '5', submitTimeoutMs: '2500', throttleRetries: '8', enquireLinkIntervalMs: '2000', enquireLinkTimeoutMs: '2000', reconnectMaxMs: '2000' },
      env: { RECEIPT_TIMEOUT_SECONDS: '20' },
    });
    client = new MessagingServiceClient(`127.0.0.1:${system.switchboard.grpcPort}`, credentials.createInsecure());
    admin = adminClient(system.switchboard.grpcPort);
    auth = new Metadata();
    auth.set('x-api-key', system.apiKey);
  });

  afterEach(async () => {
    system.smsc.updateBehaviour({ ...DEFAULT_BEHAVIOUR, receiptDelayMs: 20 });
    await waitFor(() => system.smsc.sessions().bound >= 4, 'all four binds back', 15_000);
  });

  afterAll(async () => {
    client.close();
    admin.close();
    await system.stop();
  });

  const freshNumber = () => `+49151${String(2_000_000 + numbers++).padStart(8, '0')}`;

  const send = (to: string, text: string) =>
    new Promise<string>((resolve, reject) => {
      client.sendMessage({ to, text, idempotencyKey: '' }, auth, (error, response: SendMessageResponse) => {
        if (error) reject(error);
        else resolve(response.message?.id ?? '');
      });
    });

  const messageRow = (id: string) => system.switchboard.database.em.fork().findOneOrFail(MessageSchema, { id });
  const attemptsOf = (id: string) => system.switchboard.database.em.fork().find(AttemptSchema, { message: id });
  const partsOf = async (id: string) => {
    const attempts = await attemptsOf(id);
    return system.switchboard.database.em.fork().find(AttemptPartSchema, { attempt: { $in: attempts.map((a) => a.id) } }, { orderBy: { part: 'asc' } });
  };
  const delivered = async (ids: readonly string[], timeoutMs = 20_000) => {
    await waitFor(async () => (await Promise.all(ids.map(messageRow))).every((row) => row.status === 'delivered'), `${ids.length} message(s) delivered`, timeoutMs);
  };

  it('sends a 400-character GSM-7 text as three numbered UDH parts that reassemble, delivered once every part is', async () => {
    const to = freshNumber();
    // 382 plain characters and 18 from the extension table (two septets each): 418 septets, 3 parts.
    const text = 'Your Switchboard code is 482913; it costs 0,05€ [VAT incl.] '.repeat(7).slice(0, 400);
    expect(Array.from(text).filter((c) => '€[]{}^~|\\\f'.includes(c))).toHaveLength(18);
    expect(text).toHaveLength(400);
    const id = await send(to, text);
    await delivered([id]);

    const [received, ...others] = system.smsc.inbox({ to });
    expect(others).toEqual([]);
    expect(received).toMatchObject({ text, dataCoding: 0, segmentation: 'udh', total: 3, viaMessagePayload: false });
    expect(received?.problems).toEqual([]);
    expect(received?.parts.map((part) => part.sequence)).toEqual([1, 2, 3]);
    const parts = await partsOf(id);
    expect(parts.map((part) => [part.part, part.status])).toEqual([[1, 'delivered'], [2, 'delivered'], [3, 'delivered']]);
    expect(new Set(parts.map((part) => part.providerMessageId)).size).toBe(3);
    expect((await attemptsOf(id)).map((a) => [a.status, a.parts, a.receiptParts])).toEqual([['delivered', 3, 3]]);
  });

  it('sends a 200-character Cyrillic and emoji text as UCS-2 parts that never split a surrogate pair', async () => {
    const to = freshNumber();
    const text = Array.from({ length: 40 }, (_, i) => (i % 3 === 0 ? 'Код 😀' : 'Привет')).join('').slice(0, 200);
    const id = await send(to, text);
    await delivered([id]);

    const [received] = system.smsc.inbox({ to });
    expect(received).toMatchObject({ text, dataCoding: 8, segmentation: 'udh' });
    expect(received?.problems).toEqual([]);
    expect(received?.total).toBeGreaterThanOrEqual(3);
    expect((await partsOf(id)).every((part) => part.status === 'delivered')).toBe(true);
  });

  /** Changes smsc-a's settings through AdminService and waits until it is bound again with them. */
  const setProviderSettings = async (extra: Record<string, string>) => {
    const { providers } = await admin.call<ListProvidersResponse>('listProviders', {});
    const current = providers.find((p) => p.name === 'smsc-a');
    if (!current) throw new Error('smsc-a is missing');
    const before = system.smsc.stats().binds;
    await admin.call('updateProvider', { provider: { ...current, settings: { ...current.settings, ...extra }, credentials: {} } });
    await waitFor(() => system.smsc.stats().binds >= before + 4 && system.smsc.sessions().bound >= 4, 'smsc-a rebound with its new settings', 15_000);
  };

  describe.each([
    { receiptStyle: 'text', receiptIdFormat: 'same', messageIdFormat: 'hex', receiptIdBase: 'same' },
    { receiptStyle: 'tlv', receiptIdFormat: 'same', messageIdFormat: 'hex', receiptIdBase: 'same' },
    { receiptStyle: 'both', receiptIdFormat: 'same', messageIdFormat: 'decimal', receiptIdBase: 'same' },
    { receiptStyle: 'text', receiptIdFormat: 'decimal', messageIdFormat: 'hex', receiptIdBase: 'hex-to-decimal' },
    { receiptStyle: 'tlv', receiptIdFormat: 'hex', messageIdFormat: 'decimal', receiptIdBase: 'decimal-to-hex' },
  ] as const)('receipts in $receiptStyle style, ids issued as $messageIdFormat and reported as $receiptIdFormat', ({ receiptIdBase, ...style }) => {
    it('resolve to the right attempt, whatever order they come in', async () => {
      if (receiptIdBase !== 'same') await setProviderSettings({ receiptIdBase });
      system.smsc.updateBehaviour({ ...style, receiptDelayMs: 50, receiptDateSeconds: style.receiptStyle === 'text' });
      const sent = await Promise.all(Array.from({ length: 6 }, async (_, i) => {
        const to = freshNumber();
        return { to, id: await send(to, `Receipt check ${i}`) };
      }));
      await delivered(sent.map((s) => s.id));
      for (const { to, id } of sent) {
        const [received] = system.smsc.inbox({ to });
        const [part] = await partsOf(id);
        // The part recorded is the one the carrier issued for this destination, in the base it was issued in.
        expect(part?.providerMessageId).toBe(received?.id.replace(/^0+(?=.)/, '').toLowerCase());
      }
      if (receiptIdBase !== 'same') await setProviderSettings({ receiptIdBase: 'same' });
    });
  });

  it('slows down under throttling without losing or duplicating a message', async () => {
    system.smsc.updateBehaviour({ maxTps: 15, receiptDelayMs: 20 });
    const before = system.smsc.stats();
    const sent = await Promise.all(Array.from({ length: 45 }, async (_, i) => {
      const to = freshNumber();
      return { to, id: await send(to, `Throttle ${i}`) };
    }));
    await delivered(sent.map((s) => s.id), 40_000);
    const after = system.smsc.stats();
    expect(after.throttled - before.throttled).toBeGreaterThan(0);
    expect(after.messagesCompleted - before.messagesCompleted).toBe(45);
    expect(after.duplicateParts - before.duplicateParts).toBe(0);
    for (const { to } of sent) expect(system.smsc.inbox({ to })).toHaveLength(1);
  });

  it('loses nothing when the SMSC drops every bind mid-stream: every message delivered, counted once', async () => {
    system.smsc.disconnectAfterSubmits(7, { repeat: true });
    const before = system.smsc.stats();
    const sent = await Promise.all(Array.from({ length: 30 }, async (_, i) => {
      const to = freshNumber();
      return { to, id: await send(to, `Mid-stream ${i}`) };
    }));
    await waitFor(async () => (await Promise.all(sent.map((s) => messageRow(s.id)))).every((row) => row.status === 'delivered' || row.status === 'failed'), 'every message settled', 60_000);
    system.smsc.updateBehaviour({ disconnectAfterSubmits: null });
    const after = system.smsc.stats();
    expect(after.duplicateParts - before.duplicateParts).toBe(0);
    for (const { to } of sent) expect(system.smsc.inbox({ to }).length).toBeLessThanOrEqual(1);
    const rows = await Promise.all(sent.map((s) => messageRow(s.id)));
    expect(rows.map((row) => row.status)).toEqual(sent.map(() => 'delivered'));
  });

  it('follows a submit_sm_resp that comes after the submit timed out, and delivers without resending', async () => {
    // The answer comes after the 2.5 s timeout; the receipt only after that answer.
    system.smsc.updateBehaviour({ lateSubmitResponseMs: 3500, receiptDelayMs: 5000 });
    const to = freshNumber();
    const id = await send(to, 'Late answer');
    await delivered([id], 30_000);
    expect(system.smsc.inbox({ to })).toHaveLength(1);
    const [attempt] = await attemptsOf(id);
    expect(attempt?.status).toBe('delivered');
    expect(attempt?.errorMessage).toMatch(/no submit_sm_resp.*part 1 accepted late/);
  });

  it('follows the receipt of a submit whose answer was lost, by the user_message_reference it echoes', async () => {
    system.smsc.updateBehaviour({ dropSubmitResponses: { count: 1, rate: 1 }, receiptDelayMs: 3500 });
    const to = freshNumber();
    const id = await send(to, 'Lost answer');
    await delivered([id], 30_000);
    expect(system.smsc.inbox({ to })).toHaveLength(1);
    expect((await attemptsOf(id)).map((a) => a.status)).toEqual(['delivered']);
  });

  it.each(INJECTION_KINDS)(
    'stays healthy after the SMSC sends %s, and the next message is delivered',
    async (kind) => {
      await system.smsc.injectMalformed(kind);
      await waitFor(() => system.smsc.sessions().bound >= 4, 'the binds back', 15_000);
      const to = freshNumber();
      const id = await send(to, `After ${kind}`);
      await delivered([id]);
      expect(system.smsc.inbox({ to })).toHaveLength(1);
    },
  );

  it('stores mobile-originated messages, long ones reassembled, and lists them over AdminService', async () => {
    const from = '4915199990001';
    const long = 'Bitte rufen Sie mich morgen an. '.repeat(8).trim();
    expect(await system.smsc.sendMo({ from, to: '4711', text: 'STOP' })).toBe(0);
    expect(await system.smsc.sendMo({ from, to: '4711', text: long, split: 'udh' })).toBe(0);
    await waitFor(async () => (await admin.call<ListInboundMessagesResponse>('listInboundMessages', { pageSize: 0, pageToken: '', provider: '', from })).messages.length === 2, 'two inbound messages');
    const { messages } = await admin.call<ListInboundMessagesResponse>('listInboundMessages', { pageSize: 10, pageToken: '', provider: 'smsc-a', from });
    expect(messages.map((m) => [m.provider, m.from, m.to, m.text])).toEqual([
      ['smsc-a', from, '4711', long],
      ['smsc-a', from, '4711', 'STOP'],
    ]);
    expect(messages[0]?.parts).toBeGreaterThan(1);
    const other = await admin.call<ListInboundMessagesResponse>('listInboundMessages', { pageSize: 0, pageToken: '', provider: '', from: '4900000000' });
    expect(other.messages).toEqual([]);
  });

  it('shows every bind in provider health and in /metrics', async () => {
    const { providers } = await admin.call<GetProviderHealthResponse>('getProviderHealth', {});
    const smscA = providers.find((p) => p.provider === 'smsc-a');
    expect(smscA?.connection).toBe('bound');
    expect(smscA?.binds.map((b) => [b.id, b.bindType, b.state])).toEqual([
      ['tx-1', 'transmitter', 'bound'],
      ['rx-1', 'receiver', 'bound'],
      ['tx-2', 'transmitter', 'bound'],
      ['rx-2', 'receiver', 'bound'],
    ]);
    const metrics = await (await fetch(`http://127.0.0.1:${system.switchboard.httpPort}/metrics`)).text();
    expect(metrics).toContain('switchboard_binds{provider="smsc-a",bind_type="transmitter",state="bound"} 2');
    expect(metrics).toMatch(/switchboard_submits_total\{provider="smsc-a",outcome="accepted"\} \d+/);
    expect(metrics).toMatch(/switchboard_throttled_total\{provider="smsc-a"\} [1-9]/);
    expect(metrics).toMatch(/switchboard_protocol_errors_total\{provider="smsc-a",kind="MalformedPduError"\} [1-9]/);
    // At least the two messages of the MO test (hostile injections may add stray deliver_sm).
    expect(Number(/switchboard_inbound_messages_total\{provider="smsc-a"\} (\d+)/.exec(metrics)?.[1])).toBeGreaterThanOrEqual(2);
    expect(await (await fetch(`http://127.0.0.1:${system.switchboard.httpPort}/healthz`)).text()).toBe('ok\n');
  });
});
