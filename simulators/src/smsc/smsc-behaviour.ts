/**
 * What the simulated SMSC does with binds, submits and receipts, and the validation of changes to
 * it arriving over HTTP. Tests flip these to drive a provider through its failure paths.
 */
import { z } from 'zod';
import type { MessageIdFormat, ReceiptIdFormat, ReceiptStyle } from './smsc-receipt.js';
import { SmscStatus, parseStatus, statusToJson } from './smsc-status.js';

/**
 * Which final receipt follows an accepted part that asked for one: `delivered` DELIVRD,
 * `failed` UNDELIV, `expired` EXPIRED, `rejected` REJECTD; `drop` sends none.
 */
export type ReceiptMode = 'delivered' | 'failed' | 'expired' | 'rejected' | 'drop';

/** Refuse requests with `commandStatus`: the next `count` of them, or every one when `count` is null. */
export interface CommandFailure {
  readonly commandStatus: number;
  readonly count: number | null;
}

/** Refuse submits (see `CommandFailure`). */
export type SubmitFailure = CommandFailure;

/** Accept and store submits but send no submit_sm_resp: the next `count` (null: no limit), each with probability `rate`. */
export interface LostResponses {
  readonly count: number | null;
  readonly rate: number;
}

/** Drop every bind after the `count`-th accepted submit; again after every `count` more when `repeat`. */
export interface ScheduledDisconnect {
  readonly count: number;
  readonly repeat: boolean;
}

/** The simulator's current behaviour. */
export interface SmscBehaviour {
  /** Refuse submits instead of accepting them; null accepts everything. */
  readonly failSubmits: SubmitFailure | null;
  /**
   * Refuse binds with correct credentials (ESME_RBINDFAIL, ESME_RSYSERR …), as an SMSC that is
   * overloaded or at its session limit does; null binds normally.
   */
  readonly failBinds: CommandFailure | null;
  /** The final receipt for destinations without an entry in `receiptsByDestination`. */
  readonly receipts: ReceiptMode;
  /** Per destination (digits only, `+49…` and `49…` alike) receipt modes, overriding `receipts`. */
  readonly receiptsByDestination: Readonly<Record<string, ReceiptMode>>;
  /** Modes for the next final receipts asked for, one used up per part, before any other rule. */
  readonly nextReceipts: readonly ReceiptMode[];
  /** Delay before the final receipt; an intermediate one (when asked for) comes after half of it. */
  readonly receiptDelayMs: number;
  /** Appendix B text only, §5.3.2 TLVs only (empty short_message), or both. */
  readonly receiptStyle: ReceiptStyle;
  /** How receipts write message ids: as issued, upper-case hex, or decimal. */
  readonly receiptIdFormat: ReceiptIdFormat;
  /** How submit_sm_resp issues message ids: 8 lower-case hex digits, or a decimal number. */
  readonly messageIdFormat: MessageIdFormat;
  /**
   * Null issues random ids, never one twice. A number issues ids counting up from it, as many
   * SMSCs do; setting it again starts over, as an SMSC that restarted does, so ids already given
   * to open messages are issued again.
   */
  readonly messageIdSequence: number | null;
  /**
   * Which bind a receipt goes out on: the one its submit came over (when it can receive), or
   * another receiving bind of the same system_id when there is one, as SMSCs that spread
   * deliver_sm over an account's binds (and so over the ESME's replicas) do.
   */
  readonly receiptSession: 'submitting' | 'other';
  /** Receipt dates as YYMMDDhhmmss rather than YYMMDDhhmm. */
  readonly receiptDateSeconds: boolean;
  /**
   * False sends receipted_message_id without its terminating NUL, as several SMSCs do (the TLV's
   * length is then the id's length); true, as SMPP 3.4 §5.3.2.12 writes it.
   */
  readonly receiptIdTlvNul: boolean;
  /**
   * Which parts of a concatenated message get a final receipt: each, or only the last (as many
   * carriers do: one report per message, under the last part's id).
   */
  readonly receiptParts: 'each' | 'last';
  /** Wait before a receipt the ESME refused or left unanswered is sent again; null: never again. */
  readonly receiptRedeliveryMs: number | null;
  /** Most times one receipt is sent again. */
  readonly receiptRedeliveries: number;
  /** The `stat:` of intermediate notifications (esm_class 0x20), sent when registered_delivery bit 4 asks. */
  readonly intermediateReceiptState: 'ENROUTE' | 'ACCEPTD';
  /** False makes the SMSC ignore enquire_link, as a half-dead link does. */
  readonly answerEnquireLink: boolean;
  /**
   * False makes the SMSC take submits (inbox, receipts) but never answer them: the lost
   * submit_sm_resp that leaves the sender not knowing whether the message went out.
   */
  readonly answerSubmits: boolean;
  /** Submits per second per system_id; more are refused with ESME_RTHROTTLED. Null: no limit. */
  readonly maxTps: number | null;
  /** Submits one bind may have in processing (see `submitLatencyMs`); more get ESME_RMSGQFUL. Null: no limit. */
  readonly window: number | null;
  /**
   * deliver_sm (receipts, MO) one bind may have unanswered; more wait at the SMSC until an answer
   * comes, as SMSCs window what they send. Null sends without a window, as some do.
   */
  readonly deliverWindow: number | null;
  /** How long a submit is processed before it is decided and answered; 0 answers at once (the window never fills). */
  readonly submitLatencyMs: number;
  /** Probability (0..1) that an otherwise acceptable submit is refused with `submitErrorStatus`. */
  readonly submitErrorRate: number;
  readonly submitErrorStatus: number;
  /** Lost submit_sm_resp for some accepted submits; null answers them all. */
  readonly dropSubmitResponses: LostResponses | null;
  /** Answer accepted submits this much later (the message is stored at once); 0 answers at once. */
  readonly lateSubmitResponseMs: number;
  /** Kill every bind after so many accepted submits; null never. */
  readonly disconnectAfterSubmits: ScheduledDisconnect | null;
  /** Kill every bind this often; null never. */
  readonly disconnectEveryMs: number | null;
  /** Binds one system_id may hold at once; more are refused with ESME_RBINDFAIL. Null: no limit. */
  readonly maxBindsPerSystemId: number | null;
  /** Seed for every random choice (errors, lost responses, garbage); null uses Math.random. Setting it restarts the sequence. */
  readonly seed: number | null;
}

/** Defaults: an SMSC that accepts everything promptly and confirms delivery. */
export const DEFAULT_BEHAVIOUR: SmscBehaviour = {
  failSubmits: null,
  failBinds: null,
  receipts: 'delivered',
  receiptsByDestination: {},
  nextReceipts: [],
  receiptDelayMs: 500,
  receiptStyle: 'both',
  receiptIdFormat: 'same',
  messageIdFormat: 'hex',
  messageIdSequence: null,
  receiptSession: 'submitting',
  receiptDateSeconds: false,
  receiptIdTlvNul: true,
  receiptRedeliveryMs: 1000,
  receiptRedeliveries: 10,
  receiptParts: 'each',
  intermediateReceiptState: 'ENROUTE',
  answerEnquireLink: true,
  answerSubmits: true,
  maxTps: null,
  window: null,
  deliverWindow: 100,
  submitLatencyMs: 0,
  submitErrorRate: 0,
  submitErrorStatus: SmscStatus.ESME_RSYSERR,
  dropSubmitResponses: null,
  lateSubmitResponseMs: 0,
  disconnectAfterSubmits: null,
  disconnectEveryMs: null,
  maxBindsPerSystemId: null,
  seed: null,
};

/** A partial update: only the fields present change. */
export type SmscBehaviourPatch = Partial<SmscBehaviour>;

/** A `CommandFailure` as JSON. */
export interface CommandFailureJson {
  readonly commandStatus: string | number;
  readonly count: number | null;
}

/** Behaviour as JSON: command_status by name when it has one, so the answer of GET can be PUT back. */
export type SmscBehaviourJson = Omit<SmscBehaviour, 'failSubmits' | 'failBinds' | 'submitErrorStatus'> & {
  readonly failSubmits: CommandFailureJson | null;
  readonly failBinds: CommandFailureJson | null;
  readonly submitErrorStatus: string | number;
};

/** The result of validating a PUT body: the patch, or the first bad field and why. */
export type BehaviourPatchResult =
  | { readonly ok: true; readonly patch: SmscBehaviourPatch }
  | { readonly ok: false; readonly field: string; readonly reason: string };

const RECEIPT_MODES = ['delivered', 'failed', 'expired', 'rejected', 'drop'] as const;
const statusSchema = z.union([z.number().int().min(0).max(0xffffffff), z.string().min(1)]);
const failureSchema = z
  .strictObject({
    commandStatus: statusSchema,
    count: z.number().int().positive().nullable().optional(),
  })
  .nullable()
  .optional();
const milliseconds = z.number().int().min(0).max(600_000);

const patchSchema = z.strictObject({
  failSubmits: failureSchema,
  failBinds: failureSchema,
  receipts: z.enum(RECEIPT_MODES).optional(),
  receiptsByDestination: z.record(z.string(), z.enum(RECEIPT_MODES)).optional(),
  nextReceipts: z.array(z.enum(RECEIPT_MODES)).max(10_000).optional(),
  receiptDelayMs: milliseconds.optional(),
  receiptStyle: z.enum(['text', 'tlv', 'both']).optional(),
  receiptIdFormat: z.enum(['same', 'hex', 'decimal']).optional(),
  messageIdFormat: z.enum(['hex', 'decimal']).optional(),
  messageIdSequence: z.number().int().min(1).max(0xffffffff).nullable().optional(),
  receiptSession: z.enum(['submitting', 'other']).optional(),
  receiptDateSeconds: z.boolean().optional(),
  receiptIdTlvNul: z.boolean().optional(),
  receiptRedeliveryMs: z.number().int().min(0).max(3_600_000).nullable().optional(),
  receiptRedeliveries: z.number().int().min(0).max(1000).optional(),
  receiptParts: z.enum(['each', 'last']).optional(),
  intermediateReceiptState: z.enum(['ENROUTE', 'ACCEPTD']).optional(),
  answerEnquireLink: z.boolean().optional(),
  answerSubmits: z.boolean().optional(),
  maxTps: z.number().int().positive().max(100_000).nullable().optional(),
  window: z.number().int().positive().max(100_000).nullable().optional(),
  deliverWindow: z.number().int().positive().max(100_000).nullable().optional(),
  submitLatencyMs: milliseconds.optional(),
  submitErrorRate: z.number().min(0).max(1).optional(),
  submitErrorStatus: statusSchema.optional(),
  dropSubmitResponses: z
    .strictObject({ count: z.number().int().positive().nullable().optional(), rate: z.number().min(0).max(1).optional() })
    .nullable()
    .optional(),
  lateSubmitResponseMs: milliseconds.optional(),
  disconnectAfterSubmits: z.strictObject({ count: z.number().int().positive(), repeat: z.boolean().optional() }).nullable().optional(),
  disconnectEveryMs: z.number().int().min(10).max(86_400_000).nullable().optional(),
  maxBindsPerSystemId: z.number().int().positive().max(1000).nullable().optional(),
  seed: z.number().int().min(0).max(0xffffffff).nullable().optional(),
});

/** The first problem zod found, as a dotted field path and a reason. */
export function firstIssue(error: z.ZodError): { field: string; reason: string } {
  const issue = error.issues[0];
  if (issue === undefined) return { field: 'body', reason: 'invalid' };
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') path.push(issue.keys[0] ?? '');
  return { field: path.length === 0 ? 'body' : path.join('.'), reason: issue.message };
}

const STATUS_REASON = 'expected a non-zero SMPP command_status: a name like ESME_RTHROTTLED, a number, or 0x hex';

/** Validates a PUT /behaviour body, naming the offending field (`failSubmits.commandStatus`). */
export function parseBehaviourPatch(body: unknown): BehaviourPatchResult {
  const parsed = patchSchema.safeParse(body);
  if (!parsed.success) return { ok: false, ...firstIssue(parsed.error) };
  const { failSubmits, failBinds, submitErrorStatus, receiptsByDestination, dropSubmitResponses, disconnectAfterSubmits, ...rest } = parsed.data;
  const patch: { -readonly [K in keyof SmscBehaviour]?: SmscBehaviour[K] } = {};
  for (const [key, value] of Object.entries(rest) as [string, unknown][]) {
    if (value !== undefined) Object.assign(patch, { [key]: value });
  }
  for (const [field, failure] of [
    ['failSubmits', failSubmits],
    ['failBinds', failBinds],
  ] as const) {
    if (failure === undefined) continue;
    if (failure === null) {
      patch[field] = null;
      continue;
    }
    const commandStatus = parseStatus(failure.commandStatus);
    if (commandStatus === undefined || commandStatus === 0) return { ok: false, field: `${field}.commandStatus`, reason: STATUS_REASON };
    patch[field] = { commandStatus, count: failure.count ?? null };
  }
  if (submitErrorStatus !== undefined) {
    const status = parseStatus(submitErrorStatus);
    if (status === undefined || status === 0) return { ok: false, field: 'submitErrorStatus', reason: STATUS_REASON };
    patch.submitErrorStatus = status;
  }
  if (receiptsByDestination !== undefined) {
    const byDigits: Record<string, ReceiptMode> = {};
    for (const [destination, mode] of Object.entries(receiptsByDestination)) {
      const digits = destination.replace(/\D/g, '');
      if (digits === '') return { ok: false, field: `receiptsByDestination.${destination}`, reason: 'expected a phone number as key' };
      byDigits[digits] = mode;
    }
    patch.receiptsByDestination = byDigits;
  }
  if (dropSubmitResponses !== undefined) {
    patch.dropSubmitResponses = dropSubmitResponses === null ? null : { count: dropSubmitResponses.count ?? null, rate: dropSubmitResponses.rate ?? 1 };
  }
  if (disconnectAfterSubmits !== undefined) {
    patch.disconnectAfterSubmits = disconnectAfterSubmits === null ? null : { count: disconnectAfterSubmits.count, repeat: disconnectAfterSubmits.repeat ?? false };
  }
  return { ok: true, patch };
}

function failureToJson(failure: CommandFailure | null): CommandFailureJson | null {
  return failure === null ? null : { commandStatus: statusToJson(failure.commandStatus), count: failure.count };
}

/** Renders behaviour for GET /behaviour. */
export function behaviourToJson(behaviour: SmscBehaviour): SmscBehaviourJson {
  return {
    ...behaviour,
    failSubmits: failureToJson(behaviour.failSubmits),
    failBinds: failureToJson(behaviour.failBinds),
    submitErrorStatus: statusToJson(behaviour.submitErrorStatus),
  };
}
