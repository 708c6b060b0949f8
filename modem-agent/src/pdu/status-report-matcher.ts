// Ties SMS-STATUS-REPORTs back to the parts they report on. A report carries only TP-MR (the
// number +CMGS answered with, 0–255 and reused as it wraps) and the recipient, which some SCs
// write in another format than the one submitted (national instead of international).
import type { SmsStatusReport } from './status-report-decoder.js';

interface SentPart<K> {
  readonly digits: string;
  readonly key: K;
}

const digitsOf = (number: string): string => number.replace(/\D/g, '');

/**
 * Remembers each submitted part by message reference and recipient until its final report.
 * `K` is whatever the caller needs back: a message id and part number, say.
 */
export class StatusReportMatcher<K> {
  readonly #byReference = new Map<number, SentPart<K>[]>();

  /** Parts awaiting a final report. */
  get outstanding(): number {
    let count = 0;
    for (const parts of this.#byReference.values()) count += parts.length;
    return count;
  }

  /** Records a part +CMGS accepted; a reference reused for the same recipient replaces the older part. */
  record(messageReference: number, recipient: string, key: K): void {
    const digits = digitsOf(recipient);
    const parts = (this.#byReference.get(messageReference) ?? []).filter((part) => part.digits !== digits);
    this.#byReference.set(messageReference, [...parts, { digits, key }]);
  }

  /**
   * The key of the part a report is about, or undefined. The recipient must match in its digits,
   * unless only one part awaits that reference. A final report forgets the part; a "still
   * trying" report keeps it for the report that follows.
   */
  match(report: SmsStatusReport): K | undefined {
    const parts = this.#byReference.get(report.messageReference);
    if (parts === undefined) return undefined;
    const digits = digitsOf(report.recipient.value);
    const part = parts.find((candidate) => candidate.digits === digits) ?? (parts.length === 1 ? parts[0] : undefined);
    if (part === undefined) return undefined;
    if (report.status.final) {
      const rest = parts.filter((candidate) => candidate !== part);
      if (rest.length === 0) this.#byReference.delete(report.messageReference);
      else this.#byReference.set(report.messageReference, rest);
    }
    return part.key;
  }
}
