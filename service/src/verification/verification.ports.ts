import type { OtpContent } from '../providers/sms-provider.js';
import type { EmailTemplateSet } from './email-template.js';
import type { TemplateSet } from './message-template.js';
import type { Verification, VerificationChannel } from './verification.js';

/** What the verification logic needs to know about the calling app. */
export interface AppProfile {
  readonly id: string;
  readonly name: string;
  /** Domain for the origin-bound last line (`@example.com #123456`); null when the app has none. */
  readonly domain: string | null;
  readonly defaultLocale: string;
  /** Sender shown on the phone: alphanumeric id, short code or E.164 number. */
  readonly senderId: string;
  readonly templates: TemplateSet;
  /** E-mails carrying a code, by locale; empty: the built-in ones. */
  readonly emailTemplates: EmailTemplateSet;
  /** ISO 3166-1 alpha-2 countries the app may send to; empty means all. */
  readonly allowedCountries: readonly string[];
  readonly defaultCodeLength: number;
}

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
}

/** The reads and writes of one SendCode/VerifyCode, all inside one database transaction. */
export interface VerificationUnitOfWork {
  /** Serialises sends to one destination across replicas until the transaction ends. */
  lockDestination(to: string): Promise<void>;
  /** The key's earlier use; `verificationId` is null when it was used for a plain message. */
  findIdempotencyKey(appId: string, key: string, notBefore: Date): Promise<{ verificationId: string | null; to: string } | null>;
  /** Throws `DuplicateIdempotencyKeyError` when another transaction stored the key first. */
  saveIdempotencyKey(record: { appId: string; key: string; verificationId: string; to: string; createdAt: Date }): Promise<void>;
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
  insertMessage(draft: MessageDraft, createdAt: Date): Promise<void>;
}

export interface VerificationRepository {
  /** Runs `work` in one transaction: all its writes commit together or none do. */
  transaction<T>(work: (uow: VerificationUnitOfWork) => Promise<T>): Promise<T>;
  findById(appId: string, id: string): Promise<Verification | null>;
}

/** Hands committed messages to the dispatcher. */
export interface DispatchQueue {
  enqueue(messageId: string): void;
}

/** Raised by `saveIdempotencyKey` when a concurrent request stored the same key first. */
export class DuplicateIdempotencyKeyError extends Error {
  constructor() {
    super('idempotency key stored concurrently');
    this.name = 'DuplicateIdempotencyKeyError';
  }
}
