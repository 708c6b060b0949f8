// The user data header (3GPP 23.040 §9.2.3.24): a length octet, then information elements as
// identifier, length, data. Concatenation (IEI 0x00, 8-bit reference; 0x08, 16-bit) is the one
// element Switchboard acts on; the rest are kept raw.
import { PduError } from './pdu-error.js';

/** One information element, undecoded. */
export interface InformationElement {
  readonly identifier: number;
  readonly data: Uint8Array;
}

/** Where a part sits in a concatenated message (23.040 §9.2.3.24.1 and §9.2.3.24.8). */
export interface Concatenation {
  readonly reference: number;
  /** 8 for IEI 0x00, 16 for IEI 0x08: a 16-bit reference is a different message from an 8-bit one. */
  readonly referenceBits: 8 | 16;
  readonly totalParts: number;
  /** 1-based. */
  readonly sequence: number;
}

/** A decoded user data header. */
export interface UserDataHeader {
  readonly elements: readonly InformationElement[];
  /** Undefined when no valid concatenation element is present. */
  readonly concatenation: Concatenation | undefined;
}

const IEI_CONCATENATION_8BIT = 0x00;
const IEI_CONCATENATION_16BIT = 0x08;

/** The 6-octet header of one part of an 8-bit-reference concatenated message, length octet included. */
export function encodeConcatenationHeader(reference: number, totalParts: number, sequence: number): Uint8Array {
  return Uint8Array.from([0x05, IEI_CONCATENATION_8BIT, 0x03, reference, totalParts, sequence]);
}

function concatenationOf(element: InformationElement): Concatenation | undefined {
  const { identifier, data } = element;
  const referenceBits = identifier === IEI_CONCATENATION_8BIT ? 8 : identifier === IEI_CONCATENATION_16BIT ? 16 : undefined;
  if (referenceBits === undefined || data.length !== referenceBits / 8 + 2) return undefined;
  const reference = referenceBits === 8 ? (data[0] ?? 0) : ((data[0] ?? 0) << 8) | (data[1] ?? 0);
  const totalParts = data.at(-2) ?? 0;
  const sequence = data.at(-1) ?? 0;
  // 23.040 §9.2.3.24.1: a zero count, a zero sequence or one past the count voids the element.
  if (totalParts === 0 || sequence === 0 || sequence > totalParts) return undefined;
  return { reference, referenceBits, totalParts, sequence };
}

/**
 * Decodes a header from the user data's first octets (`userData[0]` is its length). An element
 * that overruns the header voids the whole header, as 23.040 §9.2.3.24 tells a receiver; the text
 * after it is still read.
 *
 * @param offset the user data's offset in the PDU, for error messages.
 * @throws {PduError} when the header length overruns the user data, so no text can be found.
 */
export function decodeUserDataHeader(userData: Uint8Array, offset: number): UserDataHeader {
  const headerLength = userData[0];
  if (headerLength === undefined) throw new PduError('TP-UDH', 'TP-UDHI is set but the user data is empty', offset);
  if (1 + headerLength > userData.length) {
    throw new PduError('TP-UDH', `header length ${headerLength} overruns the ${userData.length - 1} octets of user data`, offset);
  }
  const elements: InformationElement[] = [];
  let index = 1;
  while (index < 1 + headerLength) {
    const identifier = userData[index] ?? 0;
    const length = userData[index + 1];
    if (length === undefined || index + 2 + length > 1 + headerLength) return { elements: [], concatenation: undefined };
    elements.push({ identifier, data: userData.slice(index + 2, index + 2 + length) });
    index += 2 + length;
  }
  // 23.040 §9.2.3.24: when an element repeats, the last occurrence counts.
  const concatenation = elements.map(concatenationOf).findLast((found) => found !== undefined);
  return { elements, concatenation };
}
