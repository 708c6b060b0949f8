// When and how loudly the link dials again after its stream ends. Field links drop often, so a
// dropped stream is routine and retried soon, with backoff so a fleet of agents does not hammer a
// service that is restarting. A refusal (bad token, agent unknown) is not fixed by retrying fast,
// but an operator may fix it on the service side, so the agent keeps trying slowly, never gives up.
import { status as Status } from '@grpc/grpc-js';

/** Exponential backoff between dials (gRPC's connection-backoff shape, A6). */
export interface BackoffOptions {
  /** First delay after a drop. */
  readonly initialMs: number;
  /** No delay grows past this. */
  readonly maxMs: number;
  readonly multiplier: number;
  /** Each delay is spread by ±this fraction, so agents cut off together do not return together. */
  readonly jitter: number;
}

/** 0.5 s doubling to 30 s, ±20 %: back within a second of a blip, never hammering an outage. */
export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 30_000, multiplier: 2, jitter: 0.2 };

/** The delay before dial number `attempt` (0 for the first after a drop). */
export function backoffDelayMs(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const base = Math.min(options.maxMs, options.initialMs * options.multiplier ** Math.max(0, attempt));
  const spread = base * options.jitter * (2 * random() - 1);
  return Math.max(0, Math.min(options.maxMs, Math.round(base + spread)));
}

/** What a stream's end means for the next dial. */
export interface StreamEnd {
  /** `backoff`: dial again with growing delays; `slow`: the service refused us, dial again rarely. */
  readonly retry: 'backoff' | 'slow';
  readonly level: 'info' | 'warn' | 'error';
  /** For the operator reading the agent's log. */
  readonly explanation: string;
}

/** Reads a stream's final gRPC status. */
export function classifyStreamEnd(code: Status): StreamEnd {
  switch (code) {
    case Status.OK:
      return { retry: 'backoff', level: 'info', explanation: 'the service ended the stream (restart or deploy); dialling again' };
    case Status.UNAVAILABLE:
      return { retry: 'backoff', level: 'warn', explanation: 'the service is unreachable or the connection dropped; dialling again' };
    case Status.ALREADY_EXISTS:
      return {
        retry: 'backoff',
        level: 'warn',
        explanation:
          'the service took a newer stream of this agent id instead of this one; dialling again. ' +
          'If this repeats, two agents are running with the same id and token',
      };
    case Status.UNAUTHENTICATED:
      return {
        retry: 'slow',
        level: 'error',
        explanation:
          'the service does not accept this agent token (missing, wrong or revoked). Check agent.token or ' +
          'agent.tokenFile, or issue a new token on the service; retrying slowly meanwhile',
      };
    case Status.PERMISSION_DENIED:
      return {
        retry: 'slow',
        level: 'error',
        explanation:
          'the service knows the token but refuses this agent (token issued for another agent id, or the ' +
          'agent is disabled). Check agent.id against the service; retrying slowly meanwhile',
      };
    case Status.INVALID_ARGUMENT:
      return {
        retry: 'slow',
        level: 'error',
        explanation:
          'the service rejected a message from this agent as malformed (the details name the field): ' +
          'agent and service versions may not match; retrying slowly meanwhile',
      };
    case Status.UNIMPLEMENTED:
      return {
        retry: 'slow',
        level: 'error',
        explanation: 'the address answers gRPC but has no AgentService: check service.address; retrying slowly meanwhile',
      };
    default:
      return { retry: 'backoff', level: 'warn', explanation: 'the stream failed; dialling again' };
  }
}
