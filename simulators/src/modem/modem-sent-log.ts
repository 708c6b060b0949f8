/**
 * What the host sent through the emulated modem: every accepted AT+CMGS as a part, and the
 * parts put back together into messages by their concatenation header (23.040 §9.2.3.24.1),
 * so a test asserts on "the text that went to +4915…" rather than on hex.
 */
import { decodeGsm7 } from '../shared/gsm7.js';
import type { SmsSubmit } from './sms-submit.js';
import { textFromUcs2 } from './user-data.js';

/** What became of a part's status report. */
export type StatusReportFate =
  | { readonly state: 'not-requested' }
  | { readonly state: 'pending'; readonly dueAt: number }
  | { readonly state: 'missing' }
  | { readonly state: 'sent'; readonly status: number; readonly at: number; readonly route: 'cds' | 'cdsi' | 'dropped' };

export interface SentPart {
  /** The TP-MR the modem answered in +CMGS (its own counter, 0-255). */
  readonly reference: number;
  readonly to: string;
  readonly text: string;
  readonly at: number;
  readonly submit: SmsSubmit;
  statusReport: StatusReportFate;
}

export interface SentMessage {
  readonly to: string;
  readonly text: string;
  /** Parts received so far; `complete` tells whether all of them came. */
  readonly parts: number;
  readonly totalParts: number;
  readonly complete: boolean;
  /** +CMGS references of the parts, in part order. */
  readonly references: readonly number[];
  /** When the last part was sent. */
  readonly at: number;
  /** Text problems (a lone escape, an unknown extension) in any part. */
  readonly problems: readonly string[];
}

export class SentLog {
  readonly #parts: SentPart[] = [];

  add(part: SentPart): void {
    this.#parts.push(part);
  }

  parts(): readonly SentPart[] {
    return this.#parts;
  }

  byReference(reference: number): SentPart | undefined {
    return this.#parts.findLast((part) => part.reference === reference);
  }

  clear(): void {
    this.#parts.length = 0;
  }

  /** Parts joined into messages in the order their first part was sent. */
  messages(): SentMessage[] {
    const groups = new Map<string, SentPart[]>();
    this.#parts.forEach((part, order) => {
      const concat = part.submit.concatenation;
      const key = concat === null ? `single:${order}` : `${part.to}:${concat.reference}:${concat.total}`;
      // A reference used again after its message was complete starts a new message.
      const existing = groups.get(key);
      const done = existing !== undefined && concat !== null && existing.some((p) => p.submit.concatenation?.sequence === concat.sequence);
      const groupKey = done ? `${key}:${order}` : key;
      groups.set(groupKey, [...(groups.get(groupKey) ?? []), part]);
    });
    return [...groups.values()].map(joinParts);
  }
}

function joinParts(parts: SentPart[]): SentMessage {
  const ordered = [...parts].sort((a, b) => (a.submit.concatenation?.sequence ?? 1) - (b.submit.concatenation?.sequence ?? 1));
  const first = ordered[0];
  if (first === undefined) throw new Error('a message has at least one part');
  const totalParts = first.submit.concatenation?.total ?? 1;
  const payload = Buffer.concat(ordered.map((part) => part.submit.payload));
  // Joined before decoding, so a surrogate pair or escape cut between parts still reads right.
  const alphabet = first.submit.dataCoding.alphabet;
  const decoded = alphabet === 'ucs2' ? { text: textFromUcs2(payload), problems: [] } : alphabet === 'gsm7' ? decodeGsm7(payload) : { text: '', problems: [] };
  return {
    to: first.to,
    text: decoded.text,
    parts: ordered.length,
    totalParts,
    complete: ordered.length === totalParts,
    references: ordered.map((part) => part.reference),
    at: Math.max(...ordered.map((part) => part.at)),
    problems: decoded.problems,
  };
}
