import type { OtpContent } from '../providers/channel-provider.js';

/** The associated data a message body is sealed with: a ciphertext only opens for its own row. */
export function messageBodyContext(messageId: string): string {
  return `message:${messageId}`;
}

/** The associated data a message's channel payload is sealed with. */
export function messagePayloadContext(messageId: string): string {
  return `message-payload:${messageId}`;
}

/** What `payload_ciphertext` holds, as JSON. */
export interface MessagePayload {
  readonly otp?: OtpContent | undefined;
  readonly email?: string | undefined;
}
