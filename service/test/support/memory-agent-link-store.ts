/**
 * The agent link's store in memory, for the hub's and the session's specs: the same state moves
 * as the SQL store (queued → offered → accepted, expired, abandoned; one outcome per result id),
 * without a database. The SQL store itself is covered by agent-link.store.e2e.test.ts.
 */
import type { AgentSubmission } from '../../src/providers/agent-gateway.js';
import type {
  AgentLinkStore,
  AgentRecord,
  CommandRef,
  CommandState,
  ModemReport,
  QueueCursor,
  QueuedPage,
  RecordedOutcome,
  StoredOutcome,
} from '../../src/agents/agent-link.ports.js';

interface Row {
  readonly submission: AgentSubmission;
  readonly seq: number;
  state: CommandState;
  offered: boolean;
  outcome: StoredOutcome | undefined;
}

export class MemoryAgentLinkStore implements AgentLinkStore {
  readonly rows = new Map<string, Row>();
  readonly results = new Set<string>();
  readonly tokens = new Map<string, string>();
  readonly sessions = new Map<string, { sessionId: string | null; lastSeenAt: Date | null }>();
  #seq = 0;

  register(agentId: string, token: string): void {
    this.tokens.set(token, agentId);
    this.sessions.set(agentId, { sessionId: null, lastSeenAt: null });
  }

  state(attemptId: string): CommandState | undefined {
    return this.rows.get(attemptId)?.state;
  }

  agentByToken(token: string): Promise<string | null> {
    return Promise.resolve(this.tokens.get(token) ?? null);
  }

  agents(): Promise<AgentRecord[]> {
    return Promise.resolve([...this.sessions].map(([id, s]) => ({ id, sessionId: s.sessionId, lastSeenAt: s.lastSeenAt })));
  }

  enqueue(submission: AgentSubmission): Promise<void> {
    if (!this.rows.has(submission.attemptId)) this.rows.set(submission.attemptId, { submission, seq: ++this.#seq, state: 'queued', offered: false, outcome: undefined });
    return Promise.resolve();
  }

  queued(agentId: string, now: Date, after: QueueCursor | null, limit: number): Promise<QueuedPage> {
    const rows = [...this.rows.values()]
      .filter((row) => row.submission.agentId === agentId && row.state === 'queued' && row.submission.sendBefore > now && row.seq > Number(after?.createdAt ?? 0))
      .sort((a, b) => a.seq - b.seq)
      .slice(0, limit);
    const last = rows.at(-1);
    return Promise.resolve({
      commands: rows.map(({ submission: s }) => ({ attemptId: s.attemptId, to: s.to, text: s.text, statusReport: s.statusReport, validitySeconds: s.validitySeconds, sendBefore: s.sendBefore, modems: s.modems })),
      next: last === undefined || rows.length < limit ? null : { createdAt: String(last.seq), attemptId: last.submission.attemptId },
    });
  }

  offer(agentId: string, attemptIds: readonly string[]): Promise<Set<string>> {
    const offered = new Set<string>();
    for (const id of attemptIds) {
      const row = this.rows.get(id);
      if (row?.submission.agentId !== agentId || row.state !== 'queued') continue;
      row.offered = true;
      offered.add(id);
    }
    return Promise.resolve(offered);
  }

  markAccepted(agentId: string, attemptId: string): Promise<boolean> {
    return Promise.resolve(this.#move(attemptId, (row) => row.submission.agentId === agentId && row.state === 'queued', 'accepted'));
  }

  recordOutcome(agentId: string, resultId: string, attemptId: string, outcome: StoredOutcome): Promise<RecordedOutcome | null> {
    const key = `${agentId}/${resultId}`;
    const fresh = !this.results.has(key);
    this.results.add(key);
    const row = this.rows.get(attemptId);
    if (row?.submission.agentId !== agentId) return Promise.resolve(null);
    const before = row.state;
    if (fresh && before !== 'submitted' && before !== 'failed') {
      row.state = outcome.kind;
      row.outcome = outcome;
    }
    return Promise.resolve({ fresh, before, command: this.#ref(row) });
  }

  outcomes(attemptIds: readonly string[]): Promise<Map<string, StoredOutcome>> {
    const found = new Map<string, StoredOutcome>();
    for (const id of attemptIds) {
      const outcome = this.rows.get(id)?.outcome;
      if (outcome !== undefined) found.set(id, outcome);
    }
    return Promise.resolve(found);
  }

  expireIfQueued(attemptId: string): Promise<boolean> {
    return Promise.resolve(this.#move(attemptId, (row) => row.state === 'queued' && !row.offered, 'expired'));
  }

  abandonIfAccepted(attemptId: string): Promise<boolean> {
    return Promise.resolve(this.#move(attemptId, (row) => row.state === 'accepted', 'abandoned'));
  }

  abandonIfOffered(attemptId: string): Promise<boolean> {
    return Promise.resolve(this.#move(attemptId, (row) => row.state === 'queued' && row.offered, 'abandoned'));
  }

  command(agentId: string, attemptId: string): Promise<CommandRef | null> {
    const row = this.rows.get(attemptId);
    return Promise.resolve(row?.submission.agentId === agentId ? this.#ref(row) : null);
  }

  resultSeen(agentId: string, resultId: string): Promise<boolean> {
    return Promise.resolve(this.results.has(`${agentId}/${resultId}`));
  }

  rememberResult(agentId: string, resultId: string): Promise<void> {
    this.results.add(`${agentId}/${resultId}`);
    return Promise.resolve();
  }

  inboundProvider(agentId: string): Promise<string> {
    return Promise.resolve(`agent:${agentId}`);
  }

  connected(agentId: string, token: string, sessionId: string, _replica: string, _version: string, _modems: readonly ModemReport[]): Promise<boolean> {
    if (this.tokens.get(token) !== agentId) return Promise.resolve(false);
    this.sessions.set(agentId, { sessionId, lastSeenAt: new Date() });
    return Promise.resolve(true);
  }

  heartbeat(agentId: string, sessionId: string): Promise<void> {
    const session = this.sessions.get(agentId);
    if (session?.sessionId === sessionId) session.lastSeenAt = new Date();
    return Promise.resolve();
  }

  disconnected(agentId: string, sessionId: string): Promise<void> {
    const session = this.sessions.get(agentId);
    if (session?.sessionId === sessionId) this.sessions.set(agentId, { sessionId: null, lastSeenAt: new Date() });
    return Promise.resolve();
  }

  prune(): Promise<number> {
    return Promise.resolve(0);
  }

  #move(attemptId: string, allowed: (row: Row) => boolean, to: CommandState): boolean {
    const row = this.rows.get(attemptId);
    if (row === undefined || !allowed(row)) return false;
    row.state = to;
    return true;
  }

  #ref(row: Row): CommandRef {
    return { attemptId: row.submission.attemptId, provider: row.submission.provider, to: row.submission.to, state: row.state };
  }
}
