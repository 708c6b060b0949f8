/**
 * Source and destination addressing for submit_sm (SMPP 3.4 §5.2.5 TON, §5.2.6 NPI).
 */

/** An address with its type of number and numbering plan indicator. */
export interface SmppAddress {
  readonly ton: number;
  readonly npi: number;
  readonly addr: string;
}

/** Why an address cannot be sent; the message must not be retried on any SMPP route as is. */
export class InvalidAddressError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidAddressError';
  }
}

const TON_INTERNATIONAL = 1;
const TON_NETWORK_SPECIFIC = 3;
const TON_ALPHANUMERIC = 5;
const NPI_UNKNOWN = 0;
const NPI_ISDN = 1;

/**
 * Classifies a sender: `+E.164` → international/ISDN, up to 8 digits → short code (network
 * specific), other digit strings → international, anything else → alphanumeric. 3GPP 23.040
 * §9.1.2.5 limits alphanumeric originators to 11 GSM characters.
 */
export function sourceAddress(sender: string): SmppAddress {
  const value = sender.trim();
  if (value === '') throw new InvalidAddressError('sender is empty');
  if (/^\+\d{1,15}$/.test(value)) return { ton: TON_INTERNATIONAL, npi: NPI_ISDN, addr: value.slice(1) };
  if (/^\d{1,8}$/.test(value)) return { ton: TON_NETWORK_SPECIFIC, npi: NPI_UNKNOWN, addr: value };
  if (/^\d{9,15}$/.test(value)) return { ton: TON_INTERNATIONAL, npi: NPI_ISDN, addr: value };
  // source_addr is a C-octet string of ASCII; carriers reject other bytes in alphanumeric senders.
  if (!/^[\x20-\x7e]{1,11}$/.test(value)) {
    throw new InvalidAddressError('alphanumeric sender must be 1-11 printable ASCII characters');
  }
  return { ton: TON_ALPHANUMERIC, npi: NPI_UNKNOWN, addr: value };
}

/** A destination in E.164 (`+4915112345678`) as international/ISDN digits without the `+`. */
export function destinationAddress(to: string): SmppAddress {
  const value = to.trim();
  if (!/^\+?[1-9]\d{5,14}$/.test(value)) throw new InvalidAddressError('destination is not an E.164 number');
  return { ton: TON_INTERNATIONAL, npi: NPI_ISDN, addr: value.replace(/^\+/, '') };
}
