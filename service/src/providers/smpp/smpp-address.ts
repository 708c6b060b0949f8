/**
 * Source and destination addressing for submit_sm (SMPP 3.4 §5.2.5 TON, §5.2.6 NPI).
 */
import { gsm7Septets } from '@switchboard/sms-encoding';

/** An address with its type of number and numbering plan indicator. */
export interface SmppAddress {
  readonly ton: number;
  readonly npi: number;
  readonly addr: string;
}

/** What a sender is, which decides its TON/NPI. */
export type SenderKind = 'alphanumeric' | 'short-code' | 'international';

/** A sender as submit_sm carries it, with what it was recognised as. */
export interface SourceAddress extends SmppAddress {
  readonly kind: SenderKind;
}

/** TON and/or NPI a carrier wants instead of the usual ones. */
export interface TonNpiOverride {
  readonly ton?: number | undefined;
  readonly npi?: number | undefined;
}

/**
 * Per-provider TON/NPI overrides by sender kind, e.g. `{ 'short-code': { ton: 0 } }` for carriers
 * that want short codes as TON unknown. Kinds not named keep the usual TON/NPI.
 */
export type SourceAddressOverrides = Readonly<Partial<Record<SenderKind, TonNpiOverride>>>;

/** Stable reasons an address is refused. */
export type AddressProblem =
  | 'empty'
  | 'not-e164'
  | 'national-number'
  | 'too-short'
  | 'too-long'
  | 'not-ascii'
  | 'not-gsm7'
  | 'invalid-ton-npi';

/** Why an address cannot be sent; the message must not be retried on any SMPP route as is. */
export class InvalidAddressError extends Error {
  readonly problem: AddressProblem;

  constructor(problem: AddressProblem, message: string) {
    super(message);
    this.name = 'InvalidAddressError';
    this.problem = problem;
  }
}

const TON_INTERNATIONAL = 1;
const TON_NETWORK_SPECIFIC = 3;
const TON_ALPHANUMERIC = 5;
const NPI_UNKNOWN = 0;
const NPI_ISDN = 1;

// SMPP 3.4 §5.2.5 defines TON 0-6; §5.2.6 defines these NPIs.
const MAX_TON = 6;
const NPIS: ReadonlySet<number> = new Set([0, 1, 3, 4, 6, 8, 9, 10, 14, 18]);

const USUAL_TON_NPI: Readonly<Record<SenderKind, { ton: number; npi: number }>> = {
  alphanumeric: { ton: TON_ALPHANUMERIC, npi: NPI_UNKNOWN },
  'short-code': { ton: TON_NETWORK_SPECIFIC, npi: NPI_UNKNOWN },
  international: { ton: TON_INTERNATIONAL, npi: NPI_ISDN },
};

const SHORT_CODE_DIGITS = { min: 3, max: 8 };
const E164_MAX_DIGITS = 15;
// 3GPP 23.040 §9.1.2.5: the address value holds 10 octets, so 11 packed GSM-7 septets.
const ALPHANUMERIC_MAX_SEPTETS = 11;
// source_addr is a C-Octet String (SMPP 3.4 §3.1): the library writes a byte per UTF-16 unit,
// so anything beyond printable ASCII arrives mangled.
const PRINTABLE_ASCII = /^[\x20-\x7e]$/;

const E164 = /^\+?[1-9]\d{5,14}$/;
const E164_RULE = '+ and 6-15 digits, the first not 0 (E.164)';

function numericSender(digits: string): { kind: SenderKind; addr: string } {
  if (digits.length < SHORT_CODE_DIGITS.min) {
    throw new InvalidAddressError(
      'too-short',
      `numeric sender has ${digits.length} digits; a short code has ${SHORT_CODE_DIGITS.min}-${SHORT_CODE_DIGITS.max}`,
    );
  }
  if (digits.length <= SHORT_CODE_DIGITS.max) return { kind: 'short-code', addr: digits };
  if (digits.length > E164_MAX_DIGITS) {
    throw new InvalidAddressError('too-long', `numeric sender has ${digits.length} digits; E.164 allows at most ${E164_MAX_DIGITS}`);
  }
  if (digits.startsWith('0')) {
    throw new InvalidAddressError('national-number', 'numeric sender starts with 0, a national number; give it in E.164 with the country code');
  }
  return { kind: 'international', addr: digits };
}

const describeChar = (char: string): string =>
  `${JSON.stringify(char)} (U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')})`;

function alphanumericSender(value: string): { kind: SenderKind; addr: string } {
  for (const char of value) {
    if (!PRINTABLE_ASCII.test(char)) {
      throw new InvalidAddressError('not-ascii', `alphanumeric sender contains ${describeChar(char)}; source_addr carries printable ASCII only`);
    }
    if (gsm7Septets(char) === undefined) {
      throw new InvalidAddressError('not-gsm7', `alphanumeric sender contains ${describeChar(char)}, which is not in the GSM 7-bit alphabet`);
    }
  }
  const septets = gsm7Septets(value) ?? 0;
  if (septets > ALPHANUMERIC_MAX_SEPTETS) {
    throw new InvalidAddressError(
      'too-long',
      `alphanumeric sender takes ${septets} GSM-7 septets ([ ] { } ^ ~ | \\ take 2); 3GPP 23.040 §9.1.2.5 allows ${ALPHANUMERIC_MAX_SEPTETS}`,
    );
  }
  return { kind: 'alphanumeric', addr: value };
}

function tonNpi(kind: SenderKind, override: TonNpiOverride | undefined): { ton: number; npi: number } {
  const ton = override?.ton ?? USUAL_TON_NPI[kind].ton;
  const npi = override?.npi ?? USUAL_TON_NPI[kind].npi;
  if (!Number.isInteger(ton) || ton < 0 || ton > MAX_TON) {
    throw new InvalidAddressError('invalid-ton-npi', `${kind} sender TON override ${String(ton)} is not an SMPP 3.4 §5.2.5 type of number (0-${MAX_TON})`);
  }
  if (!NPIS.has(npi)) {
    throw new InvalidAddressError('invalid-ton-npi', `${kind} sender NPI override ${String(npi)} is not an SMPP 3.4 §5.2.6 numbering plan`);
  }
  return { ton, npi };
}

/**
 * Classifies a sender and gives its TON/NPI: `+E.164` or 9-15 digits → international (TON 1,
 * NPI 1), 3-8 digits → short code (TON 3 network specific, NPI 0), anything else → alphanumeric
 * (TON 5, NPI 0), which must be at most 11 GSM-7 septets of printable ASCII. `overrides` replaces
 * TON and/or NPI per kind for carriers that want others.
 */
export function sourceAddress(sender: string, overrides: SourceAddressOverrides = {}): SourceAddress {
  const value = sender.trim();
  if (value === '') throw new InvalidAddressError('empty', 'sender is empty');

  let classified: { kind: SenderKind; addr: string };
  if (value.startsWith('+')) {
    if (!E164.test(value)) throw new InvalidAddressError('not-e164', `international sender is not ${E164_RULE}`);
    classified = { kind: 'international', addr: value.slice(1) };
  } else if (/^\d+$/.test(value)) {
    classified = numericSender(value);
  } else {
    classified = alphanumericSender(value);
  }
  return { ...tonNpi(classified.kind, overrides[classified.kind]), addr: classified.addr, kind: classified.kind };
}

/** A destination in E.164 (`+4915112345678`) as international/ISDN digits without the `+`. */
export function destinationAddress(to: string): SmppAddress {
  const value = to.trim();
  if (!E164.test(value)) throw new InvalidAddressError('not-e164', `destination is not ${E164_RULE}`);
  return { ton: TON_INTERNATIONAL, npi: NPI_ISDN, addr: value.replace(/^\+/, '') };
}
