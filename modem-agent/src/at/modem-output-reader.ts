// Turns modem output into events: final result codes, the PDU prompt, lines that answer the
// command in flight, and URCs. The split between answer and URC follows one rule: names no
// command answers with (+CMTI, +CDS, RING…) are always URCs; names a command can ask for (+CREG,
// +CPIN…) answer the command in flight when it asked for that name, else they are URCs; anything
// else is the command's information text.
import { parseFinalResultCode, type FinalResultCode } from './final-result-code.js';
import { LineSplitter } from './line-splitter.js';
import {
  isAlwaysUnsolicited,
  isSometimesUnsolicited,
  readUnsolicited,
  unsolicitedName,
  type PduHeader,
  type UnsolicitedResult,
} from './unsolicited-result.js';

/** One thing the modem said. */
export type ModemEvent =
  | { readonly kind: 'final'; readonly result: FinalResultCode; readonly line: string }
  | { readonly kind: 'prompt' }
  /** Information text or an echo: the command in flight's, or nobody's when none is. */
  | { readonly kind: 'line'; readonly line: string }
  | { readonly kind: 'unsolicited'; readonly result: UnsolicitedResult };

/** What the reader needs to know of the command in flight when it classifies a line. */
export interface ReaderContext {
  /** The result name the command in flight answers with (`+CREG` for `AT+CREG?`), if any. */
  readonly answerName: string | undefined;
}

const HEX_LINE = /^(?:[0-9A-Fa-f]{2})+$/;

/** An incremental reader: feed it chunks in arrival order. */
export class ModemOutputReader {
  readonly #splitter = new LineSplitter();
  readonly #context: () => ReaderContext;
  #pduHeader: PduHeader | undefined;

  /**
   * @param context asked afresh for each line, so a command that completes mid-chunk no longer
   *   claims the lines after its final result code.
   */
  constructor(context: () => ReaderContext) {
    this.#context = context;
  }

  /** Yields the events in a chunk lazily: handle each before the next is classified. */
  *feed(chunk: string): Generator<ModemEvent> {
    for (const fragment of this.#splitter.push(chunk)) {
      if (fragment.kind === 'prompt') yield { kind: 'prompt' };
      else yield* this.#line(fragment.text);
    }
  }

  *#line(line: string): Generator<ModemEvent> {
    const header = this.#pduHeader;
    if (header !== undefined) {
      this.#pduHeader = undefined;
      if (HEX_LINE.test(line)) {
        yield { kind: 'unsolicited', result: header.withPdu(line) };
        return;
      }
      // The PDU never came: keep the header for the log and read this line on its own.
      yield { kind: 'unsolicited', result: { kind: 'unrecognised', line: header.line } };
    }

    const result = parseFinalResultCode(line);
    if (result !== undefined) {
      yield { kind: 'final', result, line };
      return;
    }
    const name = unsolicitedName(line);
    const unsolicited = isAlwaysUnsolicited(name) || (isSometimesUnsolicited(name) && this.#context().answerName !== name);
    if (!unsolicited) {
      yield { kind: 'line', line };
      return;
    }
    const read = readUnsolicited(line);
    if (read.kind === 'pdu-follows') this.#pduHeader = read;
    else yield { kind: 'unsolicited', result: read };
  }
}
