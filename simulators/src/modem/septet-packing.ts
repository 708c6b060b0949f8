/**
 * GSM 7-bit packing (3GPP 23.038 §6.1.2.1.1): septets laid least significant bit first into
 * octets. `fillBits` zero bits come first, so that text after a user data header starts on a
 * septet boundary (23.040 §9.2.3.24).
 */

/** Packs septets (0..127) after `fillBits` (0..6) zero bits. */
export function packSeptets(septets: readonly number[], fillBits = 0): Buffer {
  const totalBits = fillBits + septets.length * 7;
  const out = Buffer.alloc(Math.ceil(totalBits / 8));
  septets.forEach((septet, index) => {
    const bit = fillBits + index * 7;
    const at = bit >> 3;
    const shift = bit & 7;
    out[at] = (out[at] ?? 0) | ((septet << shift) & 0xff);
    if (shift > 1) out[at + 1] = (out[at + 1] ?? 0) | (septet >> (8 - shift));
  });
  return out;
}

/** Reads `count` septets starting `firstSeptet` septets into `octets`. */
export function unpackSeptets(octets: Buffer, count: number, firstSeptet = 0): number[] {
  const septets: number[] = [];
  for (let index = firstSeptet; index < firstSeptet + count; index += 1) {
    const bit = index * 7;
    const at = bit >> 3;
    const shift = bit & 7;
    const word = (octets[at] ?? 0) | ((octets[at + 1] ?? 0) << 8);
    septets.push((word >> shift) & 0x7f);
  }
  return septets;
}

/** Septets a user data header of `headerOctets` (UDHL octet included) takes, fill bits included. */
export function headerSeptets(headerOctets: number): number {
  return Math.ceil((headerOctets * 8) / 7);
}
