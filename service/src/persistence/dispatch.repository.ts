import type { SqlEntityManager } from '@mikro-orm/sql';
import { randomUUID } from 'node:crypto';
import type { AttemptError, ClaimedMessage, DispatchStore, NextStep, PartialAcceptance, ReceiptOutcome, StoredStep } from '../dispatch/dispatch.ports.js';
import type { Channel, MessageKind } from '../routing/routing-model.js';
import { normaliseProviderMessageId, type DeliveryReceipt, type LateAcceptance, type OtpContent, type SubmitAccepted } from '../providers/sms-provider.js';
import type { SecretBox } from '../shared/secret-box.js';
import { AppSchema, AttemptPartSchema, AttemptSchema, type AttemptRow, IdempotencyKeySchema, MessageSchema, ProviderSchema, VerificationSchema } from './entities.js';
import { messageBodyContext, messagePayloadContext, type MessagePayload } from './message-insert.js';

/**
 * Receipt states that end an attempt. Intermediate ones (enroute, accepted) change nothing, and
 * neither does UNKNOWN: the message may well have been delivered, and falling back on it would
 * send the code twice.
 */
const FINAL_STATES = new Set(['delivered', 'failed', 'expired']);

type Em = SqlEntityManager;

/** Message and attempt rows as the dispatcher's work queue (PostgreSQL or PGlite). */
export class OrmDispatchStore implements DispatchStore {
  constructor(
    private readonly em: SqlEntityManager,
    private readonly box: SecretBox,
  ) {}

  async claim(messageId: string, token: string, now: Date, leaseUntil: Date): Promise<ClaimedMessage | null> {
    const em = this.em.fork();
    // One atomic UPDATE: PostgreSQL re-checks the WHERE after a concurrent claim commits, so at
    // most one claimer gets the row back.
    const rows = await em.execute<{ id: string }[]>(
      `update message set lease_owner = ?, lease_until = ?, updated_at = ?
        where id = ? and status = 'queued' and not_before <= ?
          and (lease_until is null or lease_until < ? or lease_owner = ?)
        returning id`,
      [token, leaseUntil, now, messageId, now, now, token],
    );
    if (rows.length === 0) return null;
    const row = await em.findOneOrFail(MessageSchema, { id: messageId });
    const verification = row.verification ? await em.findOne(VerificationSchema, { id: row.verification }) : null;
    const app = await em.findOneOrFail(AppSchema, { id: row.app });
    return {
      id: row.id,
      token,
      verificationId: row.verification ?? null,
      to: row.to,
      country: row.country,
      channel: row.channel as Channel,
      kind: row.kind as MessageKind,
      app: app.name,
      parts: row.parts,
      from: row.sender,
      text: this.#open(row.id, row.bodyCiphertext ?? null),
      ...this.#openPayload(row.id, row.payloadCiphertext ?? null),
      plan: (row.plan as StoredStep[] | null | undefined) ?? null,
      step: row.step,
      retries: row.retries,
      createdAt: row.createdAt,
      verificationOpen: verification === null || (verification.status === 'pending' && verification.expiresAt > now),
      verificationExpiresAt: verification?.expiresAt ?? null,
    };
  }

  /** The channel payload; a payload that cannot be opened reads as none (e-mail steps then skip). */
  #openPayload(messageId: string, sealed: string | null): { otp: OtpContent | null; email: string | null } {
    if (sealed === null) return { otp: null, email: null };
    try {
      const payload = JSON.parse(this.box.open(sealed, messagePayloadContext(messageId))) as MessagePayload;
      return { otp: payload.otp ?? null, email: payload.email ?? null };
    } catch {
      return { otp: null, email: null };
    }
  }

  #open(messageId: string, sealed: string | null): string | null {
    if (sealed === null) return null;
    try {
      return this.box.open(sealed, messageBodyContext(messageId));
    } catch {
      return null;
    }
  }

  async claimDue(owner: string, now: Date, leaseUntil: Date, limit: number): Promise<{ id: string; token: string }[]> {
    return this.em.fork().transactional(async (em) => {
      // SKIP LOCKED: replicas sweeping at once each take different rows instead of queueing up.
      const due = await em.execute<{ id: string }[]>(
        `select id from message
          where status = 'queued' and not_before <= ? and (lease_until is null or lease_until < ?)
          order by not_before limit ? for update skip locked`,
        [now, now, limit],
      );
      const leased = due.map((row) => ({ id: row.id, token: `${owner}:${randomUUID()}` }));
      for (const { id, token } of leased) {
        await em.nativeUpdate(MessageSchema, { id }, { leaseOwner: token, leaseUntil, updatedAt: now });
      }
      return leased;
    });
  }

  async startAttempt(messageId: string, token: string, plan: { rule: string; steps: readonly StoredStep[] }, step: number, leaseUntil: Date) {
    const planned = plan.steps[step];
    if (!planned) throw new Error(`plan has no step ${step}`);
    return this.em.fork().transactional(async (em) => {
      const providerRow = await em.findOne(ProviderSchema, { name: planned.provider });
      if (!providerRow) throw new Error(`provider ${planned.provider} no longer exists`);
      const now = new Date();
      const taken = await em.nativeUpdate(
        MessageSchema,
        { id: messageId, status: 'queued', leaseOwner: token },
        { status: 'sending', plan: [...plan.steps], ...(plan.rule === '' ? {} : { routeRule: plan.rule }), step, leaseUntil, updatedAt: now },
      );
      if (taken === 0) return null;
      const id = randomUUID();
      await em.insert(AttemptSchema, {
        id,
        message: messageId,
        provider: providerRow.id,
        step,
        channel: planned.channel,
        expectedCostMicros: planned.expectedCostMicros,
        actualCostMicros: null,
        currency: planned.currency,
        receiptTimeoutSeconds: planned.receiptTimeoutSeconds,
        status: 'sending',
        createdAt: now,
      });
      return id;
    });
  }

  async skipStep(messageId: string, token: string, plan: { rule: string; steps: readonly StoredStep[] }, next: NextStep | null, reason: string, now: Date) {
    await this.em.fork().transactional(async (em) => {
      if (next) {
        await em.nativeUpdate(
          MessageSchema,
          { id: messageId, status: 'queued', leaseOwner: token },
          { plan: [...plan.steps], ...(plan.rule === '' ? {} : { routeRule: plan.rule }), step: next.step, retries: next.retries, notBefore: next.notBefore, leaseOwner: null, leaseUntil: null, lastError: reason, updatedAt: now },
        );
      } else {
        await this.#finishMessage(em, messageId, { status: 'failed', error: reason, failVerification: true, from: ['queued'] }, now);
      }
    });
  }

  async markSubmitted(attemptId: string, messageId: string, accepted: SubmitAccepted, now: Date): Promise<void> {
    await this.em.fork().transactional(async (em) => {
      await this.#lockMessage(em, messageId);
      const attempt = await em.findOneOrFail(AttemptSchema, { id: attemptId });
      const message = await em.findOneOrFail(MessageSchema, { id: messageId });
      // Expected cost was priced for the parts we predicted; charge for the parts actually sent.
      const actualCostMicros =
        attempt.expectedCostMicros === null || attempt.expectedCostMicros === undefined
          ? null
          : Math.round((attempt.expectedCostMicros / Math.max(1, message.parts)) * accepted.parts);
      const providerMessageId = normaliseProviderMessageId(accepted.providerMessageId);
      const ids = accepted.partMessageIds ?? [accepted.providerMessageId];
      const changed = await em.nativeUpdate(
        AttemptSchema,
        { id: attemptId, status: 'sending' },
        { status: 'submitted', providerMessageId, parts: accepted.parts, receiptParts: accepted.receiptsExpected ?? ids.length, actualCostMicros, submittedAt: now },
      );
      if (changed === 0) return;
      await this.#insertParts(em, attemptId, attempt.provider, ids.map((id, index) => ({ part: index + 1, id })));
      await em.nativeUpdate(MessageSchema, { id: messageId, status: 'sending' }, { status: 'submitted', leaseOwner: null, leaseUntil: null, updatedAt: now });
      await this.#setDeliveryStatus(em, messageId, 'submitted', ['queued']);
    });
  }

  /** Adds the parts an attempt's receipts will name, skipping parts already known. */
  async #insertParts(em: Em, attemptId: string, providerId: string, parts: readonly { part: number; id: string }[]) {
    const known = new Set((await em.find(AttemptPartSchema, { attempt: attemptId })).map((row) => row.part));
    for (const { part, id } of parts) {
      if (known.has(part)) continue;
      await em.insert(AttemptPartSchema, {
        id: randomUUID(),
        attempt: attemptId,
        provider: providerId,
        part,
        providerMessageId: normaliseProviderMessageId(id),
        status: 'submitted',
        errorCode: null,
        completedAt: null,
      });
    }
  }

  async markAttemptFailed(attemptId: string, messageId: string, error: AttemptError, next: NextStep | null, now: Date): Promise<void> {
    await this.em.fork().transactional(async (em) => {
      await em.nativeUpdate(
        AttemptSchema,
        { id: attemptId, status: 'sending' },
        { status: 'failed', errorCode: error.code, errorMessage: error.message, completedAt: now },
      );
      if (next) {
        await em.nativeUpdate(
          MessageSchema,
          { id: messageId, status: 'sending' },
          { status: 'queued', step: next.step, retries: next.retries, notBefore: next.notBefore, leaseOwner: null, leaseUntil: null, lastError: error.message, updatedAt: now },
        );
      } else {
        await this.#finishMessage(em, messageId, { status: 'failed', error: error.message, failVerification: true, from: ['sending'] }, now);
      }
    });
  }

  async markOutcomeUnknown(attemptId: string, messageId: string, error: AttemptError, now: Date, accepted?: PartialAcceptance): Promise<void> {
    await this.em.fork().transactional(async (em) => {
      await this.#lockMessage(em, messageId);
      const changed = await em.nativeUpdate(
        AttemptSchema,
        { id: attemptId, status: 'sending' },
        {
          status: 'unknown',
          errorCode: error.code,
          errorMessage: error.message,
          submittedAt: now,
          ...(accepted ? { receiptParts: accepted.receiptsExpected ?? accepted.parts, providerMessageId: normaliseProviderMessageId(accepted.partMessageIds[0] ?? '') || null } : {}),
        },
      );
      if (changed > 0 && accepted) {
        // Some parts were taken: their receipts must still find this attempt.
        const attempt = await em.findOneOrFail(AttemptSchema, { id: attemptId });
        await this.#insertParts(em, attemptId, attempt.provider, accepted.partMessageIds.map((id, index) => ({ part: index + 1, id })));
      }
      // Treated as submitted: a receipt may still arrive; what must not happen is a second send.
      await em.nativeUpdate(MessageSchema, { id: messageId, status: 'sending' }, { status: 'submitted', leaseOwner: null, leaseUntil: null, lastError: error.message, updatedAt: now });
      await this.#setDeliveryStatus(em, messageId, 'submitted', ['queued']);
      // A late answer and its receipt can beat this write (they come over the wire while the
      // submit's timeout is being recorded): what the parts already say settles the attempt now.
      if (changed === 0) return;
      const attempt = await em.findOneOrFail(AttemptSchema, { id: attemptId });
      const verdict = await this.#verdictOfParts(em, attempt);
      if (verdict) await this.#conclude(em, attempt, verdict, now);
    });
  }

  /** Every writer that touches a message and its attempts locks the message first: one lock order, no deadlocks. */
  async #lockMessage(em: Em, messageId: string): Promise<void> {
    await em.execute('select id from message where id = ? for update', [messageId]);
  }

  async recordLateAcceptance(providerName: string, acceptance: LateAcceptance, now: Date): Promise<'recorded' | 'unmatched'> {
    return this.em.fork().transactional(async (em) => {
      const provider = await em.findOne(ProviderSchema, { name: providerName });
      if (!provider) return 'unmatched';
      // Only an attempt of this provider whose outcome is still open may learn its ids this late.
      const attempt = await em.findOne(AttemptSchema, { id: acceptance.attemptId, provider: provider.id, status: { $in: ['sending', 'unknown'] }, completedAt: null });
      if (!attempt) return 'unmatched';
      await em.execute('select id from message where id = ? for update', [attempt.message]);
      await this.#insertParts(em, attempt.id, provider.id, [{ part: acceptance.part, id: acceptance.providerMessageId }]);
      await em.nativeUpdate(
        AttemptSchema,
        { id: attempt.id },
        {
          receiptParts: acceptance.receiptsExpected ?? acceptance.parts,
          ...(attempt.providerMessageId ? {} : { providerMessageId: normaliseProviderMessageId(acceptance.providerMessageId) }),
          errorMessage: `${attempt.errorMessage ?? ''}${attempt.errorMessage ? '; ' : ''}part ${acceptance.part} accepted late at ${now.toISOString()}`,
        },
      );
      return 'recorded';
    });
  }

  async dropMessage(messageId: string, reason: string, now: Date): Promise<void> {
    await this.em.fork().transactional(async (em) => {
      await this.#finishMessage(em, messageId, { status: 'failed', error: reason, failVerification: false, from: ['queued', 'sending'] }, now);
    });
  }

  async failUnroutable(messageId: string, reason: string, now: Date): Promise<void> {
    await this.em.fork().transactional(async (em) => {
      await this.#finishMessage(em, messageId, { status: 'failed', error: reason, failVerification: true, from: ['queued', 'sending'] }, now);
    });
  }

  async applyReceipt(providerName: string, receipt: DeliveryReceipt, now: Date): Promise<ReceiptOutcome> {
    return this.em.fork().transactional(async (em) => {
      const provider = await em.findOne(ProviderSchema, { name: providerName });
      if (!provider) return { kind: 'unmatched' };
      const part = await this.#findPart(em, provider.id, receipt.providerMessageId);
      if (!part) return { kind: 'unmatched' };
      if (!FINAL_STATES.has(receipt.state)) return { kind: 'ignored' };
      const attempt = await em.findOneOrFail(AttemptSchema, { id: part.attempt });
      // Lock the message first: duplicate reports and the expiry sweep race for the same rows.
      await em.execute('select id from message where id = ? for update', [attempt.message]);
      // Each part takes one final report; duplicates and late reports change nothing.
      const partChanged = await em.nativeUpdate(
        AttemptPartSchema,
        { id: part.id, completedAt: null },
        { status: receipt.state, errorCode: receipt.errorCode ?? null, completedAt: now },
      );
      if (partChanged === 0) return { kind: 'ignored' };
      const verdict = await this.#verdictOfParts(em, attempt);
      return verdict ? this.#conclude(em, attempt, verdict, now, providerName) : { kind: 'ignored' };
    });
  }

  /**
   * What an attempt's parts say so far: failed with the first failed or expired part (one lost
   * part loses the text), delivered once every part is, else nothing yet.
   */
  async #verdictOfParts(em: Em, attempt: AttemptRow): Promise<{ state: string; errorCode: string | null } | null> {
    const parts = await em.find(AttemptPartSchema, { attempt: attempt.id }, { orderBy: { completedAt: 'asc' } });
    const failed = parts.find((part) => part.status === 'failed' || part.status === 'expired');
    if (failed) return { state: failed.status, errorCode: failed.errorCode ?? null };
    const delivered = parts.filter((part) => part.status === 'delivered').length;
    return parts.length > 0 && delivered >= Math.max(1, attempt.receiptParts ?? 1) ? { state: 'delivered', errorCode: null } : null;
  }

  /**
   * Ends an open attempt with a verdict and moves its message: delivered, on to the next step of
   * its plan, or failed. Only an attempt still open (submitted or unknown) takes a verdict.
   */
  async #conclude(em: Em, attempt: AttemptRow, verdict: { state: string; errorCode: string | null }, now: Date, providerName = ''): Promise<ReceiptOutcome> {
    // completedAt is our receive time: receipt dates are in the SMSC's local time, minute precision.
    const changed = await em.nativeUpdate(
      AttemptSchema,
      { id: attempt.id, status: { $in: ['submitted', 'unknown'] }, completedAt: null },
      { status: verdict.state, errorCode: verdict.errorCode, completedAt: now },
    );
    if (changed === 0) return { kind: 'ignored' };
    const message = await em.findOneOrFail(MessageSchema, { id: attempt.message });
    if (verdict.state === 'delivered') {
      await this.#finishMessage(em, message.id, { status: 'delivered', error: null, failVerification: false, from: ['submitted'] }, now);
      return { kind: 'final', messageId: message.id, delivered: true, provider: providerName };
    }
    const plan = message.plan ?? [];
    if (message.status === 'submitted' && message.step === attempt.step && attempt.step + 1 < plan.length) {
      await em.nativeUpdate(
        MessageSchema,
        { id: message.id, status: 'submitted', step: attempt.step },
        { status: 'queued', step: attempt.step + 1, retries: 0, notBefore: now, lastError: `receipt ${verdict.state}`, updatedAt: now },
      );
      return { kind: 'requeued', messageId: message.id, provider: providerName };
    }
    if (message.step !== attempt.step) return { kind: 'ignored' }; // the message already moved on
    await this.#finishMessage(em, message.id, { status: 'failed', error: `receipt ${verdict.state}`, failVerification: true, from: ['submitted'] }, now);
    return { kind: 'final', messageId: message.id, delivered: false, provider: providerName };
  }

  /**
   * The part a receipt names. Carriers reuse message ids over time, so the newest part with the
   * id wins. Ids are compared exactly (normalised); a provider whose receipts use another base
   * than its submit answers converts them before they get here (see `receiptIdAsIssued`).
   */
  async #findPart(em: Em, providerId: string, reportedId: string) {
    const rows = await em.execute<{ id: string; attempt_id: string }[]>(
      `select p.id, p.attempt_id from attempt_part p join attempt a on a.id = p.attempt_id
        where p.provider_id = ? and p.provider_message_id = ? order by a.created_at desc limit 1`,
      [providerId, normaliseProviderMessageId(reportedId)],
    );
    const row = rows[0];
    return row ? { id: row.id, attempt: row.attempt_id } : null;
  }

  async renewLease(messageId: string, token: string, leaseUntil: Date): Promise<boolean> {
    const renewed = await this.em.fork().nativeUpdate(MessageSchema, { id: messageId, status: 'sending', leaseOwner: token }, { leaseUntil });
    return renewed > 0;
  }

  async recoverStaleSends(now: Date): Promise<number> {
    return this.em.fork().transactional(async (em) => {
      const stale = await em.execute<{ id: string }[]>(
        `select id from message where status = 'sending' and lease_until < ? for update skip locked`,
        [now],
      );
      for (const { id } of stale) {
        await em.nativeUpdate(
          AttemptSchema,
          { message: id, status: 'sending' },
          { status: 'unknown', errorCode: 'INTERRUPTED', errorMessage: 'replica stopped during submit', submittedAt: now },
        );
        await em.nativeUpdate(MessageSchema, { id, status: 'sending' }, { status: 'submitted', leaseOwner: null, leaseUntil: null, lastError: 'interrupted during submit: outcome unknown, not resent', updatedAt: now });
      }
      return stale.length;
    });
  }

  async expireOverdueAttempts(now: Date) {
    return this.em.fork().transactional(async (em) => {
      const overdue = await em.execute<{ attempt_id: string; attempt_status: string; step: number; message_id: string; plan: unknown; provider: string; timeout: number }[]>(
        `select a.id as attempt_id, a.status as attempt_status, a.step, m.id as message_id, m.plan, p.name as provider,
                a.receipt_timeout_seconds as timeout
           from attempt a join message m on m.id = a.message_id join provider p on p.id = a.provider_id
          where m.status = 'submitted' and a.status in ('submitted', 'unknown')
            and a.submitted_at + a.receipt_timeout_seconds * interval '1 second' < ?
          for update of m skip locked`,
        [now],
      );
      const requeued: string[] = [];
      const expired: { provider: string; wasUnknown: boolean }[] = [];
      for (const row of overdue) {
        const reason = `no delivery report within ${row.timeout} s`;
        expired.push({ provider: row.provider, wasUnknown: row.attempt_status === 'unknown' });
        if (row.attempt_status === 'unknown') {
          // It may have been delivered: do not fall back, and do not fail the verification. Its
          // status stays 'unknown' (the truth); completedAt closes it to late reports.
          await em.nativeUpdate(AttemptSchema, { id: row.attempt_id }, { completedAt: now });
          await this.#finishMessage(em, row.message_id, { status: 'failed', error: `outcome unknown; ${reason}`, failVerification: false, from: ['submitted'] }, now);
          continue;
        }
        await em.nativeUpdate(AttemptSchema, { id: row.attempt_id }, { status: 'expired', errorCode: 'RECEIPT_TIMEOUT', errorMessage: reason, completedAt: now });
        const plan = (typeof row.plan === 'string' ? JSON.parse(row.plan) : row.plan) as StoredStep[] | null;
        if (row.step + 1 < (plan?.length ?? 0)) {
          await em.nativeUpdate(
            MessageSchema,
            { id: row.message_id, status: 'submitted' },
            { status: 'queued', step: row.step + 1, retries: 0, notBefore: now, lastError: reason, updatedAt: now },
          );
          requeued.push(row.message_id);
        } else {
          await this.#finishMessage(em, row.message_id, { status: 'failed', error: reason, failVerification: false, from: ['submitted'] }, now);
        }
      }
      return { requeued, expired };
    });
  }

  async deleteIdempotencyKeysBefore(before: Date): Promise<number> {
    return this.em.fork().nativeDelete(IdempotencyKeySchema, { createdAt: { $lt: before } });
  }

  async #setDeliveryStatus(em: Em, messageId: string, status: string, from: string[]) {
    await em.execute(
      `update verification set delivery_status = ?
        where id = (select verification_id from message where id = ?) and delivery_status in (${from.map(() => '?').join(', ')})`,
      [status, messageId, ...from],
    );
  }

  /**
   * Ends a message that is still in one of the `from` states. The body (which holds the code) is
   * erased: nothing needs it any more. A verification fails only when asked to and when none of
   * its messages is still under way or delivered.
   */
  async #finishMessage(
    em: Em,
    messageId: string,
    outcome: { status: 'delivered' | 'failed'; error: string | null; failVerification: boolean; from: string[] },
    now: Date,
  ) {
    const changed = await em.nativeUpdate(
      MessageSchema,
      { id: messageId, status: { $in: outcome.from } },
      { status: outcome.status, bodyCiphertext: null, payloadCiphertext: null, leaseOwner: null, leaseUntil: null, lastError: outcome.error, updatedAt: now },
    );
    if (changed === 0) return;
    const message = await em.findOneOrFail(MessageSchema, { id: messageId });
    const verificationId = message.verification ?? null;
    if (verificationId === null) return;
    if (outcome.status === 'delivered') {
      await em.execute(`update verification set delivery_status = 'delivered' where id = ?`, [verificationId]);
      return;
    }
    // Lock the verification first so a concurrent resend (which locks it too) is either seen or waits.
    await em.execute(`select id from verification where id = ? for update`, [verificationId]);
    const live = await em.execute<{ n: number }[]>(
      `select count(*)::int as n from message where verification_id = ? and status in ('queued', 'sending', 'submitted', 'delivered')`,
      [verificationId],
    );
    if ((live[0]?.n ?? 0) > 0) return;
    await em.execute(
      `update verification set delivery_status = 'failed',
              status = case when ? and status = 'pending' then 'failed' else status end,
              completed_at = case when ? and status = 'pending' then ? else completed_at end
        where id = ?`,
      [outcome.failVerification, outcome.failVerification, now, verificationId],
    );
  }
}
