// Reads a TPDU front to back; every read names its field, so running out of octets says which
// field was cut short and where.
import { PduError } from './pdu-error.js';

/** A cursor over a PDU's octets. */
export class OctetReader {
  readonly #octets: Uint8Array;
  #offset = 0;

  constructor(octets: Uint8Array) {
    this.#octets = octets;
  }

  /** Offset of the next octet to read. */
  get offset(): number {
    return this.#offset;
  }

  /** Octets not yet read. */
  get remaining(): number {
    return this.#octets.length - this.#offset;
  }

  /** @throws {PduError} when the PDU ends before `field`. */
  readOctet(field: string): number {
    const octet = this.#octets[this.#offset];
    if (octet === undefined) throw new PduError(field, 'PDU ends before this field', this.#offset);
    this.#offset += 1;
    return octet;
  }

  /** @throws {PduError} when fewer than `count` octets are left for `field`. */
  readOctets(count: number, field: string): Uint8Array {
    if (count > this.remaining) {
      throw new PduError(field, `needs ${count} octets but only ${this.remaining} remain`, this.#offset);
    }
    const octets = this.#octets.subarray(this.#offset, this.#offset + count);
    this.#offset += count;
    return octets;
  }

  /** @throws {PduError} when octets are left over after the last field. */
  expectEnd(lastField: string): void {
    if (this.remaining > 0) {
      throw new PduError(lastField, `${this.remaining} unexpected octet(s) after the end of the TPDU`, this.#offset);
    }
  }
}
