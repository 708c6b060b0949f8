/**
 * This replica's end of the agent link: the streams of the agents connected here, and the submits
 * of attempts dispatched here, waiting for an agent's answer. The two meet through the store (the
 * command table) and its notices, because an agent's stream and a message's dispatch are often on
 * different replicas.
 *
 * A submit's life: the command is stored `queued`; the replica holding the agent sends it; the
 * agent accepts it (journalled there) and later answers submitted or failed, which is stored and
 * announced. If no agent took the command by its send-before time (plus a grace for an accept in
 * flight), it is expired: never sent, the step fails over. If an agent took it but did not answer
 * in time, the submit gives up as outcome unknown and the command is marked abandoned, so a late
 * answer is still applied to the attempt (as a late acceptance) and nothing is sent twice.
 */
import type { AgentGateway, AgentOutcome, AgentPresence, AgentSubmission } from '../providers/agent-gateway.js';
import { AlreadyExistsError, UnauthenticatedError, UnavailableError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { REVOKED, type AgentLinkStore, type AgentNotice, type StoredOutcome } from './agent-link.ports.js';
import type { AgentSession, SessionHost } from './agent-session.js';

export interface AgentHubOptions {
  readonly store: AgentLinkStore;
  readonly logger: Logger;
  /** An accept already on its way when send-before passes still counts; after this it does not. */
  readonly acceptGraceMs?: number;
  /**
   * How long after send-before an accepted command may still be answered: the agent does not
   * start a part after send-before, but one started just before may take a modem this long.
   */
  readonly answerGraceMs?: number;
  /** How often waiting submits and presence are re-read, in case a notice was missed. */
  readonly pollMs?: number;
  /**
   * How long settled commands and remembered result ids are kept. A result resent later than
   * this would be applied again; the agent resends only what was never acknowledged, so that
   * takes an agent offline this long with an acknowledgement lost on the way.
   */
  readonly retentionMs?: number;
  /**
   * An agent whose replica holds its session but has not heard from it for this long counts as
   * disconnected (that replica may have died without clearing it). Default: 45 s.
   */
  readonly offlineAfterMs?: number;
  readonly now?: () => number;
}

interface Waiter {
  readonly submission: AgentSubmission;
  readonly resolve: (outcome: AgentOutcome) => void;
  phase: 'queued' | 'accepted';
  timer: NodeJS.Timeout | undefined;
}

export const DEFAULT_ACCEPT_GRACE_MS = 5_000;
export const DEFAULT_OFFLINE_AFTER_MS = 45_000;
export const DEFAULT_RETENTION_MS = 7 * 24 * 3600 * 1000;
const PRUNE_EVERY_MS = 10 * 60 * 1000;
const PRUNE_BATCH = 5000;

export const DEFAULT_ANSWER_GRACE_MS = 90_000;

export class AgentHub implements AgentGateway, SessionHost {
  readonly #options: AgentHubOptions;
  readonly #now: () => number;
  readonly #sessions = new Map<string, AgentSession>();
  readonly #waiters = new Map<string, Waiter>();
  #presence = new Map<string, AgentPresence>();
  #poller: NodeJS.Timeout | undefined;
  #pruner: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: AgentHubOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** Loads who is registered and starts the safety poll. */
  async start(): Promise<void> {
    await this.refreshPresence();
    const poll = () => {
      void this.#poll().finally(() => {
        if (!this.#stopped) this.#poller = setTimeout(poll, this.#options.pollMs ?? 5000).unref();
      });
    };
    this.#poller = setTimeout(poll, this.#options.pollMs ?? 5000).unref();
    this.#pruner = setInterval(() => { void this.prune(); }, PRUNE_EVERY_MS).unref();
  }

  /** Forgets what is older than the retention, in batches; every replica may run it. */
  async prune(): Promise<number> {
    const before = new Date(this.#now() - (this.#options.retentionMs ?? DEFAULT_RETENTION_MS));
    let total = 0;
    try {
      for (;;) {
        const removed = await this.#options.store.prune(before, PRUNE_BATCH);
        total += removed;
        if (removed < PRUNE_BATCH || this.#stopped) break;
      }
    } catch (error) {
      this.#options.logger.warn({ err: error }, 'could not prune old agent commands; trying at the next round');
    }
    return total;
  }

  /**
   * Ends every stream on this replica (their agents reconnect to another) and settles every
   * waiting submit: one no agent has taken is withdrawn (safe to send elsewhere), one an agent
   * has is outcome unknown, its late answer still applied by whichever replica gets it.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#poller);
    clearInterval(this.#pruner);
    for (const session of [...this.#sessions.values()]) session.close(new UnavailableError('the service replica is stopping; reconnect', 1000));
    await Promise.all(
      [...this.#waiters.values()].map(async (waiter) => {
        const { attemptId, agentId } = waiter.submission;
        const withdrawn = await this.#withdraw(waiter.submission).catch(() => false);
        if (withdrawn) {
          this.#settle(attemptId, { kind: 'not-taken', reason: `withdrawn from agent ${agentId}: the replica is stopping` });
          return;
        }
        await this.#options.store.abandonIfAccepted(attemptId).catch(() => false);
        await this.#options.store.abandonIfOffered(attemptId).catch(() => false);
        this.#settle(attemptId, { kind: 'no-answer', reason: `the replica stopped while agent ${agentId} had the message` });
      }),
    );
  }

  /** True once {@link stop} began: no new streams, no new submits. */
  get stopped(): boolean {
    return this.#stopped;
  }

  presence(agentId: string): AgentPresence | undefined {
    const local = this.#sessions.get(agentId);
    const known = this.#presence.get(agentId);
    if (local !== undefined) return { connected: true, lastSeenAt: new Date(this.#now()) };
    return known;
  }

  async submit(submission: AgentSubmission): Promise<AgentOutcome> {
    if (this.#stopped) return { kind: 'not-taken', reason: 'this replica is stopping' };
    if (this.#waiters.has(submission.attemptId)) throw new Error(`attempt ${submission.attemptId} is already waiting for agent ${submission.agentId}`);
    try {
      await this.#options.store.enqueue(submission);
    } catch (error) {
      // The insert may have committed before the error reached us: withdraw it if it is there,
      // and only then say it was not taken. If even that cannot be known, the caller records
      // the outcome as unknown (never resent).
      const withdrawn = await this.#withdraw(submission);
      if (!withdrawn) throw error;
      return { kind: 'not-taken', reason: `could not queue it for agent ${submission.agentId}: ${error instanceof Error ? error.message : String(error)}` };
    }
    return new Promise<AgentOutcome>((resolve) => {
      const waiter: Waiter = { submission, resolve, phase: 'queued', timer: undefined };
      this.#waiters.set(submission.attemptId, waiter);
      this.#schedule(waiter, submission.sendBefore.getTime() + (this.#options.acceptGraceMs ?? DEFAULT_ACCEPT_GRACE_MS));
      // The agent may be connected here: no need to wait for the notice to come back.
      this.#sessions.get(submission.agentId)?.pump();
    });
  }

  /** True when the command is certainly not with any agent: withdrawn now, or never stored. */
  async #withdraw(submission: AgentSubmission): Promise<boolean> {
    if (await this.#options.store.expireIfQueued(submission.attemptId)) return true;
    return (await this.#options.store.command(submission.agentId, submission.attemptId)) === null;
  }

  /** A notice from any replica (including this one). */
  notice(notice: AgentNotice): void {
    switch (notice.kind) {
      case 'commands':
        this.#sessions.get(notice.agentId)?.pump();
        return;
      case 'outcome':
        if (this.#waiters.has(notice.attemptId)) void this.#readOutcomes([notice.attemptId]);
        return;
      case 'session': {
        const local = this.#sessions.get(notice.agentId);
        if (local !== undefined && local.sessionId !== notice.sessionId) {
          // `revoked`: an admin rotated the token or deleted the agent; the stream's token is dead.
          local.close(
            notice.sessionId === REVOKED
              ? new UnauthenticatedError(`agent ${notice.agentId}: its token was rotated or the agent deleted; connect with the new token`)
              : new AlreadyExistsError(`agent ${notice.agentId} connected again on another stream; this one is closed`),
          );
        }
        void this.refreshPresence();
        return;
      }
    }
  }

  /** Notices may have been missed (the listener reconnected): re-read everything. */
  resync(): void {
    for (const session of this.#sessions.values()) session.pump();
    void this.#poll();
  }

  attach(session: AgentSession): Promise<void> {
    const previous = this.#sessions.get(session.agentId);
    this.#sessions.set(session.agentId, session);
    if (previous === undefined || previous === session) return Promise.resolve();
    previous.close(new AlreadyExistsError(`agent ${session.agentId} connected again on another stream; this one is closed`));
    return previous.drained();
  }

  detach(session: AgentSession): void {
    if (this.#sessions.get(session.agentId) === session) this.#sessions.delete(session.agentId);
  }

  outcomeStored(attemptId: string, outcome: StoredOutcome): boolean {
    return this.#settle(attemptId, outcome);
  }

  /** Agents connected to this replica. */
  connectedHere(): readonly string[] {
    return [...this.#sessions.keys()];
  }

  async refreshPresence(): Promise<void> {
    try {
      const agents = await this.#options.store.agents();
      const now = this.#now();
      const offlineAfter = this.#options.offlineAfterMs ?? DEFAULT_OFFLINE_AFTER_MS;
      // A session nobody has heard from is a replica that died holding it.
      this.#presence = new Map(
        agents.map((agent) => [agent.id, { connected: agent.sessionId !== null && agent.lastSeenAt !== null && now - agent.lastSeenAt.getTime() < offlineAfter, lastSeenAt: agent.lastSeenAt }]),
      );
      // Notices may have been missed: a local stream the database no longer names (a newer one
      // elsewhere, a rotated token, a deleted agent) ends here too.
      const byId = new Map(agents.map((agent) => [agent.id, agent]));
      for (const session of [...this.#sessions.values()]) {
        const record = byId.get(session.agentId);
        if (record === undefined) session.close(new UnauthenticatedError(`agent ${session.agentId} was deleted`));
        else if (record.sessionId !== session.sessionId) session.close(new AlreadyExistsError(`agent ${session.agentId} is connected on another stream; this one is closed`));
      }
    } catch (error) {
      this.#options.logger.warn({ err: error }, 'could not read modem agents; keeping what was known');
    }
  }

  async #poll(): Promise<void> {
    await this.refreshPresence();
    for (const session of this.#sessions.values()) session.pump();
    if (this.#waiters.size > 0) await this.#readOutcomes([...this.#waiters.keys()]);
  }

  async #readOutcomes(attemptIds: readonly string[], rethrow = false): Promise<void> {
    try {
      const outcomes = await this.#options.store.outcomes(attemptIds);
      for (const [attemptId, outcome] of outcomes) this.#settle(attemptId, outcome);
    } catch (error) {
      if (rethrow) throw error;
      this.#options.logger.warn({ err: error }, 'could not read agent outcomes; trying again at the next poll');
    }
  }

  /** Resolves the submit waiting for `attemptId` here, if there is one (true). */
  #settle(attemptId: string, outcome: AgentOutcome): boolean {
    const waiter = this.#waiters.get(attemptId);
    if (waiter === undefined) return false;
    clearTimeout(waiter.timer);
    this.#waiters.delete(attemptId);
    waiter.resolve(outcome);
    return true;
  }

  #schedule(waiter: Waiter, at: number): void {
    clearTimeout(waiter.timer);
    waiter.timer = setTimeout(() => { void this.#deadline(waiter); }, Math.max(0, at - this.#now()));
  }

  async #deadline(waiter: Waiter): Promise<void> {
    const { attemptId, agentId, sendBefore } = waiter.submission;
    if (this.#waiters.get(attemptId) !== waiter) return;
    const { store } = this.#options;
    try {
      if (waiter.phase === 'queued') {
        if (await this.#withdraw(waiter.submission)) {
          const presence = this.presence(agentId);
          const why = presence?.connected === true ? 'busy: it did not take the message' : 'offline';
          this.#settle(attemptId, { kind: 'not-taken', reason: `agent ${agentId} was ${why} before ${sendBefore.toISOString()}` });
          return;
        }
        // A stream carried it: the agent may have it (an accept can be lost with the link), and
        // it starts nothing after send-before. Wait for its answer.
        waiter.phase = 'accepted';
        await this.#readOutcomes([attemptId], true);
        if (this.#waiters.get(attemptId) === waiter) this.#schedule(waiter, sendBefore.getTime() + (this.#options.answerGraceMs ?? DEFAULT_ANSWER_GRACE_MS));
        return;
      }
      await this.#readOutcomes([attemptId], true);
      if (this.#waiters.get(attemptId) !== waiter) return;
      await store.abandonIfAccepted(attemptId);
      await store.abandonIfOffered(attemptId);
      await this.#readOutcomes([attemptId], true);
      this.#settle(attemptId, { kind: 'no-answer', reason: `agent ${agentId} may have taken the message and did not say whether it was sent` });
    } catch (error) {
      this.#options.logger.warn({ err: error, attemptId }, 'could not settle a command past its deadline; retrying');
      if (this.#waiters.get(attemptId) === waiter) this.#schedule(waiter, this.#now() + 1000);
    }
  }
}
