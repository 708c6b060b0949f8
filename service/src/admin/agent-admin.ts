/**
 * AdminService: the registry of modem agents. An agent is registered here before it can connect
 * (its token is issued here, shown once and stored hashed) and before a provider of kind `agent`
 * may name it; its presence is what the agent link last stored.
 */
import { agentTokenPrefix, generateAgentToken, hashApiKey } from '../shared/api-keys.js';
import { AlreadyExistsError, FailedPreconditionError, NotFoundError } from '../shared/errors.js';
import type { ValidationProblem } from '../shared/validation-problem.js';
import { AGENT_ID_PATTERN, AGENT_OFFLINE_AFTER_MS } from '../providers/agent-kind.js';
import { assertValid } from './admin-problems.js';
import type { AgentDraft, AgentView } from './admin-model.js';
import type { AdminContext } from './admin-context.js';
import type { StoredAgent } from './admin.ports.js';

const AGENT_ID = new RegExp(AGENT_ID_PATTERN);

/** The `agent.description` column holds 200 characters. */
const AGENT_DESCRIPTION_MAX = 200;

/** Modem agents as admins register them; a token is shown once, when issued. */
export class AgentAdmin {
  readonly #ctx: AdminContext;

  constructor(ctx: AdminContext) {
    this.#ctx = ctx;
  }

  /** Every agent by id, with its presence. */
  async list(): Promise<AgentView[]> {
    const now = this.#ctx.now();
    return (await this.#ctx.read().listAgents()).map((agent) => agentView(agent, now));
  }

  /** One agent. @throws NotFoundError for an unknown id. */
  async get(id: string): Promise<AgentView> {
    assertAgentId(id, 'id');
    const agent = await this.#ctx.read().findAgent(id);
    if (!agent) throw notFound(id);
    return agentView(agent, this.#ctx.now());
  }

  /**
   * Registers an agent; `token` is what it connects with, returned only here.
   * @throws AlreadyExistsError when the id is taken.
   */
  async create(actor: string, draft: AgentDraft): Promise<{ agent: AgentView; token: string }> {
    assertValid([...idProblems(draft.id, 'agent.id'), ...descriptionProblems(draft.description)]);
    const taken = () => new AlreadyExistsError(`modem agent "${draft.id}" already exists`);
    return this.#ctx.change(
      actor,
      async (change) => {
        if (await change.findAgent(draft.id)) throw taken();
        const now = this.#ctx.now();
        const token = generateAgentToken();
        const agent: StoredAgent = {
          id: draft.id,
          description: draft.description,
          tokenHash: hashApiKey(token),
          tokenPrefix: agentTokenPrefix(token),
          createdAt: now,
          tokenIssuedAt: now,
          sessionId: null,
          replica: null,
          agentVersion: '',
          modems: [],
          connectedAt: null,
          lastSeenAt: null,
          disconnectedAt: null,
        };
        await change.insertAgent(agent);
        await change.audit('agent.create', agent.id, null, agentAudit(agent));
        return { agent: agentView(agent, now), token };
      },
      taken,
    );
  }

  /** Changes an agent's description (its id never changes: the agent's config names it). */
  async update(actor: string, draft: AgentDraft): Promise<AgentView> {
    assertValid([...idProblems(draft.id, 'agent.id'), ...descriptionProblems(draft.description)]);
    return this.#ctx.change(actor, async (change) => {
      const existing = await change.findAgent(draft.id);
      if (!existing) throw notFound(draft.id);
      const updated = { ...existing, description: draft.description };
      await change.updateAgent(existing.id, { description: draft.description });
      await change.audit('agent.update', existing.id, agentAudit(existing), agentAudit(updated));
      return agentView(updated, this.#ctx.now());
    });
  }

  /**
   * Issues a new token. The old one stops working when the change commits, and the agent's live
   * stream (opened with the old token) is ended on whichever replica holds it.
   */
  async rotateToken(actor: string, id: string): Promise<{ agent: AgentView; token: string }> {
    assertAgentId(id, 'id');
    return this.#ctx.change(actor, async (change) => {
      const existing = await change.findAgent(id);
      if (!existing) throw notFound(id);
      const token = generateAgentToken();
      const now = this.#ctx.now();
      const changes = { tokenHash: hashApiKey(token), tokenPrefix: agentTokenPrefix(token), tokenIssuedAt: now };
      await change.updateAgent(id, changes);
      await change.disconnectAgent(id);
      const rotated = { ...existing, ...changes };
      await change.audit('agent.rotate_token', id, agentAudit(existing), agentAudit(rotated));
      return { agent: agentView(rotated, now), token };
    });
  }

  /**
   * Deletes an agent with the commands queued for it, and ends its live stream.
   * @throws FailedPreconditionError while a provider of kind `agent` names it.
   */
  async delete(actor: string, id: string): Promise<void> {
    assertAgentId(id, 'id');
    await this.#ctx.change(actor, async (change) => {
      const existing = await change.findAgent(id);
      if (!existing) throw notFound(id);
      const naming = await change.providersNamingAgent(id);
      if (naming.length > 0) {
        throw new FailedPreconditionError(
          `modem agent "${id}" is named by provider(s) ${naming.map((name) => `"${name}"`).join(', ')}; point them at another agent or delete them first`,
        );
      }
      await change.deleteAgent(id);
      await change.disconnectAgent(id);
      await change.audit('agent.delete', id, agentAudit(existing), null);
    });
  }
}

function notFound(id: string): NotFoundError {
  return new NotFoundError(`modem agent "${id}" does not exist`);
}

function idProblems(id: string, field: string): ValidationProblem[] {
  if (id === '') return [{ field, reason: 'is required' }];
  if (!AGENT_ID.test(id)) return [{ field, reason: `"${id.slice(0, 80)}" must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit` }];
  return [];
}

function descriptionProblems(description: string): ValidationProblem[] {
  // Characters as PostgreSQL counts them (code points), not UTF-16 units.
  const length = Array.from(description).length;
  if (length > AGENT_DESCRIPTION_MAX) return [{ field: 'agent.description', reason: `must be at most ${AGENT_DESCRIPTION_MAX} characters (has ${length})` }];
  // One line in lists; PostgreSQL refuses NUL in text outright.
  if (/\p{Cc}/u.test(description)) return [{ field: 'agent.description', reason: 'must be one line of text, without control characters' }];
  return [];
}

function assertAgentId(id: string, field: string): void {
  assertValid(idProblems(id, field));
}

/** The agent for admins: presence judged now, the token by its prefix only. */
function agentView(agent: StoredAgent, now: Date): AgentView {
  const heard = agent.lastSeenAt !== null && now.getTime() - agent.lastSeenAt.getTime() < AGENT_OFFLINE_AFTER_MS;
  return {
    id: agent.id,
    description: agent.description,
    tokenPrefix: agent.tokenPrefix,
    createdAt: agent.createdAt,
    tokenIssuedAt: agent.tokenIssuedAt,
    connected: agent.sessionId !== null && heard,
    replica: agent.replica,
    agentVersion: agent.agentVersion,
    connectedAt: agent.connectedAt,
    lastSeenAt: agent.lastSeenAt,
    disconnectedAt: agent.disconnectedAt,
    modems: agent.modems.map((modem) => ({ ...modem })),
  };
}

/** What the audit log keeps of an agent: its registration, never its token or the token's hash. */
function agentAudit(agent: StoredAgent): object {
  return { id: agent.id, description: agent.description, tokenPrefix: agent.tokenPrefix, tokenIssuedAt: agent.tokenIssuedAt };
}
