/**
 * The agent link in its own terms: what a connected agent says and is told (the AgentService
 * stream without protobuf), and what the link needs from storage. The gRPC handler maps the wire
 * to these; `persistence/agent-link.store.ts` implements the store on PostgreSQL or PGlite.
 */
import type { AgentOutcome, AgentSubmission } from '../providers/agent-gateway.js';

/** A modem as the agent reports it (agent.proto `ModemState`). */
export interface ModemReport {
  readonly label: string;
  readonly imei: string;
  readonly imsi: string;
  readonly operator: string;
  /** 0–31, 99 unknown. */
  readonly signalQuality: number;
  readonly health: 'ready' | 'starting' | 'sim-problem' | 'quarantined' | 'unplugged' | 'resetting' | 'unknown';
  readonly detail: string;
  readonly queued: number;
  readonly sentLastMinute: number;
  readonly maxPerMinute: number;
}

export type ReceiptStatus = 'delivered' | 'pending' | 'failed' | 'expired';

/** What an agent sends, after the wire is checked. `messageId` is the service's attempt id. */
export type AgentMessage =
  | { readonly kind: 'hello'; readonly agentId: string; readonly agentVersion: string; readonly modems: readonly ModemReport[] }
  | { readonly kind: 'heartbeat'; readonly modems: readonly ModemReport[] }
  | { readonly kind: 'accepted'; readonly messageId: string }
  | {
      readonly kind: 'submitted';
      readonly resultId: string;
      readonly messageId: string;
      readonly modemLabel: string;
      readonly modemImei: string;
      readonly references: readonly number[];
      readonly submittedAt: Date;
    }
  | {
      readonly kind: 'failed';
      readonly resultId: string;
      readonly messageId: string;
      readonly failure: 'retryable' | 'permanent' | 'outcome-unknown';
      readonly reason: string;
      readonly modemLabel: string;
    }
  | {
      readonly kind: 'receipt';
      readonly resultId: string;
      readonly messageId: string;
      /** 0-based, as on the wire. */
      readonly part: number;
      readonly status: ReceiptStatus;
      readonly statusCode: number;
      readonly dischargedAt: Date | null;
    }
  | {
      readonly kind: 'inbound';
      readonly resultId: string;
      readonly modemLabel: string;
      readonly from: string;
      readonly text: string;
      readonly parts: number;
      readonly receivedAt: Date | null;
    };

/** A command as the stream carries it to the agent. */
export type QueuedCommand = Omit<AgentSubmission, 'provider' | 'messageId' | 'agentId'>;

/** What the service sends. */
export type ServiceMessage =
  | { readonly kind: 'welcome'; readonly heartbeatSeconds: number }
  | { readonly kind: 'send'; readonly command: QueuedCommand }
  | { readonly kind: 'ack'; readonly resultIds: readonly string[] };

/** Final states of a command row; `queued` and `accepted` are the live ones. */
export type CommandState = 'queued' | 'accepted' | 'expired' | 'submitted' | 'failed' | 'abandoned';

/** What a stored command needs for its results to be applied. */
export interface CommandRef {
  readonly attemptId: string;
  readonly provider: string;
  readonly to: string;
  readonly state: CommandState;
}

/** An agent's registration and presence as every replica sees it. */
export interface AgentRecord {
  readonly id: string;
  readonly sessionId: string | null;
  readonly lastSeenAt: Date | null;
}

/** Where the next page of queued commands starts. */
export interface QueueCursor {
  /** As the database wrote it (microseconds: a Date would lose them and repeat rows). */
  readonly createdAt: string;
  readonly attemptId: string;
}

export interface QueuedPage {
  readonly commands: readonly QueuedCommand[];
  /** Null on the last page. */
  readonly next: QueueCursor | null;
}

/** What storing an outcome found: whether this result id was new, and the command it is about. */
export interface RecordedOutcome {
  readonly fresh: boolean;
  /** The command's state before this result. */
  readonly before: CommandState;
  readonly command: CommandRef;
}

/** The outcome stored for a command (submitted or failed); null while there is none. */
export type StoredOutcome = Extract<AgentOutcome, { kind: 'submitted' | 'failed' }>;

export interface AgentLinkStore {
  /** The agent a token belongs to; null for an unknown token. */
  agentByToken(token: string): Promise<string | null>;
  /** Every registered agent with its presence. */
  agents(): Promise<AgentRecord[]>;
  /** Stores the command as `queued` and wakes the replica holding the agent's stream. */
  enqueue(submission: AgentSubmission): Promise<void>;
  /** A page of the commands of `agentId` still `queued` whose send-before has not passed, oldest first. */
  queued(agentId: string, now: Date, after: QueueCursor | null, limit: number): Promise<QueuedPage>;
  /**
   * Marks these commands as carried to the agent, before a stream writes them; returns those
   * still queued (only they may be written). An offered command is never withdrawn as not taken.
   */
  offer(agentId: string, attemptIds: readonly string[]): Promise<Set<string>>;
  /** `queued` → `accepted`; false when the command was not queued (expired, unknown, already accepted). */
  markAccepted(agentId: string, attemptId: string): Promise<boolean>;
  /**
   * Stores an outcome reported as `resultId`, once: the command's state moves to `submitted` or
   * `failed` (unless it is already final) and the dispatching replica is told. A resent result
   * (`fresh` false) changes nothing. Null when it names no command of this agent.
   */
  recordOutcome(agentId: string, resultId: string, attemptId: string, outcome: StoredOutcome): Promise<RecordedOutcome | null>;
  /** The stored outcomes of these commands (those that have one). */
  outcomes(attemptIds: readonly string[]): Promise<Map<string, StoredOutcome>>;
  /** `queued` and never offered → `expired` (true); false when a stream carried it, or it is gone. */
  expireIfQueued(attemptId: string): Promise<boolean>;
  /** `accepted` → `abandoned` (true): the dispatching replica stopped waiting; false when an outcome came first. */
  abandonIfAccepted(attemptId: string): Promise<boolean>;
  /** Offered but never accepted → `abandoned`: no stream may send it again, its late answer still counts. */
  abandonIfOffered(attemptId: string): Promise<boolean>;
  /** The command `attemptId` of `agentId`, or null. */
  command(agentId: string, attemptId: string): Promise<CommandRef | null>;
  /** Whether `resultId` of `agentId` was stored already. */
  resultSeen(agentId: string, resultId: string): Promise<boolean>;
  /** Remembers `resultId` as stored. */
  rememberResult(agentId: string, resultId: string): Promise<void>;
  /** The provider inbound SMS of `agentId` are filed under: its first `agent` provider by name, or `agent:<id>`. */
  inboundProvider(agentId: string): Promise<string>;
  /**
   * The stream `sessionId` now holds the agent (a newer stream replaces an older one
   * everywhere). False when `token` is no longer the agent's (rotated, or the agent deleted).
   */
  connected(agentId: string, token: string, sessionId: string, replica: string, agentVersion: string, modems: readonly ModemReport[]): Promise<boolean>;
  heartbeat(agentId: string, sessionId: string, modems: readonly ModemReport[]): Promise<void>;
  /** The stream ended; clears the agent's session only if it is still this one. */
  disconnected(agentId: string, sessionId: string): Promise<void>;
  /**
   * Forgets settled commands and remembered result ids older than `before`, at most `limit` of
   * each; returns how many rows went. Live commands (queued, accepted) are kept however old.
   */
  prune(before: Date, limit: number): Promise<number>;
}

/** The session id of a `session` notice that ends every stream of the agent: its token was rotated, or the agent deleted. */
export const REVOKED = 'revoked';

/** Notifications the store's writes cause on every replica (PostgreSQL NOTIFY or PGlite's). */
export type AgentNotice =
  | { readonly kind: 'commands'; readonly agentId: string }
  | { readonly kind: 'outcome'; readonly attemptId: string }
  | { readonly kind: 'session'; readonly agentId: string; readonly sessionId: string };
