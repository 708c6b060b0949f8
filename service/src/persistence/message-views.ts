/** Messages with their attempt timelines, as the delivery log and GetMessage read them. */
import type { SqlEntityManager } from '@mikro-orm/sql';
import type { AttemptView, MessageView } from '../admin/admin-model.js';
import { AppSchema, AttemptSchema, MessageSchema, ProviderSchema } from './entities.js';

/**
 * The messages with these ids, in the given order, each with its attempts. Four queries for the
 * whole page (messages, attempts, their providers, apps), never one per message.
 */
export async function loadMessageViews(em: SqlEntityManager, ids: readonly string[]): Promise<MessageView[]> {
  if (ids.length === 0) return [];
  const messages = await em.find(MessageSchema, { id: { $in: [...ids] } });
  const attempts = await em.find(AttemptSchema, { message: { $in: [...ids] } }, { orderBy: { step: 'asc', createdAt: 'asc', id: 'asc' } });
  const providerIds = [...new Set(attempts.map((attempt) => attempt.provider))];
  const appIds = [...new Set(messages.map((message) => message.app))];
  const providers = providerIds.length === 0 ? [] : await em.find(ProviderSchema, { id: { $in: providerIds } });
  const apps = await em.find(AppSchema, { id: { $in: appIds } });
  const providerNames = new Map(providers.map((provider) => [provider.id, provider.name]));
  const appNames = new Map(apps.map((app) => [app.id, app.name]));

  const attemptsByMessage = new Map<string, AttemptView[]>();
  for (const attempt of attempts) {
    const list = attemptsByMessage.get(attempt.message) ?? [];
    list.push({
      id: attempt.id,
      step: attempt.step,
      provider: providerNames.get(attempt.provider) ?? '',
      channel: attempt.channel,
      status: attempt.status,
      providerMessageId: attempt.providerMessageId ?? null,
      parts: attempt.parts ?? null,
      expectedCostMicros: attempt.expectedCostMicros ?? null,
      actualCostMicros: attempt.actualCostMicros ?? null,
      currency: attempt.currency ?? null,
      errorCode: attempt.errorCode ?? null,
      errorMessage: attempt.errorMessage ?? null,
      createdAt: attempt.createdAt,
      submittedAt: attempt.submittedAt ?? null,
      completedAt: attempt.completedAt ?? null,
    });
    attemptsByMessage.set(attempt.message, list);
  }
  const byId = new Map(messages.map((message) => [message.id, message]));
  return ids.flatMap((id) => {
    const message = byId.get(id);
    if (message === undefined) return [];
    return [
      {
        id: message.id,
        to: message.to,
        country: message.country,
        kind: message.kind,
        channel: message.channel,
        status: message.status,
        app: appNames.get(message.app) ?? '',
        verificationId: message.verification ?? null,
        routeRule: message.routeRule ?? null,
        lastError: message.lastError ?? null,
        createdAt: message.createdAt,
        updatedAt: message.updatedAt,
        attempts: attemptsByMessage.get(message.id) ?? [],
      },
    ];
  });
}
