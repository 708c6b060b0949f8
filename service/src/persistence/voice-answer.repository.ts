import type { SqlEntityManager } from '@mikro-orm/sql';
import type { OtpContent } from '../providers/channel-provider.js';
import type { SecretBox } from '../shared/secret-box.js';
import { messagePayloadContext, type MessagePayload } from './message-sealing.js';

/** What a voice call's answer document is made from: the attempt's provider and the code. */
export interface AnswerSource {
  readonly provider: string;
  readonly messageId: string;
  /** The code and its phrasing; null once the message ended (payload erased) or unreadable. */
  readonly otp: OtpContent | null;
}

/**
 * Reads what an answer URL needs for one attempt. Only an attempt whose outcome is still open
 * may be read: a finished call's URL says nothing any more.
 */
export async function loadAnswerSource(em: SqlEntityManager, box: SecretBox, attemptId: string): Promise<AnswerSource | null> {
  const rows = await em.fork().execute<{ provider: string; message_id: string; payload_ciphertext: string | null }[]>(
    `select p.name as provider, m.id as message_id, m.payload_ciphertext
       from attempt a join message m on m.id = a.message_id join provider p on p.id = a.provider_id
      where a.id = ? and a.channel = 'voice' and a.completed_at is null and a.status in ('sending', 'submitted', 'unknown')`,
    [attemptId],
  );
  const row = rows[0];
  if (!row) return null;
  let otp: OtpContent | null = null;
  if (row.payload_ciphertext !== null) {
    try {
      otp = (JSON.parse(box.open(row.payload_ciphertext, messagePayloadContext(row.message_id))) as MessagePayload).otp ?? null;
    } catch {
      otp = null;
    }
  }
  return { provider: row.provider, messageId: row.message_id, otp };
}
