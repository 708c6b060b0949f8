/** Reads a TPDU octet by octet, failing with the field's name when the PDU ends too early. */
import { PduDecodeError } from './pdu-errors.js';

export class OctetReader {
  readonly #octets: Buffer;
  #offset = 0;

  constructor(octets: Buffer) {
    this.#octets = octets;
  }

  get offset(): number {
    return this.#offset;
  }

  get remaining(): number {
    return this.#octets.length - this.#offset;
  }

  octet(field: string): number {
    const value = this.#octets[this.#offset];
    if (value === undefined) throw new PduDecodeError('truncated', `PDU ends before ${field} (octet ${this.#offset})`);
    this.#offset += 1;
    return value;
  }

  take(count: number, field: string): Buffer {
    if (this.remaining < count) {
      throw new PduDecodeError('truncated', `PDU ends inside ${field}: needs ${count} octets at ${this.#offset}, has ${this.remaining}`);
    }
    const slice = this.#octets.subarray(this.#offset, this.#offset + count);
    this.#offset += count;
    return slice;
  }
}

/** Hex octets as AT+CMGS carries them, upper or lower case; throws on anything else. */
export function octetsFromHex(hex: string): Buffer {
  if (hex.length === 0 || hex.length % 2 !== 0 || !/^[0-9A-Fa-f]+$/.test(hex)) {
    throw new PduDecodeError('not-hex', `PDU must be whole hex octets, got ${hex.length} characters${/[^0-9A-Fa-f]/.test(hex) ? ' with non-hex ones' : ''}`);
  }
  return Buffer.from(hex, 'hex');
}

/** Upper-case hex, as modems print PDUs. */
export function hexFromOctets(octets: Buffer): string {
  return octets.toString('hex').toUpperCase();
}
