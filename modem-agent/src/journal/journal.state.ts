// What the journal's entries add up to: each message's place in its lifecycle, and the results
// the service has not acknowledged yet. Pure bookkeeping, no I/O: the same rules decide whether
// an append is allowed and whether a replayed file makes sense.
//
//   pending ──radio-attempt-started──▶ in-flight ──submitted──▶ pending (next part)
//      ▲ │                                │ │                   or submitted (last part)
//      │ └──failed──▶ failed              │ ├──failed──▶ failed
//      │                                  │ └──outcome-unknown──▶ outcome-unknown
//      └────radio-attempt-abandoned───────┘   (no `> ` prompt: no PDU byte left the agent)
//
// submitted, failed and outcome-unknown are final: nothing goes to the radio for them again.
import type {
  CommandAccepted,
  Inbound,
  JournalEntry,
  JournalRecord,
  JournalResult,
} from './journal.records.js';
import { isResult } from './journal.records.js';

export type MessageStatus = 'pending' | 'in-flight' | 'submitted' | 'failed' | 'outcome-unknown';

/** One accepted message as the journal knows it. */
export interface MessageState {
  readonly command: JournalEntry<CommandAccepted>;
  readonly status: MessageStatus;
  /** The part to hand to the radio next, while `pending`. */
  readonly nextPart: number;
  /** The part with the radio now, while `in-flight`. */
  readonly inFlight?: { readonly modem: string; readonly part: number };
  /** Parts the network took, in order. */
  readonly submittedParts: readonly SubmittedPart[];
}

/** A part the network took, with the reference its status report will carry. */
export interface SubmittedPart {
  readonly part: number;
  readonly modem: string;
  readonly reference: number;
}

interface TrackedMessage extends MessageState {
  status: MessageStatus;
  nextPart: number;
  inFlight?: { readonly modem: string; readonly part: number };
  readonly submittedParts: SubmittedPart[];
  /** Every entry about this message, in order: what a snapshot rewrites while it is kept. */
  readonly entries: JournalEntry[];
}

/**
 * How long a message without its own validity is kept after it settles: networks commonly keep
 * an SMS for up to 3 days by default, and a status report may come that late.
 */
export const NETWORK_DEFAULT_VALIDITY_SECONDS = 3 * 24 * 3600;

const FINAL: ReadonlySet<MessageStatus> = new Set(['submitted', 'failed', 'outcome-unknown']);

/** Entries a compacted file must keep to replay into the same state. */
export interface RetainedEntries {
  readonly entries: readonly JournalEntry[];
  /** Results among `entries` already acknowledged. */
  readonly ackedIds: readonly number[];
}

/** The journal's state, built by applying entries in `seq` order. */
export class JournalState {
  readonly #messages = new Map<string, TrackedMessage>();
  readonly #inbound = new Map<string, JournalEntry<Inbound>>();
  /** Results not yet acknowledged, in `seq` order (a Map keeps insertion order). */
  readonly #unacked = new Map<number, JournalResult>();
  /** Results acknowledged whose entries a snapshot still keeps (their message is kept). */
  readonly #acked = new Set<number>();

  /** The existing entry when `record` repeats an accepted command or a received SMS by id. */
  duplicateOf(record: JournalRecord): JournalEntry | undefined {
    if (record.type === 'command-accepted') return this.#messages.get(record.messageId)?.command;
    if (record.type === 'inbound') return this.#inbound.get(record.id);
    return undefined;
  }

  /** Why `record` cannot follow the entries applied so far, or `undefined` when it can. */
  violation(record: JournalRecord): string | undefined {
    switch (record.type) {
      case 'command-accepted':
        return this.#messages.has(record.messageId)
          ? `message ${record.messageId} is already accepted`
          : undefined;
      case 'inbound':
        return this.#inbound.has(record.id) ? `inbound ${record.id} is already recorded` : undefined;
      case 'acked':
        return undefined;
    }
    const message = this.#messages.get(record.messageId);
    if (message === undefined) return `message ${record.messageId} was never accepted`;
    const about = `message ${record.messageId}`;
    switch (record.type) {
      case 'radio-attempt-started':
        return attemptViolation(message, record.part, about);
      case 'submitted':
      case 'radio-attempt-abandoned':
      case 'outcome-unknown': {
        const { inFlight } = message;
        const withModem = inFlight?.part === record.part && inFlight.modem === record.modem;
        return withModem ? undefined : `${about} part ${record.part} is not with modem ${record.modem}`;
      }
      case 'failed':
        return FINAL.has(message.status) ? `${about} is already ${message.status}` : undefined;
      case 'receipt':
        return message.submittedParts.length === 0
          ? `${about} has no part with the network yet`
          : undefined;
    }
  }

  /** Applies `entry`, which must have passed {@link violation}. */
  apply(entry: JournalEntry): void {
    if (isResult(entry)) this.#unacked.set(entry.seq, entry);
    switch (entry.type) {
      case 'command-accepted':
        this.#messages.set(entry.messageId, {
          command: entry,
          status: 'pending',
          nextPart: 1,
          submittedParts: [],
          entries: [entry],
        });
        return;
      case 'inbound':
        this.#inbound.set(entry.id, entry);
        return;
      case 'acked':
        for (const id of entry.resultIds) {
          if (this.#unacked.delete(id)) this.#acked.add(id);
        }
        return;
    }
    const message = this.#messages.get(entry.messageId);
    if (message === undefined) return;
    message.entries.push(entry);
    switch (entry.type) {
      case 'radio-attempt-started':
        message.status = 'in-flight';
        message.inFlight = { modem: entry.modem, part: entry.part };
        return;
      case 'submitted':
        message.submittedParts.push({
          part: entry.part,
          modem: entry.modem,
          reference: entry.reference,
        });
        message.nextPart = entry.part + 1;
        message.status = message.nextPart > message.command.parts ? 'submitted' : 'pending';
        delete message.inFlight;
        return;
      case 'radio-attempt-abandoned':
        // The same part goes to the radio next; nothing of it reached the modem.
        message.status = 'pending';
        delete message.inFlight;
        return;
      case 'failed':
      case 'outcome-unknown':
        message.status = entry.type;
        delete message.inFlight;
        return;
      case 'receipt':
        return;
    }
  }

  message(messageId: string): MessageState | undefined {
    return this.#messages.get(messageId);
  }

  /** Messages with a part to hand to the radio, in the order they were accepted. */
  pendingCommands(): MessageState[] {
    return [...this.#messages.values()].filter((m) => m.status === 'pending');
  }

  /**
   * Messages that asked for status reports and have parts with the network: a restarted sender
   * matches receipts for them.
   */
  awaitingReceipts(): MessageState[] {
    return [...this.#messages.values()].filter((m) => m.command.statusReport && m.submittedParts.length > 0);
  }

  /** Messages with a part handed to the radio and no answer recorded yet. */
  inFlight(): MessageState[] {
    return [...this.#messages.values()].filter((m) => m.status === 'in-flight');
  }

  /** Results the service has not acknowledged, oldest first. */
  unackedResults(): JournalResult[] {
    return [...this.#unacked.values()];
  }

  isUnacked(resultId: number): boolean {
    return this.#unacked.has(resultId);
  }

  /** About how many entries a snapshot taken at `now` would keep. */
  countRetained(now: number): number {
    let count = this.#unacked.size;
    for (const message of this.#messages.values()) {
      if (this.#isForgettable(message, now)) continue;
      count += message.entries.filter((entry) => !this.#unacked.has(entry.seq)).length;
    }
    return count + (this.#acked.size > 0 ? 1 : 0);
  }

  /**
   * Forgets what a snapshot at `now` need not keep and returns what it must, in `seq` order.
   * Acknowledged SMS received are forgotten at once. A message is forgotten once it is final,
   * every result about it is acknowledged and its validity period has run out: until then a
   * receipt may still arrive for it, and the service may resend its command after a reconnect,
   * which must find it known rather than send it again.
   */
  retain(now: number): RetainedEntries {
    for (const [id, message] of this.#messages) {
      if (!this.#isForgettable(message, now)) continue;
      this.#messages.delete(id);
      for (const entry of message.entries) this.#acked.delete(entry.seq);
    }
    for (const [id, entry] of this.#inbound) {
      if (this.#unacked.has(entry.seq)) continue;
      this.#inbound.delete(id);
      this.#acked.delete(entry.seq);
    }
    const entries = [
      ...[...this.#messages.values()].flatMap((m) => m.entries),
      ...this.#inbound.values(),
    ].sort((a, b) => a.seq - b.seq);
    return { entries, ackedIds: [...this.#acked].sort((a, b) => a - b) };
  }

  #isForgettable(message: TrackedMessage, now: number): boolean {
    if (!FINAL.has(message.status)) return false;
    const { acceptedAt, validitySeconds, sendBefore } = message.command;
    const validity = validitySeconds > 0 ? validitySeconds : NETWORK_DEFAULT_VALIDITY_SECONDS;
    if (Date.parse(acceptedAt) + validity * 1000 > now) return false;
    // A resent command must still find the message known until the service stops resending it.
    if (sendBefore !== null && Date.parse(sendBefore) > now) return false;
    return message.entries.every((entry) => !this.#unacked.has(entry.seq));
  }
}

// Parts go to the radio one at a time, in order, each once: the never-twice rule at run time.
function attemptViolation(message: MessageState, part: number, about: string): string | undefined {
  if (message.status === 'in-flight') {
    return `${about} already has part ${message.inFlight?.part ?? '?'} with the radio`;
  }
  if (FINAL.has(message.status)) return `${about} is ${message.status}: it never goes to the radio again`;
  if (part < message.nextPart) return `${about} part ${part} was already handed to the radio`;
  if (part > message.command.parts) return `${about} has ${message.command.parts} part(s), not ${part}`;
  if (part > message.nextPart) return `${about} part ${part} comes before part ${message.nextPart}`;
  return undefined;
}
