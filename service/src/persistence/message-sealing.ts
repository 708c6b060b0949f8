import type { SqlEntityManager } from '@mikro-orm/sql';
import { encodeMessage } from '../providers/smpp/message-encoding.js';
import type { OtpContent } from '../providers/sms-provider.js';
import type { SecretBox } from '../shared/secret-box.js';
import type { MessageDraft } from '../verification/verification.ports.js';
import { MessageSchema } from './entities.js';

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

/**
 * Stores a queued message with its text sealed (it may hold a live code). The part count is what
 * GSM 03.38 / UCS-2 splitting will produce; routing prices the message by it.
 */
export async function insertQueuedMessage(em: SqlEntityManager, box: SecretBox, draft: MessageDraft, createdAt: Date): Promise<void> {
  const payload: MessagePayload | null =
    draft.otp === undefined && !draft.email ? null : { ...(draft.otp ? { otp: draft.otp } : {}), ...(draft.email ? { email: draft.email } : {}) };
  await em.insert(MessageSchema, {
    id: draft.id,
    app: draft.appId,
    verification: draft.verificationId,
    kind: draft.kind,
    channel: draft.channel,
    to: draft.to,
    country: draft.country,
    sender: draft.from,
    bodyCiphertext: box.seal(draft.text, messageBodyContext(draft.id)),
    payloadCiphertext: payload === null ? null : box.seal(JSON.stringify(payload), messagePayloadContext(draft.id)),
    status: 'queued',
    plan: null,
    routeRule: null,
    parts: encodeMessage(draft.text).parts,
    step: 0,
    retries: 0,
    notBefore: createdAt,
    leaseUntil: null,
    leaseOwner: null,
    lastError: null,
    createdAt,
    updatedAt: createdAt,
  });
}
