// Reads SMS-STATUS-REPORT TPDUs (3GPP 23.040 §9.2.2.3): the receipts that +CDS brings (with
// AT+CNMI=…,…,…,1) or +CDSI points at. TP-MR and the recipient tie a report to the part that
// +CMGS answered with that reference.
import { readAddress, type SmsAddress } from './address.js';
import { decodeDataCodingScheme, type DataCodingScheme } from './data-coding-scheme.js';
import { classifyDeliveryStatus, type DeliveryStatus } from './delivery-status.js';
import type { OctetReader } from './octet-reader.js';
import { readTimestamp, type SmsTimestamp } from './timestamp.js';
import { readUserData, type UserData } from './user-data.js';

/** A decoded SMS-STATUS-REPORT. */
export interface SmsStatusReport {
  readonly type: 'sms-status-report';
  /** TP-MR of the SMS-SUBMIT this reports on: the number +CMGS answered with. */
  readonly messageReference: number;
  readonly recipient: SmsAddress;
  /** When the SC received the SMS-SUBMIT. */
  readonly serviceCentreTimestamp: SmsTimestamp;
  /** TP-DT: when the SC delivered it, or last tried, or gave up. */
  readonly dischargeTime: SmsTimestamp;
  readonly status: DeliveryStatus;
  /** TP-SRQ: true when this reports on an SMS-COMMAND rather than an SMS-SUBMIT. */
  readonly reportsOnCommand: boolean;
  readonly moreMessagesWaiting: boolean;
  /** Optional fields after TP-ST, present when TP-PI says so. */
  readonly protocolIdentifier: number | undefined;
  readonly dataCoding: DataCodingScheme | undefined;
  readonly userData: UserData | undefined;
}

const PI_PID = 0x01;
const PI_DCS = 0x02;
const PI_UDL = 0x04;
const PI_EXTENSION = 0x80;

/**
 * Reads an SMS-STATUS-REPORT from its first octet (the caller has checked TP-MTI is 10).
 *
 * @throws {PduError} naming the field that is malformed or cut short.
 */
export function readSmsStatusReport(reader: OctetReader): SmsStatusReport {
  const firstOctet = reader.readOctet('first octet');
  const messageReference = reader.readOctet('TP-MR');
  const recipient = readAddress(reader, 'TP-RA');
  const serviceCentreTimestamp = readTimestamp(reader, 'TP-SCTS');
  const dischargeTime = readTimestamp(reader, 'TP-DT');
  const status = classifyDeliveryStatus(reader.readOctet('TP-ST'));

  // 23.040 §9.2.3.27: TP-PI is optional; an extension bit chains more indicator octets whose
  // bits are reserved, so they are read and ignored.
  let indicator = 0;
  if (reader.remaining > 0) {
    indicator = reader.readOctet('TP-PI');
    for (let octet = indicator; octet & PI_EXTENSION; ) octet = reader.readOctet('TP-PI');
  }
  const protocolIdentifier = indicator & PI_PID ? reader.readOctet('TP-PID') : undefined;
  const dataCoding = indicator & PI_DCS ? decodeDataCodingScheme(reader.readOctet('TP-DCS')) : undefined;
  const userData =
    indicator & PI_UDL
      ? readUserData(reader, dataCoding ?? decodeDataCodingScheme(0), (firstOctet & 0x40) !== 0)
      : undefined;
  reader.expectEnd(userData === undefined ? 'TP-PI' : 'TP-UD');

  return {
    type: 'sms-status-report',
    messageReference,
    recipient,
    serviceCentreTimestamp,
    dischargeTime,
    status,
    reportsOnCommand: (firstOctet & 0x20) !== 0,
    moreMessagesWaiting: (firstOctet & 0x04) === 0,
    protocolIdentifier,
    dataCoding,
    userData,
  };
}
