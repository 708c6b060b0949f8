// Reads SMS-DELIVER TPDUs (3GPP 23.040 §9.2.2.1): the messages a modem receives, from +CMT or
// read back with +CMGR/+CMGL.
import { readAddress, type SmsAddress } from './address.js';
import { decodeDataCodingScheme, type DataCodingScheme } from './data-coding-scheme.js';
import type { OctetReader } from './octet-reader.js';
import { readTimestamp, type SmsTimestamp } from './timestamp.js';
import { readUserData, type UserData } from './user-data.js';

/** A decoded SMS-DELIVER. */
export interface SmsDeliver {
  readonly type: 'sms-deliver';
  /** TP-MMS is 0 when the SC holds more messages for this modem. */
  readonly moreMessagesWaiting: boolean;
  readonly loopPrevention: boolean;
  /** TP-SRI: the sender asked for a status report. */
  readonly statusReportIndicated: boolean;
  readonly replyPath: boolean;
  readonly originator: SmsAddress;
  readonly protocolIdentifier: number;
  readonly dataCoding: DataCodingScheme;
  readonly serviceCentreTimestamp: SmsTimestamp;
  readonly userData: UserData;
}

/**
 * Reads an SMS-DELIVER from its first octet (the caller has checked TP-MTI is 00).
 *
 * @throws {PduError} naming the field that is malformed or cut short.
 */
export function readSmsDeliver(reader: OctetReader): SmsDeliver {
  const firstOctet = reader.readOctet('first octet');
  const originator = readAddress(reader, 'TP-OA');
  const protocolIdentifier = reader.readOctet('TP-PID');
  const dataCoding = decodeDataCodingScheme(reader.readOctet('TP-DCS'));
  const serviceCentreTimestamp = readTimestamp(reader, 'TP-SCTS');
  const userData = readUserData(reader, dataCoding, (firstOctet & 0x40) !== 0);
  reader.expectEnd('TP-UD');
  return {
    type: 'sms-deliver',
    moreMessagesWaiting: (firstOctet & 0x04) === 0,
    loopPrevention: (firstOctet & 0x08) !== 0,
    statusReportIndicated: (firstOctet & 0x20) !== 0,
    replyPath: (firstOctet & 0x80) !== 0,
    originator,
    protocolIdentifier,
    dataCoding,
    serviceCentreTimestamp,
    userData,
  };
}
