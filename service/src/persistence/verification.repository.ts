import type { SecretBox } from '../shared/secret-box.js';
import type { ItemOutcome } from '../shared/group-commit.js';
import type { DeliveryStatus, Verification, VerificationChannel, VerificationStatus } from '../verification/verification.js';
import type { BatchRequest, VerificationRepository } from '../verification/verification.ports.js';
import { runAcceptBatch } from './accept-batch.js';
import { sql, type SqlClient } from './sql-client.js';

export { messageBodyContext } from './message-sealing.js';

const FIND_BY_ID = sql(
  'verification.find-by-id',
  `select id, app_id, "to", channel, status, codes, code_length, locale, (extract(epoch from expires_at) * 1000)::float8 as expires_at,
          send_count, failed_checks, max_checks, delivery_status, email, (extract(epoch from created_at) * 1000)::float8 as created_at,
          (extract(epoch from completed_at) * 1000)::float8 as completed_at
     from verification where id = $1::uuid and app_id = $2::uuid`,
);

interface Row {
  id: string;
  app_id: string;
  to: string;
  channel: string;
  status: string;
  codes: string | { hash: string; expiresAt: string }[];
  code_length: number;
  locale: string;
  expires_at: number;
  send_count: number;
  failed_checks: number;
  max_checks: number;
  delivery_status: string;
  email: string | null;
  created_at: number;
  completed_at: number | null;
}

/** Verifications and their messages in PostgreSQL (or PGlite), in plain batched SQL. */
export class SqlVerificationRepository implements VerificationRepository {
  constructor(
    private readonly sqlClient: SqlClient,
    private readonly box: SecretBox,
  ) {}

  batch<R>(requests: readonly BatchRequest<R>[]): Promise<ItemOutcome<R>[]> {
    return runAcceptBatch(this.sqlClient, this.box, requests);
  }

  async findById(appId: string, id: string): Promise<Verification | null> {
    const [row] = await this.sqlClient.query<Row>(FIND_BY_ID, [id, appId]);
    if (!row) return null;
    const codes = typeof row.codes === 'string' ? (JSON.parse(row.codes) as { hash: string; expiresAt: string }[]) : row.codes;
    return {
      id: row.id,
      appId: row.app_id,
      to: row.to,
      channel: row.channel as VerificationChannel,
      status: row.status as VerificationStatus,
      codes: codes.map((code) => ({ hash: code.hash, expiresAt: new Date(code.expiresAt) })),
      codeLength: row.code_length,
      locale: row.locale,
      expiresAt: new Date(row.expires_at),
      sendCount: row.send_count,
      failedChecks: row.failed_checks,
      maxChecks: row.max_checks,
      deliveryStatus: row.delivery_status as DeliveryStatus,
      email: row.email,
      createdAt: new Date(row.created_at),
      completedAt: row.completed_at === null ? null : new Date(row.completed_at),
    };
  }
}
