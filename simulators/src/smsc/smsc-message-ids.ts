/**
 * The message_id an SMSC answers a submit_sm with (SMPP 3.4 §4.4.2): random and never issued
 * twice, or counting up from `messageIdSequence` the way SMSCs with a plain counter do, in hex
 * or decimal as `messageIdFormat` says.
 */
import { randomBytes } from 'node:crypto';
import type { MessageIdFormat } from './smsc-receipt.js';

/** Issues message ids; the counter restarts whenever `messageIdSequence` is set again. */
export class MessageIdIssuer {
  readonly #issued = new Set<string>();
  /** The `messageIdSequence` the counter below was started from, and the next id it issues. */
  #sequenceStart: number | null = null;
  #nextSequentialId = 1;

  /** A fresh id: from the counter when `sequence` is set (wrapping after 0xFFFFFFFF), else random. */
  issue(format: MessageIdFormat, sequence: number | null): string {
    if (sequence !== null) {
      this.#nextSequentialId = this.#sequenceStart === sequence ? this.#nextSequentialId : sequence;
      this.#sequenceStart = sequence;
      const id = this.#nextSequentialId;
      this.#nextSequentialId = id >= 0xffffffff ? 1 : id + 1;
      return format === 'hex' ? id.toString(16).padStart(8, '0') : String(id);
    }
    for (;;) {
      const bytes = randomBytes(4);
      const id = format === 'hex' ? bytes.toString('hex') : String(bytes.readUInt32BE(0) || 1);
      if (!this.#issued.has(id)) {
        this.#issued.add(id);
        return id;
      }
    }
  }

  /** Counts from `messageIdSequence` again on the next id, as an SMSC that restarted does. */
  restartSequence(): void {
    this.#sequenceStart = null;
  }
}
