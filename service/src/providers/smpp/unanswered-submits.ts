/**
 * Submits given up on as outcome unknown (written, never answered in time), remembered for a
 * while so that what comes later can still name their ids: a late submit_sm_resp (found by its
 * bind session and sequence_number) or a receipt that echoes user_message_reference (found by
 * destination and reference). Bounded in count and in age. A session is any object that stands
 * for one bind's connection: its entries go when it does.
 */
/** Remembered this long for a late answer or receipt. */
const MEMORY_MS = 60 * 60_000;
const MAX_ENTRIES = 10_000;

/** A submitted part whose answer we stopped waiting for. */
export interface Unanswered {
  readonly attemptId: string;
  readonly part: number;
  readonly parts: number;
  readonly at: number;
}

export class UnansweredSubmits {
  readonly #bySequence = new WeakMap<object, Map<number, Unanswered>>();
  readonly #byReference = new Map<string, Unanswered>();

  remember(session: object, sequence: number, referenceKey: string, context: { attemptId: string; part: number; parts: number }, now = Date.now()): void {
    const entry: Unanswered = { attemptId: context.attemptId, part: context.part, parts: context.parts, at: now };
    let bySequence = this.#bySequence.get(session);
    if (!bySequence) {
      bySequence = new Map();
      this.#bySequence.set(session, bySequence);
    }
    bySequence.set(sequence, entry);
    dropOldestBeyond(bySequence, MAX_ENTRIES);
    this.#byReference.set(referenceKey, entry);
    dropOldestBeyond(this.#byReference, MAX_ENTRIES);
  }

  /** The submit a late response on `session` answers, forgotten as it is taken. */
  takeBySequence(session: object, sequence: number): Unanswered | undefined {
    const bySequence = this.#bySequence.get(session);
    const entry = bySequence?.get(sequence);
    if (entry) bySequence?.delete(sequence);
    return entry;
  }

  /** The submit a receipt echoing `destination:reference` is about, forgotten as it is taken. */
  takeByReference(referenceKey: string): Unanswered | undefined {
    const entry = this.#byReference.get(referenceKey);
    if (entry) this.#byReference.delete(referenceKey);
    return entry;
  }

  /** Forgets what is older than the memory (sessions' maps go with their sessions). */
  expire(now = Date.now()): void {
    const cutoff = now - MEMORY_MS;
    for (const [key, entry] of this.#byReference) {
      if (entry.at < cutoff) this.#byReference.delete(key);
    }
  }
}

function dropOldestBeyond(map: Map<unknown, unknown>, max: number): void {
  if (map.size <= max) return;
  const oldest = map.keys().next().value;
  if (oldest !== undefined) map.delete(oldest);
}
