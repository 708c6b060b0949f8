/**
 * The message table as the dispatcher's work queue, in plain batched SQL (PostgreSQL or PGlite).
 * Every statement takes whole batches as arrays (`unnest`), so a transaction costs the same
 * handful of round trips for one message or five hundred. Time that replicas compare (leases,
 * receipt deadlines, when a receipt came) is the database's `now()`, never a replica's clock.
 */
import type { AttemptState, MessageStatus, PartState, ReportedState } from '../dispatch/attempt-lifecycle.js';
import type {
  ClaimedMessage,
  DispatchStore,
  DispatchTransaction,
  DispatchWrites,
  LockedMessage,
  PendingReceipt,
  StoredPartRef,
  StoredStep,
} from '../dispatch/dispatch.ports.js';
import type { OtpContent } from '../providers/channel-provider.js';
import type { Channel, MessageKind } from '../routing/routing-model.js';
import type { SecretBox } from '../shared/secret-box.js';
import { messageBodyContext, messagePayloadContext, type MessagePayload } from './message-sealing.js';
import { combined, sql, type SqlClient, type SqlRunner } from './sql-client.js';

/** The channel replicas LISTEN on for queued work nobody holds. */
export const WORK_CHANNEL = 'switchboard_work';

/** Parts of attempts older than this are not receipt candidates (no step waits this long). */
const CANDIDATE_HORIZON = "interval '3 days'";

/** A verification whose message fails is not failed while another of its messages is one of these. */
const LIVE_OR_DELIVERED: readonly MessageStatus[] = ['queued', 'sending', 'submitted', 'delivered'];
/** Leases renewed per statement: each locks its rows only briefly. */
const LEASE_CHUNK = 500;

interface MessageRow {
  id: string;
  to: string;
  status: MessageStatus;
  step: number;
  retries: number;
  plan_length: number;
  verification_id: string | null;
  lease_owner: string | null;
  verification_open: boolean;
}

const MESSAGE_COLUMNS = `m.id, m."to", m.status, m.step, m.retries, coalesce(jsonb_array_length(m.plan), 0)::int as plan_length, m.verification_id, m.lease_owner,
  (m.verification_id is null or exists (select 1 from verification v where v.id = m.verification_id and v.status = 'pending' and v.expires_at > now())) as verification_open`;

const ATTEMPT_COLUMNS = `a.id, a.message_id, pr.name as provider, a.step, a.status, a.completed_at is not null as completed, a.receipt_parts,
  a.receipt_timeout_seconds, (extract(epoch from a.created_at) * 1000)::float8 as started_at,
  coalesce((select json_agg(json_build_object('part', p.part, 'id', p.provider_message_id, 'status', p.status, 'errorCode', p.error_code) order by p.part)
              from attempt_part p where p.attempt_id = a.id), '[]'::json) as parts`;

const Q = {
  lockMessages: sql('dispatch.lock-messages', `select ${MESSAGE_COLUMNS} from message m where m.id = any($1::uuid[]) order by m.id for update of m`),
  attempts: sql(
    'dispatch.attempts',
    `select ${ATTEMPT_COLUMNS} from attempt a join provider pr on pr.id = a.provider_id where a.id = any($1::uuid[])`,
  ),
  openAttempts: sql(
    'dispatch.open-attempts',
    `select ${ATTEMPT_COLUMNS} from attempt a join provider pr on pr.id = a.provider_id join message m on m.id = a.message_id
      where a.message_id = any($1::uuid[]) and a.step = m.step and a.completed_at is null and a.status in ('sending', 'submitted', 'unknown')
      order by a.created_at desc`,
  ),
  partsWithIds: sql(
    'dispatch.parts-with-ids',
    `select k.provider, p.provider_message_id, p.attempt_id, a.message_id, p.part, m."to",
            (p.status = 'submitted' and a.completed_at is null and a.status in ('sending', 'submitted', 'unknown')) as open,
            (extract(epoch from a.created_at) * 1000)::float8 as started_at
       from unnest($1::text[], $2::text[]) as k(provider, pmid)
       -- Lateral: one index lookup per id, whatever the planner believes about the tables' sizes.
       cross join lateral (select id from provider where name = k.provider) as pr
       cross join lateral (select * from attempt_part p where p.provider_id = pr.id and p.provider_message_id = k.pmid) as p
       join attempt a on a.id = p.attempt_id
       join message m on m.id = a.message_id
      where a.created_at > now() - ${CANDIDATE_HORIZON}`,
  ),
  attemptOwners: sql(
    'dispatch.attempt-owners',
    `select a.id, a.message_id, p.name as provider from attempt a join provider p on p.id = a.provider_id where a.id = any($1::uuid[])`,
  ),
  pendingFor: sql(
    'dispatch.pending-for',
    `select r.id, k.provider, r.provider_message_id, r.state, r.error_code, r.handset, r.attempt_hint, (extract(epoch from r.received_at) * 1000)::float8 as received_at
       from unnest($1::text[], $2::text[]) as k(provider, pmid)
       cross join lateral (select id from provider where name = k.provider) as pr
       cross join lateral (
         select * from pending_receipt r where r.provider_id = pr.id and r.provider_message_id = k.pmid for update skip locked
       ) as r
      order by r.received_at`,
  ),
  lockVerifications: sql('dispatch.lock-verifications', `select id from verification where id = any($1::uuid[]) order by id for update`),
  liveSiblings: sql(
    'dispatch.live-siblings',
    `select distinct verification_id from message
      where verification_id = any($1::uuid[]) and not (id = any($2::uuid[])) and status = any($3::text[])`,
  ),
  overdue: sql(
    'dispatch.overdue',
    `select ${MESSAGE_COLUMNS} from message m where m.status = 'submitted' and m.not_before < now() order by m.not_before limit $1 for update of m skip locked`,
  ),
  staleSends: sql(
    'dispatch.stale-sends',
    `select ${MESSAGE_COLUMNS} from message m
      where m.status = 'sending' and m.lease_owner is not null and m.lease_until < now()
      order by m.lease_until limit $1 for update of m skip locked`,
  ),
  start: sql(
    'dispatch.start',
    `with s as (
       select * from unnest($1::uuid[], $2::uuid[], $3::text[], $4::int[], $5::text[], $6::bigint[], $7::text[], $8::int[], $9::text[], $10::text[])
         as s(attempt_id, message_id, provider, step, channel, expected_cost, currency, timeout, plan, route_rule)
     ), m as (
       update message m set status = 'sending', plan = s.plan::jsonb, route_rule = coalesce(s.route_rule, m.route_rule), step = s.step, updated_at = now()
         from s where m.id = s.message_id
       returning m.id
     )
     insert into attempt (id, message_id, provider_id, step, channel, expected_cost_micros, actual_cost_micros, currency, receipt_timeout_seconds, status, created_at)
     select s.attempt_id, s.message_id, p.id, s.step, s.channel, s.expected_cost, null, s.currency, s.timeout, 'sending', now()
       from s join m on m.id = s.message_id join provider p on p.name = s.provider
     returning id`,
  ),
  updateAttempts: sql(
    'dispatch.update-attempts',
    `update attempt a set
       status = u.status,
       completed_at = case when u.completed and a.completed_at is null then now() else a.completed_at end,
       error_code = case when u.has_error then u.error_code else a.error_code end,
       error_message = nullif(concat_ws('; ', case when u.has_error then u.error_message else a.error_message end, u.note), ''),
       receipt_parts = coalesce(u.receipt_parts, a.receipt_parts),
       provider_message_id = coalesce(a.provider_message_id, u.pmid),
       parts = coalesce(u.billed_parts, a.parts),
       actual_cost_micros = coalesce(u.actual_cost, a.actual_cost_micros),
       submitted_at = case when u.submitted and a.submitted_at is null then now() else a.submitted_at end
     from unnest($1::uuid[], $2::text[], $3::bool[], $4::bool[], $5::text[], $6::text[], $7::int[], $8::text[], $9::int[], $10::bigint[], $11::bool[], $12::text[])
       as u(id, status, completed, has_error, error_code, error_message, receipt_parts, pmid, billed_parts, actual_cost, submitted, note)
     where a.id = u.id`,
  ),
  insertParts: sql(
    'dispatch.insert-parts',
    `insert into attempt_part (id, attempt_id, provider_id, part, provider_message_id, status, error_code, completed_at)
     select gen_random_uuid(), u.attempt_id, p.id, u.part, u.pmid, u.status, u.error_code, case when u.status <> 'submitted' then now() end
       from unnest($1::uuid[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[]) as u(attempt_id, provider, part, pmid, status, error_code)
       join provider p on p.name = u.provider`,
  ),
  reportParts: sql(
    'dispatch.report-parts',
    `update attempt_part p set status = u.status, error_code = u.error_code, completed_at = now()
       from unnest($1::uuid[], $2::int[], $3::text[], $4::text[]) as u(attempt_id, part, status, error_code)
      where p.attempt_id = u.attempt_id and p.part = u.part and p.completed_at is null`,
  ),
  updateMessages: sql(
    'dispatch.update-messages',
    `update message m set
       status = u.status,
       plan = coalesce(u.plan::jsonb, m.plan),
       route_rule = coalesce(u.route_rule, m.route_rule),
       step = coalesce(u.step, m.step),
       retries = coalesce(u.retries, m.retries),
       not_before = case when u.due_in is not null then now() + u.due_in * interval '1 second' else coalesce(u.not_before, m.not_before) end,
       lease_owner = case when u.keep_lease then m.lease_owner end,
       lease_until = case when u.keep_lease then m.lease_until end,
       last_error = case when u.set_error then u.last_error else m.last_error end,
       body_ciphertext = case when u.erase then null else m.body_ciphertext end,
       payload_ciphertext = case when u.erase then null else m.payload_ciphertext end,
       updated_at = now()
     from unnest($1::uuid[], $2::text[], $3::int[], $4::int[], $5::timestamptz[], $6::int[], $7::bool[], $8::bool[], $9::text[], $10::bool[], $11::text[], $12::text[])
       as u(id, status, step, retries, not_before, due_in, keep_lease, set_error, last_error, erase, plan, route_rule)
     where m.id = u.id`,
  ),
  updateVerifications: sql(
    'dispatch.update-verifications',
    `update verification v set
       delivery_status = case when u.delivery = 'submitted' and v.delivery_status <> 'queued' then v.delivery_status else u.delivery end,
       status = case when u.fail and v.status = 'pending' then 'failed' else v.status end,
       completed_at = case when u.fail and v.status = 'pending' then now() else v.completed_at end
     from unnest($1::uuid[], $2::text[], $3::bool[]) as u(id, delivery, fail)
     where v.id = u.id`,
  ),
  insertPending: sql(
    'dispatch.insert-pending',
    `insert into pending_receipt (id, provider_id, provider_message_id, state, error_code, handset, attempt_hint, received_at)
     select gen_random_uuid(), p.id, u.pmid, u.state, u.error_code, u.handset, u.hint, now()
       from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::uuid[]) as u(provider, pmid, state, error_code, handset, hint)
       join provider p on p.name = u.provider`,
  ),
  deletePending: sql('dispatch.delete-pending', `delete from pending_receipt where id = any($1::uuid[])`),
  claimDue: sql(
    'dispatch.claim-due',
    // Two index scans: messages nobody holds, and the rare ones whose holder died (its lease ran out).
    `with free as (
       select id from message
        where status = 'queued' and lease_owner is null and not_before <= now()
        order by not_before limit $3
          for update skip locked
     ), lapsed as (
       select id from message
        where status = 'queued' and lease_owner is not null and lease_until < now() and not_before <= now()
        order by lease_until limit $3
          for update skip locked
     ), due as (
       select id from free union all select id from lapsed limit $3
     ), leased as (
       update message m set lease_owner = $1, lease_until = now() + $2 * interval '1 second', updated_at = now()
         from due where m.id = due.id
       returning m.*
     )
     select l.id, l.verification_id, l."to", l.country, l.channel, l.kind, a.name as app, l.parts, l.sender, l.body_ciphertext, l.payload_ciphertext,
            l.plan, l.route_rule, l.step, l.retries, (extract(epoch from l.created_at) * 1000)::float8 as created_at,
            v.status as verification_status, (extract(epoch from v.expires_at) * 1000)::float8 as verification_expires_at,
            (extract(epoch from now()) * 1000)::float8 as database_now
       from leased l join app a on a.id = l.app_id left join verification v on v.id = l.verification_id
      order by l.not_before`,
  ),
  renewLeases: sql(
    'dispatch.renew-leases',
    // Locks in id order, as the journal's transactions do, so the two never deadlock.
    `update message m set lease_until = now() + $2 * interval '1 second'
       from (select id from message
              where id = any($3::uuid[]) and lease_owner = $1 and status in ('queued', 'sending')
              order by id for update) as held
      where m.id = held.id`,
  ),
  releaseLeases: sql(
    'dispatch.release-leases',
    `update message set lease_owner = null, lease_until = null, updated_at = now()
      where id = any($2::uuid[]) and lease_owner = $1 and status = 'queued'`,
  ),
  purgePending: sql(
    'dispatch.purge-pending',
    `delete from pending_receipt r using provider p
      where r.id in (select id from pending_receipt where received_at < now() - $1 * interval '1 second' order by received_at limit $2)
        and p.id = r.provider_id
     returning r.id, p.name as provider, r.provider_message_id, r.state, r.error_code, r.handset, r.attempt_hint, (extract(epoch from r.received_at) * 1000)::float8 as received_at`,
  ),
  matchablePending: sql(
    'dispatch.matchable-pending',
    `select r.id, pr.name as provider, r.provider_message_id, r.state, r.error_code, r.handset, r.attempt_hint, (extract(epoch from r.received_at) * 1000)::float8 as received_at
       from pending_receipt r join provider pr on pr.id = r.provider_id
      where exists (select 1 from attempt_part p where p.provider_id = r.provider_id and p.provider_message_id = r.provider_message_id and p.completed_at is null)
        and r.received_at < now() - interval '1 second'
      order by r.received_at limit $1`,
  ),
  deleteIdempotencyKeys: sql('dispatch.delete-idempotency-keys', `delete from idempotency_key where created_at < $1::timestamptz`),
  announceWork: sql('dispatch.announce-work', `select pg_notify('${WORK_CHANNEL}', '')`),
};

/**
 * Every write of a transaction but the starts in one statement (the parts write different rows:
 * new parts, reported parts, attempts, messages, verifications, kept receipts). Parts with no rows
 * cost next to nothing; one prepared statement serves every transaction.
 */
const WRITE = combined('dispatch.write', [
  { sql: Q.insertParts, params: 6 },
  { sql: Q.reportParts, params: 4 },
  { sql: Q.updateAttempts, params: 12 },
  { sql: Q.updateMessages, params: 12 },
  { sql: Q.updateVerifications, params: 3 },
  { sql: Q.insertPending, params: 6 },
  { sql: Q.deletePending, params: 1 },
]);

interface AttemptRowJson {
  id: string;
  message_id: string;
  provider: string;
  step: number;
  started_at: number;
  status: AttemptState['status'];
  completed: boolean;
  receipt_parts: number | null;
  receipt_timeout_seconds: number;
  parts: string | { part: number; id: string; status: PartState['status']; errorCode: string | null }[];
}

function toAttempt(row: AttemptRowJson): AttemptState {
  const parts = typeof row.parts === 'string' ? (JSON.parse(row.parts) as Exclude<AttemptRowJson['parts'], string>) : row.parts;
  return {
    id: row.id,
    messageId: row.message_id,
    provider: row.provider,
    step: row.step,
    startedAt: row.started_at,
    status: row.status,
    completed: row.completed,
    receiptParts: row.receipt_parts,
    receiptTimeoutSeconds: row.receipt_timeout_seconds,
    parts: parts.map((part) => ({ part: part.part, providerMessageId: part.id, status: part.status, errorCode: part.errorCode })),
  };
}

function toLocked(row: MessageRow): LockedMessage {
  return { id: row.id, to: row.to, status: row.status, step: row.step, retries: row.retries, planLength: row.plan_length, verificationId: row.verification_id, leaseOwner: row.lease_owner, verificationOpen: row.verification_open };
}

interface PendingRow {
  id: string;
  provider: string;
  provider_message_id: string;
  state: ReportedState;
  error_code: string | null;
  handset: string | null;
  attempt_hint: string | null;
  received_at: number;
}

function toPending(row: PendingRow): PendingReceipt {
  return {
    id: row.id,
    provider: row.provider,
    providerMessageId: row.provider_message_id,
    state: row.state,
    errorCode: row.error_code,
    handset: row.handset,
    attemptHint: row.attempt_hint,
    receivedAt: row.received_at,
  };
}

/** Text columns are bounded; an odd carrier error must not fail a whole batch. */
function bounded(value: string | null | undefined, length: number): string | null {
  return value === null || value === undefined ? null : value.slice(0, length);
}

const keyOf = (provider: string, providerMessageId: string) => `${provider}\u0000${providerMessageId}`;

class SqlDispatchTransaction implements DispatchTransaction {
  constructor(private readonly tx: SqlRunner) {}

  async lockMessages(ids: readonly string[]) {
    if (ids.length === 0) return new Map<string, LockedMessage>();
    const rows = await this.tx.query<MessageRow>(Q.lockMessages, [[...new Set(ids)]]);
    return new Map(rows.map((row) => [row.id, toLocked(row)]));
  }

  async attempts(ids: readonly string[]) {
    if (ids.length === 0) return new Map<string, AttemptState>();
    const rows = await this.tx.query<AttemptRowJson>(Q.attempts, [[...new Set(ids)]]);
    return new Map(rows.map((row) => [row.id, toAttempt(row)]));
  }

  async openAttempts(messageIds: readonly string[]) {
    const open = new Map<string, AttemptState>();
    if (messageIds.length === 0) return open;
    for (const row of await this.tx.query<AttemptRowJson>(Q.openAttempts, [[...new Set(messageIds)]])) {
      if (!open.has(row.message_id)) open.set(row.message_id, toAttempt(row)); // newest first
    }
    return open;
  }

  async partsWithIds(keys: readonly { provider: string; providerMessageId: string }[]) {
    const found = new Map<string, StoredPartRef[]>();
    if (keys.length === 0) return found;
    const rows = await this.tx.query<{ provider: string; provider_message_id: string; attempt_id: string; message_id: string; part: number; to: string; open: boolean; started_at: number }>(
      Q.partsWithIds,
      [keys.map((key) => key.provider), keys.map((key) => key.providerMessageId)],
    );
    for (const row of rows) {
      const key = keyOf(row.provider, row.provider_message_id);
      const list = found.get(key) ?? [];
      list.push({ attemptId: row.attempt_id, messageId: row.message_id, part: row.part, to: row.to, open: row.open, startedAt: row.started_at });
      found.set(key, list);
    }
    return found;
  }

  async attemptOwners(attemptIds: readonly string[]) {
    if (attemptIds.length === 0) return new Map<string, { messageId: string; provider: string }>();
    const rows = await this.tx.query<{ id: string; message_id: string; provider: string }>(Q.attemptOwners, [[...new Set(attemptIds)]]);
    return new Map(rows.map((row) => [row.id, { messageId: row.message_id, provider: row.provider }]));
  }

  async pendingReceiptsFor(keys: readonly { provider: string; providerMessageId: string }[]) {
    if (keys.length === 0) return [];
    const rows = await this.tx.query<PendingRow>(Q.pendingFor, [keys.map((key) => key.provider), keys.map((key) => key.providerMessageId)]);
    return rows.map(toPending);
  }

  async verificationsStillLive(verificationIds: readonly string[], excluding: readonly string[]) {
    if (verificationIds.length === 0) return new Set<string>();
    const ids = [...new Set(verificationIds)];
    // Locked first: a concurrent resend (which locks the verification too) is either seen or waits.
    await this.tx.query(Q.lockVerifications, [ids]);
    const rows = await this.tx.query<{ verification_id: string }>(Q.liveSiblings, [ids, [...excluding], LIVE_OR_DELIVERED]);
    return new Set(rows.map((row) => row.verification_id));
  }

  async overdueMessages(limit: number) {
    const rows = await this.tx.query<MessageRow>(Q.overdue, [limit]);
    return new Map(rows.map((row) => [row.id, toLocked(row)]));
  }

  async staleSends(limit: number) {
    const rows = await this.tx.query<MessageRow>(Q.staleSends, [limit]);
    return new Map(rows.map((row) => [row.id, toLocked(row)]));
  }

  async write(writes: DispatchWrites): Promise<void> {
    const tx = this.tx;
    if (writes.starts.length > 0) {
      const s = writes.starts;
      const inserted = await tx.query<{ id: string }>(Q.start, [
        s.map((x) => x.attemptId),
        s.map((x) => x.messageId),
        s.map((x) => x.provider),
        s.map((x) => x.step),
        s.map((x) => x.channel),
        s.map((x) => x.expectedCostMicros),
        s.map((x) => x.currency),
        s.map((x) => x.receiptTimeoutSeconds),
        s.map((x) => JSON.stringify(x.plan)),
        s.map((x) => x.routeRule),
      ]);
      // A provider row deleted since the plan was made: nothing may be sent on that attempt.
      if (inserted.length !== s.length) throw new Error(`${s.length - inserted.length} attempts could not be started: their provider no longer exists`);
    }
    const { newParts: p, reportedParts: r, attempts: a, messages: m, verifications: v, pendingReceipts: k, consumedPendingReceipts: consumed } = writes;
    if (p.length + r.length + a.length + m.length + v.length + k.length + consumed.length === 0) return;
    const field = <T>(pick: (change: (typeof m)[number]['change']) => T) => m.map((x) => pick(x.change));
    await tx.query(WRITE, [
      // new parts
      p.map((x) => x.attemptId),
      p.map((x) => x.provider),
      p.map((x) => x.part.part),
      p.map((x) => bounded(x.part.providerMessageId, 128)),
      p.map((x) => x.part.status),
      p.map((x) => bounded(x.part.errorCode, 64)),
      // reported parts
      r.map((x) => x.attemptId),
      r.map((x) => x.part.part),
      r.map((x) => x.part.status),
      r.map((x) => bounded(x.part.errorCode, 64)),
      // attempts
      a.map((x) => x.id),
      a.map((x) => x.change.status),
      a.map((x) => x.change.completed),
      a.map((x) => x.change.error !== undefined),
      a.map((x) => bounded(x.change.error?.code, 64)),
      a.map((x) => x.change.error?.message ?? null),
      a.map((x) => x.change.receiptParts ?? null),
      a.map((x) => bounded(x.submit?.providerMessageId, 128)),
      a.map((x) => x.submit?.billedParts ?? null),
      a.map((x) => x.submit?.actualCostMicros ?? null),
      a.map((x) => x.submit?.markSubmitted === true),
      a.map((x) => x.submit?.note ?? null),
      // messages
      m.map((x) => x.id),
      field((c) => c.status),
      field((c) => (c.status === 'queued' ? c.step : null)),
      field((c) => (c.status === 'queued' ? c.retries : null)),
      field((c) => (c.status === 'queued' ? c.notBefore.toISOString() : null)),
      field((c) => (c.status === 'submitted' ? c.receiptDueInSeconds : null)),
      field((c) => c.status === 'queued' && c.keepLease),
      field((c) => c.status === 'queued' || c.status === 'failed' || (c.status === 'submitted' && c.lastError !== undefined)),
      field((c) => (c.status === 'queued' || c.status === 'failed' ? c.lastError : c.status === 'submitted' ? (c.lastError ?? null) : null)),
      // The text (which holds the code) is erased once delivery has ended.
      field((c) => c.status === 'delivered' || c.status === 'failed'),
      m.map((x) => (x.plan ? JSON.stringify(x.plan.steps) : null)),
      m.map((x) => x.plan?.rule ?? null),
      // verifications
      v.map((x) => x.id),
      v.map((x) => x.delivery),
      v.map((x) => x.fail),
      // receipts kept, and those consumed
      k.map((x) => x.provider),
      k.map((x) => bounded(x.providerMessageId, 128)),
      k.map((x) => x.state),
      k.map((x) => bounded(x.errorCode, 64)),
      k.map((x) => bounded(x.handset, 32)),
      k.map((x) => x.attemptHint),
      consumed,
    ]);
  }
}

interface ClaimRow {
  id: string;
  verification_id: string | null;
  to: string;
  country: string;
  channel: Channel;
  kind: MessageKind;
  app: string;
  parts: number;
  sender: string;
  body_ciphertext: string | null;
  payload_ciphertext: string | null;
  plan: string | StoredStep[] | null;
  route_rule: string | null;
  step: number;
  retries: number;
  created_at: number;
  verification_status: string | null;
  verification_expires_at: number | null;
  database_now: number;
}

/** The hot path's store over plain SQL. */
export class SqlDispatchStore implements DispatchStore {
  constructor(
    private readonly sql: SqlClient,
    private readonly box: SecretBox,
  ) {}

  transaction<T>(work: (tx: DispatchTransaction) => Promise<T>): Promise<T> {
    return this.sql.transaction((tx) => work(new SqlDispatchTransaction(tx)));
  }

  async claimDue(owner: string, leaseSeconds: number, limit: number): Promise<ClaimedMessage[]> {
    const rows = await this.sql.query<ClaimRow>(Q.claimDue, [owner, leaseSeconds, limit]);
    return rows.map((row) => this.#toClaimed(row));
  }

  #toClaimed(row: ClaimRow): ClaimedMessage {
    const plan = typeof row.plan === 'string' ? (JSON.parse(row.plan) as StoredStep[]) : row.plan;
    const expiresAt = row.verification_expires_at === null ? null : row.verification_expires_at;
    return {
      id: row.id,
      verificationId: row.verification_id,
      to: row.to,
      country: row.country,
      channel: row.channel,
      kind: row.kind,
      app: row.app,
      parts: row.parts,
      from: row.sender,
      text: this.#open(row.body_ciphertext, messageBodyContext(row.id)),
      ...this.#openPayload(row.id, row.payload_ciphertext),
      plan: plan ?? null,
      routeRule: row.route_rule,
      step: row.step,
      retries: row.retries,
      createdAt: new Date(row.created_at),
      verificationOpen: row.verification_id === null || (row.verification_status === 'pending' && expiresAt !== null && expiresAt > row.database_now),
      verificationExpiresAt: expiresAt === null ? null : new Date(expiresAt),
    };
  }

  #open(sealed: string | null, context: string): string | null {
    if (sealed === null) return null;
    try {
      return this.box.open(sealed, context);
    } catch {
      return null;
    }
  }

  /** The channel payload; one that cannot be opened reads as none (e-mail steps then skip). */
  #openPayload(messageId: string, sealed: string | null): { otp: OtpContent | null; email: string | null } {
    const opened = this.#open(sealed, messagePayloadContext(messageId));
    if (opened === null) return { otp: null, email: null };
    try {
      const payload = JSON.parse(opened) as MessagePayload;
      return { otp: payload.otp ?? null, email: payload.email ?? null };
    } catch {
      return { otp: null, email: null };
    }
  }

  async renewLeases(owner: string, leaseSeconds: number, messageIds: readonly string[]): Promise<void> {
    // In short statements: one over ten thousand held messages kept their rows locked for over half
    // a second, and every journal transaction touching one of them waited that long.
    const sorted = [...messageIds].sort();
    for (let from = 0; from < sorted.length; from += LEASE_CHUNK) {
      await this.sql.query(Q.renewLeases, [owner, leaseSeconds, sorted.slice(from, from + LEASE_CHUNK)]);
    }
  }

  async releaseLeases(owner: string, messageIds: readonly string[]): Promise<void> {
    if (messageIds.length > 0) await this.sql.query(Q.releaseLeases, [owner, [...messageIds]]);
  }

  async purgePendingReceipts(olderThanSeconds: number, limit: number): Promise<PendingReceipt[]> {
    return (await this.sql.query<PendingRow>(Q.purgePending, [olderThanSeconds, limit])).map(toPending);
  }

  async matchablePendingReceipts(limit: number): Promise<PendingReceipt[]> {
    return (await this.sql.query<PendingRow>(Q.matchablePending, [limit])).map(toPending);
  }

  async deleteIdempotencyKeysBefore(before: Date): Promise<void> {
    await this.sql.query(Q.deleteIdempotencyKeys, [before.toISOString()]);
  }

  async announceWork(): Promise<void> {
    await this.sql.query(Q.announceWork);
  }
}

export { keyOf as receiptKey };
