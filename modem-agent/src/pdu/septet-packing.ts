// GSM-7 user data is packed: septets laid LSB first into consecutive octets (3GPP 23.038 §6.1.2.1.1).
// After a user data header the septets start on a septet boundary counted from the start of the
// user data, so 0–6 fill bits separate the header from the text (23.040 §9.2.3.24).

const SEPTET_MASK = 0x7f;

/** Fill bits between a user data header of `headerOctets` octets and the first septet. */
export function fillBitsAfterHeader(headerOctets: number): number {
  return (7 - ((headerOctets * 8) % 7)) % 7;
}

/** Septets a header of `headerOctets` octets occupies, fill bits included (what TP-UDL counts). */
export function headerSeptets(headerOctets: number): number {
  return Math.ceil((headerOctets * 8) / 7);
}

/** Packs septets (values 0–127) into octets, after `fillBits` zero bits. */
export function packSeptets(septets: Uint8Array, fillBits = 0): Uint8Array {
  const octets: number[] = [];
  let pending = 0;
  let pendingBits = fillBits;
  for (const septet of septets) {
    pending |= (septet & SEPTET_MASK) << pendingBits;
    pendingBits += 7;
    while (pendingBits >= 8) {
      octets.push(pending & 0xff);
      pending >>>= 8;
      pendingBits -= 8;
    }
  }
  if (pendingBits > 0) octets.push(pending & 0xff);
  return Uint8Array.from(octets);
}

/**
 * Unpacks `count` septets from packed octets, skipping `fillBits` leading bits. The caller checks
 * that the octets hold them; missing octets read as zero bits.
 */
export function unpackSeptets(octets: Uint8Array, count: number, fillBits = 0): Uint8Array {
  const septets = new Uint8Array(count);
  for (let index = 0; index < count; index++) {
    const bit = fillBits + index * 7;
    const low = octets[bit >> 3] ?? 0;
    const high = octets[(bit >> 3) + 1] ?? 0;
    septets[index] = ((low >> (bit & 7)) | (high << (8 - (bit & 7)))) & SEPTET_MASK;
  }
  return septets;
}

/** Octets that `count` septets after `fillBits` fill bits occupy. */
export function packedLength(count: number, fillBits = 0): number {
  return Math.ceil((fillBits + count * 7) / 8);
}
