import { describe, expect, it } from 'vitest';
import type { OutboundSms, SmsProvider, SubmitAccepted } from '../providers/sms-provider.js';
import { ProviderError } from '../shared/errors.js';
import { ProviderHealthRegistry } from '../routing/provider-health.js';
import { compileRoutingTable } from '../routing/router.js';
import type { AttemptError, ClaimedMessage, DispatchStore, NextStep, StoredStep } from './dispatch.ports.js';
import { Dispatcher, type DispatchLogger } from './dispatcher.js';

/**
 * The dispatcher's failure paths, with its two ports replaced: a store that records what it is
 * told (and can fail on cue, as a database does) and providers that count what they are sent.
 * The real store and SMPP path are covered end to end in test/e2e.
 */
class RecordingStore implements DispatchStore {
  readonly calls: string[] = [];
  failMarkSubmitted = 0;
  message: ClaimedMessage;

  constructor(providers: string[]) {
    const plan: StoredStep[] = providers.map((provider) => ({ provider, channel: 'sms', expectedCostMicros: null, currency: 'EUR', receiptTimeoutSeconds: 60 }));
    this.message = {
      id: 'm1', token: '', verificationId: null, to: '+4915123456789', country: 'DE', channel: 'sms', kind: 'otp', app: 'test', parts: 1,
      from: 'Test', text: 'hello', otp: null, email: null, plan, step: 0, retries: 0, createdAt: new Date(), verificationOpen: true, verificationExpiresAt: null,
    };
  }

  /** Each test looks at one dispatch pass: the message can be claimed once. */
  claimsLeft = 1;

  claim(messageId: string, token: string) {
    this.calls.push(`claim ${messageId}`);
    if (this.claimsLeft <= 0) return Promise.resolve(null);
    this.claimsLeft -= 1;
    return Promise.resolve({ ...this.message, token });
  }
  claimDue() { return Promise.resolve([]); }
  loseLease = false;

  startAttempt(_m: string, _t: string, plan: { steps: readonly StoredStep[] }, step: number) {
    this.calls.push(`start ${plan.steps[step]?.provider ?? '?'} step ${step}`);
    return Promise.resolve(this.loseLease ? null : `a${step}`);
  }
  renewLease(messageId: string) {
    this.calls.push(`renew ${messageId}`);
    return Promise.resolve(true);
  }
  skipStep(_m: string, _t: string, _p: unknown, next: NextStep | null, reason: string) {
    this.calls.push(`skip ${reason} next=${next ? String(next.step) : 'none'}`);
    return Promise.resolve();
  }
  markSubmitted(attemptId: string) {
    this.calls.push(`markSubmitted ${attemptId}`);
    if (this.failMarkSubmitted > 0) {
      this.failMarkSubmitted -= 1;
      return Promise.reject(new Error('connection to the database lost'));
    }
    return Promise.resolve();
  }
  markAttemptFailed(attemptId: string, _m: string, error: AttemptError, next: NextStep | null) {
    this.calls.push(`failed ${attemptId} ${error.code} next=${next ? String(next.step) : 'none'}`);
    return Promise.resolve();
  }
  recordLateAcceptance() {
    this.calls.push('late');
    return Promise.resolve('recorded' as const);
  }
  markOutcomeUnknown(attemptId: string) {
    this.calls.push(`unknown ${attemptId}`);
    return Promise.resolve();
  }
  dropMessage(_m: string, reason: string) {
    this.calls.push(`drop ${reason}`);
    return Promise.resolve();
  }
  failUnroutable(_m: string, reason: string) {
    this.calls.push(`unroutable ${reason}`);
    return Promise.resolve();
  }
  applyReceipt() { return Promise.resolve({ kind: 'unmatched' as const }); }
  recoverStaleSends() { return Promise.resolve(0); }
  expireOverdueAttempts() { return Promise.resolve({ requeued: [], expired: [] }); }
  deleteIdempotencyKeysBefore() { return Promise.resolve(0); }
}

class CountingProvider implements SmsProvider {
  readonly sent: OutboundSms[] = [];
  constructor(readonly name: string, private readonly outcome: () => SubmitAccepted, private readonly submitMs = 0) {}
  start() { return Promise.resolve(); }
  stop() { return Promise.resolve(); }
  async submit(message: OutboundSms): Promise<SubmitAccepted> {
    this.sent.push(message);
    await new Promise((resolve) => setTimeout(resolve, this.submitMs));
    return this.outcome();
  }
}

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

const breaker = { consecutiveFailureThreshold: 2, receiptWindowSize: 10, minReceiptSample: 5, receiptFailureRateThreshold: 0.5, coolDownMs: 60_000 };
const noRouting = {
  current: () => compileRoutingTable({ rules: [], providers: [], priceTables: [], routingCurrency: 'EUR', rates: {}, defaultReceiptTimeoutSeconds: 60 }),
  provider: (name: string) => ({ name, enabled: true, channels: ['sms' as const] }),
};

function dispatcherWith(store: RecordingStore, providers: CountingProvider[], health = new ProviderHealthRegistry({ now: Date.now, breaker }), logger: DispatchLogger = silent, leaseSeconds = 60) {
  return new Dispatcher({
    store,
    routing: noRouting,
    health,
    providers: new Map(providers.map((p) => [p.name, p])),
    owner: 'test',
    leaseSeconds,
    sweepIntervalMs: 60_000,
    messageValiditySeconds: 600,
    logger,
  });
}

const accepted = () => ({ providerMessageId: 'abc', parts: 1 });

describe('Dispatcher', () => {
  it('retries recording an accepted submit and never sends it again when the database hiccups', async () => {
    const store = new RecordingStore(['a', 'b']);
    store.failMarkSubmitted = 2;
    const a = new CountingProvider('a', accepted);
    const b = new CountingProvider('b', accepted);
    const dispatcher = dispatcherWith(store, [a, b]);
    dispatcher.enqueue('m1');
    await dispatcher.idle();
    expect(a.sent).toHaveLength(1);
    expect(b.sent).toHaveLength(0);
    expect(store.calls).toEqual(['claim m1', 'start a step 0', 'markSubmitted a0', 'markSubmitted a0', 'markSubmitted a0']);
  });

  it('leaves an accepted submit for recovery, unsent elsewhere, when it cannot be recorded at all', async () => {
    const store = new RecordingStore(['a', 'b']);
    store.failMarkSubmitted = 10;
    const a = new CountingProvider('a', accepted);
    const b = new CountingProvider('b', accepted);
    const dispatcher = dispatcherWith(store, [a, b]);
    dispatcher.enqueue('m1');
    await dispatcher.idle();
    expect(b.sent).toHaveLength(0);
    expect(store.calls.some((call) => call.startsWith('failed'))).toBe(false);
  });

  it('moves to the next step at once when a submit is refused', async () => {
    const store = new RecordingStore(['a', 'b']);
    const a = new CountingProvider('a', () => { throw new ProviderError('refused', { retryable: false, providerCode: '0x0000000b ESME_RINVDSTADR' }); });
    const dispatcher = dispatcherWith(store, [a, new CountingProvider('b', accepted)]);
    dispatcher.enqueue('m1');
    await dispatcher.idle();
    expect(store.calls).toContain('failed a0 0x0000000b ESME_RINVDSTADR next=1');
  });

  it('records an unknown outcome and sends nowhere else when the provider may have the message', async () => {
    const store = new RecordingStore(['a', 'b']);
    const a = new CountingProvider('a', () => { throw new ProviderError('no submit_sm_resp', { retryable: false, outcomeUnknown: true }); });
    const b = new CountingProvider('b', accepted);
    const dispatcher = dispatcherWith(store, [a, b]);
    dispatcher.enqueue('m1');
    await dispatcher.idle();
    expect(store.calls).toContain('unknown a0');
    expect(b.sent).toHaveLength(0);
  });

  it('treats an unexpected exception from a provider as an unknown outcome, not a failure', async () => {
    const store = new RecordingStore(['a', 'b']);
    const a = new CountingProvider('a', () => { throw new TypeError('bug in a provider'); });
    const b = new CountingProvider('b', accepted);
    const dispatcher = dispatcherWith(store, [a, b]);
    dispatcher.enqueue('m1');
    await dispatcher.idle();
    expect(store.calls).toContain('unknown a0');
    expect(b.sent).toHaveLength(0);
  });

  it('drops a message whose verification closed, a message past its validity, and one it cannot read', async () => {
    for (const [change, reason] of [
      [{ verificationOpen: false }, 'its verification is no longer pending'],
      [{ createdAt: new Date(Date.now() - 601_000) }, 'it expired before it could be sent'],
      [{ verificationExpiresAt: new Date(Date.now() - 1) }, 'it expired before it could be sent'],
      [{ text: null }, 'its text cannot be decrypted'],
    ] as const) {
      const store = new RecordingStore(['a']);
      store.message = { ...store.message, ...change };
      const a = new CountingProvider('a', accepted);
      const dispatcher = dispatcherWith(store, [a]);
      dispatcher.enqueue('m1');
      await dispatcher.idle();
      expect(a.sent, reason).toHaveLength(0);
      expect(store.calls.find((call) => call.startsWith('drop')), reason).toContain(reason);
    }
  });

  it('passes over a provider whose circuit is open, without an attempt, to the next step', async () => {
    const health = new ProviderHealthRegistry({ now: Date.now, breaker });
    health.breaker('a').recordSubmitFailure();
    health.breaker('a').recordSubmitFailure();
    const store = new RecordingStore(['a', 'b']);
    const a = new CountingProvider('a', accepted);
    const dispatcher = dispatcherWith(store, [a, new CountingProvider('b', accepted)], health);
    dispatcher.enqueue('m1');
    await dispatcher.idle();
    expect(a.sent).toHaveLength(0);
    expect(store.calls).toContain('skip a: circuit open next=1');
  });

  it('opens the circuit after consecutive submit failures', async () => {
    const health = new ProviderHealthRegistry({ now: Date.now, breaker });
    for (let i = 0; i < 2; i++) {
      const store = new RecordingStore(['a']);
      const a = new CountingProvider('a', () => { throw new ProviderError('refused', { retryable: false }); });
      const dispatcher = dispatcherWith(store, [a], health);
      dispatcher.enqueue('m1');
      await dispatcher.idle();
    }
    expect(health.state('a')).toBe('open');
  });

  it('gives the submit-window slot back on every path: accepted, refused, lease lost', async () => {
    const health = new ProviderHealthRegistry({ now: Date.now, breaker });
    health.setLimits('a', { messagesPerSecond: null, burst: 1, maxInFlight: 1 });
    const outcomes: (() => SubmitAccepted)[] = [accepted, () => { throw new ProviderError('refused', { retryable: false }); }];
    for (const outcome of outcomes) {
      const store = new RecordingStore(['a']);
      const dispatcher = dispatcherWith(store, [new CountingProvider('a', outcome)], health);
      dispatcher.enqueue('m1');
      await dispatcher.idle();
      expect(health.limiter('a')?.inFlight).toBe(0);
    }
    const store = new RecordingStore(['a']);
    store.loseLease = true;
    const a = new CountingProvider('a', accepted);
    const dispatcher = dispatcherWith(store, [a], health);
    dispatcher.enqueue('m1');
    await dispatcher.idle();
    expect(a.sent).toHaveLength(0);
    expect(health.limiter('a')?.inFlight).toBe(0);
  });

  it('tells the provider until when the message is worth delivering', async () => {
    const store = new RecordingStore(['a']);
    const expiry = new Date(Date.now() + 120_000);
    store.message = { ...store.message, verificationExpiresAt: expiry };
    const a = new CountingProvider('a', accepted);
    const dispatcher = dispatcherWith(store, [a]);
    dispatcher.enqueue('m1');
    await dispatcher.idle();
    expect(a.sent[0]?.validUntil).toEqual(expiry);
  });

  it('holds at most 10 000 receipts for ids it does not know, dropping the oldest', async () => {
    const warnings: { obj: object; msg: string }[] = [];
    const logger = {
      ...silent,
      warn: (obj: object, msg: string) => {
        warnings.push({ obj, msg });
      },
    };
    const dispatcher = dispatcherWith(new RecordingStore(['a']), [], undefined, logger);
    for (let id = 0; id <= 10_000; id++) await dispatcher.onReceipt('a', { providerMessageId: `unknown-${id}`, state: 'delivered' });
    expect(warnings).toEqual([{ obj: { provider: 'a', providerMessageId: 'unknown-0' }, msg: 'receipt hold full; oldest unknown receipt dropped' }]);
  });

  it('renews the lease while a submit runs longer than a third of it, and stops once the submit ends', async () => {
    const store = new RecordingStore(['a']);
    // A submit of 700 ms under a 0.3 s lease: renewed every 100 ms, so never taken for a dead replica's.
    const slow = new CountingProvider('a', accepted, 700);
    const dispatcher = dispatcherWith(store, [slow], undefined, silent, 0.3);
    dispatcher.enqueue('m1');
    await dispatcher.idle();
    const renewals = store.calls.filter((call) => call === 'renew m1').length;
    expect(renewals).toBeGreaterThanOrEqual(2);
    expect(store.calls.at(-1)).toBe('markSubmitted a0');
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(store.calls.filter((call) => call === 'renew m1')).toHaveLength(renewals);
  });
});
