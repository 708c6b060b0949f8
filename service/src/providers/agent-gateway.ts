/**
 * What an `agent` provider needs of the service's agent link (`agents/agent-hub.ts`): a way to
 * hand one attempt's SMS to an agent and wait for its answer, and whether the agent is around.
 * The provider knows nothing of streams, replicas or the queue table behind this.
 */

/** One attempt's SMS for an agent. `attemptId` is the command's idempotency key at the agent. */
export interface AgentSubmission {
  readonly attemptId: string;
  readonly messageId: string;
  readonly agentId: string;
  /** The provider row the attempt goes through; receipts are applied in its name. */
  readonly provider: string;
  /** E.164. */
  readonly to: string;
  readonly text: string;
  readonly statusReport: boolean;
  /** TP-VP for the network, seconds; 0: the network's default. */
  readonly validitySeconds: number;
  /** The agent must not start sending after this: the step has failed over by then. */
  readonly sendBefore: Date;
  /** Modem labels allowed to send it; empty: any. */
  readonly modems: readonly string[];
}

/** How the agent answered, or why it did not. */
export type AgentOutcome =
  | {
      readonly kind: 'submitted';
      readonly modemLabel: string;
      readonly modemImei: string;
      /** TP-MR of each part, in part order. */
      readonly references: readonly number[];
      readonly submittedAt: Date;
    }
  | {
      readonly kind: 'failed';
      readonly failure: 'retryable' | 'permanent' | 'outcome-unknown';
      readonly reason: string;
      readonly modemLabel: string;
    }
  /** No agent took the command before `sendBefore` (offline, or busy elsewhere): never sent. */
  | { readonly kind: 'not-taken'; readonly reason: string }
  /** The agent took it and said nothing more in time: it may have gone out. */
  | { readonly kind: 'no-answer'; readonly reason: string };

/** Whether an agent is connected, as every replica sees it. */
export interface AgentPresence {
  readonly connected: boolean;
  /** When it was last heard from (hello, heartbeat, any message); null: never. */
  readonly lastSeenAt: Date | null;
}

export interface AgentGateway {
  /** Queues `submission` for its agent and resolves with the agent's answer; rejects only on storage errors. */
  submit(submission: AgentSubmission): Promise<AgentOutcome>;
  /** What this replica knows of the agent; undefined: not registered. */
  presence(agentId: string): AgentPresence | undefined;
}

/** The provider message id of each part: receipts from an agent name the attempt and the part. */
export function agentPartId(attemptId: string, part: number): string {
  return `${attemptId}/${part}`;
}
