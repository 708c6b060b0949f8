// The answers of AT+CMGL and AT+CMGR in PDU mode (27.005 §3.4.2, §3.4.3): a header line per
// message, its PDU on the next line. Decoding the PDU is pdu/received-pdu.ts's job.
import { AtProtocolError } from './at-errors.js';
import { integerField, resultParameters, splitResultFields } from './result-fields.js';

/** 27.005 <stat> in PDU mode. */
export type StoredMessageStatus = 'received-unread' | 'received-read' | 'stored-unsent' | 'stored-sent';

/** One message as the modem's store holds it. */
export interface StoredMessage {
  /** Storage index, for AT+CMGR/AT+CMGD; undefined for +CMGR, which names none. */
  readonly index: number | undefined;
  readonly status: StoredMessageStatus;
  /** TPDU octets, the SMSC information not counted: pass it to `decodeReceivedPdu`. */
  readonly tpduLength: number;
  readonly pdu: string;
}

const STATUSES: readonly StoredMessageStatus[] = ['received-unread', 'received-read', 'stored-unsent', 'stored-sent'];

/**
 * Pairs the header and PDU lines of an AT+CMGL or AT+CMGR answer.
 *
 * @param command the command whose lines these are, for the error.
 * @throws {AtProtocolError} when a header is malformed or its PDU line is missing.
 */
export function readStoredMessages(command: string, lines: readonly string[]): StoredMessage[] {
  const messages: StoredMessage[] = [];
  for (let index = 0; index < lines.length; index++) {
    const header = lines[index] ?? '';
    const listed = header.toUpperCase().startsWith('+CMGL:');
    if (!listed && !header.toUpperCase().startsWith('+CMGR:')) continue;
    // +CMGL: <index>,<stat>,[<alpha>],<length>   +CMGR: <stat>,[<alpha>],<length>
    const fields = splitResultFields(resultParameters(header));
    const storageIndex = listed ? integerField(fields[0]) : undefined;
    const status = STATUSES[integerField(fields[listed ? 1 : 0]) ?? -1];
    const tpduLength = integerField(fields.at(-1));
    const pdu = lines[index + 1];
    if ((listed && storageIndex === undefined) || status === undefined || tpduLength === undefined) {
      throw new AtProtocolError(command, `unreadable message header ${JSON.stringify(header)}`, lines);
    }
    if (pdu === undefined || !/^(?:[0-9A-Fa-f]{2})+$/.test(pdu)) {
      throw new AtProtocolError(command, `no PDU line after ${JSON.stringify(header)}`, lines);
    }
    messages.push({ index: storageIndex, status, tpduLength, pdu });
    index += 1;
  }
  return messages;
}
