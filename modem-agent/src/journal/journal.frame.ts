// The journal's bytes on disk: one JSON value per line behind the CRC-32 of its bytes,
//
//   3f2a9c01 {"seq":7,"type":"submitted","messageId":"m-1","modem":"orange-1","part":1,"reference":42}
//
// Lines keep the file readable with `tail` in the field; JSON.stringify never emits a raw line
// break, so a line is exactly one record. A write cut short by a crash or power cut leaves a last
// line without its newline, or with bytes (often zeros) that fail the checksum: it is discarded,
// never misread. A bad line with a good one after it cannot be an interrupted last write, so it
// is reported as damage instead.
import { crc32 } from 'node:zlib';

const NEWLINE = 0x0a;
const CHECKSUM_DIGITS = 8;

/** Frames `value` as one checksummed line. */
export function encodeLine(value: object): Buffer {
  const json = JSON.stringify(value);
  const checksum = crc32(json).toString(16).padStart(CHECKSUM_DIGITS, '0');
  return Buffer.from(`${checksum} ${json}\n`, 'utf8');
}

/** One line that passed its checksum and parsed as JSON. */
export interface DecodedLine {
  /** Byte offset of the line's first byte. */
  readonly offset: number;
  /** 1-based line number. */
  readonly line: number;
  readonly value: unknown;
}

/** A damaged line followed by a valid one: damage, not an interrupted last write. */
export interface DamagedLine {
  readonly offset: number;
  readonly line: number;
  readonly reason: string;
}

/** What {@link decodeLines} read from a journal file. */
export interface DecodedJournal {
  readonly lines: readonly DecodedLine[];
  /** Bytes up to the end of the last line that is kept; the file is truncated to this. */
  readonly validLength: number;
  /** Bytes of an interrupted last write after `validLength`, discarded. */
  readonly discardedTailBytes: number;
  /** Set when a bad line is followed by a good one; `lines` then stops before it. */
  readonly damage?: DamagedLine;
}

/** Splits `bytes` into checked lines, telling an interrupted last write from damage. */
export function decodeLines(bytes: Uint8Array): DecodedJournal {
  const lines: DecodedLine[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const end = bytes.indexOf(NEWLINE, offset);
    const line = lines.length + 1;
    const decoded = end === -1 ? 'no newline' : readLine(bytes.subarray(offset, end));
    if (typeof decoded === 'string') {
      if (end !== -1 && hasValidLineFrom(bytes, end + 1)) {
        return {
          lines,
          validLength: offset,
          discardedTailBytes: 0,
          damage: { offset, line, reason: decoded },
        };
      }
      return { lines, validLength: offset, discardedTailBytes: bytes.length - offset };
    }
    lines.push({ offset, line, value: decoded.value });
    offset = end + 1;
  }
  return { lines, validLength: offset, discardedTailBytes: 0 };
}

/** The parsed value, or why the line is not a valid frame. */
function readLine(frame: Uint8Array): { value: unknown } | string {
  if (frame.length <= CHECKSUM_DIGITS + 1 || frame[CHECKSUM_DIGITS] !== 0x20) return 'not a frame';
  const digits = Buffer.from(frame.subarray(0, CHECKSUM_DIGITS)).toString('latin1');
  if (!/^[0-9a-f]{8}$/.test(digits)) return 'not a frame';
  const payload = frame.subarray(CHECKSUM_DIGITS + 1);
  if (crc32(payload) !== Number.parseInt(digits, 16)) return 'checksum mismatch';
  try {
    return { value: JSON.parse(Buffer.from(payload).toString('utf8')) };
  } catch {
    return 'checksum matches but the record is not JSON';
  }
}

function hasValidLineFrom(bytes: Uint8Array, start: number): boolean {
  let offset = start;
  while (offset < bytes.length) {
    const end = bytes.indexOf(NEWLINE, offset);
    if (end === -1) return false;
    if (typeof readLine(bytes.subarray(offset, end)) !== 'string') return true;
    offset = end + 1;
  }
  return false;
}
