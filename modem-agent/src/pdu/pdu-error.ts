// One error for every PDU that cannot be built or read, so a caller logs what is wrong and where
// instead of a bare RangeError from deep inside the octet arithmetic.

/** The part of a PDU (a 3GPP 23.040 TP- field or an encoder option) that was wrong. */
export type PduField = string;

/** Thrown when a PDU cannot be encoded or decoded; names the field and, when reading, the octet. */
export class PduError extends Error {
  readonly code = 'PDU_INVALID';
  /** The 23.040 field (`TP-UDL`, `TP-DA`…) or encoder option at fault. */
  readonly field: PduField;
  /** Octet offset in the PDU where the fault was found; undefined when encoding. */
  readonly offset: number | undefined;

  constructor(field: PduField, problem: string, offset?: number, options?: ErrorOptions) {
    const where = offset === undefined ? field : `${field} at octet ${offset}`;
    super(`${where}: ${problem}`, options);
    this.name = 'PduError';
    this.field = field;
    this.offset = offset;
  }
}
