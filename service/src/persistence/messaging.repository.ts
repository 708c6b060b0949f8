import type { SqlEntityManager } from '@mikro-orm/sql';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { AttemptView, MessageView } from '../messaging/message-view.js';
import type { MessagingRepository } from '../messaging/messaging.service.js';
import type { SecretBox } from '../shared/secret-box.js';
import type { MessageDraft } from '../verification/verification.ports.js';
import { AppSchema, AttemptSchema, IdempotencyKeySchema, MessageSchema, ProviderSchema } from './entities.js';
import { insertQueuedMessage } from './message-insert.js';

const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;

/** Loads messages with their attempts (one query per table, not one per message). */
export async function loadMessageViews(em: SqlEntityManager, messageIds: readonly string[]): Promise<MessageView[]> {
  if (messageIds.length === 0) return [];
  const messages = await em.find(MessageSchema, { id: { $in: [...messageIds] } });
  const attempts = await em.find(AttemptSchema, { message: { $in: [...messageIds] } }, { orderBy: { createdAt: 'asc' } });
  const apps = await em.find(AppSchema, { id: { $in: [...new Set(messages.map((m) => m.app))] } });
  const providers = await em.find(ProviderSchema, { id: { $in: [...new Set(attempts.map((a) => a.provider))] } });
  const appName = new Map(apps.map((app) => [app.id, app.name]));
  const providerName = new Map(providers.map((provider) => [provider.id, provider.name]));
  const byMessage = new Map<string, AttemptView[]>();
  for (const a of attempts) {
    const list = byMessage.get(a.message) ?? [];
    list.push({
      id: a.id,
      step: a.step,
      provider: providerName.get(a.provider) ?? a.provider,
      channel: a.channel,
      status: a.status,
      providerMessageId: a.providerMessageId ?? null,
      parts: a.parts ?? null,
      expectedCostMicros: a.expectedCostMicros ?? null,
      actualCostMicros: a.actualCostMicros ?? null,
      currency: a.currency ?? null,
      errorCode: a.errorCode ?? null,
      errorMessage: a.errorMessage ?? null,
      createdAt: a.createdAt,
      submittedAt: a.submittedAt ?? null,
      completedAt: a.completedAt ?? null,
    });
    byMessage.set(a.message, list);
  }
  const order = new Map(messageIds.map((id, index) => [id, index]));
  return messages
    .map((m) => ({
      id: m.id,
      appId: m.app,
      app: appName.get(m.app) ?? '',
      to: m.to,
      country: m.country,
      kind: m.kind,
      status: m.status,
      verificationId: m.verification ?? null,
      routeRule: m.routeRule ?? null,
      lastError: m.lastError ?? null,
      createdAt: m.createdAt,
      updatedAt: m.updatedAt,
      attempts: byMessage.get(m.id) ?? [],
    }))
    .sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
}

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
