/**
 * Turns a text into the submit_sm PDUs' message fields. A text that fits one SMS goes alone in
 * short_message; a longer one goes, per provider setting, as concatenated parts with a UDH
 * (3GPP 23.040 §9.2.3.24.1), as parts tagged with SAR TLVs (SMPP 3.4 §5.3.2.22-24) for the SMSC to
 * turn into a UDH, or whole in message_payload (SMPP 3.4 §5.3.2.32) for the SMSC to split.
 */
import { encodeText, type DataCodingValue, type TextCoding } from '@switchboard/sms-encoding';

/**
 * How a text longer than one SMS is submitted.
 * - `udh`: one submit_sm per part, short_message = concatenation UDH + the part, esm_class UDHI.
 * - `sar`: one submit_sm per part, short_message = the part, sar_* TLVs number the parts.
 * - `payload`: one submit_sm with the whole text in message_payload; the SMSC splits it.
 */
export const LONG_MESSAGE_MODES = ['udh', 'sar', 'payload'] as const;

/** One of `LONG_MESSAGE_MODES`. */
export type LongMessageMode = (typeof LONG_MESSAGE_MODES)[number];

/** SMPP 3.4 §5.2.12 esm_class: default mode and type, no special features. */
export const ESM_CLASS_DEFAULT = 0x00;
/** SMPP 3.4 §5.2.12 esm_class bit 6 (UDHI): short_message starts with a user data header. */
export const ESM_CLASS_UDHI = 0x40;

/** 3GPP 23.040 §9.2.3.24.1: the part count and sequence number are one octet each. */
export const MAX_PARTS = 255;

// 3GPP 23.040 §9.2.3.24.1 concatenated short messages, 8-bit reference number.
const UDH_LENGTH = 0x05;
const IEI_CONCAT_8BIT_REFERENCE = 0x00;
const IEI_CONCAT_LENGTH = 0x03;

// UDH carries an 8-bit reference; sar_msg_ref_num (SMPP 3.4 §5.3.2.22) is 16-bit.
const MAX_REFERENCE: Readonly<Record<LongMessageMode, number>> = { udh: 0xff, sar: 0xffff, payload: 0xffff };

/** SMPP 3.4 §5.3.2.22-24: which concatenated message a part belongs to and where it goes. */
export interface SarSegment {
  /** sar_msg_ref_num: the same for every part of one message. */
  readonly reference: number;
  /** sar_total_segments. */
  readonly total: number;
  /** sar_segment_seqnum, from 1. */
  readonly sequence: number;
}

/** The message fields of one submit_sm. Exactly one of `shortMessage` and `messagePayload` is set. */
export interface SubmitPart {
  readonly shortMessage?: Buffer;
  readonly messagePayload?: Buffer;
  readonly esmClass: number;
  /** Set in `sar` mode for a text of more than one part: send as sar_* TLVs. */
  readonly sar?: SarSegment;
}

/** A text ready to submit: the same data_coding goes on every part. */
export interface SegmentedMessage {
  readonly dataCoding: DataCodingValue;
  /** Septets, octets or UTF-16 units of the whole text (see `EncodedMessage.units`). */
  readonly units: number;
  /** One submit_sm each, in order. */
  readonly parts: readonly SubmitPart[];
  /** SMS the network delivers and bills; more than `parts.length` in `payload` mode. */
  readonly billedParts: number;
}

/** How to encode and split: the provider's settings plus this message's concatenation reference. */
export interface SegmentOptions {
  readonly coding: TextCoding;
  readonly mode: LongMessageMode;
  /** Concatenation reference: 0-255 in `udh` mode, 0-65535 otherwise. */
  readonly reference: number;
}

/** Stable reasons a text cannot be segmented. */
export type SegmentationProblem = 'empty-text' | 'too-many-parts' | 'reference-out-of-range';

/** A text that cannot be sent as SMS the way it was asked for; retrying it unchanged cannot help. */
export class MessageSegmentationError extends Error {
  readonly problem: SegmentationProblem;

  constructor(problem: SegmentationProblem, message: string) {
    super(message);
    this.name = 'MessageSegmentationError';
    this.problem = problem;
  }
}

function checkReference(reference: number, mode: LongMessageMode): void {
  const max = MAX_REFERENCE[mode];
  if (!Number.isInteger(reference) || reference < 0 || reference > max) {
    throw new MessageSegmentationError(
      'reference-out-of-range',
      `concatenation reference ${String(reference)} is out of range; ${mode} mode takes an integer 0-${max}`,
    );
  }
}

function concatenationHeader(reference: number, total: number, sequence: number): Buffer {
  return Buffer.from([UDH_LENGTH, IEI_CONCAT_8BIT_REFERENCE, IEI_CONCAT_LENGTH, reference, total, sequence]);
}

/**
 * Encodes the text in `options.coding` (UCS-2 when it does not fit) and lays it out as submit_sm
 * message fields for `options.mode`. Throws `MessageSegmentationError` for an empty text, a text
 * needing more than 255 parts, or a reference the mode cannot carry.
 */
export function segmentMessage(text: string, options: SegmentOptions): SegmentedMessage {
  const { coding, mode, reference } = options;
  // Modes come from provider settings; a typo there must not send a long text in a way nobody chose.
  if (!LONG_MESSAGE_MODES.includes(mode)) {
    throw new RangeError(`unknown long message mode ${JSON.stringify(mode)}; expected one of ${LONG_MESSAGE_MODES.join(', ')}`);
  }
  checkReference(reference, mode);
  if (text === '') throw new MessageSegmentationError('empty-text', 'text is empty; an SMS needs at least one character');

  const encoded = encodeText(text, coding);
  const { dataCoding, units } = encoded;
  const total = encoded.segments.length;
  if (total > MAX_PARTS) {
    throw new MessageSegmentationError(
      'too-many-parts',
      `text needs ${total} parts (${units} ${encoded.alphabet} units); concatenated SMS allows at most ${MAX_PARTS}`,
    );
  }

  if (encoded.fitsOnePart) {
    return { dataCoding, units, parts: [{ shortMessage: encoded.bytes, esmClass: ESM_CLASS_DEFAULT }], billedParts: 1 };
  }

  let parts: SubmitPart[];
  switch (mode) {
    case 'udh':
      parts = encoded.segments.map((segment, index) => ({
        shortMessage: Buffer.concat([concatenationHeader(reference, total, index + 1), segment]),
        esmClass: ESM_CLASS_UDHI,
      }));
      break;
    case 'sar':
      parts = encoded.segments.map((segment, index) => ({
        shortMessage: segment,
        esmClass: ESM_CLASS_DEFAULT,
        sar: { reference, total, sequence: index + 1 },
      }));
      break;
    case 'payload':
      parts = [{ messagePayload: encoded.bytes, esmClass: ESM_CLASS_DEFAULT }];
      break;
  }
  return { dataCoding, units, parts, billedParts: total };
}
