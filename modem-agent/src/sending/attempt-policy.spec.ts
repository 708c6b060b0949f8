import { describe, expect, it } from 'vitest';
import type { SubmitOutcome } from '../modem/submit-outcome.js';
import { decideAfterAttempt, modemVerdict } from './attempt-policy.js';

const notSent = (disposition: 'retryable' | 'permanent' | 'modem-fault', promptSeen = true): SubmitOutcome => ({ kind: 'not-sent', disposition, promptSeen, reason: 'why' });

describe('decideAfterAttempt', () => {
  it('ends the message at once on a permanent refusal', () => {
    expect(decideAfterAttempt(notSent('permanent'), 1, 3)).toEqual({ kind: 'fail', retryable: false, reason: 'why' });
  });

  it('retries a retryable refusal or a modem fault until the attempts run out, then fails it as retryable', () => {
    expect(decideAfterAttempt(notSent('retryable'), 1, 3).kind).toBe('retry');
    expect(decideAfterAttempt(notSent('modem-fault', false), 2, 3).kind).toBe('retry');
    expect(decideAfterAttempt(notSent('retryable'), 3, 3)).toMatchObject({ kind: 'fail', retryable: true });
  });

  it('never retries a part whose PDU went out without an answer', () => {
    expect(decideAfterAttempt({ kind: 'unknown', reason: 'hung' }, 1, 3)).toEqual({ kind: 'outcome-unknown', reason: 'hung' });
  });

  it('passes the reference of a submitted part on', () => {
    expect(decideAfterAttempt({ kind: 'submitted', reference: 12 }, 1, 3)).toEqual({ kind: 'submitted', reference: 12 });
  });
});

describe('modemVerdict', () => {
  it('counts modem faults and silences against the modem, not the network’s refusals of a message', () => {
    expect(modemVerdict(notSent('modem-fault'))).toBe('fault');
    expect(modemVerdict({ kind: 'unknown', reason: 'hung' })).toBe('fault');
    expect(modemVerdict(notSent('permanent'))).toBe('neutral');
    expect(modemVerdict(notSent('retryable'))).toBe('neutral');
    expect(modemVerdict({ kind: 'submitted', reference: 1 })).toBe('worked');
  });
});
