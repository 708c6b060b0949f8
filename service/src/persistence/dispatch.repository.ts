import type { SqlEntityManager } from '@mikro-orm/sql';
import { randomUUID } from 'node:crypto';
import type { ClaimedMessage, DispatchStore, ReceiptOutcome } from '../dispatch/dispatch.ports.js';
import type { DeliveryReceipt } from '../providers/sms-provider.js';
import type { SecretBox } from '../shared/secret-box.js';
import { AttemptSchema, MessageSchema, ProviderSchema, RouteRuleSchema } from './entities.js';
import { messageBodyContext } from './verification.repository.js';

/**
 * Receipt states that end an attempt. Intermediate ones (enroute, accepted) change nothing, and
 * neither does UNKNOWN: the message may well have been delivered, and falling back on it would
 * send the code twice.
 */
const FINAL_STATES = new Set(['delivered', 'failed', 'expired']);

/** Message and attempt rows as the dispatcher's work queue (PostgreSQL or PGlite). */
export class OrmDispatchStore implements DispatchStore {
  constructor(
    private readonly em: SqlEntityManager,
    private readonly box: SecretBox,
  ) {}

  async claim(messageId: string, token: string, leaseUntil: Date): Promise<ClaimedMessage | null> {
    const em = this.em.fork();
    // One atomic UPDATE: PostgreSQL re-checks the WHERE after a concurrent claim commits, so at
    // most one claimer gets the row back.
    const rows = await em.execute<{ id: string }[]>(
      `update message set lease_owner = ?, lease_until = ?, updated_at = now()
        where id = ? and status = 'queued' and not_before <= now()
          and (lease_until is null or lease_until < now() or lease_owner = ?)
        returning id`,
      [token, leaseUntil, messageId, token],
    );
    if (rows.length === 0) return null;
    const row = await em.findOneOrFail(MessageSchema, { id: messageId });
    if (row.bodyCiphertext === null || row.bodyCiphertext === undefined) return null;
    return {
      id: row.id,
      verificationId: row.verification ?? null,
      to: row.to,
      country: row.country,
      channel: row.channel,
      from: row.sender,
      text: this.box.open(row.bodyCiphertext, messageBodyContext(row.id)),
      plan: row.plan ?? null,
      step: row.step,
      retries: row.retries,
      createdAt: row.createdAt,
    };
  }

  async claimDue(owner: string, leaseUntil: Date, limit: number): Promise<{ id: string; token: string }[]> {
    return this.em.fork().transactional(async (em) => {
      // SKIP LOCKED: replicas sweeping at once each take different rows instead of queueing up.
      const due = await em.execute<{ id: string }[]>(
        `select id from message
          where status = 'queued' and not_before <= now() and (lease_until is null or lease_until < now())
          order by not_before limit ? for update skip locked`,
        [limit],
      );
      const leased = due.map((row) => ({ id: row.id, token: `${owner}:${randomUUID()}` }));
      for (const { id, token } of leased) {
        await em.nativeUpdate(MessageSchema, { id }, { leaseOwner: token, leaseUntil, updatedAt: new Date() });
      }
      return leased;
    });
  }

  async abandonStaleSends(now: Date): Promise<number> {
    return this.em.fork().transactional(async (em) => {
      const stale = await em.execute<{ id: string; verification_id: string | null }[]>(
        `select id, verification_id from message where status = 'sending' and lease_until < ? for update skip locked`,
        [now],
      );
      for (const row of stale) {
        await em.nativeUpdate(
          AttemptSchema,
          { message: row.id, status: 'sending' },
          { status: 'unknown', errorCode: 'INTERRUPTED', errorMessage: 'replica stopped during submit', completedAt: now },
        );
        await this.#finishMessage(em, row.id, row.verification_id, 'failed', 'interrupted during submit: outcome unknown, not resent');
      }
      return stale.length;
    });
  }

  async routingTable() {
    const em = this.em.fork();
    const [rules, providers] = await Promise.all([em.findAll(RouteRuleSchema), em.findAll(ProviderSchema)]);
    return {
      rules: rules.map((r) => ({
        name: r.name,
        priority: r.priority,
        enabled: r.enabled,
        countries: r.countries,
        prefixes: r.prefixes,
        providers: r.providers,
      })),
      providers: providers.map((p) => ({ name: p.name, enabled: p.enabled, channels: p.channels })),
    };
  }

  async startAttempt(messageId: string, plan: readonly string[], step: number, provider: string): Promise<string> {
    return this.em.fork().transactional(async (em) => {
      const providerRow = await em.findOneOrFail(ProviderSchema, { name: provider });
      const id = randomUUID();
      const now = new Date();
      await em.nativeUpdate(MessageSchema, { id: messageId }, { status: 'sending', plan: [...plan], step, updatedAt: now });
      await em.insert(AttemptSchema, { id, message: messageId, provider: providerRow.id, step, status: 'sending', createdAt: now });
      return id;
    });
  }

  async markSubmitted(attemptId: string, messageId: string, providerMessageId: string, parts: number): Promise<void> {
    await this.em.fork().transactional(async (em) => {
      const now = new Date();
      await em.nativeUpdate(AttemptSchema, { id: attemptId }, { status: 'submitted', providerMessageId, parts, submittedAt: now });
      await em.nativeUpdate(
        MessageSchema,
        { id: messageId, status: 'sending' },
        { status: 'submitted', leaseOwner: null, leaseUntil: null, updatedAt: now },
      );
      await em.execute(
        `update verification set delivery_status = 'submitted'
          where id = (select verification_id from message where id = ?) and delivery_status = 'queued'`,
        [messageId],
      );
    });
  }

  async markAttemptFailed(
    attemptId: string,
    messageId: string,
    error: { code: string; message: string },
    next: { step: number; retries: number; notBefore: Date } | null,
  ): Promise<void> {
    await this.em.fork().transactional(async (em) => {
      const now = new Date();
      await em.nativeUpdate(AttemptSchema, { id: attemptId }, { status: 'failed', errorCode: error.code, errorMessage: error.message, completedAt: now });
      if (next) {
        await em.nativeUpdate(
          MessageSchema,
          { id: messageId },
          { status: 'queued', step: next.step, retries: next.retries, notBefore: next.notBefore, leaseOwner: null, leaseUntil: null, lastError: error.message, updatedAt: now },
        );
      } else {
        const message = await em.findOneOrFail(MessageSchema, { id: messageId });
        await this.#finishMessage(em, messageId, message.verification ?? null, 'failed', error.message);
      }
    });
  }

  async markOutcomeUnknown(attemptId: string, messageId: string, error: { code: string; message: string }): Promise<void> {
    await this.em.fork().transactional(async (em) => {
      const now = new Date();
      await em.nativeUpdate(AttemptSchema, { id: attemptId }, { status: 'unknown', errorCode: error.code, errorMessage: error.message, submittedAt: now });
      // Treated as submitted: a receipt may still arrive; what must not happen is a second send.
      await em.nativeUpdate(MessageSchema, { id: messageId }, { status: 'submitted', leaseOwner: null, leaseUntil: null, lastError: error.message, updatedAt: now });
    });
  }

  async failUnroutable(messageId: string, reason: string): Promise<void> {
    await this.em.fork().transactional(async (em) => {
      const message = await em.findOneOrFail(MessageSchema, { id: messageId });
      await this.#finishMessage(em, messageId, message.verification ?? null, 'failed', reason);
    });
  }

  async applyReceipt(providerName: string, receipt: DeliveryReceipt, now: Date): Promise<ReceiptOutcome> {
    return this.em.fork().transactional(async (em) => {
      const provider = await em.findOne(ProviderSchema, { name: providerName });
      if (!provider) return { kind: 'unmatched' };
      const attempt = await em.findOne(AttemptSchema, { provider: provider.id, providerMessageId: receipt.providerMessageId });
      if (!attempt) return { kind: 'unmatched' };
      // Duplicate and late receipts change nothing once an attempt is final.
      if (!FINAL_STATES.has(receipt.state) || !['submitted', 'unknown'].includes(attempt.status)) return { kind: 'ignored' };
      const delivered = receipt.state === 'delivered';
      await em.nativeUpdate(
        AttemptSchema,
        { id: attempt.id },
        { status: receipt.state, errorCode: receipt.errorCode ?? null, completedAt: receipt.doneAt ?? now },
      );
      const message = await em.findOneOrFail(MessageSchema, { id: attempt.message });
      if (delivered) {
        await this.#finishMessage(em, message.id, message.verification ?? null, 'delivered', null);
        return { kind: 'final', messageId: message.id, delivered: true };
      }
      const plan = message.plan ?? [];
      if (message.status === 'submitted' && attempt.step + 1 < plan.length) {
        await em.nativeUpdate(
          MessageSchema,
          { id: message.id },
          { status: 'queued', step: attempt.step + 1, retries: 0, notBefore: now, lastError: `receipt ${receipt.state}`, updatedAt: now },
        );
        return { kind: 'requeued', messageId: message.id };
      }
      await this.#finishMessage(em, message.id, message.verification ?? null, 'failed', `receipt ${receipt.state}`);
      return { kind: 'final', messageId: message.id, delivered: false };
    });
  }

  /**
   * Ends a message. The body (which holds the code) is erased: nothing needs it any more. A
   * verification fails only when none of its messages is still under way or delivered.
   */
  async #finishMessage(em: SqlEntityManager, messageId: string, verificationId: string | null, status: 'delivered' | 'failed', error: string | null) {
    const now = new Date();
    await em.nativeUpdate(
      MessageSchema,
      { id: messageId },
      { status, bodyCiphertext: null, leaseOwner: null, leaseUntil: null, lastError: error, updatedAt: now },
    );
    if (verificationId === null) return;
    if (status === 'delivered') {
      await em.execute(`update verification set delivery_status = 'delivered' where id = ?`, [verificationId]);
      return;
    }
    await em.execute(
      `update verification set delivery_status = 'failed',
              status = case when status = 'pending' then 'failed' else status end,
              completed_at = case when status = 'pending' then ? else completed_at end
        where id = ? and not exists (
          select 1 from message where verification_id = ? and status in ('queued', 'sending', 'submitted', 'delivered'))`,
      [now, verificationId, verificationId],
    );
  }
}
