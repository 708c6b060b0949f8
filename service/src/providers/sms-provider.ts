/**
 * The one interface every SMS route implements (SMPP, HTTP, modem agent). Dispatch talks only to
 * this; the wire library of each kind stays inside its folder.
 */

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
}

/** The provider took the message; its receipt will arrive later under `providerMessageId`. */
export interface SubmitAccepted {
  readonly providerMessageId: string;
  /** How many SMS parts the text was sent as. */
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
}

/** Receives every receipt a provider parses. Must not throw for unknown ids. */
export type ReceiptSink = (providerName: string, receipt: DeliveryReceipt) => Promise<void>;

export interface SmsProvider {
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
}

/**
 * Carriers report the same id in hex or decimal, upper or lower case, sometimes zero-padded.
 * Correlation keys are compared in this normalised form: lower case, leading zeros removed.
 */
export function normaliseProviderMessageId(id: string): string {
  const trimmed = id.trim().toLowerCase().replace(/^0+(?=.)/, '');
  return trimmed;
}
