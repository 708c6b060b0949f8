import type { SqlEntityManager } from '@mikro-orm/sql';
import type { MessagingRepository } from '../messaging/messaging.service.js';
import { loadMessageViews } from './message-views.js';
import { MessageSchema } from './entities.js';

/** Reads of plain messages in PostgreSQL (or PGlite); they are stored by the request batcher. */
export class OrmMessagingRepository implements MessagingRepository {
  constructor(private readonly em: SqlEntityManager) {}

  async findView(appId: string, messageId: string) {
    const em = this.em.fork();
    const row = await em.findOne(MessageSchema, { id: messageId, app: appId });
    if (!row) return null;
    return (await loadMessageViews(em, [messageId]))[0] ?? null;
  }
}
