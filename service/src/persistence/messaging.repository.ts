import type { SqlEntityManager } from '@mikro-orm/sql';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { MessagingRepository } from '../messaging/messaging.service.js';
import type { SecretBox } from '../shared/secret-box.js';
import type { MessageDraft } from '../verification/verification.ports.js';
import { loadMessageViews } from './admin.repository.js';
import { IdempotencyKeySchema, MessageSchema } from './entities.js';
import { insertQueuedMessage } from './message-insert.js';
import { IDEMPOTENCY_WINDOW_MS } from '../shared/request-rules.js';


/** Plain messages in PostgreSQL (or PGlite). */
export class OrmMessagingRepository implements MessagingRepository {
  constructor(
    private readonly em: SqlEntityManager,
    private readonly box: SecretBox,
  ) {}

  async storeOnce(draft: MessageDraft, idempotency: { key: string; fingerprint: string } | null, now: Date) {
    const attempt = () =>
      this.em.fork().transactional(async (em) => {
        if (idempotency) {
          const seen = await em.findOne(IdempotencyKeySchema, { app: draft.appId, key: idempotency.key });
          if (seen && seen.createdAt.getTime() >= now.getTime() - IDEMPOTENCY_WINDOW_MS) {
            return { messageId: seen.message ?? '', created: false, fingerprintMatches: seen.message != null && seen.fingerprint === idempotency.fingerprint };
          }
          if (seen) await em.nativeDelete(IdempotencyKeySchema, { app: draft.appId, key: idempotency.key });
        }
        await insertQueuedMessage(em, this.box, draft, now);
        if (idempotency) {
          await em.insert(IdempotencyKeySchema, {
            app: draft.appId,
            key: idempotency.key,
            verification: null,
            message: draft.id,
            to: draft.to,
            fingerprint: idempotency.fingerprint,
            createdAt: now,
          });
        }
        return { messageId: draft.id, created: true, fingerprintMatches: true };
      });
    try {
      return await attempt();
    } catch (error) {
      // A concurrent request stored the same key first; this run finds it.
      if (error instanceof UniqueConstraintViolationException) return attempt();
      throw error;
    }
  }

  async findView(appId: string, messageId: string) {
    const em = this.em.fork();
    const row = await em.findOne(MessageSchema, { id: messageId, app: appId });
    if (!row) return null;
    return (await loadMessageViews(em, [messageId]))[0] ?? null;
  }
}
