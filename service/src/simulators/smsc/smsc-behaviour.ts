/**
 * What the simulated SMSC does with submits and receipts, and the validation of changes to it
 * arriving over HTTP. Tests flip these to drive a provider through its failure paths.
 */
import { z } from 'zod';
import { commandStatusName, parseCommandStatus } from '../../providers/smpp/smpp-wire.js';

/** Which receipt follows an accepted submit that asked for one. */
export type ReceiptMode = 'delivered' | 'failed' | 'drop';

/** Refuse requests with `commandStatus`: the next `count` of them, or every one when `count` is null. */
export interface CommandFailure {
  readonly commandStatus: number;
  readonly count: number | null;
}

/** Refuse submits (see `CommandFailure`). */
export type SubmitFailure = CommandFailure;

/** The simulator's current behaviour. */
export interface SmscBehaviour {
  /** Refuse submits instead of accepting them; null accepts everything. */
  readonly failSubmits: SubmitFailure | null;
  /**
   * Refuse binds with correct credentials (ESME_RBINDFAIL, ESME_RSYSERR …), as an SMSC that is
   * overloaded or at its session limit does; null binds normally.
   */
  readonly failBinds: CommandFailure | null;
  /** `delivered` sends DELIVRD (state 2), `failed` UNDELIV (state 5), `drop` sends nothing. */
  readonly receipts: ReceiptMode;
  readonly receiptDelayMs: number;
  /** False makes the SMSC ignore enquire_link, as a half-dead link does. */
  readonly answerEnquireLink: boolean;
  /**
   * False makes the SMSC take submits (inbox, receipts) but never answer them: the lost
   * submit_sm_resp that leaves the sender not knowing whether the message went out.
   */
  readonly answerSubmits: boolean;
}

/** A partial update: only the fields present change. */
export type SmscBehaviourPatch = Partial<SmscBehaviour>;

/** A `CommandFailure` as JSON. */
export interface CommandFailureJson {
  readonly commandStatus: string | number;
  readonly count: number | null;
}

/** Behaviour as JSON: command_status by name when it has one, so the answer of GET can be PUT back. */
export interface SmscBehaviourJson {
  readonly failSubmits: CommandFailureJson | null;
  readonly failBinds: CommandFailureJson | null;
  readonly receipts: ReceiptMode;
  readonly receiptDelayMs: number;
  readonly answerEnquireLink: boolean;
  readonly answerSubmits: boolean;
}

/** The result of validating a PUT body: the patch, or the first bad field and why. */
export type BehaviourPatchResult =
  | { readonly ok: true; readonly patch: SmscBehaviourPatch }
  | { readonly ok: false; readonly field: string; readonly reason: string };

const failureSchema = z
  .strictObject({
    commandStatus: z.union([z.number().int().min(0).max(0xffffffff), z.string().min(1)]),
    count: z.number().int().positive().nullable().optional(),
  })
  .nullable()
  .optional();

const patchSchema = z.strictObject({
  failSubmits: failureSchema,
  failBinds: failureSchema,
  receipts: z.enum(['delivered', 'failed', 'drop']).optional(),
  receiptDelayMs: z.number().int().min(0).max(600_000).optional(),
  answerEnquireLink: z.boolean().optional(),
  answerSubmits: z.boolean().optional(),
});

/** Validates a PUT /behaviour body, naming the offending field (`failSubmits.commandStatus`). */
export function parseBehaviourPatch(body: unknown): BehaviourPatchResult {
  const parsed = patchSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    if (issue === undefined) return { ok: false, field: 'body', reason: 'invalid' };
    const path = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') path.push(issue.keys[0] ?? '');
    return { ok: false, field: path.length === 0 ? 'body' : path.join('.'), reason: issue.message };
  }
  const { failSubmits, failBinds, ...rest } = parsed.data;
  const patch: { -readonly [K in keyof SmscBehaviour]?: SmscBehaviour[K] } = {};
  if (rest.receipts !== undefined) patch.receipts = rest.receipts;
  if (rest.receiptDelayMs !== undefined) patch.receiptDelayMs = rest.receiptDelayMs;
  if (rest.answerEnquireLink !== undefined) patch.answerEnquireLink = rest.answerEnquireLink;
  if (rest.answerSubmits !== undefined) patch.answerSubmits = rest.answerSubmits;
  for (const [field, failure] of [
    ['failSubmits', failSubmits],
    ['failBinds', failBinds],
  ] as const) {
    if (failure === undefined) continue;
    if (failure === null) {
      patch[field] = null;
      continue;
    }
    const commandStatus = parseCommandStatus(failure.commandStatus);
    if (commandStatus === undefined || commandStatus === 0) {
      return {
        ok: false,
        field: `${field}.commandStatus`,
        reason: 'expected a non-zero SMPP command_status: a name like ESME_RTHROTTLED, a number, or 0x hex',
      };
    }
    patch[field] = { commandStatus, count: failure.count ?? null };
  }
  return { ok: true, patch };
}

function failureToJson(failure: CommandFailure | null): CommandFailureJson | null {
  return failure === null ? null : { commandStatus: commandStatusName(failure.commandStatus) ?? failure.commandStatus, count: failure.count };
}

/** Renders behaviour for GET /behaviour. */
export function behaviourToJson(behaviour: SmscBehaviour): SmscBehaviourJson {
  return { ...behaviour, failSubmits: failureToJson(behaviour.failSubmits), failBinds: failureToJson(behaviour.failBinds) };
}
