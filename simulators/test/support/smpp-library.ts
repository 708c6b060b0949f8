/**
 * The `smpp` npm package (0.5.1), an ESME library, as a reader and writer of single PDUs that
 * is neither the simulator's codec nor Switchboard's wire layer: the codec's specs check that
 * what one side writes, the other reads. Specs only; the simulator itself never loads it.
 */
import smpp from 'smpp';

/** A PDU as the library builds or parses it: SMPP 3.4 field names as properties. */
export interface LibraryPdu {
  readonly command: string;
  readonly sequence_number: number;
  readonly [field: string]: unknown;
  toBuffer(): Buffer;
}

const library = smpp as { PDU: new (commandOrBytes: string | Buffer, fields?: Record<string, unknown>) => LibraryPdu };

/** `command` with `fields` as the library builds it (`toBuffer()` gives its octets). */
export function createPdu(command: string, fields: Record<string, unknown> = {}): LibraryPdu {
  return new library.PDU(command, fields);
}

/** One complete PDU, as the library reads it. */
export function parsePdu(bytes: Buffer): LibraryPdu {
  return new library.PDU(bytes);
}
