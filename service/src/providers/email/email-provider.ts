/**
 * The interface of the e-mail channel, beside `ChannelProvider`: dispatch hands a rendered e-mail to
 * a provider and records the id it answers with. E-mail has no delivery receipts; an accepted
 * message is final for the attempt.
 */
import { ProviderError } from '../../shared/errors.js';

/**
 * An address `send` refuses before any connection is made; `field` is `to` or `from`. A fault of
 * one message, not of the provider.
 */
export class InvalidEmailAddressError extends ProviderError {
  readonly field: string;

  constructor(field: string, problem: string) {
    super(`${field}: ${problem}`, { retryable: false, providerCode: 'INVALID_ADDRESS' });
    this.field = field;
  }
}

/** One rendered e-mail for one attempt. */
export interface OutboundEmail {
  /** Switchboard's message id, for logs. */
  readonly messageId: string;
  /** The attempt; the Message-ID header is derived from it, so a resend is recognisable. */
  readonly attemptId: string;
  /** One bare address (`user@example.com`). */
  readonly to: string;
  /** Overrides the provider's configured sender; a bare address. Absent or empty: the provider's. */
  readonly from?: string | undefined;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** The server took the message. */
export interface EmailAccepted {
  /** The server's queue id when its reply names one, else the Message-ID we sent. */
  readonly providerMessageId: string;
}

/** A way to send e-mail, one per configured provider row. */
export interface EmailProvider {
  /** Unique provider name as configured (the `Provider` row's name). */
  readonly name: string;
  /** Checks that the server can be reached and logged in to; rejects with `ProviderError`. */
  start(): Promise<void>;
  /**
   * Sends one e-mail. Rejects with `ProviderError`: retryable, permanent (with the SMTP reply code
   * as `providerCode`), or `outcomeUnknown` when the message may have been taken.
   */
  send(email: OutboundEmail): Promise<EmailAccepted>;
  /** Closes pooled connections; later sends reject. */
  stop(): Promise<void>;
}
