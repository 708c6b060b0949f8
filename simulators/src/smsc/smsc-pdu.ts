/**
 * The simulator's own SMPP 3.4 codec: framing, the bodies it reads (binds, submit_sm, responses)
 * and the PDUs it writes. Deliberately independent of the provider's wire layer, so the simulator
 * checks Switchboard's bytes rather than agreeing with them by construction.
 */

/** SMPP 3.4 §5.1.2 command_id values. */
export const CommandId = {
  generic_nack: 0x80000000,
  bind_receiver: 0x00000001,
  bind_receiver_resp: 0x80000001,
  bind_transmitter: 0x00000002,
  bind_transmitter_resp: 0x80000002,
  query_sm: 0x00000003,
  query_sm_resp: 0x80000003,
  submit_sm: 0x00000004,
  submit_sm_resp: 0x80000004,
  deliver_sm: 0x00000005,
  deliver_sm_resp: 0x80000005,
  unbind: 0x00000006,
  unbind_resp: 0x80000006,
  replace_sm: 0x00000007,
  replace_sm_resp: 0x80000007,
  cancel_sm: 0x00000008,
  cancel_sm_resp: 0x80000008,
  bind_transceiver: 0x00000009,
  bind_transceiver_resp: 0x80000009,
  outbind: 0x0000000b,
  enquire_link: 0x00000015,
  enquire_link_resp: 0x80000015,
  submit_multi: 0x00000021,
  submit_multi_resp: 0x80000021,
  alert_notification: 0x00000102,
  data_sm: 0x00000103,
  data_sm_resp: 0x80000103,
} as const;

const commandNames = new Map<number, string>(Object.entries(CommandId).map(([name, id]) => [id, name]));

/** SMPP 3.4 §5.3.2 TLV tags the simulator reads or writes. */
export const TlvTag = {
  receipted_message_id: 0x001e,
  sar_msg_ref_num: 0x020c,
  sar_total_segments: 0x020e,
  sar_segment_seqnum: 0x020f,
  sc_interface_version: 0x0210,
  user_message_reference: 0x0204,
  network_error_code: 0x0423,
  message_payload: 0x0424,
  message_state: 0x0427,
} as const;

/** §3.2: a PDU is at least its 16-octet header. */
export const HEADER_LENGTH = 16;
/** Room for a 64 KiB message_payload plus the mandatory fields; anything longer is not SMPP. */
export const MAX_PDU_LENGTH = 0x10000 + 1024;

/** One framed PDU: header decoded, body kept as octets. */
export interface RawPdu {
  readonly commandId: number;
  /** Name from §5.1.2, or undefined for an unknown command_id. */
  readonly command: string | undefined;
  readonly commandStatus: number;
  readonly sequence: number;
  readonly body: Buffer;
  /** The whole PDU as received. */
  readonly bytes: Buffer;
}

/** A body that ends before its mandatory fields do (or a C-octet string without its NUL). */
export class PduBodyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PduBodyError';
  }
}

/** §3.2: the high bit of command_id marks a response. */
export function isResponseId(commandId: number): boolean {
  return (commandId & 0x80000000) !== 0;
}

/** The name of a command_id (`submit_sm`), or undefined. */
export function commandName(commandId: number): string | undefined {
  return commandNames.get(commandId);
}

/** What the framer found next in the byte stream. */
export type Frame =
  | { readonly kind: 'pdu'; readonly pdu: RawPdu }
  /** command_length below 16 or above `MAX_PDU_LENGTH`: the stream cannot be resynchronised. */
  | { readonly kind: 'bad-length'; readonly length: number; readonly sequence: number | undefined };

/** Splits a TCP byte stream into PDUs by command_length (§3.2). Stops for good after a bad length. */
export class PduFramer {
  #buffer: Buffer = Buffer.alloc(0);
  #broken = false;

  /** Adds received octets; returns every frame now complete. */
  push(chunk: Buffer): Frame[] {
    if (this.#broken) return [];
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    const frames: Frame[] = [];
    while (this.#buffer.length >= 4) {
      const length = this.#buffer.readUInt32BE(0);
      if (length < HEADER_LENGTH || length > MAX_PDU_LENGTH) {
        this.#broken = true;
        const sequence = this.#buffer.length >= HEADER_LENGTH ? this.#buffer.readUInt32BE(12) : undefined;
        frames.push({ kind: 'bad-length', length, sequence });
        this.#buffer = Buffer.alloc(0);
        break;
      }
      if (this.#buffer.length < length) break;
      const bytes = this.#buffer.subarray(0, length);
      this.#buffer = this.#buffer.subarray(length);
      frames.push({ kind: 'pdu', pdu: decodeHeader(bytes) });
    }
    return frames;
  }
}

/** Decodes the header of one complete PDU. */
export function decodeHeader(bytes: Buffer): RawPdu {
  const commandId = bytes.readUInt32BE(4);
  return {
    commandId,
    command: commandName(commandId),
    commandStatus: bytes.readUInt32BE(8),
    sequence: bytes.readUInt32BE(12),
    body: bytes.subarray(HEADER_LENGTH, bytes.readUInt32BE(0)),
    bytes,
  };
}

/** Reads body fields in order, throwing `PduBodyError` when the body runs out. */
export class BodyReader {
  #offset = 0;
  readonly #body: Buffer;

  constructor(body: Buffer) {
    this.#body = body;
  }

  /** A C-octet string (§3.1), read as Latin-1; its NUL is consumed. */
  cString(field: string): string {
    const end = this.#body.indexOf(0, this.#offset);
    if (end < 0) throw new PduBodyError(`${field}: no terminating NUL`);
    const value = this.#body.toString('latin1', this.#offset, end);
    this.#offset = end + 1;
    return value;
  }

  u8(field: string): number {
    if (this.#offset + 1 > this.#body.length) throw new PduBodyError(`${field}: body ends early`);
    const value = this.#body.readUInt8(this.#offset);
    this.#offset += 1;
    return value;
  }

  octets(field: string, length: number): Buffer {
    if (this.#offset + length > this.#body.length) throw new PduBodyError(`${field}: body ends early`);
    const value = this.#body.subarray(this.#offset, this.#offset + length);
    this.#offset += length;
    return value;
  }

  /** §3.3: the TLVs after the mandatory fields. A repeated tag keeps its first value. */
  tlvs(): Map<number, Buffer> {
    const tlvs = new Map<number, Buffer>();
    while (this.#offset < this.#body.length) {
      if (this.#offset + 4 > this.#body.length) throw new PduBodyError('TLV header cut short');
      const tag = this.#body.readUInt16BE(this.#offset);
      const length = this.#body.readUInt16BE(this.#offset + 2);
      this.#offset += 4;
      const value = this.octets(`TLV 0x${tag.toString(16).padStart(4, '0')}`, length);
      if (!tlvs.has(tag)) tlvs.set(tag, value);
    }
    return tlvs;
  }
}

/** §4.1 bind_transmitter / bind_receiver / bind_transceiver bodies. */
export interface BindBody {
  readonly systemId: string;
  readonly password: string;
  readonly systemType: string;
  readonly interfaceVersion: number;
  readonly addrTon: number;
  readonly addrNpi: number;
  readonly addressRange: string;
}

/** Reads a bind body; throws PduBodyError when it is cut short. */
export function decodeBind(body: Buffer): BindBody {
  const reader = new BodyReader(body);
  return {
    systemId: reader.cString('system_id'),
    password: reader.cString('password'),
    systemType: reader.cString('system_type'),
    interfaceVersion: reader.u8('interface_version'),
    addrTon: reader.u8('addr_ton'),
    addrNpi: reader.u8('addr_npi'),
    addressRange: reader.cString('address_range'),
  };
}

/** §4.4.1 submit_sm (and §4.6.1 deliver_sm, which has the same layout). */
export interface ShortMessageBody {
  readonly serviceType: string;
  readonly sourceAddrTon: number;
  readonly sourceAddrNpi: number;
  readonly sourceAddr: string;
  readonly destAddrTon: number;
  readonly destAddrNpi: number;
  readonly destinationAddr: string;
  readonly esmClass: number;
  readonly protocolId: number;
  readonly priorityFlag: number;
  readonly scheduleDeliveryTime: string;
  readonly validityPeriod: string;
  readonly registeredDelivery: number;
  readonly replaceIfPresentFlag: number;
  readonly dataCoding: number;
  readonly smDefaultMsgId: number;
  readonly shortMessage: Buffer;
  readonly tlvs: ReadonlyMap<number, Buffer>;
}

/** Reads a submit_sm or deliver_sm body, TLVs included; throws PduBodyError when it is cut short. */
export function decodeShortMessage(body: Buffer): ShortMessageBody {
  const reader = new BodyReader(body);
  const head = {
    serviceType: reader.cString('service_type'),
    sourceAddrTon: reader.u8('source_addr_ton'),
    sourceAddrNpi: reader.u8('source_addr_npi'),
    sourceAddr: reader.cString('source_addr'),
    destAddrTon: reader.u8('dest_addr_ton'),
    destAddrNpi: reader.u8('dest_addr_npi'),
    destinationAddr: reader.cString('destination_addr'),
    esmClass: reader.u8('esm_class'),
    protocolId: reader.u8('protocol_id'),
    priorityFlag: reader.u8('priority_flag'),
    scheduleDeliveryTime: reader.cString('schedule_delivery_time'),
    validityPeriod: reader.cString('validity_period'),
    registeredDelivery: reader.u8('registered_delivery'),
    replaceIfPresentFlag: reader.u8('replace_if_present_flag'),
    dataCoding: reader.u8('data_coding'),
    smDefaultMsgId: reader.u8('sm_default_msg_id'),
  };
  const smLength = reader.u8('sm_length');
  const shortMessage = reader.octets('short_message', smLength);
  return { ...head, shortMessage, tlvs: reader.tlvs() };
}

/** The message_id of a submit_sm_resp / deliver_sm_resp; empty when the body is absent (error responses). */
export function decodeMessageIdResp(body: Buffer): string {
  return body.length === 0 ? '' : new BodyReader(body).cString('message_id');
}

/** Builds a body field by field. */
export class BodyWriter {
  readonly #chunks: Buffer[] = [];

  cString(value: string): this {
    this.#chunks.push(Buffer.from(value, 'latin1'), Buffer.alloc(1));
    return this;
  }

  u8(value: number): this {
    this.#chunks.push(Buffer.from([value & 0xff]));
    return this;
  }

  octets(value: Buffer): this {
    this.#chunks.push(value);
    return this;
  }

  tlv(tag: number, value: Buffer): this {
    const head = Buffer.alloc(4);
    head.writeUInt16BE(tag, 0);
    head.writeUInt16BE(value.length, 2);
    this.#chunks.push(head, value);
    return this;
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.#chunks);
  }
}

/** Frames a body with its header. */
export function encodePdu(commandId: number, commandStatus: number, sequence: number, body: Buffer = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(HEADER_LENGTH);
  header.writeUInt32BE(HEADER_LENGTH + body.length, 0);
  header.writeUInt32BE(commandId >>> 0, 4);
  header.writeUInt32BE(commandStatus >>> 0, 8);
  header.writeUInt32BE(sequence >>> 0, 12);
  return Buffer.concat([header, body]);
}

/**
 * The response to `request`. §4: responses carrying an error have no body; unknown commands get
 * generic_nack (§4.3).
 */
export function encodeResponse(request: RawPdu, commandStatus: number, body?: Buffer): Buffer {
  const responseId = (request.commandId | 0x80000000) >>> 0;
  const known = !isResponseId(request.commandId) && commandNames.has(responseId);
  return encodePdu(known ? responseId : CommandId.generic_nack, commandStatus, request.sequence, commandStatus === 0 && known ? body : undefined);
}

/** A TLV value of one octet. */
export function u8Tlv(value: number): Buffer {
  return Buffer.from([value & 0xff]);
}

/** A TLV value of two octets, big-endian. */
export function u16Tlv(value: number): Buffer {
  const buffer = Buffer.alloc(2);
  buffer.writeUInt16BE(value & 0xffff);
  return buffer;
}

/** A TLV value holding a C-octet string. */
export function cStringTlv(value: string): Buffer {
  return Buffer.concat([Buffer.from(value, 'latin1'), Buffer.alloc(1)]);
}

/** Fields of a submit_sm or deliver_sm body; omitted ones are zero or empty. */
export interface ShortMessageFields {
  readonly serviceType?: string;
  readonly sourceAddrTon?: number;
  readonly sourceAddrNpi?: number;
  readonly sourceAddr: string;
  readonly destAddrTon?: number;
  readonly destAddrNpi?: number;
  readonly destinationAddr: string;
  readonly esmClass?: number;
  readonly protocolId?: number;
  readonly priorityFlag?: number;
  readonly scheduleDeliveryTime?: string;
  readonly validityPeriod?: string;
  readonly registeredDelivery?: number;
  readonly replaceIfPresentFlag?: number;
  readonly dataCoding?: number;
  readonly smDefaultMsgId?: number;
  /** At most 254 octets (§4.4.1: sm_length is one octet, 255 reserved). */
  readonly shortMessage?: Buffer;
  readonly tlvs?: readonly (readonly [number, Buffer])[];
}

/** The §4.4.1 / §4.6.1 body (both commands share the layout). */
export function encodeShortMessageBody(fields: ShortMessageFields): Buffer {
  const shortMessage = fields.shortMessage ?? Buffer.alloc(0);
  if (shortMessage.length > 254) throw new RangeError('short_message longer than 254 octets');
  const writer = new BodyWriter()
    .cString(fields.serviceType ?? '')
    .u8(fields.sourceAddrTon ?? 0)
    .u8(fields.sourceAddrNpi ?? 0)
    .cString(fields.sourceAddr)
    .u8(fields.destAddrTon ?? 0)
    .u8(fields.destAddrNpi ?? 0)
    .cString(fields.destinationAddr)
    .u8(fields.esmClass ?? 0)
    .u8(fields.protocolId ?? 0)
    .u8(fields.priorityFlag ?? 0)
    .cString(fields.scheduleDeliveryTime ?? '')
    .cString(fields.validityPeriod ?? '')
    .u8(fields.registeredDelivery ?? 0)
    .u8(fields.replaceIfPresentFlag ?? 0)
    .u8(fields.dataCoding ?? 0)
    .u8(fields.smDefaultMsgId ?? 0)
    .u8(shortMessage.length)
    .octets(shortMessage);
  for (const [tag, value] of fields.tlvs ?? []) writer.tlv(tag, value);
  return writer.toBuffer();
}

/** Fields of a deliver_sm the simulator sends (receipts and MO). */
export type DeliverSmFields = ShortMessageFields & { readonly esmClass: number; readonly dataCoding: number; readonly shortMessage: Buffer };

/** A whole deliver_sm PDU. */
export function encodeDeliverSm(fields: DeliverSmFields, sequence: number): Buffer {
  return encodePdu(CommandId.deliver_sm, 0, sequence, encodeShortMessageBody(fields));
}
