// What became of one AT+CMGS, in the terms the never-twice rule needs: did any byte of the PDU
// leave the agent? If not, the part may go again (here or on another modem); if it did and no
// +CMGS came back, nobody can tell whether the network has it.
import { AtCommandError, AtError } from '../at/at-errors.js';
import type { FailureDisposition } from '../at/error-classification.js';

/** The outcome of submitting one part. */
export type SubmitOutcome =
  /** `+CMGS: <mr>`: the network took it. */
  | { readonly kind: 'submitted'; readonly reference: number }
  /**
   * Nothing of the PDU left the agent, or the modem answered a failure code for it: the part
   * was not sent. `disposition` says whether trying again can help.
   */
  | { readonly kind: 'not-sent'; readonly disposition: FailureDisposition; readonly promptSeen: boolean; readonly reason: string }
  /** The PDU was written and no answer came: it may be on its way. Never resend it. */
  | { readonly kind: 'unknown'; readonly reason: string };

/**
 * Reads a failed AT+CMGS. `pduWritten` is whether the PDU and Ctrl-Z went to the line: an
 * error code after it is still a definite refusal (27.005 §3.5.1), anything else after it is not.
 */
export function submitOutcomeOf(error: unknown, pduWritten: boolean): SubmitOutcome {
  if (error instanceof AtCommandError) {
    return { kind: 'not-sent', disposition: error.disposition, promptSeen: pduWritten, reason: error.reason };
  }
  const reason = error instanceof Error ? error.message : String(error);
  if (pduWritten) return { kind: 'unknown', reason: `the PDU was written and then ${reason}` };
  const disposition = error instanceof AtError ? error.disposition : 'modem-fault';
  return { kind: 'not-sent', disposition, promptSeen: false, reason };
}
