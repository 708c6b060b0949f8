/**
 * Group commit for the requests that callers wait on (SendCode, VerifyCode, CancelVerification,
 * SendMessage): one transaction for a whole batch. It takes the batch's locks in one statement
 * (advisory locks on destinations and idempotency keys, sorted, so transactions never deadlock on
 * them; row locks on verifications, in id order), reads what every request needs in a few
 * statements, runs the requests one after the other against that state in memory, and writes
 * what they decided in a few more. Each request sees what the ones before it did (two sends to one
 * number in a batch behave as two in a row); one that throws leaves nothing behind.
 */
import { encodeMessage } from '@switchboard/sms-encoding';
import type { ItemOutcome } from '../shared/group-commit.js';
import { IDEMPOTENCY_WINDOW_MS } from '../shared/request-rules.js';
import type { SecretBox } from '../shared/secret-box.js';
import type { DeliveryStatus, Verification, VerificationChannel, VerificationStatus } from '../verification/verification.js';
import {
  DuplicateIdempotencyKeyError,
  type BatchReads,
  type BatchRequest,
  type IdempotencyRecord,
  type MessageDraft,
  type VerificationUnitOfWork,
} from '../verification/verification.ports.js';
import { messageBodyContext, messagePayloadContext, type MessagePayload } from './message-sealing.js';
import { combined, sql, type SqlClient, type SqlRunner } from './sql-client.js';

const VERIFICATION_COLUMNS = `id, app_id, "to", channel, status, codes, code_length, locale, (extract(epoch from expires_at) * 1000)::float8 as expires_at,
  send_count, failed_checks, max_checks, delivery_status, email, (extract(epoch from created_at) * 1000)::float8 as created_at,
  (extract(epoch from completed_at) * 1000)::float8 as completed_at`;

const Q = {
  lock: sql(
    'accept.lock',
    // Sorted, so two transactions locking overlapping sets take them in the same order.
    `select count(pg_advisory_xact_lock(k)) from (select distinct hashtextextended(x, 0) as k from unnest($1::text[]) as x order by 1) as s`,
  ),
  idempotency: sql(
    'accept.idempotency',
    `select i.app_id, i.key, i.verification_id, i.message_id, i."to", i.fingerprint, (extract(epoch from i.created_at) * 1000)::float8 as created_at
       from unnest($1::uuid[], $2::text[]) as k(app_id, key)
       cross join lateral (select * from idempotency_key i where i.app_id = k.app_id and i.key = k.key) as i`,
  ),
  verificationsById: sql('accept.verifications-by-id', `select ${VERIFICATION_COLUMNS} from verification where id = any($1::uuid[]) order by id for update`),
  pending: sql(
    'accept.pending',
    // Lateral: one index lookup per number. The numbers are locked (advisory) by this
    // transaction already, so no other accept locks these rows meanwhile.
    `select v.* from unnest($1::uuid[], $2::text[]) as k(app_id, "to")
       cross join lateral (
         select ${VERIFICATION_COLUMNS} from verification v where v.app_id = k.app_id and v."to" = k."to" and v.status = 'pending' for update
       ) as v`,
  ),
  sendTimes: sql(
    'accept.send-times',
    `select "to", verification_id, (extract(epoch from created_at) * 1000)::float8 as created_at from message
      where "to" = any($1::text[]) and kind = 'otp' and created_at >= $2::timestamptz`,
  ),
  lastCodes: sql(
    'accept.last-codes',
    `select verification_id, (extract(epoch from max(created_at)) * 1000)::float8 as created_at from message
      where verification_id = any($1::uuid[]) and kind = 'otp' group by verification_id`,
  ),
  checks: sql(
    'accept.checks',
    `select id, "to", failed_checks from verification where "to" = any($1::text[]) and created_at >= $2::timestamptz`,
  ),
  insertVerifications: sql(
    'accept.insert-verifications',
    `insert into verification (id, app_id, "to", channel, status, codes, code_length, locale, expires_at, send_count, failed_checks, max_checks, delivery_status, email, created_at, completed_at)
     select * from unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::smallint[], $8::text[], $9::timestamptz[], $10::int[], $11::int[], $12::int[], $13::text[], $14::text[], $15::timestamptz[], $16::timestamptz[])`,
  ),
  updateVerifications: sql(
    'accept.update-verifications',
    `update verification v set channel = u.channel, status = u.status, codes = u.codes, locale = u.locale, expires_at = u.expires_at, send_count = u.send_count,
            failed_checks = u.failed_checks, delivery_status = u.delivery_status, email = u.email, completed_at = u.completed_at
       from unnest($1::uuid[], $2::text[], $3::text[], $4::jsonb[], $5::text[], $6::timestamptz[], $7::int[], $8::int[], $9::text[], $10::text[], $11::timestamptz[])
         as u(id, channel, status, codes, locale, expires_at, send_count, failed_checks, delivery_status, email, completed_at)
      where v.id = u.id`,
  ),
  insertMessages: sql(
    'accept.insert-messages',
    `insert into message (id, app_id, verification_id, kind, channel, "to", country, sender, body_ciphertext, payload_ciphertext, status, plan, route_rule,
                          parts, step, retries, not_before, lease_until, lease_owner, last_error, created_at, updated_at)
     select u.id, u.app_id, u.verification_id, u.kind, u.channel, u."to", u.country, u.sender, u.body, u.payload, 'queued', null, null,
            u.parts, 0, 0, u.created_at, case when u.lease_owner is not null then now() + u.lease_seconds * interval '1 second' end, u.lease_owner, null, u.created_at, u.created_at
       from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::int[], $12::timestamptz[], $13::text[], $14::int[])
         as u(id, app_id, verification_id, kind, channel, "to", country, sender, body, payload, parts, created_at, lease_owner, lease_seconds)`,
  ),
  // A key whose window is over is taken over in place (the request found it expired); a live one
  // cannot be here, as the key is locked for the transaction: it would not be returned.
  saveIdempotency: sql(
    'accept.save-idempotency',
    `insert into idempotency_key as i (app_id, key, verification_id, message_id, "to", fingerprint, created_at)
     select * from unnest($1::uuid[], $2::text[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::timestamptz[])
     on conflict (app_id, key) do update
       set verification_id = excluded.verification_id, message_id = excluded.message_id, "to" = excluded."to",
           fingerprint = excluded.fingerprint, created_at = excluded.created_at
       where i.created_at < $8::timestamptz
     returning app_id, key`,
  ),
  dropQueued: sql(
    'accept.drop-queued',
    `update message m set status = 'failed', body_ciphertext = null, payload_ciphertext = null, lease_owner = null, lease_until = null, last_error = u.reason, updated_at = now()
       from unnest($1::uuid[], $2::text[]) as u(verification_id, reason)
      where m.verification_id = u.verification_id and m.status = 'queued'`,
  ),
};

/**
 * Every write of a batch in one statement: verifications inserted and updated, queued messages of
 * canceled verifications dropped, messages inserted, idempotency keys saved (different rows each).
 * It says how many keys it saved and, when messages were stored without a lease, NOTIFYs the
 * replicas (delivered when the transaction commits).
 */
const WRITE = combined(
  'accept.write',
  [
    { sql: Q.insertVerifications, params: 16 },
    { sql: Q.updateVerifications, params: 11 },
    { sql: Q.dropQueued, params: 2 },
    { sql: Q.insertMessages, params: 14 },
    { sql: Q.saveIdempotency, params: 8 },
  ],
  `select (select count(*) from w4)::int as keys_saved, case when $52::bool then pg_notify('switchboard_work', '') end as announced`,
);

interface VerificationRow {
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

function toVerification(row: VerificationRow): Verification {
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

/** A copy a request may change without touching what other requests see until it succeeds. */
function copyOf(v: Verification): Verification {
  return { ...v, codes: [...v.codes] };
}

const codesJson = (v: Verification) => JSON.stringify(v.codes.map((code) => ({ hash: code.hash, expiresAt: code.expiresAt.toISOString() })));
const iso = (date: Date | null) => (date === null ? null : date.toISOString());
const pair = (a: string, b: string) => `${a}\u0000${b}`;
/** Advisory lock names (text, so no NUL): app ids are UUIDs, so the first colon after the prefix ends them. */
const idempotencyLock = (appId: string, key: string) => `idem:${appId}:${key}`;

interface StoredIdempotency extends IdempotencyRecord {
  readonly createdAt: number;
}

/** What the transaction knows, and will write, as the requests run one after the other. */
class BatchState {
  readonly idempotency = new Map<string, StoredIdempotency | null>();
  readonly verifications = new Map<string, Verification | null>();
  /** Pending verification ids per app and number, as far as read. */
  readonly pendingByNumber = new Map<string, Set<string>>();
  readonly sendTimes = new Map<string, { verificationId: string | null; at: number }[]>();
  sendsSince = Number.POSITIVE_INFINITY;
  readonly lastCode = new Map<string, number | null>();
  /** Wrong codes per verification, for the numbers read, since `checksSince`. */
  readonly checks = new Map<string, Map<string, number>>();
  checksSince = Number.POSITIVE_INFINITY;
  readonly lockedKeys = new Set<string>();

  readonly inserted = new Map<string, Verification>();
  readonly updated = new Map<string, Verification>();
  readonly messages: { draft: MessageDraft; createdAt: Date; parts: number }[] = [];
  readonly savedKeys: { appId: string; key: string; verificationId: string | null; messageId: string | null; to: string; fingerprint: string | null; createdAt: Date }[] = [];
  readonly dropped: { verificationId: string; reason: string }[] = [];
}

/** A request's view of the batch: reads go through the state (or the database on a miss), writes wait until it returns. */
class RequestUnitOfWork implements VerificationUnitOfWork {
  readonly #state: BatchState;
  readonly #tx: SqlRunner;
  readonly #local = new Map<string, Verification>();
  /** Keys this request found past their window: free for it to store again. */
  readonly #forgotten = new Set<string>();
  readonly #writes: ((state: BatchState) => void)[] = [];

  constructor(state: BatchState, tx: SqlRunner) {
    this.#state = state;
    this.#tx = tx;
  }

  /** Makes the request's writes part of the batch. */
  commitInto(): void {
    for (const write of this.#writes) write(this.#state);
  }

  async #lock(keys: string[]): Promise<void> {
    const fresh = keys.filter((key) => !this.#state.lockedKeys.has(key));
    if (fresh.length === 0) return;
    await this.#tx.query(Q.lock, [fresh]);
    for (const key of fresh) this.#state.lockedKeys.add(key);
  }

  async findIdempotencyKey(appId: string, key: string, notBefore: Date): Promise<IdempotencyRecord | null> {
    const id = pair(appId, key);
    await this.#lock([idempotencyLock(appId, key)]);
    if (!this.#state.idempotency.has(id)) await readIdempotency(this.#tx, this.#state, [{ appId, key }]);
    const stored = this.#state.idempotency.get(id) ?? null;
    if (stored === null) return null;
    if (stored.createdAt < notBefore.getTime()) {
      // The key's window is over: it may be used again.
      this.#forgotten.add(id);
      this.#writes.push((state) => {
        state.idempotency.set(id, null);
      });
      return null;
    }
    return stored;
  }

  async saveIdempotencyKey(record: { appId: string; key: string; verificationId: string | null; messageId: string | null; to: string; fingerprint: string | null; createdAt: Date }): Promise<void> {
    const id = pair(record.appId, record.key);
    await this.#lock([idempotencyLock(record.appId, record.key)]);
    if (!this.#state.idempotency.has(id)) await readIdempotency(this.#tx, this.#state, [{ appId: record.appId, key: record.key }]);
    if (this.#state.idempotency.get(id) && !this.#forgotten.has(id)) throw new DuplicateIdempotencyKeyError();
    this.#writes.push((state) => {
      state.idempotency.set(id, { ...record, createdAt: record.createdAt.getTime() });
      state.savedKeys.push(record);
    });
  }

  #verification(id: string): Verification | undefined {
    const local = this.#local.get(id);
    if (local) return local;
    const shared = this.#state.verifications.get(id);
    if (!shared) return undefined;
    const copy = copyOf(shared);
    this.#local.set(id, copy);
    return copy;
  }

  async findPendingFor(appId: string, to: string): Promise<Verification | null> {
    const key = pair(appId, to);
    if (!this.#state.pendingByNumber.has(key)) await readPending(this.#tx, this.#state, [{ appId, to }]);
    let newest: Verification | undefined;
    for (const id of this.#state.pendingByNumber.get(key) ?? []) {
      const v = this.#verification(id);
      if (v?.status === 'pending' && (!newest || v.createdAt.getTime() > newest.createdAt.getTime())) newest = v;
    }
    return newest ?? null;
  }

  async findForUpdate(appId: string, id: string): Promise<Verification | null> {
    if (!this.#state.verifications.has(id)) await readVerifications(this.#tx, this.#state, [id]);
    const v = this.#verification(id);
    return v && v.appId === appId ? v : null;
  }

  async otpSendTimesTo(to: string, since: Date): Promise<Date[]> {
    if (!this.#state.sendTimes.has(to) || since.getTime() < this.#state.sendsSince) await readSendTimes(this.#tx, this.#state, [to], since);
    return (this.#state.sendTimes.get(to) ?? [])
      .filter((send) => send.at >= since.getTime())
      .map((send) => send.at)
      .sort((a, b) => a - b)
      .map((at) => new Date(at));
  }

  async lastCodeSentAt(verificationId: string): Promise<Date | null> {
    if (!this.#state.lastCode.has(verificationId)) await readLastCodes(this.#tx, this.#state, [verificationId]);
    const at = this.#state.lastCode.get(verificationId) ?? null;
    return at === null ? null : new Date(at);
  }

  async failedChecksFor(to: string, since: Date): Promise<number> {
    if (!this.#state.checks.has(to) || since.getTime() < this.#state.checksSince) await readChecks(this.#tx, this.#state, [to], since);
    let sum = 0;
    for (const [id, failed] of this.#state.checks.get(to) ?? []) {
      // What this request or an earlier one in the batch changed counts as it now stands.
      const current = this.#local.get(id) ?? this.#state.verifications.get(id);
      sum += current && current.createdAt.getTime() >= since.getTime() ? current.failedChecks : current ? 0 : failed;
    }
    return sum;
  }

  dropQueuedMessages(verificationId: string, reason: string): Promise<void> {
    this.#writes.push((state) => state.dropped.push({ verificationId, reason }));
    return Promise.resolve();
  }

  insertVerification(v: Verification): Promise<void> {
    const copy = copyOf(v);
    this.#writes.push((state) => {
      state.inserted.set(copy.id, copy);
      state.verifications.set(copy.id, copy);
      const key = pair(copy.appId, copy.to);
      const pending = state.pendingByNumber.get(key) ?? new Set<string>();
      pending.add(copy.id);
      state.pendingByNumber.set(key, pending);
      const checks = state.checks.get(copy.to);
      checks?.set(copy.id, copy.failedChecks);
    });
    return Promise.resolve();
  }

  updateVerification(v: Verification): Promise<void> {
    const copy = copyOf(v);
    this.#local.set(copy.id, copy);
    this.#writes.push((state) => {
      if (state.inserted.has(copy.id)) state.inserted.set(copy.id, copy);
      else state.updated.set(copy.id, copy);
      state.verifications.set(copy.id, copy);
    });
    return Promise.resolve();
  }

  insertMessage(draft: MessageDraft, createdAt: Date): Promise<{ parts: number }> {
    // The part count is what GSM 03.38 / UCS-2 splitting will produce; routing prices by it.
    const parts = encodeMessage(draft.text).parts;
    this.#writes.push((state) => {
      state.messages.push({ draft, createdAt, parts });
      if (draft.kind === 'otp') {
        const sends = state.sendTimes.get(draft.to) ?? [];
        sends.push({ verificationId: draft.verificationId, at: createdAt.getTime() });
        state.sendTimes.set(draft.to, sends);
        if (draft.verificationId !== null) state.lastCode.set(draft.verificationId, createdAt.getTime());
      }
    });
    return Promise.resolve({ parts });
  }
}

async function readIdempotency(tx: SqlRunner, state: BatchState, keys: readonly { appId: string; key: string }[]): Promise<void> {
  const fresh = keys.filter(({ appId, key }) => !state.idempotency.has(pair(appId, key)));
  if (fresh.length === 0) return;
  for (const { appId, key } of fresh) state.idempotency.set(pair(appId, key), null);
  const rows = await tx.query<{ app_id: string; key: string; verification_id: string | null; message_id: string | null; to: string; fingerprint: string | null; created_at: number }>(Q.idempotency, [
    fresh.map((k) => k.appId),
    fresh.map((k) => k.key),
  ]);
  for (const row of rows) {
    state.idempotency.set(pair(row.app_id, row.key), { verificationId: row.verification_id, messageId: row.message_id, to: row.to, fingerprint: row.fingerprint, createdAt: row.created_at });
  }
}

async function readVerifications(tx: SqlRunner, state: BatchState, ids: readonly string[]): Promise<void> {
  const fresh = [...new Set(ids)].filter((id) => !state.verifications.has(id));
  if (fresh.length === 0) return;
  for (const id of fresh) state.verifications.set(id, null);
  for (const row of await tx.query<VerificationRow>(Q.verificationsById, [fresh])) state.verifications.set(row.id, toVerification(row));
}

async function readPending(tx: SqlRunner, state: BatchState, keys: readonly { appId: string; to: string }[]): Promise<void> {
  const fresh = keys.filter(({ appId, to }) => !state.pendingByNumber.has(pair(appId, to)));
  if (fresh.length === 0) return;
  for (const { appId, to } of fresh) state.pendingByNumber.set(pair(appId, to), new Set());
  const rows = await tx.query<VerificationRow>(Q.pending, [fresh.map((k) => k.appId), fresh.map((k) => k.to)]);
  for (const row of rows) {
    if (!state.verifications.get(row.id)) state.verifications.set(row.id, toVerification(row));
    state.pendingByNumber.get(pair(row.app_id, row.to))?.add(row.id);
  }
}

async function readSendTimes(tx: SqlRunner, state: BatchState, numbers: readonly string[], since: Date): Promise<void> {
  const fresh = [...new Set(numbers)].filter((to) => !state.sendTimes.has(to) || since.getTime() < state.sendsSince);
  if (fresh.length === 0) return;
  const rows = await tx.query<{ to: string; verification_id: string | null; created_at: number }>(Q.sendTimes, [fresh, since.toISOString()]);
  for (const to of fresh) state.sendTimes.set(to, []);
  for (const row of rows) state.sendTimes.get(row.to)?.push({ verificationId: row.verification_id, at: row.created_at });
  state.sendsSince = Math.min(state.sendsSince, since.getTime());
}

async function readLastCodes(tx: SqlRunner, state: BatchState, verificationIds: readonly string[]): Promise<void> {
  const fresh = [...new Set(verificationIds)].filter((id) => !state.lastCode.has(id));
  if (fresh.length === 0) return;
  for (const id of fresh) state.lastCode.set(id, null);
  for (const row of await tx.query<{ verification_id: string; created_at: number }>(Q.lastCodes, [fresh])) state.lastCode.set(row.verification_id, row.created_at);
}

async function readChecks(tx: SqlRunner, state: BatchState, numbers: readonly string[], since: Date): Promise<void> {
  const fresh = [...new Set(numbers)].filter((to) => !state.checks.has(to) || since.getTime() < state.checksSince);
  if (fresh.length === 0) return;
  const rows = await tx.query<{ id: string; to: string; failed_checks: number }>(Q.checks, [fresh, since.toISOString()]);
  for (const to of fresh) state.checks.set(to, new Map());
  for (const row of rows) state.checks.get(row.to)?.set(row.id, row.failed_checks);
  state.checksSince = Math.min(state.checksSince, since.getTime());
}

/** Everything the requests of a batch declared they will read, read for all of them and locked. */
async function prefetch(tx: SqlRunner, state: BatchState, reads: readonly BatchReads[]): Promise<void> {
  const locks = new Set<string>();
  for (const read of reads) {
    for (const to of read.destinations ?? []) locks.add(`send:${to}`);
    for (const { appId, key } of read.idempotencyKeys ?? []) locks.add(idempotencyLock(appId, key));
  }
  if (locks.size > 0) {
    await tx.query(Q.lock, [[...locks]]);
    for (const key of locks) state.lockedKeys.add(key);
  }
  await readIdempotency(tx, state, reads.flatMap((read) => read.idempotencyKeys ?? []));
  await readVerifications(tx, state, reads.flatMap((read) => (read.verificationIds ?? []).map((v) => v.id)));
  await readPending(tx, state, reads.flatMap((read) => read.pendingFor ?? []));
  const sendsSince = earliest(reads.map((read) => (read.destinations?.length ? read.sendsSince : undefined)));
  if (sendsSince) await readSendTimes(tx, state, reads.flatMap((read) => read.destinations ?? []), sendsSince);
  const pendingIds = [...state.pendingByNumber.values()].flatMap((ids) => [...ids]);
  if (pendingIds.length > 0 && reads.some((read) => read.destinations?.length)) await readLastCodes(tx, state, pendingIds);
  const checksSince = earliest(reads.map((read) => read.checksSince));
  if (checksSince) {
    const numbers = new Set<string>();
    for (const read of reads) for (const { to } of read.pendingFor ?? []) numbers.add(to);
    for (const v of state.verifications.values()) if (v) numbers.add(v.to);
    await readChecks(tx, state, [...numbers], checksSince);
  }
}

function earliest(dates: readonly (Date | undefined)[]): Date | undefined {
  let first: Date | undefined;
  for (const date of dates) if (date && (!first || date < first)) first = date;
  return first;
}

/** Writes what the requests decided, in one statement. */
async function writeBatch(tx: SqlRunner, state: BatchState, box: SecretBox): Promise<void> {
  const inserted = [...state.inserted.values()];
  const updated = [...state.updated.values()];
  const { dropped, messages: m, savedKeys: k } = state;
  if (inserted.length + updated.length + dropped.length + m.length + k.length === 0) return;
  const [result] = await tx.query<{ keys_saved: number }>(WRITE, [
    // verifications inserted
    inserted.map((x) => x.id),
    inserted.map((x) => x.appId),
    inserted.map((x) => x.to),
    inserted.map((x) => x.channel),
    inserted.map((x) => x.status),
    inserted.map(codesJson),
    inserted.map((x) => x.codeLength),
    inserted.map((x) => x.locale),
    inserted.map((x) => x.expiresAt.toISOString()),
    inserted.map((x) => x.sendCount),
    inserted.map((x) => x.failedChecks),
    inserted.map((x) => x.maxChecks),
    inserted.map((x) => x.deliveryStatus),
    inserted.map((x) => x.email),
    inserted.map((x) => x.createdAt.toISOString()),
    inserted.map((x) => iso(x.completedAt)),
    // verifications updated
    updated.map((x) => x.id),
    updated.map((x) => x.channel),
    updated.map((x) => x.status),
    updated.map(codesJson),
    updated.map((x) => x.locale),
    updated.map((x) => x.expiresAt.toISOString()),
    updated.map((x) => x.sendCount),
    updated.map((x) => x.failedChecks),
    updated.map((x) => x.deliveryStatus),
    updated.map((x) => x.email),
    updated.map((x) => iso(x.completedAt)),
    // queued messages of canceled verifications
    dropped.map((d) => d.verificationId),
    dropped.map((d) => d.reason),
    // messages
    m.map((x) => x.draft.id),
    m.map((x) => x.draft.appId),
    m.map((x) => x.draft.verificationId),
    m.map((x) => x.draft.kind),
    m.map((x) => x.draft.channel),
    m.map((x) => x.draft.to),
    m.map((x) => x.draft.country),
    m.map((x) => x.draft.from),
    m.map((x) => box.seal(x.draft.text, messageBodyContext(x.draft.id))),
    m.map((x) => sealedPayload(box, x.draft)),
    m.map((x) => x.parts),
    m.map((x) => x.createdAt.toISOString()),
    m.map((x) => x.draft.lease?.owner ?? null),
    m.map((x) => x.draft.lease?.seconds ?? null),
    // idempotency keys
    k.map((x) => x.appId),
    k.map((x) => x.key),
    k.map((x) => x.verificationId),
    k.map((x) => x.messageId),
    k.map((x) => x.to),
    k.map((x) => x.fingerprint),
    k.map((x) => x.createdAt.toISOString()),
    new Date(Math.min(...k.map((x) => x.createdAt.getTime()), Date.now()) - IDEMPOTENCY_WINDOW_MS).toISOString(),
    // messages nobody holds: wake the replicas
    m.some((x) => x.draft.lease === null),
  ]);
  // The keys are locked for the transaction: another one cannot have stored them meanwhile.
  if ((result?.keys_saved ?? 0) !== k.length) throw new DuplicateIdempotencyKeyError();
}

/** What `payload_ciphertext` holds for a message: the code's content and the e-mail address. */
function sealedPayload(box: SecretBox, draft: MessageDraft): string | null {
  const payload: MessagePayload | null =
    draft.otp === undefined && !draft.email ? null : { ...(draft.otp ? { otp: draft.otp } : {}), ...(draft.email ? { email: draft.email } : {}) };
  return payload === null ? null : box.seal(JSON.stringify(payload), messagePayloadContext(draft.id));
}

/** Thrown by the runner of a first try without a transaction, at the batch's first read. */
class NeedsTransaction extends Error {}

const WITHOUT_READS: SqlRunner = { query: () => Promise.reject(new NeedsTransaction('this batch reads; run it in a transaction')) };

/** Runs the requests against the batch's state, in order; nothing is written yet. */
async function decide<R>(tx: SqlRunner, requests: readonly BatchRequest<R>[]): Promise<{ state: BatchState; outcomes: ItemOutcome<R>[] }> {
  const state = new BatchState();
  await prefetch(tx, state, requests.map((request) => request.reads));
  const outcomes: ItemOutcome<R>[] = [];
  for (const request of requests) {
    const uow = new RequestUnitOfWork(state, tx);
    try {
      const value = await request.work(uow);
      uow.commitInto();
      outcomes.push({ ok: true, value });
    } catch (error) {
      if (error instanceof NeedsTransaction) throw error;
      outcomes.push({ ok: false, error });
    }
  }
  return { state, outcomes };
}

/**
 * Runs a batch of requests in one transaction (see the module comment). A batch that reads
 * nothing (SendMessage without idempotency keys: no locks, no rate limits) is decided in memory
 * and written by its one statement alone, which PostgreSQL runs as a transaction of its own:
 * no BEGIN and COMMIT, one round trip instead of three. A batch that reads is caught at its
 * first read, before anything was sent, and run again from the start in a transaction, as a
 * transaction retry would run it.
 */
export async function runAcceptBatch<R>(sqlClient: SqlClient, box: SecretBox, requests: readonly BatchRequest<R>[]): Promise<ItemOutcome<R>[]> {
  const direct = await decide(WITHOUT_READS, requests).catch((error: unknown) => {
    if (error instanceof NeedsTransaction) return undefined;
    throw error;
  });
  // Saved idempotency keys are checked after the write (and roll it back): those need the transaction.
  if (direct !== undefined && direct.state.savedKeys.length === 0) {
    await writeBatch(sqlClient, direct.state, box);
    return direct.outcomes;
  }
  return sqlClient.transaction(async (tx) => {
    const { state, outcomes } = await decide(tx, requests);
    await writeBatch(tx, state, box);
    return outcomes;
  });
}
