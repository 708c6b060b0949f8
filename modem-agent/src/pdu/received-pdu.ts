// The one entry for PDUs a modem hands over: +CMT and +CDS lines, and +CMGR/+CMGL listings. Each
// carries SMSC information in front of the TPDU (27.005 §3.1 <pdu>); TP-MTI then says which TPDU
// follows. Some modems leave the SMSC information out of +CDS: the length the modem announced
// with the PDU tells the two apart.
import { readSmscAddress, type SmsAddress } from './address.js';
import { hexToOctets } from './hex-octets.js';
import { OctetReader } from './octet-reader.js';
import { PduError } from './pdu-error.js';
import { readSmsDeliver, type SmsDeliver } from './sms-deliver-decoder.js';
import { readSmsSubmit, type SmsSubmit } from './sms-submit-decoder.js';
import { readSmsStatusReport, type SmsStatusReport } from './status-report-decoder.js';

/** A TPDU a modem can hold or report: stored SUBMITs appear in listings next to received messages. */
export type ReceivedTpdu = SmsDeliver | SmsSubmit | SmsStatusReport;

/** A decoded PDU as the modem delivered it. */
export interface ReceivedPdu {
  /** The SMSC that handled it; undefined for `00` or when the modem sent no SMSC information. */
  readonly smsc: SmsAddress | undefined;
  readonly tpdu: ReceivedTpdu;
}

/** What the modem said alongside the PDU. */
export interface ReceivedPduOptions {
  /** The `<length>` of +CMT, +CDS, +CMGR or +CMGL: TPDU octets, SMSC information not counted. */
  readonly tpduLength?: number;
}

// TP-MTI as seen by a mobile receiving or reading back from its store (23.040 §9.2.3.1).
const MTI_DELIVER = 0;
const MTI_SUBMIT = 1;
const MTI_STATUS_REPORT = 2;

function hasSmscInformation(octets: Uint8Array, tpduLength: number | undefined): boolean {
  if (tpduLength === undefined) return true;
  if (octets.length === tpduLength) return false;
  const withSmsc = 1 + (octets[0] ?? 0) + tpduLength;
  if (octets.length === withSmsc) return true;
  throw new PduError(
    'PDU',
    `the modem announced a ${tpduLength}-octet TPDU but the PDU has ${octets.length} octets, ` +
      `neither the TPDU alone nor ${withSmsc} with its SMSC information`,
  );
}

/**
 * Decodes a PDU from +CMT, +CDS, +CMGR or +CMGL.
 *
 * @throws {PduError} naming the field and octet offset when the PDU is malformed, cut short, has
 *   octets left over, or is of a type the modem should not hand over.
 */
export function decodeReceivedPdu(hex: string, options: ReceivedPduOptions = {}): ReceivedPdu {
  const octets = hexToOctets(hex);
  const reader = new OctetReader(octets);
  const smsc = hasSmscInformation(octets, options.tpduLength) ? readSmscAddress(reader) : undefined;
  const mtiOffset = reader.offset;
  const firstOctet = octets[mtiOffset];
  if (firstOctet === undefined) throw new PduError('first octet', 'PDU ends before the TPDU', mtiOffset);
  const mti = firstOctet & 0x03;
  switch (mti) {
    case MTI_DELIVER:
      return { smsc, tpdu: readSmsDeliver(reader) };
    case MTI_SUBMIT:
      return { smsc, tpdu: readSmsSubmit(reader) };
    case MTI_STATUS_REPORT:
      return { smsc, tpdu: readSmsStatusReport(reader) };
    default:
      throw new PduError('TP-MTI', 'message type 11 is reserved', mtiOffset);
  }
}
