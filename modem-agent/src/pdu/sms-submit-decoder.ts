// Reads SMS-SUBMIT TPDUs (3GPP 23.040 §9.2.2.2): what +CMGL lists for messages stored as sent or
// unsent, and the check that what the encoder wrote reads back as meant.
import { readAddress, type SmsAddress } from './address.js';
import { decodeDataCodingScheme, type DataCodingScheme } from './data-coding-scheme.js';
import type { OctetReader } from './octet-reader.js';
import { readTimestamp, type SmsTimestamp } from './timestamp.js';
import { readUserData, type UserData } from './user-data.js';
import { relativeValidityMinutes } from './validity-period.js';

/** TP-VP in whichever of the three formats TP-VPF selects (23.040 §9.2.3.12). */
export type ValidityPeriod =
  | { readonly format: 'relative'; readonly minutes: number }
  | { readonly format: 'absolute'; readonly expires: SmsTimestamp }
  | { readonly format: 'enhanced'; readonly octets: Uint8Array };

/** A decoded SMS-SUBMIT. */
export interface SmsSubmit {
  readonly type: 'sms-submit';
  readonly rejectDuplicates: boolean;
  readonly statusReportRequested: boolean;
  readonly replyPath: boolean;
  /** TP-MR as stored; 0 in a PDU written for AT+CMGS, where the modem assigns it. */
  readonly messageReference: number;
  readonly destination: SmsAddress;
  readonly protocolIdentifier: number;
  readonly dataCoding: DataCodingScheme;
  readonly validityPeriod: ValidityPeriod | undefined;
  readonly userData: UserData;
}

const VPF_ENHANCED = 1;
const VPF_RELATIVE = 2;
const VPF_ABSOLUTE = 3;
const ENHANCED_VP_OCTETS = 7;

function readValidityPeriod(reader: OctetReader, format: number): ValidityPeriod | undefined {
  switch (format) {
    case VPF_RELATIVE:
      return { format: 'relative', minutes: relativeValidityMinutes(reader.readOctet('TP-VP')) };
    case VPF_ABSOLUTE:
      return { format: 'absolute', expires: readTimestamp(reader, 'TP-VP') };
    case VPF_ENHANCED:
      return { format: 'enhanced', octets: reader.readOctets(ENHANCED_VP_OCTETS, 'TP-VP').slice() };
    default:
      return undefined;
  }
}

/**
 * Reads an SMS-SUBMIT from its first octet (the caller has checked TP-MTI is 01).
 *
 * @throws {PduError} naming the field that is malformed or cut short.
 */
export function readSmsSubmit(reader: OctetReader): SmsSubmit {
  const firstOctet = reader.readOctet('first octet');
  const messageReference = reader.readOctet('TP-MR');
  const destination = readAddress(reader, 'TP-DA');
  const protocolIdentifier = reader.readOctet('TP-PID');
  const dataCoding = decodeDataCodingScheme(reader.readOctet('TP-DCS'));
  const validityPeriod = readValidityPeriod(reader, (firstOctet >> 3) & 0x03);
  const userData = readUserData(reader, dataCoding, (firstOctet & 0x40) !== 0);
  reader.expectEnd('TP-UD');
  return {
    type: 'sms-submit',
    rejectDuplicates: (firstOctet & 0x04) !== 0,
    statusReportRequested: (firstOctet & 0x20) !== 0,
    replyPath: (firstOctet & 0x80) !== 0,
    messageReference,
    destination,
    protocolIdentifier,
    dataCoding,
    validityPeriod,
    userData,
  };
}
