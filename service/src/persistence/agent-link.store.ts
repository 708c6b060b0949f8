/**
 * The agent link's storage (`agents/agent-link.ports.ts`) in plain SQL: the command queue every
 * replica writes and the replica holding an agent's stream reads, the outcomes going back, and
 * the agents' presence. Every write another replica must act on is announced on AGENT_CHANNEL
 * from inside its transaction, so the notice arrives only once the write is visible.
 */
import { hashApiKey } from '../shared/api-keys.js';
import type { SecretBox } from '../shared/secret-box.js';
import type { AgentSubmission } from '../providers/agent-gateway.js';
import type { AgentLinkStore, AgentNotice, AgentRecord, CommandRef, CommandState, ModemReport, QueueCursor, QueuedPage, RecordedOutcome, StoredOutcome } from '../agents/agent-link.ports.js';
import { sql, type SqlClient, type SqlRunner } from './sql-client.js';

/** The PostgreSQL channel the agent link's notices travel on. */
export const AGENT_CHANNEL = 'switchboard_agents';

/** The payload of a notice; the listener reads it back with {@link parseAgentNotice}. */
export function agentNoticePayload(notice: AgentNotice): string {
  switch (notice.kind) {
    case 'commands':
      return `commands ${notice.agentId}`;
    case 'outcome':
      return `outcome ${notice.attemptId}`;
    case 'session':
      return `session ${notice.agentId} ${notice.sessionId}`;
  }
}

/** A notice from its payload; undefined for anything else (e.g. `reconnected`). */
export function parseAgentNotice(payload: string): AgentNotice | undefined {
  const [kind, first, second] = payload.split(' ');
  if (kind === 'commands' && first) return { kind, agentId: first };
  if (kind === 'outcome' && first) return { kind, attemptId: first };
  if (kind === 'session' && first && second) return { kind, agentId: first, sessionId: second };
  return undefined;
}

function commandBodyContext(attemptId: string): string {
  return `agent_command.body:${attemptId}`;
}

const Q = {
  agentByToken: sql('agents.by-token', `select id from agent where token_hash = $1`),
  agents: sql('agents.all', `select id, session_id, last_seen_at from agent order by id`),
  enqueue: sql(
    'agents.enqueue',
    `with c as (
       insert into agent_command (attempt_id, agent_id, provider, message_id, destination, body_ciphertext, status_report, validity_seconds, send_before, modems)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb)
       on conflict (attempt_id) do nothing
       returning agent_id)
     select pg_notify('${AGENT_CHANNEL}', 'commands ' || agent_id) from c`,
  ),
  // Keyset pages in the order they were queued; a burst larger than a page is read page by page.
  queued: sql(
    'agents.queued',
    `select attempt_id, created_at::text as created_at, destination, body_ciphertext, status_report, validity_seconds, send_before, modems
       from agent_command where agent_id = $1 and state = 'queued' and send_before > $2
        and (created_at, attempt_id) > ($3::timestamptz, $4::uuid)
      order by created_at, attempt_id limit $5`,
  ),
  offer: sql(
    'agents.offer',
    `update agent_command set offered_at = coalesce(offered_at, now()) where agent_id = $1 and attempt_id = any($2::uuid[]) and state = 'queued' returning attempt_id`,
  ),
  markAccepted: sql('agents.mark-accepted', `update agent_command set state = 'accepted', accepted_at = now() where agent_id = $1 and attempt_id = $2 and state = 'queued' returning attempt_id`),
  rememberResult: sql('agents.remember-result', `insert into agent_result (agent_id, result_id) values ($1, $2) on conflict do nothing returning result_id`),
  resultSeen: sql('agents.result-seen', `select 1 as seen from agent_result where agent_id = $1 and result_id = $2`),
  lockCommand: sql('agents.lock-command', `select attempt_id, provider, destination, state from agent_command where agent_id = $1 and attempt_id = $2 for update`),
  command: sql('agents.command', `select attempt_id, provider, destination, state from agent_command where agent_id = $1 and attempt_id = $2`),
  // The first outcome stands: a later one (a resend under another id) changes nothing.
  storeOutcome: sql(
    'agents.store-outcome',
    `update agent_command set outcome = $2::jsonb, outcome_at = now(), state = $3
      where attempt_id = $1 and state not in ('submitted', 'failed')`,
  ),
  notify: sql('agents.notify', `select pg_notify('${AGENT_CHANNEL}', $1)`),
  outcomes: sql('agents.outcomes', `select attempt_id, outcome from agent_command where attempt_id = any($1::uuid[]) and outcome is not null`),
  // Only a command no stream ever carried: once offered, the agent may have it.
  expireIfQueued: sql('agents.expire', `update agent_command set state = 'expired', outcome_at = now() where attempt_id = $1 and state = 'queued' and offered_at is null returning attempt_id`),
  abandonIfAccepted: sql('agents.abandon', `update agent_command set state = 'abandoned' where attempt_id = $1 and state = 'accepted' returning attempt_id`),
  abandonIfOffered: sql('agents.abandon-offered', `update agent_command set state = 'abandoned' where attempt_id = $1 and state = 'queued' and offered_at is not null returning attempt_id`),
  inboundProvider: sql('agents.inbound-provider', `select name from provider where kind = 'agent' and trim(settings->>'agent') = $1 order by enabled desc, name limit 1`),
  connected: sql(
    'agents.connected',
    `update agent set session_id = $2, replica = $3, agent_version = $4, modems = $5::jsonb, connected_at = now(), last_seen_at = now(), disconnected_at = null
      where id = $1 and token_hash = $6 returning id`,
  ),
  heartbeat: sql('agents.heartbeat', `update agent set modems = $3::jsonb, last_seen_at = now() where id = $1 and session_id = $2`),
  // Batches of `limit`, so a long-idle prune never holds many locks at once.
  pruneResults: sql(
    'agents.prune-results',
    `with gone as (delete from agent_result where (agent_id, result_id) in (select agent_id, result_id from agent_result where stored_at < $1 limit $2) returning 1)
     select count(*)::int as n from gone`,
  ),
  pruneCommands: sql(
    'agents.prune-commands',
    `with gone as (delete from agent_command where attempt_id in (select attempt_id from agent_command where created_at < $1 and state in ('expired', 'submitted', 'failed', 'abandoned') limit $2) returning 1)
     select count(*)::int as n from gone`,
  ),
  disconnected: sql('agents.disconnected', `update agent set session_id = null, replica = null, disconnected_at = now(), last_seen_at = now() where id = $1 and session_id = $2`),
};

interface CommandRow {
  attempt_id: string;
  provider: string;
  destination: string;
  state: CommandState;
}

export class SqlAgentLinkStore implements AgentLinkStore {
  readonly #sql: SqlClient;
  readonly #box: SecretBox;

  constructor(sqlClient: SqlClient, box: SecretBox) {
    this.#sql = sqlClient;
    this.#box = box;
  }

  async agentByToken(token: string): Promise<string | null> {
    const rows = await this.#sql.query<{ id: string }>(Q.agentByToken, [hashApiKey(token)]);
    return rows[0]?.id ?? null;
  }

  async agents(): Promise<AgentRecord[]> {
    const rows = await this.#sql.query<{ id: string; session_id: string | null; last_seen_at: Date | string | null }>(Q.agents);
    return rows.map((row) => ({ id: row.id, sessionId: row.session_id, lastSeenAt: toDate(row.last_seen_at) }));
  }

  async enqueue(submission: AgentSubmission): Promise<void> {
    await this.#sql.query(Q.enqueue, [
      submission.attemptId,
      submission.agentId,
      submission.provider,
      submission.messageId,
      submission.to,
      this.#box.seal(submission.text, commandBodyContext(submission.attemptId)),
      submission.statusReport,
      submission.validitySeconds,
      submission.sendBefore,
      JSON.stringify(submission.modems),
    ]);
  }

  async queued(agentId: string, now: Date, after: QueueCursor | null, limit: number): Promise<QueuedPage> {
    const rows = await this.#sql.query<{
      attempt_id: string;
      created_at: string;
      destination: string;
      body_ciphertext: string;
      status_report: boolean;
      validity_seconds: number;
      send_before: Date | string;
      modems: string[] | string;
    }>(Q.queued, [agentId, now, after?.createdAt ?? '-infinity', after?.attemptId ?? '00000000-0000-0000-0000-000000000000', limit]);
    const last = rows.at(-1);
    return {
      commands: rows.map((row) => ({
        attemptId: row.attempt_id,
        to: row.destination,
        text: this.#box.open(row.body_ciphertext, commandBodyContext(row.attempt_id)),
        statusReport: row.status_report,
        validitySeconds: row.validity_seconds,
        sendBefore: toDate(row.send_before) ?? now,
        modems: typeof row.modems === 'string' ? (JSON.parse(row.modems) as string[]) : row.modems,
      })),
      next: last === undefined || rows.length < limit ? null : { createdAt: last.created_at, attemptId: last.attempt_id },
    };
  }

  async offer(agentId: string, attemptIds: readonly string[]): Promise<Set<string>> {
    if (attemptIds.length === 0) return new Set();
    const rows = await this.#sql.query<{ attempt_id: string }>(Q.offer, [agentId, attemptIds]);
    return new Set(rows.map((row) => row.attempt_id));
  }

  async markAccepted(agentId: string, attemptId: string): Promise<boolean> {
    return (await this.#sql.query(Q.markAccepted, [agentId, attemptId])).length > 0;
  }

  recordOutcome(agentId: string, resultId: string, attemptId: string, outcome: StoredOutcome): Promise<RecordedOutcome | null> {
    return this.#sql.transaction(async (tx) => {
      const fresh = (await tx.query(Q.rememberResult, [agentId, resultId])).length > 0;
      const row = (await tx.query<CommandRow>(Q.lockCommand, [agentId, attemptId]))[0];
      if (row === undefined) return null;
      if (fresh) {
        await tx.query(Q.storeOutcome, [attemptId, JSON.stringify(outcome), outcome.kind]);
        await notify(tx, { kind: 'outcome', attemptId });
      }
      return { fresh, before: row.state, command: commandRef(row) };
    });
  }

  async outcomes(attemptIds: readonly string[]): Promise<Map<string, StoredOutcome>> {
    const rows = await this.#sql.query<{ attempt_id: string; outcome: unknown }>(Q.outcomes, [attemptIds]);
    return new Map(rows.map((row) => [row.attempt_id, reviveOutcome(row.outcome)]));
  }

  async expireIfQueued(attemptId: string): Promise<boolean> {
    return (await this.#sql.query(Q.expireIfQueued, [attemptId])).length > 0;
  }

  async abandonIfAccepted(attemptId: string): Promise<boolean> {
    return (await this.#sql.query(Q.abandonIfAccepted, [attemptId])).length > 0;
  }

  async abandonIfOffered(attemptId: string): Promise<boolean> {
    return (await this.#sql.query(Q.abandonIfOffered, [attemptId])).length > 0;
  }

  async command(agentId: string, attemptId: string): Promise<CommandRef | null> {
    const row = (await this.#sql.query<CommandRow>(Q.command, [agentId, attemptId]))[0];
    return row === undefined ? null : commandRef(row);
  }

  async resultSeen(agentId: string, resultId: string): Promise<boolean> {
    return (await this.#sql.query(Q.resultSeen, [agentId, resultId])).length > 0;
  }

  async rememberResult(agentId: string, resultId: string): Promise<void> {
    await this.#sql.query(Q.rememberResult, [agentId, resultId]);
  }

  async inboundProvider(agentId: string): Promise<string> {
    const rows = await this.#sql.query<{ name: string }>(Q.inboundProvider, [agentId]);
    // inbound_message.provider_name holds 64 characters.
    return rows[0]?.name ?? `agent:${agentId}`.slice(0, 64);
  }

  connected(agentId: string, token: string, sessionId: string, replica: string, agentVersion: string, modems: readonly ModemReport[]): Promise<boolean> {
    return this.#sql.transaction(async (tx) => {
      const rows = await tx.query(Q.connected, [agentId, sessionId, replica.slice(0, 100), agentVersion.slice(0, 40), JSON.stringify(modems), hashApiKey(token)]);
      if (rows.length === 0) return false;
      await notify(tx, { kind: 'session', agentId, sessionId });
      return true;
    });
  }

  async heartbeat(agentId: string, sessionId: string, modems: readonly ModemReport[]): Promise<void> {
    await this.#sql.query(Q.heartbeat, [agentId, sessionId, JSON.stringify(modems)]);
  }

  async disconnected(agentId: string, sessionId: string): Promise<void> {
    await this.#sql.query(Q.disconnected, [agentId, sessionId]);
  }

  async prune(before: Date, limit: number): Promise<number> {
    const [results] = await this.#sql.query<{ n: number }>(Q.pruneResults, [before, limit]);
    const [commands] = await this.#sql.query<{ n: number }>(Q.pruneCommands, [before, limit]);
    return (results?.n ?? 0) + (commands?.n ?? 0);
  }
}

async function notify(tx: SqlRunner, notice: AgentNotice): Promise<void> {
  await tx.query(Q.notify, [agentNoticePayload(notice)]);
}

function commandRef(row: CommandRow): CommandRef {
  return { attemptId: row.attempt_id, provider: row.provider, to: row.destination, state: row.state };
}

function toDate(value: Date | string | null): Date | null {
  if (value === null) return null;
  return value instanceof Date ? value : new Date(value);
}

/** An outcome as stored in JSON: dates come back as text. */
function reviveOutcome(value: unknown): StoredOutcome {
  const outcome = (typeof value === 'string' ? JSON.parse(value) : value) as StoredOutcome & { submittedAt?: string | Date };
  if (outcome.kind === 'submitted') return { ...outcome, submittedAt: new Date(outcome.submittedAt) };
  return outcome;
}
