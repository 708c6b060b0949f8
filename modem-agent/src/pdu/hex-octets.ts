// PDUs travel over AT as hex text (27.005 §3.1); everything else in pdu/ works on octets.
import { PduError } from './pdu-error.js';

const HEX_OCTETS = /^(?:[0-9A-Fa-f]{2})*$/;

/**
 * Parses hex text into octets.
 *
 * @throws {PduError} when the text is not whole hex octets.
 */
export function hexToOctets(hex: string, field = 'PDU'): Uint8Array {
  if (!HEX_OCTETS.test(hex)) {
    const bad = /[^0-9A-Fa-f]/.exec(hex);
    const problem =
      bad === null
        ? `odd number of hex digits (${hex.length})`
        : `not a hex digit: ${JSON.stringify(bad[0])} at character ${bad.index}`;
    throw new PduError(field, problem);
  }
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

/** Upper-case hex, the form modems echo and the published vectors use. */
export function octetsToHex(octets: Uint8Array): string {
  return Buffer.from(octets).toString('hex').toUpperCase();
}
