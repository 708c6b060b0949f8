// SMS-SUBMIT TPDUs for AT+CMGS in PDU mode (3GPP 23.040 §9.2.2.2). The text's alphabet and its
// split into parts come from @switchboard/sms-encoding, so the modem sends exactly the parts the
// service counted and priced; septet packing and headers are done here.
import { encodeMessage } from '@switchboard/sms-encoding';
import { encodeAddress } from './address.js';
import { octetsToHex } from './hex-octets.js';
import { PduError } from './pdu-error.js';
import { fillBitsAfterHeader, headerSeptets, packSeptets } from './septet-packing.js';
import { encodeConcatenationHeader } from './user-data-header.js';
import { encodeRelativeValidity } from './validity-period.js';

/** How to submit a message. */
export interface SmsSubmitOptions {
  /** TP-SRR: ask the SC for an SMS-STATUS-REPORT. Default true: receipts are how Switchboard knows. */
  readonly requestStatusReport?: boolean;
  /** Relative TP-VP, rounded down to the 23.040 scale; without it the SC's default applies. */
  readonly validityMinutes?: number;
  /** The concatenation reference (0–255) shared by all parts; required when the text needs more than one. */
  readonly concatenationReference?: number;
  /** TP-RD: ask the SC to reject a duplicate of a part it already holds. Default false. */
  readonly rejectDuplicates?: boolean;
}

/** One PDU, ready for `AT+CMGS=<tpduLength>` and the prompt. */
export interface SmsSubmitPdu {
  /** SMSC octet `00` (use the SMSC stored in the modem), then the TPDU, in upper-case hex. */
  readonly hex: string;
  /** TPDU octets, the SMSC octet not counted (27.005 §3.5.1). */
  readonly tpduLength: number;
  /** 1-based position of this part. */
  readonly sequence: number;
  readonly totalParts: number;
}

const MTI_SUBMIT = 0x01;
const TP_RD = 0x04;
const TP_VPF_RELATIVE = 0x10;
const TP_SRR = 0x20;
const TP_UDHI = 0x40;
const TP_MR_ASSIGNED_BY_MODEM = 0x00;
const TP_PID_PLAIN = 0x00;
const TP_DCS_GSM7 = 0x00;
const TP_DCS_UCS2 = 0x08;
const USE_STORED_SMSC = 0x00;
const MAX_PARTS = 255;

function concatenationReference(options: SmsSubmitOptions, parts: number): number {
  const reference = options.concatenationReference;
  if (parts > MAX_PARTS) {
    throw new PduError('TP-UDH', `text needs ${parts} parts; a concatenated message holds at most ${MAX_PARTS}`);
  }
  if (reference === undefined) {
    throw new PduError('concatenationReference', `text needs ${parts} parts; pass a reference from 0 to 255 shared by them`);
  }
  if (!Number.isInteger(reference) || reference < 0 || reference > 0xff) {
    throw new PduError('concatenationReference', `must be an integer from 0 to 255, got ${reference}`);
  }
  return reference;
}

/**
 * Encodes a text to a destination as SMS-SUBMIT PDUs: GSM-7 when every character is in the
 * default alphabet or its extension table, else UCS-2; one PDU when it fits, else concatenated
 * parts with an 8-bit-reference header (23.040 §9.2.3.24.1).
 *
 * @param destination `+` and digits (international), or digits alone (a short code).
 * @throws {PduError} for a malformed destination, a validity below 5 minutes, or a missing or
 *   out-of-range concatenation reference when the text needs several parts.
 */
export function encodeSmsSubmit(destination: string, text: string, options: SmsSubmitOptions = {}): SmsSubmitPdu[] {
  const address = encodeAddress(destination);
  const validity = options.validityMinutes === undefined ? [] : [encodeRelativeValidity(options.validityMinutes)];
  const message = encodeMessage(text);
  if (message.alphabet === 'latin1') throw new PduError('TP-DCS', 'Latin-1 is not an SMS-SUBMIT alphabet');
  const septets = message.alphabet === 'gsm7';
  const totalParts = message.segments.length;
  const concatenated = totalParts > 1;
  const reference = concatenated ? concatenationReference(options, totalParts) : 0;

  const firstOctet =
    MTI_SUBMIT |
    (options.rejectDuplicates === true ? TP_RD : 0) |
    (validity.length > 0 ? TP_VPF_RELATIVE : 0) |
    (options.requestStatusReport === false ? 0 : TP_SRR) |
    (concatenated ? TP_UDHI : 0);

  return message.segments.map((segment, index) => {
    const header = concatenated ? encodeConcatenationHeader(reference, totalParts, index + 1) : new Uint8Array(0);
    const body = septets ? packSeptets(segment, fillBitsAfterHeader(header.length)) : segment;
    const userDataLength = septets ? headerSeptets(header.length) + segment.length : header.length + segment.length;
    const tpdu = Uint8Array.from([
      firstOctet,
      TP_MR_ASSIGNED_BY_MODEM,
      ...address,
      TP_PID_PLAIN,
      septets ? TP_DCS_GSM7 : TP_DCS_UCS2,
      ...validity,
      userDataLength,
      ...header,
      ...body,
    ]);
    return {
      hex: octetsToHex(Uint8Array.from([USE_STORED_SMSC, ...tpdu])),
      tpduLength: tpdu.length,
      sequence: index + 1,
      totalParts,
    };
  });
}
