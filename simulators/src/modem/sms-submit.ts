/**
 * SMS-SUBMIT as the host hands it to AT+CMGS (3GPP 27.005 §3.5.1): the SMSC address (24.011),
 * then the TPDU of 23.040 §9.2.2.2, read with the emulator's own codec so it checks what the
 * modem agent encodes rather than agreeing with it.
 */
import { OctetReader, octetsFromHex } from './octet-reader.js';
import { PduDecodeError } from './pdu-errors.js';
import { readAddress, readServiceCentre, type SmsAddress } from './sms-address.js';
import { readTimestamp } from './sms-timestamp.js';
import { concatenationOf, readDataCoding, readUserData, type Concatenation, type DataCoding, type InformationElement } from './user-data.js';

/** TP-VP as given, by its format (TP-VPF, 23.040 §9.2.3.3 and §9.2.3.12). */
export type ValidityPeriod =
  | { readonly format: 'none' }
  | { readonly format: 'relative'; readonly seconds: number }
  | { readonly format: 'absolute'; readonly until: Date }
  | { readonly format: 'enhanced'; readonly octets: Buffer };

export interface SmsSubmit {
  /** The SMSC address in front of the TPDU; null for `00` (the one stored in the modem). */
  readonly serviceCentre: string | null;
  readonly rejectDuplicates: boolean;
  readonly replyPath: boolean;
  readonly statusReportRequested: boolean;
  /** TP-MR as the host wrote it; the modem replaces it with its own (see `ModemEmulator.sent()`). */
  readonly messageReference: number;
  readonly destination: SmsAddress;
  readonly protocolId: number;
  readonly dataCodingScheme: number;
  readonly dataCoding: DataCoding;
  readonly validity: ValidityPeriod;
  readonly header: readonly InformationElement[];
  readonly concatenation: Concatenation | null;
  /** Unpacked septets (GSM-7) or the octets (UCS-2, 8-bit) after the header. */
  readonly payload: Buffer;
  /** The text of this part; empty for 8-bit data. */
  readonly text: string;
  readonly problems: readonly string[];
  /** Octets after the SMSC address: what the `<length>` of AT+CMGS must count. */
  readonly tpduLength: number;
}

const MTI_SUBMIT = 0x01;

/** 23.040 §9.2.3.12.1: the relative TP-VP octet in seconds. */
export function relativeValiditySeconds(vp: number): number {
  if (vp <= 143) return (vp + 1) * 5 * 60;
  if (vp <= 167) return 12 * 3600 + (vp - 143) * 30 * 60;
  if (vp <= 196) return (vp - 166) * 86_400;
  return (vp - 192) * 7 * 86_400;
}

function readValidity(reader: OctetReader, vpf: number): ValidityPeriod {
  switch (vpf) {
    case 0b10:
      return { format: 'relative', seconds: relativeValiditySeconds(reader.octet('TP-VP')) };
    case 0b11:
      return { format: 'absolute', until: readTimestamp(reader, 'TP-VP') };
    case 0b01:
      return { format: 'enhanced', octets: Buffer.from(reader.take(7, 'TP-VP (enhanced)')) };
    default:
      return { format: 'none' };
  }
}

/**
 * Decodes `hex` (SMSC address + TPDU) and checks it against the `<length>` given to AT+CMGS.
 *
 * @throws {PduDecodeError} naming the first thing wrong with it.
 */
export function decodeSubmitPdu(hex: string, declaredTpduLength?: number): SmsSubmit {
  const octets = octetsFromHex(hex);
  const reader = new OctetReader(octets);
  const serviceCentre = readServiceCentre(reader);
  const tpduLength = reader.remaining;
  if (declaredTpduLength !== undefined && declaredTpduLength !== tpduLength) {
    throw new PduDecodeError(
      'length-mismatch',
      `AT+CMGS=${declaredTpduLength} but the TPDU after the SMSC address has ${tpduLength} octets (the length must not count the SMSC part, 27.005 §3.5.1)`,
    );
  }
  const firstOctet = reader.octet('first octet');
  if ((firstOctet & 0x03) !== MTI_SUBMIT) {
    throw new PduDecodeError('not-submit', `TP-MTI is ${firstOctet & 0x03}, an SMS-SUBMIT has 1 (first octet 0x${firstOctet.toString(16).padStart(2, '0')})`);
  }
  const messageReference = reader.octet('TP-MR');
  const destination = readAddress(reader, 'TP-DA');
  if (destination.address.length === 0) throw new PduDecodeError('bad-address', 'TP-DA is empty');
  const protocolId = reader.octet('TP-PID');
  const dataCodingScheme = reader.octet('TP-DCS');
  const dataCoding = readDataCoding(dataCodingScheme);
  const validity = readValidity(reader, (firstOctet >> 3) & 0x03);
  const udl = reader.octet('TP-UDL');
  const hasHeader = (firstOctet & 0x40) !== 0;
  const userData = readUserData(udl, reader.take(reader.remaining, 'TP-UD'), dataCoding.alphabet, hasHeader);
  return {
    serviceCentre,
    rejectDuplicates: (firstOctet & 0x04) !== 0,
    replyPath: (firstOctet & 0x80) !== 0,
    statusReportRequested: (firstOctet & 0x20) !== 0,
    messageReference,
    destination,
    protocolId,
    dataCodingScheme,
    dataCoding,
    validity,
    header: userData.header,
    concatenation: concatenationOf(userData.header),
    payload: userData.payload,
    text: userData.text,
    problems: userData.problems,
    tpduLength,
  };
}
