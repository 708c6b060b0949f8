/**
 * Cuts complete SMPP PDUs out of a TCP byte stream. Framing is ours rather than the `smpp`
 * library's because the library trusts command_length: a wrong one stalls its stream forever and
 * nothing bounds it. Parsing a cut PDU is still the library's job (`smpp-wire.ts`).
 */

/** SMPP 3.4 §3.2: command_length, command_id, command_status, sequence_number, 4 octets each. */
export const PDU_HEADER_LENGTH = 16;

/**
 * Largest PDU accepted by default. SMPP 3.4 sets no maximum; a submit_sm with a full
 * message_payload (§5.3.2.32, 64 KiB) fits, a length read from garbage almost never does.
 */
export const DEFAULT_MAX_PDU_LENGTH = 65_536;

/** What was wrong with a PDU. The two command-length reasons mean framing is lost for good. */
export type MalformedPduReason = 'command-length-too-short' | 'command-length-too-long' | 'unparseable-body';

/** The header fields of a PDU, read without the library. */
export interface PduHeader {
  readonly commandLength: number;
  readonly commandId: number;
  readonly commandStatus: number;
  readonly sequenceNumber: number;
}

/**
 * A PDU that cannot be read. With a command-length reason the byte stream cannot be framed any
 * more and the connection must go; with `unparseable-body` the PDU was complete (framing intact)
 * but the library could not decode its body.
 */
export class MalformedPduError extends Error {
  readonly reason: MalformedPduReason;
  readonly commandLength: number;
  /** Hex of the header octets that had arrived (up to 16): what to quote to the SMSC's support. */
  readonly header: string;
  /** command_id, when all 16 header octets had arrived. */
  readonly commandId: number | undefined;
  /** sequence_number, when all 16 header octets had arrived. */
  readonly sequenceNumber: number | undefined;
  /** The command_status of the generic_nack sent back for it, if one was sent. */
  readonly answeredWith: number | undefined;

  constructor(
    reason: MalformedPduReason,
    headerOctets: Buffer,
    detail: string,
    options?: { cause?: unknown; answeredWith?: number | undefined },
  ) {
    const header = headerOctets.subarray(0, PDU_HEADER_LENGTH);
    const complete = header.length === PDU_HEADER_LENGTH;
    super(`malformed SMPP PDU (${reason}): ${detail}; header ${header.toString('hex')}`, options);
    this.name = 'MalformedPduError';
    this.reason = reason;
    this.commandLength = header.length >= 4 ? header.readUInt32BE(0) : 0;
    this.header = header.toString('hex');
    this.commandId = complete ? header.readUInt32BE(4) : undefined;
    this.sequenceNumber = complete ? header.readUInt32BE(12) : undefined;
    this.answeredWith = options?.answeredWith;
  }

  /** True when the PDU was a response (SMPP 3.4 §3.2: high bit of command_id); undefined if unknown. */
  get isResponse(): boolean | undefined {
    return this.commandId === undefined ? undefined : (this.commandId & 0x80000000) !== 0;
  }
}

/** Reads the 16-octet header of a complete PDU. */
export function readPduHeader(pdu: Buffer): PduHeader {
  return {
    commandLength: pdu.readUInt32BE(0),
    commandId: pdu.readUInt32BE(4),
    commandStatus: pdu.readUInt32BE(8),
    sequenceNumber: pdu.readUInt32BE(12),
  };
}

/** What one chunk of the stream yielded. */
export interface FrameResult {
  /** Complete PDUs, in stream order, each exactly command_length octets. */
  readonly pdus: Buffer[];
  /** Set once framing is lost; sticky: every later push returns it again and no more PDUs. */
  readonly error: MalformedPduError | undefined;
}

/** Options of a `PduFramer`. */
export interface PduFramerOptions {
  /** Largest command_length accepted; default `DEFAULT_MAX_PDU_LENGTH`. */
  readonly maxPduLength?: number | undefined;
}

/** Reassembles PDUs across arbitrary TCP chunking; one instance per connection. */
export class PduFramer {
  readonly #maxPduLength: number;
  #chunks: Buffer[] = [];
  #buffered = 0;
  #expected: number | undefined;
  #error: MalformedPduError | undefined;

  constructor(options: PduFramerOptions = {}) {
    const max = options.maxPduLength ?? DEFAULT_MAX_PDU_LENGTH;
    if (!Number.isInteger(max) || max < PDU_HEADER_LENGTH || max > 0xffffffff) {
      throw new RangeError(`maxPduLength must be an integer from ${PDU_HEADER_LENGTH} to 4294967295, got ${max}`);
    }
    this.#maxPduLength = max;
  }

  /** Octets received but not yet part of a complete PDU. */
  get buffered(): number {
    return this.#buffered;
  }

  /** Adds a chunk; returns the PDUs it completed, or the error that ended framing. */
  push(chunk: Buffer): FrameResult {
    if (this.#error) return { pdus: [], error: this.#error };
    if (chunk.length > 0) {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
    }
    const pdus: Buffer[] = [];
    for (;;) {
      if (this.#expected === undefined) {
        if (this.#buffered < 4) break;
        const head = this.#compact();
        const length = head.readUInt32BE(0);
        const problem = this.#checkLength(length);
        if (problem) {
          this.#error = new MalformedPduError(problem.reason, head, problem.detail);
          this.#chunks = [];
          this.#buffered = 0;
          return { pdus, error: this.#error };
        }
        this.#expected = length;
      }
      if (this.#buffered < this.#expected) break;
      const all = this.#compact();
      // A copy, so that a retained PDU does not pin the rest of a large socket read.
      pdus.push(Buffer.from(all.subarray(0, this.#expected)));
      const rest = all.subarray(this.#expected);
      this.#chunks = rest.length > 0 ? [rest] : [];
      this.#buffered = rest.length;
      this.#expected = undefined;
    }
    return { pdus, error: undefined };
  }

  #checkLength(length: number): { reason: MalformedPduReason; detail: string } | undefined {
    if (length < PDU_HEADER_LENGTH) {
      return { reason: 'command-length-too-short', detail: `command_length ${length} is shorter than the ${PDU_HEADER_LENGTH}-octet header` };
    }
    if (length > this.#maxPduLength) {
      return { reason: 'command-length-too-long', detail: `command_length ${length} exceeds the maximum of ${this.#maxPduLength}` };
    }
    return undefined;
  }

  /** Joins the buffered chunks into one (at most twice per PDU: for its header and when complete). */
  #compact(): Buffer {
    const [first] = this.#chunks;
    if (this.#chunks.length === 1 && first) return first;
    const joined = Buffer.concat(this.#chunks, this.#buffered);
    this.#chunks = [joined];
    return joined;
  }
}
