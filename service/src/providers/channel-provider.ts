/**
 * The one interface every SMS route implements (SMPP, HTTP, modem agent). Dispatch talks only to
 * this; the wire library of each kind stays inside its folder.
 */
import type { EmailTemplateSet } from '../verification/email-template.js';

/**
 * What a channel other than SMS needs to say a verification code its own way (a voice call reads
 * the digits, an e-mail has a subject and HTML). Stored encrypted with the message; never logged.
 */
export interface OtpContent {
  readonly code: string;
  /** The locale the caller asked for (BCP 47); renderers fall back per channel. */
  readonly locale: string;
  /** The app's default locale, the next fallback. */
  readonly defaultLocale: string;
  readonly brand: string;
  /** The code's lifetime, for "expires in N minutes". */
  readonly ttlSeconds: number;
  /** The app's own e-mail for this locale (a set of one); absent: the built-in e-mails. */
  readonly emailTemplates?: EmailTemplateSet | undefined;
}

/** A message handed to a provider for one attempt. */
export interface OutboundSms {
  /** Switchboard's message id: stable across attempts, used for correlation in logs. */
  readonly messageId: string;
  /** The attempt this submit belongs to; providers that support idempotency keys use it. */
  readonly attemptId: string;
  /** Destination in E.164 (`+4915112345678`). */
  readonly to: string;
  /** Sender: alphanumeric id, short code or E.164 number. */
  readonly from: string;
  readonly text: string;
  /**
   * After this the message is useless (the code expired): providers that can tell the network
   * (SMPP validity_period) do, so a late message is dropped rather than delivered.
   */
  readonly validUntil?: Date | undefined;
  /** For a verification code: the code and how to phrase it (voice and e-mail render from it). */
  readonly otp?: OtpContent | undefined;
  /** The user's e-mail address, for e-mail steps. */
  readonly email?: string | undefined;
}

/** The provider took the message; its receipt will arrive later under `providerMessageId`. */
export interface SubmitAccepted {
  /** The id receipts will carry (for a text sent as separate parts: the first part's). */
  readonly providerMessageId: string;
  /**
   * One id per part, in order, when the text went out as separately submitted parts that each
   * get their own receipt (SMPP UDH or SAR concatenation). Absent: one id covers the message.
   */
  readonly partMessageIds?: readonly string[] | undefined;
  /** How many SMS parts the text was sent as (what the network bills). */
  readonly parts: number;
  /**
   * Final receipts the provider will send for the message; absent: one per id in
   * `partMessageIds` (or one). A carrier that reports a long text once says 1.
   */
  readonly receiptsExpected?: number | undefined;
  /**
   * True when acceptance is all the provider will ever report (SMTP has no delivery reports):
   * the attempt counts as delivered at once instead of waiting out its receipt timeout.
   */
  readonly final?: boolean | undefined;
}

/** A submit answered after we gave up waiting (late submit_sm_resp): the part was accepted after all. */
export interface LateAcceptance {
  readonly attemptId: string;
  /** 1-based part of the text the late answer is for. */
  readonly part: number;
  /** Parts the text was submitted as, each answered (and reported on) separately. */
  readonly parts: number;
  /** Final receipts expected for the text, when not one per part. */
  readonly receiptsExpected?: number | undefined;
  readonly providerMessageId: string;
}

/** A mobile-originated message (a reply) a provider delivered to us. */
export interface InboundSms {
  /** Sender as the network gave it. */
  readonly from: string;
  /** Our number, short code or sender id it was sent to. */
  readonly to: string;
  /** The text, reassembled when it arrived in parts. */
  readonly text: string;
  readonly parts: number;
}

/** Where a message stands according to the network. Intermediate states do not end an attempt. */
export type ReceiptState = 'delivered' | 'failed' | 'expired' | 'enroute' | 'accepted' | 'unknown';

/** A delivery report, normalised from whatever the provider sent (SMPP deliver_sm, webhook …). */
export interface DeliveryReceipt {
  /** The id the provider returned at submit time (normalised, see `normaliseProviderMessageId`). */
  readonly providerMessageId: string;
  readonly state: ReceiptState;
  /** The network's or provider's error code, when it gave one. */
  readonly errorCode?: string | undefined;
  /** When the network says the message reached its final state. */
  readonly doneAt?: Date | undefined;
  /**
   * The handset the report is about, as the provider wrote it (SMPP: the receipt's source_addr).
   * Carriers reuse message ids; a report is only matched to a message sent to this number.
   */
  readonly handset?: string | undefined;
  /** The attempt the report names itself (a webhook's `?attempt=`), when it does. */
  readonly attemptId?: string | undefined;
}

/** Receives every receipt a provider parses. Must not throw for unknown ids. */
export type ReceiptSink = (providerName: string, receipt: DeliveryReceipt) => Promise<void>;

/** Receives late acceptances, so receipts for a submit first recorded as outcome unknown match. */
export type LateAcceptanceSink = (providerName: string, acceptance: LateAcceptance) => Promise<void>;

/** Receives inbound messages; rejects when it could not store one (the provider asks for a resend). */
export type InboundSink = (providerName: string, message: InboundSms) => Promise<void>;

/** One connection of a provider (an SMPP bind), for health views and metrics. */
export interface BindStatus {
  /** Stable within the provider, e.g. `trx-1`, `tx-1`, `rx-1`. */
  readonly id: string;
  readonly bindType: 'transceiver' | 'transmitter' | 'receiver';
  readonly state: 'connecting' | 'bound' | 'disconnected' | 'stopped';
  /** Requests sent and not yet answered. */
  readonly outstanding: number;
  /** Since when it is in `state`. */
  readonly since: Date;
  /** The last error seen on it; '' when none. */
  readonly lastError: string;
}

/** How a provider's connections stand right now. */
export interface ProviderStatus {
  /** One word for the whole provider, e.g. SMPP `bound` when at least one bind can send. */
  readonly connection: string;
  readonly binds: readonly BindStatus[];
  /** Why it last failed to connect; '' when it did not. */
  readonly lastError: string;
}

export interface ChannelProvider {
  /** Unique provider name as configured (the `Provider` row's name). */
  readonly name: string;
  /** Connects/binds. Resolves once the provider can take messages or rejects with why not. */
  start(): Promise<void>;
  /**
   * Sends one message. Resolves when the provider accepted it; rejects with `ProviderError`
   * (retryable or permanent; `outcomeUnknown` when it may have been accepted anyway).
   */
  submit(message: OutboundSms): Promise<SubmitAccepted>;
  /** Closes connections cleanly (SMPP unbind); pending submits reject. */
  stop(): Promise<void>;
  /** Connection state for health views; providers without connections leave it out. */
  status?(): ProviderStatus;
}

/**
 * Carriers report the same id in hex or decimal, upper or lower case, sometimes zero-padded.
 * Correlation keys are compared in this normalised form: lower case, leading zeros removed.
 */
export function normaliseProviderMessageId(id: string): string {
  const trimmed = id.trim().toLowerCase().replace(/^0+(?=.)/, '');
  return trimmed;
}

/** How a carrier writes ids in receipts compared with its submit answers. */
export type ReceiptIdBase = 'same' | 'hex-to-decimal' | 'decimal-to-hex';

/** Every `ReceiptIdBase`. */
export const RECEIPT_ID_BASES: readonly ReceiptIdBase[] = ['same', 'hex-to-decimal', 'decimal-to-hex'];

/** Longest id converted between bases; longer ones are opaque tokens, not numbers. */
const MAX_NUMERIC_ID_DIGITS = 40;

/**
 * The id a receipt names, in the form the submit answer gave it. Some SMSCs answer submit_sm
 * with a hex id and report it in decimal (`hex-to-decimal`: `1a2b` comes back as `6699`), or the
 * other way round. Which one is a fact about the carrier, configured per provider: guessing per
 * receipt is unsafe, because `1000` in one base is another message's id in the other.
 * An id that is not a number in the reported base is returned normalised, unconverted.
 */
export function receiptIdAsIssued(reported: string, base: ReceiptIdBase): string {
  const id = normaliseProviderMessageId(reported);
  if (base === 'same' || id.length > MAX_NUMERIC_ID_DIGITS) return id;
  if (base === 'hex-to-decimal') return /^[0-9]+$/.test(id) ? BigInt(id).toString(16) : id;
  return /^[0-9a-f]+$/.test(id) ? BigInt(`0x${id}`).toString(10) : id;
}
