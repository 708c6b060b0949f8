// What to do after one attempt to submit a part: the journal record it needs and whether the
// message goes back to the queue. Pure, so each rule is tested on its own: an error the network
// gives for the message itself ends it; one that may pass is retried a bounded number of times;
// a PDU that left the agent without an answer is never sent again.
import type { SubmitOutcome } from '../modem/submit-outcome.js';

/** The decision after an attempt. */
export type AttemptDecision =
  | { readonly kind: 'submitted'; readonly reference: number }
  /** Journal `outcome-unknown`; the message is closed. */
  | { readonly kind: 'outcome-unknown'; readonly reason: string }
  /** Journal `radio-attempt-abandoned`, then `failed`. */
  | { readonly kind: 'fail'; readonly retryable: boolean; readonly reason: string }
  /** Journal `radio-attempt-abandoned` and queue the message again. */
  | { readonly kind: 'retry'; readonly reason: string };

/** How an attempt reflects on the modem, for its quarantine count. */
export type ModemVerdict = 'worked' | 'fault' | 'neutral';

/**
 * Decides after attempt number `attempt` (from 1) of a part.
 *
 * @param maxAttempts attempts a part gets before it fails as retryable (the service may use another route).
 */
export function decideAfterAttempt(outcome: SubmitOutcome, attempt: number, maxAttempts: number): AttemptDecision {
  switch (outcome.kind) {
    case 'submitted':
      return { kind: 'submitted', reference: outcome.reference };
    case 'unknown':
      return { kind: 'outcome-unknown', reason: outcome.reason };
    case 'not-sent':
      if (outcome.disposition === 'permanent') return { kind: 'fail', retryable: false, reason: outcome.reason };
      if (attempt >= maxAttempts) {
        return { kind: 'fail', retryable: true, reason: `no modem took it after ${attempt} attempt(s); last: ${outcome.reason}` };
      }
      return { kind: 'retry', reason: outcome.reason };
  }
}

/** Whether the attempt counts for or against the modem. A refusal of the message itself is neutral. */
export function modemVerdict(outcome: SubmitOutcome): ModemVerdict {
  if (outcome.kind === 'submitted') return 'worked';
  if (outcome.kind === 'unknown') return 'fault';
  return outcome.disposition === 'modem-fault' ? 'fault' : 'neutral';
}
