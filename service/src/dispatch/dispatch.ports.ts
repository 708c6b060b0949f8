import type { DeliveryReceipt } from '../providers/sms-provider.js';
import type { ProviderSummary, RouteRule } from '../routing/route-plan.js';

/** A message claimed by this replica, ready for its next attempt. */
export interface ClaimedMessage {
  readonly id: string;
  readonly verificationId: string | null;
  readonly to: string;
  readonly country: string;
  readonly channel: string;
  readonly from: string;
  /** Decrypted text; never logged. */
  readonly text: string;
  /** Provider names fixed at the first claim; null until then. */
  readonly plan: readonly string[] | null;
  readonly step: number;
  readonly retries: number;
  /** When the message was accepted. */
  readonly createdAt: Date;
}

/** The result of a receipt for the attempt it belongs to. */
export type ReceiptOutcome =
  | { readonly kind: 'unmatched' }
  | { readonly kind: 'ignored' }
  | { readonly kind: 'final'; readonly messageId: string; readonly delivered: boolean }
  /** The attempt failed and the plan has another step: the message is queued for it. */
  | { readonly kind: 'requeued'; readonly messageId: string };

/** What the dispatcher reads and writes. Each method is one transaction. */
export interface DispatchStore {
  /**
   * Leases the message under `token` if it is queued, due, and either unleased (lease expired) or
   * already leased under `token` (handed over by `claimDue`); null otherwise. Tokens are unique
   * per claim, so two claims never both succeed, even within one replica.
   */
  claim(messageId: string, token: string, leaseUntil: Date): Promise<ClaimedMessage | null>;
  /**
   * Due messages that nobody holds, locked with SKIP LOCKED and leased, each under a fresh token
   * derived from `owner`; the caller then claims each with its token.
   */
  claimDue(owner: string, leaseUntil: Date, limit: number): Promise<{ id: string; token: string }[]>;
  /** Sending messages whose owner's lease ran out mid-submit: their outcome is unknown. */
  abandonStaleSends(now: Date): Promise<number>;
  routingTable(): Promise<{ rules: RouteRule[]; providers: ProviderSummary[] }>;
  /** Stores the plan and records an attempt as `sending`; returns the attempt id. */
  startAttempt(messageId: string, plan: readonly string[], step: number, provider: string): Promise<string>;
  markSubmitted(attemptId: string, messageId: string, providerMessageId: string, parts: number): Promise<void>;
  /** The attempt failed for sure; the message goes to `next` (another step or a retry) or fails. */
  markAttemptFailed(
    attemptId: string,
    messageId: string,
    error: { code: string; message: string },
    next: { step: number; retries: number; notBefore: Date } | null,
  ): Promise<void>;
  /** The provider may have taken the message: wait for its receipt, never resend. */
  markOutcomeUnknown(attemptId: string, messageId: string, error: { code: string; message: string }): Promise<void>;
  /** Fails a message that cannot be routed at all. */
  failUnroutable(messageId: string, reason: string): Promise<void>;
  /** Applies a receipt to the attempt with that provider message id. */
  applyReceipt(providerName: string, receipt: DeliveryReceipt, now: Date): Promise<ReceiptOutcome>;
}
