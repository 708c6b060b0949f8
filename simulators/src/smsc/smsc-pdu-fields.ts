/**
 * PDUs built from SMPP 3.4 field names (`esm_class`, `receipted_message_id` …), for tests that
 * hand-craft what an SMSC may send an ESME: `injectPdu('deliver_sm', { esm_class: 0x04, … })`.
 * Only the requests an SMSC sends are known, each with its mandatory fields (§4) and the TLVs of
 * §5.3.2 it may carry; a field the command does not have is a RangeError, not silently dropped.
 */
import {
  BodyWriter,
  CommandId,
  cStringTlv,
  encodePdu,
  encodeShortMessageBody,
  u16Tlv,
  u8Tlv,
  type ShortMessageFields,
} from './smsc-pdu.js';
import { encodeText } from './smsc-text.js';

/** What a field holds on the wire. */
type FieldKind = 'u8' | 'u16' | 'cstring' | 'octets' | 'message';

/** §5.3.2 TLVs by name: tag and value kind. */
const TLVS: Readonly<Record<string, readonly [number, FieldKind]>> = {
  payload_type: [0x0019, 'u8'],
  additional_status_info_text: [0x001d, 'cstring'],
  receipted_message_id: [0x001e, 'cstring'],
  user_message_reference: [0x0204, 'u16'],
  source_port: [0x020a, 'u16'],
  destination_port: [0x020b, 'u16'],
  sar_msg_ref_num: [0x020c, 'u16'],
  sar_total_segments: [0x020e, 'u8'],
  sar_segment_seqnum: [0x020f, 'u8'],
  dpf_result: [0x0420, 'u8'],
  network_error_code: [0x0423, 'octets'],
  message_payload: [0x0424, 'message'],
  delivery_failure_reason: [0x0425, 'u8'],
  more_messages_to_send: [0x0426, 'u8'],
  message_state: [0x0427, 'u8'],
  ussd_service_op: [0x0501, 'u8'],
  its_session_info: [0x1383, 'octets'],
};

/** §4.6.1 deliver_sm mandatory fields (sm_length is written for short_message). */
const DELIVER_SM_FIELDS: ReadonlySet<string> = new Set([
  'service_type',
  'source_addr_ton',
  'source_addr_npi',
  'source_addr',
  'dest_addr_ton',
  'dest_addr_npi',
  'destination_addr',
  'esm_class',
  'protocol_id',
  'priority_flag',
  'schedule_delivery_time',
  'validity_period',
  'registered_delivery',
  'replace_if_present_flag',
  'data_coding',
  'sm_default_msg_id',
  'short_message',
]);

/** §4.7.1 data_sm mandatory fields, in order. */
const DATA_SM_FIELDS: readonly (readonly [string, FieldKind])[] = [
  ['service_type', 'cstring'],
  ['source_addr_ton', 'u8'],
  ['source_addr_npi', 'u8'],
  ['source_addr', 'cstring'],
  ['dest_addr_ton', 'u8'],
  ['dest_addr_npi', 'u8'],
  ['destination_addr', 'cstring'],
  ['esm_class', 'u8'],
  ['registered_delivery', 'u8'],
  ['data_coding', 'u8'],
];

/** Commands without a body (§4.2 unbind, §4.11 enquire_link, §4.3 generic_nack). */
const HEADER_ONLY: Readonly<Record<string, number>> = {
  enquire_link: CommandId.enquire_link,
  unbind: CommandId.unbind,
  generic_nack: CommandId.generic_nack,
};

/** Header fields any command may name; the simulator assigns sequence_number itself. */
const HEADER_FIELDS = new Set(['command_status', 'sequence_number']);

/** Builds the PDU for a sequence number. */
export type PduBuilder = (sequence: number) => Buffer;

/**
 * Checks `fields` against `command` and returns a builder for its octets. Numbers go in integer
 * fields, strings in C-octet strings, Buffers in octet fields. `short_message` and
 * `message_payload` take a Buffer as is, or a string encoded for `data_coding` (0 GSM-7,
 * 1 IA5/ASCII, 3 Latin-1, 8 UCS-2; when absent, GSM-7 if the text fits, else UCS-2).
 * Throws RangeError for an unknown command or field, or a value that does not fit.
 */
export function namedPduBuilder(command: string, fields: Readonly<Record<string, unknown>> = {}): PduBuilder {
  const status = fields.command_status === undefined ? 0 : integer('command_status', fields.command_status, 0xffffffff);
  const headerOnly = HEADER_ONLY[command];
  if (headerOnly !== undefined) {
    const extra = Object.keys(fields).find((name) => !HEADER_FIELDS.has(name));
    if (extra !== undefined) throw new RangeError(`${command} has no field ${extra}`);
    return (sequence) => encodePdu(headerOnly, status, sequence);
  }
  if (command === 'deliver_sm') {
    const body = deliverSmBody(fields);
    return (sequence) => encodePdu(CommandId.deliver_sm, status, sequence, body);
  }
  if (command === 'data_sm') {
    const body = dataSmBody(fields);
    return (sequence) => encodePdu(CommandId.data_sm, status, sequence, body);
  }
  throw new RangeError(`cannot build ${command}: known are ${[...Object.keys(HEADER_ONLY), 'deliver_sm', 'data_sm'].join(', ')}`);
}

function deliverSmBody(fields: Readonly<Record<string, unknown>>): Buffer {
  const dataCoding = fields.data_coding === undefined ? undefined : integer('data_coding', fields.data_coding, 0xff);
  const message = fields.short_message === undefined ? undefined : messageOctets('short_message', fields.short_message, dataCoding);
  const payload = fields.message_payload === undefined ? undefined : messageOctets('message_payload', fields.message_payload, dataCoding ?? message?.dataCoding);
  const u8 = (name: string): number | undefined => (fields[name] === undefined ? undefined : integer(name, fields[name], 0xff));
  const text = (name: string): string | undefined => (fields[name] === undefined ? undefined : cString(name, fields[name]));
  const body: ShortMessageFields = {
    serviceType: text('service_type'),
    sourceAddrTon: u8('source_addr_ton'),
    sourceAddrNpi: u8('source_addr_npi'),
    sourceAddr: text('source_addr') ?? '',
    destAddrTon: u8('dest_addr_ton'),
    destAddrNpi: u8('dest_addr_npi'),
    destinationAddr: text('destination_addr') ?? '',
    esmClass: u8('esm_class'),
    protocolId: u8('protocol_id'),
    priorityFlag: u8('priority_flag'),
    scheduleDeliveryTime: text('schedule_delivery_time'),
    validityPeriod: text('validity_period'),
    registeredDelivery: u8('registered_delivery'),
    replaceIfPresentFlag: u8('replace_if_present_flag'),
    dataCoding: dataCoding ?? message?.dataCoding ?? payload?.dataCoding,
    smDefaultMsgId: u8('sm_default_msg_id'),
    shortMessage: message?.octets,
    tlvs: tlvs(fields, (name) => DELIVER_SM_FIELDS.has(name), 'deliver_sm', payload?.octets),
  };
  if ((body.shortMessage?.length ?? 0) > 254) throw new RangeError('short_message: longer than 254 octets; use message_payload');
  return encodeShortMessageBody(body);
}

function dataSmBody(fields: Readonly<Record<string, unknown>>): Buffer {
  const mandatory = new Set(DATA_SM_FIELDS.map(([name]) => name));
  const payload = fields.message_payload === undefined ? undefined : messageOctets('message_payload', fields.message_payload, optionalInteger(fields, 'data_coding'));
  const writer = new BodyWriter();
  for (const [name, kind] of DATA_SM_FIELDS) {
    const value = name === 'data_coding' && fields[name] === undefined ? payload?.dataCoding : fields[name];
    if (kind === 'cstring') writer.cString(value === undefined ? '' : cString(name, value));
    else writer.u8(value === undefined ? 0 : integer(name, value, 0xff));
  }
  for (const [tag, value] of tlvs(fields, (name) => mandatory.has(name), 'data_sm', payload?.octets)) writer.tlv(tag, value);
  return writer.toBuffer();
}

/** The TLVs among `fields` (message_payload as already encoded), in the order given. */
function tlvs(fields: Readonly<Record<string, unknown>>, isMandatory: (name: string) => boolean, command: string, payload: Buffer | undefined): [number, Buffer][] {
  const out: [number, Buffer][] = [];
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined || isMandatory(name) || HEADER_FIELDS.has(name)) continue;
    const tlv = TLVS[name];
    if (tlv === undefined) throw new RangeError(`${command} has no field ${name}`);
    const [tag, kind] = tlv;
    if (kind === 'message') out.push([tag, payload ?? Buffer.alloc(0)]);
    else out.push([tag, tlvValue(name, kind, value)]);
  }
  return out;
}

function tlvValue(name: string, kind: Exclude<FieldKind, 'message'>, value: unknown): Buffer {
  switch (kind) {
    case 'u8':
      return u8Tlv(integer(name, value, 0xff));
    case 'u16':
      return u16Tlv(integer(name, value, 0xffff));
    case 'cstring':
      return cStringTlv(cString(name, value));
    case 'octets':
      if (!Buffer.isBuffer(value)) throw new RangeError(`${name}: expected a Buffer`);
      return value;
  }
}

/** A text's octets and the data_coding they are in. */
function messageOctets(name: string, value: unknown, dataCoding: number | undefined): { octets: Buffer; dataCoding: number | undefined } {
  if (Buffer.isBuffer(value)) return { octets: value, dataCoding };
  if (typeof value !== 'string') throw new RangeError(`${name}: expected a string or a Buffer`);
  const coding = dataCoding ?? (encodeText(value, 0) === undefined ? 8 : 0);
  const octets = coding === 1 ? ascii(value) : coding === 0 || coding === 3 || coding === 8 ? encodeText(value, coding) : undefined;
  if (octets === undefined) throw new RangeError(`${name}: the text cannot be written with data_coding ${coding}`);
  return { octets, dataCoding: coding };
}

function ascii(text: string): Buffer | undefined {
  return /^[\u0000-\u007f]*$/.test(text) ? Buffer.from(text, 'ascii') : undefined;
}

function optionalInteger(fields: Readonly<Record<string, unknown>>, name: string): number | undefined {
  return fields[name] === undefined ? undefined : integer(name, fields[name], 0xff);
}

function integer(name: string, value: unknown, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) throw new RangeError(`${name}: expected an integer from 0 to ${max}`);
  return value;
}

function cString(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.includes('\0')) throw new RangeError(`${name}: expected a string without NUL`);
  return value;
}
