/**
 * Delivery receipts as SMSCs send them: SMPP 3.4 Appendix B text in short_message, the §5.3.2
 * TLVs, or both; message ids echoed as issued or re-written in another base (a common carrier
 * quirk the ESME has to match through).
 */
import { TlvTag, cStringTlv, u8Tlv, type DeliverSmFields } from './smsc-pdu.js';

/** Where the receipt carries its facts. */
export type ReceiptStyle = 'text' | 'tlv' | 'both';
/** How message ids are issued in submit_sm_resp. */
export type MessageIdFormat = 'hex' | 'decimal';
/** How receipts write the id: as issued, as upper-case hex, or as decimal (of the same number). */
export type ReceiptIdFormat = 'same' | 'hex' | 'decimal';
/** Appendix B `stat:` values. */
export type ReceiptStat = 'ENROUTE' | 'DELIVRD' | 'EXPIRED' | 'DELETED' | 'UNDELIV' | 'ACCEPTD' | 'UNKNOWN' | 'REJECTD';

/** §5.2.28 message_state for each `stat:`. */
export const MESSAGE_STATE: Readonly<Record<ReceiptStat, number>> = {
  ENROUTE: 1,
  DELIVRD: 2,
  EXPIRED: 3,
  DELETED: 4,
  UNDELIV: 5,
  ACCEPTD: 6,
  UNKNOWN: 7,
  REJECTD: 8,
};

/**
 * The GSM MAP error each state reports (§5.3.2.31 network type 3): unknown subscriber for
 * UNDELIV, absent subscriber for EXPIRED, teleservice not provisioned for REJECTD.
 */
const MAP_ERROR: Readonly<Record<ReceiptStat, number>> = {
  ENROUTE: 0,
  DELIVRD: 0,
  EXPIRED: 27,
  DELETED: 0,
  UNDELIV: 1,
  ACCEPTD: 0,
  UNKNOWN: 0,
  REJECTD: 11,
};

const NETWORK_TYPE_GSM = 3;
/** §5.2.12 esm_class message type of a deliver_sm carrying an SMSC delivery receipt. */
export const ESM_DELIVERY_RECEIPT = 0x04;
/** §5.2.12 esm_class message type of an intermediate delivery notification. */
export const ESM_INTERMEDIATE_NOTIFICATION = 0x20;

/** The id as the receipt reports it. Ids issued as hex are read as hex, decimal ones as decimal. */
export function receiptId(issued: string, issuedAs: MessageIdFormat, format: ReceiptIdFormat): string {
  if (format === 'same') return issued;
  const value = issuedAs === 'hex' ? BigInt(`0x${issued}`) : BigInt(issued);
  return format === 'hex' ? (issuedAs === 'hex' ? issued.toUpperCase() : value.toString(16).toUpperCase()) : value.toString(10);
}

/** Appendix B dates in UTC: YYMMDDhhmm, or YYMMDDhhmmss as many SMSCs write them. */
export function receiptDate(date: Date, withSeconds: boolean): string {
  const iso = date.toISOString(); // 2026-11-05T14:03:22.000Z
  const minutes = iso.slice(2, 4) + iso.slice(5, 7) + iso.slice(8, 10) + iso.slice(11, 13) + iso.slice(14, 16);
  return withSeconds ? minutes + iso.slice(17, 19) : minutes;
}

/** Everything a receipt says about one part. */
export interface ReceiptFacts {
  /** The id as issued in submit_sm_resp. */
  readonly messageId: string;
  readonly issuedAs: MessageIdFormat;
  readonly idFormat: ReceiptIdFormat;
  readonly style: ReceiptStyle;
  readonly stat: ReceiptStat;
  /** True for an intermediate notification (ENROUTE / ACCEPTD, §5.2.17 bit 4). */
  readonly intermediate: boolean;
  readonly submittedAt: Date;
  readonly doneAt: Date;
  readonly dateSeconds: boolean;
  /** False leaves the NUL off receipted_message_id (some SMSCs do). */
  readonly idTlvNul?: boolean | undefined;
  /** The first 20 characters of the part's text when it was GSM text, else empty (Appendix B). */
  readonly quotedText: string;
  /** The submit's destination, which becomes the receipt's source. */
  readonly recipient: { readonly addr: string; readonly ton: number; readonly npi: number };
  /** The submit's source, which becomes the receipt's destination. */
  readonly sender: { readonly addr: string; readonly ton: number; readonly npi: number };
  /** The submit's user_message_reference TLV (2 octets), echoed as many SMSCs do (§4.6.1). */
  readonly userMessageReference?: Buffer | undefined;
}

/** The Appendix B receipt text. */
export function receiptText(facts: ReceiptFacts): string {
  const delivered = facts.stat === 'DELIVRD';
  return (
    `id:${receiptId(facts.messageId, facts.issuedAs, facts.idFormat)} sub:001 dlvrd:${delivered ? '001' : '000'} ` +
    `submit date:${receiptDate(facts.submittedAt, facts.dateSeconds)} done date:${receiptDate(facts.doneAt, facts.dateSeconds)} ` +
    `stat:${facts.stat} err:${String(MAP_ERROR[facts.stat]).padStart(3, '0')} text:${facts.quotedText}`
  );
}

/** The deliver_sm of a receipt. */
export function receiptDeliverSm(facts: ReceiptFacts): DeliverSmFields {
  const tlvs: [number, Buffer][] = [];
  if (facts.style !== 'text') {
    const id = receiptId(facts.messageId, facts.issuedAs, facts.idFormat);
    tlvs.push([TlvTag.receipted_message_id, facts.idTlvNul === false ? Buffer.from(id, 'latin1') : cStringTlv(id)]);
    tlvs.push([TlvTag.message_state, u8Tlv(MESSAGE_STATE[facts.stat])]);
    const error = MAP_ERROR[facts.stat];
    // TLV-only receipts always say the network error; `both` only when there was one.
    if (facts.style === 'tlv' || error !== 0) tlvs.push([TlvTag.network_error_code, Buffer.from([NETWORK_TYPE_GSM, error >> 8, error & 0xff])]);
  }
  if (facts.userMessageReference?.length === 2) tlvs.push([TlvTag.user_message_reference, facts.userMessageReference]);
  return {
    sourceAddrTon: facts.recipient.ton,
    sourceAddrNpi: facts.recipient.npi,
    sourceAddr: facts.recipient.addr,
    destAddrTon: facts.sender.ton,
    destAddrNpi: facts.sender.npi,
    destinationAddr: facts.sender.addr,
    esmClass: facts.intermediate ? ESM_INTERMEDIATE_NOTIFICATION : ESM_DELIVERY_RECEIPT,
    dataCoding: 0,
    shortMessage: facts.style === 'tlv' ? Buffer.alloc(0) : Buffer.from(receiptText(facts), 'latin1'),
    tlvs,
  };
}
