import { credentials, Metadata } from '@grpc/grpc-js';
import { AttemptStatus, MessageStatus, MessagingServiceClient, type Message } from '@switchboard/proto/switchboard/v1/messaging';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DispatchStore } from '../../src/dispatch/dispatch.ports.js';
import { sql } from '../../src/persistence/sql-client.js';
import type { OutboundSms, ProviderStatus, ChannelProvider, SubmitAccepted } from '../../src/providers/channel-provider.js';
import { ProviderError } from '../../src/shared/errors.js';
import { databaseTargets, startTestSystem, waitFor, type TestSystem } from '../support/test-system.js';

/** A provider the test scripts: each submit takes the next behaviour (default: accepted). */
class ScriptedProvider implements ChannelProvider {
  readonly sent: OutboundSms[] = [];
  readonly sentAt: number[] = [];
  readonly next: ((message: OutboundSms) => Promise<SubmitAccepted>)[] = [];
  connected = true;
  inFlight = 0;
  mostInFlight = 0;
  submitMs = 0;
  constructor(readonly name: string) {}
  start() { return Promise.resolve(); }
  stop() { return Promise.resolve(); }
  status(): ProviderStatus {
    return { connection: this.connected ? 'bound' : 'disconnected', binds: [], lastError: '' };
  }
  async submit(message: OutboundSms): Promise<SubmitAccepted> {
    this.sent.push(message);
    this.sentAt.push(Date.now());
    this.inFlight += 1;
    this.mostInFlight = Math.max(this.mostInFlight, this.inFlight);
    try {
      if (this.submitMs > 0) await new Promise((resolve) => setTimeout(resolve, this.submitMs));
      const behaviour = this.next.shift();
      return behaviour ? await behaviour(message) : { providerMessageId: `${this.name}-${this.sent.length}`, parts: 1 };
    } finally {
      this.inFlight -= 1;
    }
  }
  sentTo(to: string): OutboundSms[] {
    return this.sent.filter((message) => message.to === to);
  }
}

const refuse = (retryable = false) => () => Promise.reject(new ProviderError('refused by the test', { retryable, providerCode: 'TEST_REFUSED' }));
const unknown = () => () => Promise.reject(new ProviderError('no answer', { retryable: false, outcomeUnknown: true }));

/** Fails the next `failures` transactions of the real store, as a database that hiccups does. */
function hiccuppingStore(store: DispatchStore): DispatchStore & { failures: number } {
  const wrapped: DispatchStore & { failures: number } = {
    failures: 0,
    transaction: (work) => {
      if (wrapped.failures > 0) {
        wrapped.failures -= 1;
        return Promise.reject(new Error('connection to the database lost'));
      }
      return store.transaction(work);
    },
    claimDue: (...args) => store.claimDue(...args),
    renewLeases: (...args) => store.renewLeases(...args),
    releaseLeases: (...args) => store.releaseLeases(...args),
    purgePendingReceipts: (...args) => store.purgePendingReceipts(...args),
    matchablePendingReceipts: (...args) => store.matchablePendingReceipts(...args),
    deleteIdempotencyKeysBefore: (...args) => store.deleteIdempotencyKeysBefore(...args),
    announceWork: () => store.announceWork(),
  };
  return wrapped;
}

let numberSeq = 0;
const number = (prefix: string) => `+49${prefix}${String(1_000_000 + numberSeq++).padStart(8, '0')}`;

describe.each(databaseTargets())('the dispatcher end to end on $name', ({ url }) => {
  let system: TestSystem;
  let client: MessagingServiceClient;
  let auth: Metadata;
  let store: DispatchStore & { failures: number };
  let planFailures = 0;
  const p1 = new ScriptedProvider('p1');
  const p2 = new ScriptedProvider('p2');
  const slow = new ScriptedProvider('slow');
  const narrow = new ScriptedProvider('narrow');
  const down = new ScriptedProvider('down');
  const flaky = new ScriptedProvider('flaky');

  beforeAll(async () => {
    system = await startTestSystem({
      databaseUrl: url,
      // No sweep: the faults injected below must hit the transactions the test means.
      env: { BREAKER_CONSECUTIVE_FAILURES: '2', DISPATCH_MAX_HELD: '10', DISPATCH_SWEEP_INTERVAL_MS: '600000' },
      extraProviders: [
        { provider: p1, channels: ['sms'] },
        { provider: p2, channels: ['sms'] },
        { provider: slow, channels: ['sms'], throughputPerSecond: 5, burst: 1 },
        { provider: narrow, channels: ['sms'], maxInFlight: 1 },
        { provider: down, channels: ['sms'] },
        { provider: flaky, channels: ['sms'] },
      ],
      defaultRule: { candidates: ['p1', 'p2'] },
      rules: [
        { name: 'slow', priority: 10, prefixes: ['4916'], candidates: ['slow'] },
        { name: 'narrow', priority: 11, prefixes: ['49170'], candidates: ['narrow'] },
        { name: 'down', priority: 12, prefixes: ['49171'], candidates: ['down'] },
        { name: 'flaky', priority: 13, prefixes: ['49172'], candidates: ['flaky', 'p2'] },
      ],
      wrapDispatchStore: (real) => (store = hiccuppingStore(real)),
      wrapDispatchRouting: (real) => ({
        provider: (name) => real.provider(name),
        // The next `planFailures` plans throw as a bug would (not a missing route).
        current: () =>
          new Proxy(real.current(), {
            get(target, property) {
              if (property === 'plan' && planFailures > 0) {
                return () => {
                  planFailures -= 1;
                  throw new TypeError('a bug in planning');
                };
              }
              const value: unknown = Reflect.get(target, property);
              return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
            },
          }),
      }),
    });
    client = new MessagingServiceClient(`127.0.0.1:${system.switchboard.grpcPort}`, credentials.createInsecure());
    auth = new Metadata();
    auth.set('x-api-key', system.apiKey);
  });

  afterAll(async () => {
    client.close();
    await system.stop();
  });

  const send = (to: string, text = 'Your parcel is on its way.') =>
    new Promise<string>((resolve, reject) => {
      client.sendMessage({ to, text, idempotencyKey: '' }, auth, (error, response) => {
        if (error) reject(error);
        else resolve(response.message?.id ?? '');
      });
    });
  const get = (messageId: string) =>
    new Promise<Message>((resolve, reject) => {
      client.getMessage({ messageId }, auth, (error, response) => {
        if (error || !response.message) reject(error ?? new Error('no message'));
        else resolve(response.message);
      });
    });
  const until = async (messageId: string, check: (message: Message) => boolean, what: string, timeoutMs = 10_000) => {
    let last: Message | undefined;
    await waitFor(async () => check((last = await get(messageId))), `${what} (last: ${JSON.stringify(last?.status)} ${JSON.stringify(last?.attempts.map((a) => [a.provider, a.status]))})`, timeoutMs);
    return last as Message;
  };
  const submitted = (message: Message) => message.status === MessageStatus.MESSAGE_STATUS_SUBMITTED;

  it('answers a stored message OK and sends it once when planning it throws unexpectedly, planning it again', async () => {
    const to = number('173');
    planFailures = 1;
    const id = await send(to);
    const message = await until(id, submitted, 'the message to be planned again and sent');
    expect(planFailures).toBe(0);
    expect(message.attempts).toHaveLength(1);
    expect(p1.sentTo(to).length + p2.sentTo(to).length).toBe(1);
  });

  it('sends the next step at once when a submit is refused, each step an attempt', async () => {
    const to = number('151');
    p1.next.push(refuse());
    const id = await send(to);
    const message = await until(id, submitted, 'the second step');
    expect(message.attempts.map((a) => [a.provider, a.status])).toEqual([
      ['p1', AttemptStatus.ATTEMPT_STATUS_FAILED],
      ['p2', AttemptStatus.ATTEMPT_STATUS_SUBMITTED],
    ]);
    expect(message.attempts[0]?.errorCode).toBe('TEST_REFUSED');
    expect(p2.sentTo(to)).toHaveLength(1);
  });

  it('never sends elsewhere a message whose outcome is unknown, nor an unexpected exception', async () => {
    for (const behaviour of [unknown(), () => Promise.reject(new TypeError('bug in a provider'))]) {
      const to = number('151');
      p1.next.push(behaviour);
      const id = await send(to);
      const message = await until(id, submitted, 'the unknown outcome');
      expect(message.attempts.map((a) => [a.provider, a.status])).toEqual([['p1', AttemptStatus.ATTEMPT_STATUS_UNKNOWN]]);
      expect(p2.sentTo(to)).toEqual([]);
    }
  });

  it('follows the receipt a provider hands in to DELIVERED', async () => {
    const to = number('151');
    const id = await send(to);
    await until(id, submitted, 'the submit');
    const [sent] = p1.sentTo(to);
    const attempt = (await get(id)).attempts[0];
    await system.switchboard.dispatcher.onReceipt('p1', { providerMessageId: attempt?.providerMessageId ?? '', state: 'delivered' });
    expect((await get(id)).status).toBe(MessageStatus.MESSAGE_STATUS_DELIVERED);
    expect(sent?.attemptId).toBe(attempt?.id);
  });

  it('tells the provider until when the message is worth delivering', async () => {
    const to = number('151');
    const before = Date.now();
    await until(await send(to), submitted, 'the submit');
    const validUntil = p1.sentTo(to)[0]?.validUntil?.getTime() ?? 0;
    // MESSAGE_VALIDITY_SECONDS (600) after it was accepted.
    expect(validUntil).toBeGreaterThanOrEqual(before + 599_000);
    expect(validUntil).toBeLessThanOrEqual(Date.now() + 600_000);
  });

  it('retries storing a submit result through a database hiccup, and never sends it again', async () => {
    const to = number('151');
    p1.next.push(() => {
      store.failures = 2; // the transactions after the provider answered: the result's record
      return Promise.resolve({ providerMessageId: 'hiccup-1', parts: 1 });
    });
    const id = await send(to);
    const message = await until(id, submitted, 'the result to be stored after the hiccup');
    expect(store.failures).toBe(0);
    expect(message.attempts.map((a) => [a.provider, a.status, a.providerMessageId])).toEqual([['p1', AttemptStatus.ATTEMPT_STATUS_SUBMITTED, 'hiccup-1']]);
    expect(p1.sentTo(to)).toHaveLength(1);
    expect(p2.sentTo(to)).toEqual([]);
  });

  it('holds a burst for a provider at its throughput limit in memory and sends it as tokens come, failing none', async () => {
    const numbers = Array.from({ length: 12 }, () => number('160'));
    const ids = await Promise.all(numbers.map((to) => send(to)));
    for (const id of ids) await until(id, submitted, 'every message of the burst', 15_000);
    const times = slow.sent.flatMap((message, i) => (numbers.includes(message.to) ? [slow.sentAt[i] ?? 0] : []));
    expect(times).toHaveLength(12);
    // 5 a second with a burst of 1: twelve submits take at least two seconds.
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(1800);
    for (const id of ids) expect((await get(id)).attempts.map((a) => a.status)).toEqual([AttemptStatus.ATTEMPT_STATUS_SUBMITTED]);
  });

  it('never has more submits under way than a provider window allows, and gives the slot back on every outcome', async () => {
    narrow.submitMs = 30;
    narrow.next.push(refuse(), unknown());
    const numbers = Array.from({ length: 5 }, () => number('170'));
    const ids = await Promise.all(numbers.map((to) => send(to)));
    for (const id of ids) await until(id, (m) => m.status !== MessageStatus.MESSAGE_STATUS_QUEUED && m.status !== MessageStatus.MESSAGE_STATUS_SENDING, 'every message to be tried');
    expect(narrow.sent.filter((message) => numbers.includes(message.to))).toHaveLength(5);
    expect(narrow.mostInFlight).toBe(1);
    narrow.submitMs = 0;
  });

  it('waits for a provider that is not connected without attempts, then sends each message once', async () => {
    down.connected = false;
    const numbers = Array.from({ length: 25 }, () => number('171'));
    const ids = await Promise.all(numbers.map((to) => send(to)));
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const id of ids.slice(0, 3)) expect(await get(id)).toMatchObject({ status: MessageStatus.MESSAGE_STATUS_QUEUED, attempts: [] });
    // DISPATCH_MAX_HELD=10: this replica holds at most that many; the rest wait in the table.
    expect(system.switchboard.dispatcher.held).toBeLessThanOrEqual(12);
    down.connected = true;
    for (const id of ids) await until(id, submitted, 'the backlog to drain', 15_000);
    for (const to of numbers) expect(down.sentTo(to)).toHaveLength(1);
  });

  it('opens the circuit after consecutive refusals and passes the provider over without an attempt', async () => {
    flaky.next.push(refuse(), refuse());
    for (let i = 0; i < 2; i++) await until(await send(number('172')), submitted, 'the fallback after a refusal');
    const to = number('172');
    const message = await until(await send(to), submitted, 'the step after the open circuit');
    expect(message.attempts.map((a) => a.provider)).toEqual(['p2']);
    expect(message.lastError).toMatch(/flaky: circuit open/);
    expect(flaky.sentTo(to)).toEqual([]);
  });
});

describe.each(databaseTargets())('the dispatcher stopping, and messages past their validity, on $name', ({ url }) => {
  let system: TestSystem;
  let client: MessagingServiceClient;
  let auth: Metadata;
  const down = new ScriptedProvider('down');

  beforeAll(async () => {
    system = await startTestSystem({ databaseUrl: url, env: { MESSAGE_VALIDITY_SECONDS: '2' }, extraProviders: [{ provider: down, channels: ['sms'] }], defaultRule: { candidates: ['down'] } });
    client = new MessagingServiceClient(`127.0.0.1:${system.switchboard.grpcPort}`, credentials.createInsecure());
    auth = new Metadata();
    auth.set('x-api-key', system.apiKey);
    down.connected = false;
  });

  afterAll(async () => {
    client.close();
    await system.stop();
  });

  const send = (to: string) =>
    new Promise<string>((resolve, reject) => {
      client.sendMessage({ to, text: 'x', idempotencyKey: '' }, auth, (error, response) => {
        if (error) reject(error);
        else resolve(response.message?.id ?? '');
      });
    });
  const leases = async (ids: string[]) =>
    system.switchboard.database.sql.query<{ status: string; lease_owner: string | null; last_error: string | null }>(
      sql('test.leases', 'select status, lease_owner, last_error from message where id = any($1::uuid[])'),
      [ids],
    );

  it('drops a message that could not be sent within its validity, with no attempt', async () => {
    const id = await send(number('151'));
    await waitFor(async () => (await leases([id]))[0]?.status === 'failed', 'the message to expire unsent', 10_000);
    expect((await leases([id]))[0]?.last_error).toBe('not sent: it expired before it could be sent');
    expect(down.sent).toEqual([]);
  });

  it('gives the leases of the messages it holds back when it stops, for another replica to take at once', async () => {
    const ids = await Promise.all([send(number('151')), send(number('151')), send(number('151'))]);
    expect((await leases(ids)).map((row) => row.lease_owner)).not.toContain(null);
    await system.switchboard.dispatcher.stop();
    expect((await leases(ids)).map((row) => [row.status, row.lease_owner])).toEqual([
      ['queued', null],
      ['queued', null],
      ['queued', null],
    ]);
  });
});
