import type { ClaimedMessage } from '../dispatch/dispatch.ports.js';
import type { OtpContent } from '../providers/channel-provider.js';
import type { ItemOutcome } from '../shared/group-commit.js';
import type { Verification, VerificationChannel } from './verification.js';

/** A message to be stored in the same transaction as its verification and dispatched after. */
export interface MessageDraft {
  readonly id: string;
  readonly appId: string;
  readonly verificationId: string | null;
  readonly kind: 'otp' | 'transactional';
  readonly channel: VerificationChannel;
  readonly to: string;
  readonly country: string;
  readonly from: string;
  /** The SMS text. */
  readonly text: string;
  /** For a code: what voice and e-mail steps render it from (sealed like the text). */
  readonly otp?: OtpContent | undefined;
  /** The user's e-mail address, for e-mail steps (sealed with `otp`). */
  readonly email?: string | null | undefined;
  /**
   * Stored under this replica's lease, to be sent by its dispatcher at once; null: stored for any
   * replica to claim (this one holds as many as it can).
   */
  readonly lease: { readonly owner: string; readonly seconds: number } | null;
}

/** An idempotency key's earlier use: a verification (SendCode) or a message (SendMessage). */
export interface IdempotencyRecord {
  readonly verificationId: string | null;
  readonly messageId: string | null;
  readonly to: string;
  /** SHA-256 of the request's content (SendMessage); null for SendCode. */
  readonly fingerprint: string | null;
}

/**
 * The reads and writes of one request (SendCode, VerifyCode, CancelVerification, SendMessage).
 * It runs inside a transaction it may share with other requests (group commit); its writes join
 * that transaction only if it returns, so a request that throws leaves nothing behind.
 */
export interface VerificationUnitOfWork {
  /** The key's earlier use within the window (an older use is forgotten, the key free again). */
  findIdempotencyKey(appId: string, key: string, notBefore: Date): Promise<IdempotencyRecord | null>;
  /** Throws `DuplicateIdempotencyKeyError` when another transaction stored the key first. */
  saveIdempotencyKey(record: { appId: string; key: string; verificationId: string | null; messageId: string | null; to: string; fingerprint: string | null; createdAt: Date }): Promise<void>;
  /** The app's newest pending verification for the destination, locked for update. */
  findPendingFor(appId: string, to: string): Promise<Verification | null>;
  /** The verification, locked for update; null when it does not exist or belongs to another app. */
  findForUpdate(appId: string, id: string): Promise<Verification | null>;
  /** When each verification message to `to` was created since `since`, oldest first. */
  otpSendTimesTo(to: string, since: Date): Promise<Date[]>;
  /** When the verification's newest code message was created; null when it has none. */
  lastCodeSentAt(verificationId: string): Promise<Date | null>;
  /** Wrong codes checked against `to`'s verifications created since `since`. */
  failedChecksFor(to: string, since: Date): Promise<number>;
  /** Ends the verification's messages that were not sent yet, without sending them. */
  dropQueuedMessages(verificationId: string, reason: string, now: Date): Promise<void>;
  insertVerification(v: Verification): Promise<void>;
  updateVerification(v: Verification): Promise<void>;
  /** Stores a queued message; resolves with the SMS parts its text splits into (GSM 03.38 or UCS-2). */
  insertMessage(draft: MessageDraft, createdAt: Date): Promise<{ readonly parts: number }>;
}

/**
 * What a request will read, so that its batch reads it for every request at once, and locks it:
 * the destinations it sends to and the idempotency keys it uses are locked for the transaction
 * (sends to one number queue up across replicas), the verifications it reads are locked for update.
 */
export interface BatchReads {
  readonly destinations?: readonly string[] | undefined;
  readonly idempotencyKeys?: readonly { readonly appId: string; readonly key: string }[] | undefined;
  readonly verificationIds?: readonly { readonly appId: string; readonly id: string }[] | undefined;
  readonly pendingFor?: readonly { readonly appId: string; readonly to: string }[] | undefined;
  /** Code messages sent to `destinations` since then are read. */
  readonly sendsSince?: Date | undefined;
  /** Wrong codes of the numbers read (given, and those of the verifications read) since then are read. */
  readonly checksSince?: Date | undefined;
}

/** One request of a batch. */
export interface BatchRequest<R> {
  readonly reads: BatchReads;
  readonly work: (uow: VerificationUnitOfWork) => Promise<R>;
}

export interface VerificationRepository {
  /**
   * Runs the requests in one transaction, in order, each with its own unit of work: each sees
   * what the ones before it did; one that throws has the error as its outcome and leaves nothing.
   */
  batch<R>(requests: readonly BatchRequest<R>[]): Promise<ItemOutcome<R>[]>;
  findById(appId: string, id: string): Promise<Verification | null>;
}

/**
 * Hands committed messages to the dispatcher. Messages stored under its lease are handed over
 * whole (nothing is read back); the rest wait in the table for whichever replica has room.
 */
export interface DispatchQueue {
  /**
   * A place for one more message, or null when it holds all it can (the message is then stored
   * for any replica to claim). Each reservation ends with `accepted` or `cancelReservation`.
   */
  reserve(): { readonly owner: string; readonly seconds: number } | null;
  /** A reserved place that was not used (the request failed, or stored nothing new). */
  cancelReservation(): void;
  /** Messages just committed under its lease, each in a reserved place. */
  accepted(messages: readonly ClaimedMessage[]): void;
}

/** Raised by `saveIdempotencyKey` when a concurrent request stored the same key first. */
export class DuplicateIdempotencyKeyError extends Error {
  constructor() {
    super('idempotency key stored concurrently');
    this.name = 'DuplicateIdempotencyKeyError';
  }
}
