import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import type { SecretBox } from '../shared/secret-box.js';
import type { DeliveryStatus, Verification, VerificationChannel, VerificationStatus } from '../verification/verification.js';
import {
  DuplicateIdempotencyKeyError,
  type MessageDraft,
  type VerificationRepository,
  type VerificationUnitOfWork,
} from '../verification/verification.ports.js';
import { IdempotencyKeySchema, MessageSchema, VerificationSchema, type VerificationRow } from './entities.js';
import { insertQueuedMessage } from './message-insert.js';

export { messageBodyContext } from './message-insert.js';

function toDomain(row: VerificationRow): Verification {
  return {
    id: row.id,
    appId: row.app,
    to: row.to,
    channel: row.channel as VerificationChannel,
    status: row.status as VerificationStatus,
    codes: row.codes.map((code) => ({ hash: code.hash, expiresAt: new Date(code.expiresAt) })),
    codeLength: row.codeLength,
    locale: row.locale,
    expiresAt: row.expiresAt,
    sendCount: row.sendCount,
    failedChecks: row.failedChecks,
    maxChecks: row.maxChecks,
    deliveryStatus: row.deliveryStatus as DeliveryStatus,
    email: row.email ?? null,
    createdAt: row.createdAt,
    completedAt: row.completedAt ?? null,
  };
}

function toRow(v: Verification) {
  return {
    id: v.id,
    app: v.appId,
    to: v.to,
    channel: v.channel,
    status: v.status,
    codes: v.codes.map((code) => ({ hash: code.hash, expiresAt: code.expiresAt.toISOString() })),
    codeLength: v.codeLength,
    locale: v.locale,
    expiresAt: v.expiresAt,
    sendCount: v.sendCount,
    failedChecks: v.failedChecks,
    maxChecks: v.maxChecks,
    deliveryStatus: v.deliveryStatus,
    email: v.email,
    createdAt: v.createdAt,
    completedAt: v.completedAt,
  };
}

class OrmVerificationUnitOfWork implements VerificationUnitOfWork {
  constructor(
    private readonly em: SqlEntityManager,
    private readonly box: SecretBox,
  ) {}

  async lockDestination(to: string): Promise<void> {
    // Transaction-scoped advisory lock: concurrent sends to one number (on any replica) queue up
    // here, so the send limit and the resend decision see each other's writes.
    await this.em.execute('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`send:${to}`]);
  }

  async findIdempotencyKey(appId: string, key: string, notBefore: Date) {
    const row = await this.em.findOne(IdempotencyKeySchema, { app: appId, key });
    if (!row) return null;
    if (row.createdAt < notBefore) {
      // The key's window is over: it may be used again for a new verification.
      await this.em.nativeDelete(IdempotencyKeySchema, { app: appId, key });
      return null;
    }
    return { verificationId: row.verification ?? null, to: row.to };
  }

  async saveIdempotencyKey(record: { appId: string; key: string; verificationId: string; to: string; createdAt: Date }) {
    try {
      await this.em.insert(IdempotencyKeySchema, {
        app: record.appId,
        key: record.key,
        verification: record.verificationId,
        message: null,
        fingerprint: null,
        to: record.to,
        createdAt: record.createdAt,
      });
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw new DuplicateIdempotencyKeyError();
      throw error;
    }
  }

  async findPendingFor(appId: string, to: string) {
    const row = await this.em.findOne(
      VerificationSchema,
      { app: appId, to, status: 'pending' },
      { orderBy: { createdAt: 'desc' }, lockMode: LockMode.PESSIMISTIC_WRITE },
    );
    return row ? toDomain(row) : null;
  }

  async findForUpdate(appId: string, id: string) {
    const row = await this.em.findOne(VerificationSchema, { id, app: appId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    return row ? toDomain(row) : null;
  }

  async otpSendTimesTo(to: string, since: Date) {
    const rows = await this.em.find(
      MessageSchema,
      { to, kind: 'otp', createdAt: { $gte: since } },
      { fields: ['createdAt'], orderBy: { createdAt: 'asc' } },
    );
    return rows.map((row) => row.createdAt);
  }

  async lastCodeSentAt(verificationId: string) {
    const row = await this.em.findOne(
      MessageSchema,
      { verification: verificationId, kind: 'otp' },
      { fields: ['createdAt'], orderBy: { createdAt: 'desc' } },
    );
    return row?.createdAt ?? null;
  }

  async failedChecksFor(to: string, since: Date) {
    const rows = await this.em.execute<{ n: number | null }[]>(
      'select coalesce(sum(failed_checks), 0)::int as n from verification where "to" = ? and created_at >= ?',
      [to, since],
    );
    return rows[0]?.n ?? 0;
  }

  async dropQueuedMessages(verificationId: string, reason: string, now: Date) {
    await this.em.nativeUpdate(
      MessageSchema,
      { verification: verificationId, status: 'queued' },
      { status: 'failed', bodyCiphertext: null, payloadCiphertext: null, leaseOwner: null, leaseUntil: null, lastError: reason, updatedAt: now },
    );
  }

  async insertVerification(v: Verification) {
    await this.em.insert(VerificationSchema, toRow(v));
  }

  async updateVerification(v: Verification) {
    const { id, ...changes } = toRow(v);
    await this.em.nativeUpdate(VerificationSchema, { id }, changes);
  }

  async insertMessage(draft: MessageDraft, createdAt: Date) {
    await insertQueuedMessage(this.em, this.box, draft, createdAt);
  }
}

/** Verifications and their messages in PostgreSQL (or PGlite), through MikroORM. */
export class OrmVerificationRepository implements VerificationRepository {
  constructor(
    private readonly em: SqlEntityManager,
    private readonly box: SecretBox,
  ) {}

  transaction<T>(work: (uow: VerificationUnitOfWork) => Promise<T>): Promise<T> {
    return this.em.fork().transactional((tx) => work(new OrmVerificationUnitOfWork(tx, this.box)));
  }

  async findById(appId: string, id: string) {
    const row = await this.em.fork().findOne(VerificationSchema, { id, app: appId });
    return row ? toDomain(row) : null;
  }
}
