// What the journal stores: one record per fact about a command, a result or an acknowledgement,
// and the shape check every record passes both before it is written and when it is read back.

/** The service handed the agent a message to send; the agent now owns getting it out once. */
export interface CommandAccepted {
  readonly type: 'command-accepted';
  /** The service's id for the message: the key of idempotency across reconnects. */
  readonly messageId: string;
  /** Destination number as the service gives it (E.164). */
  readonly to: string;
  readonly text: string;
  /** SMS parts the text encodes to; each goes to the radio at most once, in order, from 1. */
  readonly parts: number;
  /** How long the network keeps trying to deliver (TP-VP, 3GPP TS 23.040 §9.2.3.12); 0: its default. */
  readonly validitySeconds: number;
  /** Ask the network for status reports (TP-SRR). */
  readonly statusReport: boolean;
  /** ISO-8601 time after which no part may start for the radio (the service has fallen back); null: none. */
  readonly sendBefore: string | null;
  /** Labels of the modems allowed to send it; empty: any of the agent's. */
  readonly modems: readonly string[];
  /** ISO-8601 time the agent accepted the command. */
  readonly acceptedAt: string;
}

/** Written and fsync'd before the first byte of a part goes to the modem. */
export interface RadioAttemptStarted {
  readonly type: 'radio-attempt-started';
  readonly messageId: string;
  /** Label of the modem the part goes to. */
  readonly modem: string;
  readonly part: number;
}

/**
 * The modem never gave the `> ` prompt for the part, so no byte of its PDU left the agent: the
 * attempt is over and the part is pending again, free to go to this or another modem.
 */
export interface RadioAttemptAbandoned {
  readonly type: 'radio-attempt-abandoned';
  readonly messageId: string;
  readonly modem: string;
  readonly part: number;
  readonly reason: string;
}

/** The modem answered `+CMGS: <mr>`: the part is with the network. */
export interface Submitted {
  readonly type: 'submitted';
  readonly messageId: string;
  readonly modem: string;
  readonly part: number;
  /** TP-Message-Reference (0–255) the network's status report will carry (23.040 §9.2.3.6). */
  readonly reference: number;
}

/** The message will not be sent by this agent; `retryable` tells the service it may try elsewhere. */
export interface Failed {
  readonly type: 'failed';
  readonly messageId: string;
  readonly reason: string;
  readonly retryable: boolean;
}

/**
 * A part was handed to the modem and no answer came (the agent stopped, or the modem went silent
 * after the PDU): it may or may not be on its way. The message is closed, never resent.
 */
export interface OutcomeUnknown {
  readonly type: 'outcome-unknown';
  readonly messageId: string;
  readonly modem: string;
  readonly part: number;
  readonly reason: string;
}

/** A status report from the network for a submitted message. */
export interface Receipt {
  readonly type: 'receipt';
  readonly messageId: string;
  /** The part (from 1) whose TP-Message-Reference the report carried. */
  readonly part: number;
  /** TP-Status as received (0x00–0x7F). */
  readonly statusCode: number;
  /** The agent's reading of TP-Status (23.040 §9.2.3.15), e.g. `delivered`, `expired`. */
  readonly status: string;
  /** ISO-8601 time the network reports for the outcome. */
  readonly at: string;
}

/** An SMS received by one of the modems. */
export interface Inbound {
  readonly type: 'inbound';
  /** The agent's id for it, stable across restarts, so the service can drop a resent copy. */
  readonly id: string;
  /** Label of the modem that received it. */
  readonly modem: string;
  readonly from: string;
  /** All parts joined. */
  readonly text: string;
  readonly parts: number;
  /** ISO-8601 time the network stamped on it (TP-SCTS of the first part). */
  readonly at: string;
}

/** The service acknowledged these results; they need not be sent again. */
export interface Acked {
  readonly type: 'acked';
  /** `seq` of the result entries acknowledged. */
  readonly resultIds: readonly number[];
}

export type JournalRecord =
  | CommandAccepted
  | RadioAttemptStarted
  | RadioAttemptAbandoned
  | Submitted
  | Failed
  | OutcomeUnknown
  | Receipt
  | Inbound
  | Acked;

/** Records that report something to the service and stay until it acknowledges them. */
export type ResultRecord = Submitted | Failed | OutcomeUnknown | Receipt | Inbound;

/** A record as stored: `seq` orders the file and is the result id the service acknowledges. */
export type JournalEntry<R extends JournalRecord = JournalRecord> = R & { readonly seq: number };

/** A result awaiting acknowledgement; its `seq` is its result id. */
export type JournalResult = JournalEntry<ResultRecord>;

const RESULT_TYPES: ReadonlySet<string> = new Set([
  'submitted',
  'failed',
  'outcome-unknown',
  'receipt',
  'inbound',
] satisfies ResultRecord['type'][]);

/** Whether `entry` is a result the service must acknowledge. */
export function isResult(entry: JournalEntry): entry is JournalResult {
  return RESULT_TYPES.has(entry.type);
}

type FieldKind = 'id' | 'text' | 'count' | 'whole' | 'octet' | 'flag' | 'time' | 'time-or-null' | 'labels' | 'ids';

const FIELDS: { readonly [T in JournalRecord['type']]: Readonly<Record<string, FieldKind>> } = {
  'command-accepted': {
    messageId: 'id',
    to: 'id',
    text: 'text',
    parts: 'count',
    validitySeconds: 'whole',
    statusReport: 'flag',
    sendBefore: 'time-or-null',
    modems: 'labels',
    acceptedAt: 'time',
  },
  'radio-attempt-started': { messageId: 'id', modem: 'id', part: 'count' },
  'radio-attempt-abandoned': { messageId: 'id', modem: 'id', part: 'count', reason: 'text' },
  submitted: { messageId: 'id', modem: 'id', part: 'count', reference: 'octet' },
  failed: { messageId: 'id', reason: 'text', retryable: 'flag' },
  'outcome-unknown': { messageId: 'id', modem: 'id', part: 'count', reason: 'text' },
  receipt: { messageId: 'id', part: 'count', status: 'id', statusCode: 'octet', at: 'time' },
  inbound: { id: 'id', modem: 'id', from: 'id', text: 'text', parts: 'count', at: 'time' },
  acked: { resultIds: 'ids' },
};

const FIELD_CHECKS: Readonly<Record<FieldKind, [(value: unknown) => boolean, string]>> = {
  id: [(v) => typeof v === 'string' && v !== '', 'a non-empty string'],
  text: [(v) => typeof v === 'string', 'a string'],
  count: [(v) => Number.isSafeInteger(v) && (v as number) >= 1, 'a whole number from 1'],
  whole: [(v) => Number.isSafeInteger(v) && (v as number) >= 0, 'a whole number from 0'],
  octet: [(v) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 255, 'an octet'],
  flag: [(v) => typeof v === 'boolean', 'true or false'],
  time: [isTime, 'an ISO-8601 time'],
  'time-or-null': [(v) => v === null || isTime(v), 'an ISO-8601 time or null'],
  labels: [(v) => Array.isArray(v) && v.every((label) => typeof label === 'string' && label !== ''), 'a list of labels'],
  ids: [(v) => Array.isArray(v) && v.every((id) => Number.isSafeInteger(id) && id >= 1), 'a list of seqs'],
};

function isTime(value: unknown): boolean {
  return typeof value === 'string' && !Number.isNaN(Date.parse(value));
}

/**
 * Why `value` is not a well-formed record (with `seq` when `withSeq`), or `undefined` when it is.
 * Unknown fields are refused: a newer agent's record must not be half-understood by an older one.
 */
export function recordShapeProblem(value: unknown, withSeq: boolean): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not an object';
  const fields = value as Record<string, unknown>;
  const type = fields['type'];
  if (typeof type !== 'string' || !Object.hasOwn(FIELDS, type)) {
    return `unknown record type ${JSON.stringify(type)}`;
  }
  const expected = FIELDS[type as JournalRecord['type']];
  if (withSeq && !FIELD_CHECKS.count[0](fields['seq'])) return `${type}: seq must be a whole number from 1`;
  for (const [name, kind] of Object.entries(expected)) {
    const [isValid, description] = FIELD_CHECKS[kind];
    if (!isValid(fields[name])) return `${type}: ${name} must be ${description}`;
  }
  const extra = Object.keys(fields).find((key) => key !== 'type' && key !== 'seq' && !(key in expected));
  if (extra !== undefined) return `${type}: unknown field ${extra}`;
  if (!withSeq && 'seq' in fields) return `${type}: seq is assigned by the journal`;
  return undefined;
}
