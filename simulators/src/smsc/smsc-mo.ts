/**
 * Mobile-originated messages: what a handset sent, as the deliver_sm (esm_class 0, SMPP 3.4
 * §4.6.1) an SMSC hands to the ESME bound for the number.
 */
import { TlvTag, u8Tlv, type DeliverSmFields } from './smsc-pdu.js';
import { capacity, encodeText } from './smsc-text.js';

/** One MO message to send. */
export interface MoMessage {
  /** The handset: `+E.164`, national digits, or an alphanumeric name. */
  readonly from: string;
  /** The ESME's number or short code. */
  readonly to: string;
  readonly text: string;
  /** 0 GSM-7, 3 Latin-1, 8 UCS-2; default GSM-7 when every character fits, else UCS-2. */
  readonly dataCoding?: 0 | 3 | 8 | undefined;
  /** Whose binds receive it; default the simulator's own system_id. */
  readonly systemId?: string | undefined;
  /** How a text longer than one SMS travels: in message_payload (default), or in parts with a UDH or SAR TLVs. */
  readonly split?: 'payload' | 'udh' | 'sar' | undefined;
}

/** An SMPP address with its §5.2.5 TON and §5.2.6 NPI. */
export interface SmppAddress {
  readonly addr: string;
  readonly ton: number;
  readonly npi: number;
}

/** `+E.164` is international/ISDN, digits are unknown/ISDN, anything else alphanumeric. */
export function smppAddress(value: string): SmppAddress {
  if (/^\+\d+$/.test(value)) return { addr: value.slice(1), ton: 1, npi: 1 };
  if (/^\d+$/.test(value)) return { addr: value, ton: 0, npi: 1 };
  return { addr: value, ton: 5, npi: 0 };
}

const ESM_UDHI = 0x40;
const UDH_8BIT_OCTETS = 6;

/** The deliver_sm fields of `message`, one per part; throws RangeError when the alphabet cannot hold the text. */
export function moDeliverSms(message: MoMessage, reference: number): DeliverSmFields[] {
  const dataCoding = message.dataCoding ?? (encodeText(message.text, 0) === undefined ? 8 : 0);
  const octets = encodeText(message.text, dataCoding);
  if (octets === undefined) throw new RangeError(`text cannot be written with data_coding ${dataCoding}`);
  const source = smppAddress(message.from);
  const destination = smppAddress(message.to);
  const base = {
    sourceAddrTon: source.ton,
    sourceAddrNpi: source.npi,
    sourceAddr: source.addr,
    destAddrTon: destination.ton,
    destAddrNpi: destination.npi,
    destinationAddr: destination.addr,
    dataCoding,
  };
  if (octets.length <= capacity(dataCoding, 0)) return [{ ...base, esmClass: 0, shortMessage: octets }];
  if (message.split === undefined || message.split === 'payload') {
    return [{ ...base, esmClass: 0, shortMessage: Buffer.alloc(0), tlvs: [[TlvTag.message_payload, octets]] }];
  }

  // SAR parts get the same room: the SMSC would put an 8-bit-reference UDH on them on the air.
  const chunks = splitOctets(octets, dataCoding, capacity(dataCoding, UDH_8BIT_OCTETS));
  if (message.split === 'sar') {
    return chunks.map((chunk, i) => ({ ...base, esmClass: 0, shortMessage: chunk, tlvs: sarTlvs(reference, chunks.length, i + 1) }));
  }
  return chunks.map((chunk, i) => ({
    ...base,
    esmClass: ESM_UDHI,
    // 3GPP 23.040 §9.2.3.24.1: UDHL 5, IEI 0x00, length 3, reference, total, number.
    shortMessage: Buffer.concat([Buffer.from([5, 0x00, 3, reference & 0xff, chunks.length, i + 1]), chunk]),
  }));
}

/** Cuts without splitting a GSM escape from its character or a UTF-16 surrogate pair. */
function splitOctets(octets: Buffer, dataCoding: number, room: number): Buffer[] {
  const chunks: Buffer[] = [];
  let start = 0;
  while (start < octets.length) {
    let end = Math.min(start + room, octets.length);
    if (end < octets.length) {
      if (dataCoding === 0 && octets[end - 1] === 0x1b) end -= 1;
      if (dataCoding === 8) {
        end -= (end - start) % 2;
        const high = octets.readUInt16BE(end - 2);
        if (high >= 0xd800 && high <= 0xdbff) end -= 2;
      }
    }
    chunks.push(octets.subarray(start, end));
    start = end;
  }
  return chunks;
}

/** SMPP 3.4 §5.3.2.22-24 SAR TLVs of one part. */
export function sarTlvs(reference: number, total: number, index: number): [number, Buffer][] {
  const ref = Buffer.alloc(2);
  ref.writeUInt16BE(reference & 0xffff);
  return [
    [TlvTag.sar_msg_ref_num, ref],
    [TlvTag.sar_total_segments, u8Tlv(total)],
    [TlvTag.sar_segment_seqnum, u8Tlv(index)],
  ];
}
