/**
 * What the simulated SMSC received: submit_sm parts reassembled into messages. A concatenated
 * message is recognised by its UDH (3GPP 23.040 §9.2.3.24.1 and .8) or SAR TLVs (SMPP 3.4
 * §5.3.2.22-24); a message_payload carries a whole message in one PDU (§5.3.2.32). Every part keeps
 * the message_id it was issued, and a part that comes again is recorded as a duplicate rather
 * than counted twice.
 */
import { TlvTag, type ShortMessageBody } from './smsc-pdu.js';
import { SmscStatus } from './smsc-status.js';
import { capacity, decodeText } from './smsc-text.js';

/** How a message reached the SMSC. */
export type Segmentation = 'single' | 'udh' | 'sar' | 'message_payload';

/** What happened to a message or part according to the receipts the simulator sent. */
export type InboxStatus = 'accepted' | 'enroute' | 'delivered' | 'failed' | 'expired' | 'rejected';

/** One submit_sm as received, within its message. */
export interface InboxPart {
  /** Position in the message, from 1 (3GPP 23.040 §9.2.3.24.1 sequence number, sar_segment_seqnum); 1 when unsegmented. */
  readonly sequence: number;
  readonly total: number;
  /** Concatenation reference (UDH or sar_msg_ref_num); null when unsegmented. */
  readonly reference: number | null;
  /** The message_id this part was given in its submit_sm_resp. */
  readonly messageId: string;
  /** short_message as sent (UDH included), or the message_payload octets; hex. */
  readonly shortMessageHex: string;
  readonly dataCoding: number;
  /** True when this part (same reference and number, same octets) had arrived before. */
  readonly duplicate: boolean;
  readonly receivedAt: Date;
  /** Set by the receipts sent for this part's message_id. */
  status: InboxStatus;
}

/** One message the simulator accepted, reassembled when it came in parts. */
export interface InboxMessage {
  /** The message_id of part 1 (the only part of an unsegmented message). */
  readonly id: string;
  /** system_id of the bind it came over. */
  readonly systemId: string;
  readonly from: string;
  readonly fromTon: number;
  readonly fromNpi: number;
  /** E.164 with `+` when the ESME sent TON international, else as sent. */
  readonly to: string;
  /** The whole text, decoded by the simulator's own alphabets. */
  readonly text: string;
  /** When the first part arrived. */
  readonly receivedAt: Date;
  /** When the last missing part arrived. */
  readonly completedAt: Date;
  /** data_coding of part 1 (0 GSM-7, 8 UCS-2 …). */
  readonly dataCoding: number;
  /** True when the text came in the message_payload TLV rather than short_message. */
  readonly viaMessagePayload: boolean;
  /** validity_period exactly as sent (SMPP 3.4 §7.1: `000000001000000R` is ten minutes relative); null when empty. */
  readonly validityPeriod: string | null;
  readonly registeredDelivery: number;
  readonly esmClass: number;
  readonly segmentation: Segmentation;
  readonly reference: number | null;
  /** 8 or 16 (3GPP 23.040 IEI 0x00 or 0x08; SAR references are 16-bit); null when unsegmented. */
  readonly referenceBits: 8 | 16 | null;
  /** Parts expected. */
  readonly total: number;
  /** Every part as received, duplicates included, in order of arrival. */
  readonly parts: InboxPart[];
  /** What was wrong with the octets: bad septets, split surrogates, oversized parts, mixed codings. Empty when clean. */
  readonly problems: string[];
  /** Delivered once every part was; else the first failure; `accepted` until every part has a final receipt. */
  status: InboxStatus;
}

/** Where a submit_sm sits in its message. */
export interface Segment {
  readonly segmentation: Segmentation;
  readonly reference: number | null;
  readonly referenceBits: 8 | 16 | null;
  readonly total: number;
  readonly sequence: number;
  /** User data after any UDH. */
  readonly content: Buffer;
  /** short_message (UDH included) or message_payload, as sent. */
  readonly raw: Buffer;
  /** Problems that do not stop the SMSC accepting the part. */
  readonly problems: readonly string[];
}

/** The segment of a submit_sm, or why an SMSC would refuse it and with which command_status. */
export type SegmentResult =
  | { readonly ok: true; readonly segment: Segment }
  | { readonly ok: false; readonly reason: string; readonly commandStatus: number };

const ESM_UDHI = 0x40; // SMPP 3.4 §5.2.12: UDH indicator
const IEI_CONCAT_8BIT = 0x00;
const IEI_CONCAT_16BIT = 0x08;
/** SMSCs turn SAR into an 8-bit-reference UDH on the air interface: 6 octets with its length. */
const SAR_AIR_UDH_OCTETS = 6;

/** Reads the concatenation information of one submit_sm. */
export function segmentOf(submit: ShortMessageBody): SegmentResult {
  const problems: string[] = [];
  const payload = submit.tlvs.get(TlvTag.message_payload);
  if (payload !== undefined && submit.shortMessage.length > 0) {
    problems.push('both short_message and message_payload present; message_payload used (SMPP 3.4 §5.3.2.32)');
  }
  const raw = payload ?? submit.shortMessage;

  let udh: { reference: number; total: number; sequence: number; bits: 8 | 16 } | undefined;
  let udhOctets = 0;
  if ((submit.esmClass & ESM_UDHI) !== 0) {
    const udhl = raw[0];
    if (udhl === undefined || raw.length < 1 + udhl) return udhError('UDHI set but the UDH is longer than the message');
    udhOctets = 1 + udhl;
    for (let at = 1; at < udhOctets; ) {
      const iei = raw[at];
      const length = raw[at + 1];
      if (iei === undefined || length === undefined || at + 2 + length > udhOctets) return udhError('UDH information element overruns the UDH');
      const value = raw.subarray(at + 2, at + 2 + length);
      if (iei === IEI_CONCAT_8BIT && length === 3) udh = { reference: value[0] ?? 0, total: value[1] ?? 0, sequence: value[2] ?? 0, bits: 8 };
      if (iei === IEI_CONCAT_16BIT && length === 4) udh = { reference: value.readUInt16BE(0), total: value[2] ?? 0, sequence: value[3] ?? 0, bits: 16 };
      at += 2 + length;
    }
  }
  const content = raw.subarray(udhOctets);

  const sar = sarOf(submit.tlvs);
  if (!sar.ok) return sar;
  if (udh !== undefined && sar.value !== undefined) problems.push('both a concatenation UDH and SAR TLVs present; UDH used');

  const concat = udh ?? sar.value;
  if (concat !== undefined && (concat.total === 0 || concat.sequence === 0 || concat.sequence > concat.total)) {
    const reason = `part ${concat.sequence} of ${concat.total} is not a valid part number`;
    return udh === undefined ? { ok: false, reason, commandStatus: SmscStatus.ESME_RINVOPTPARAMVAL } : udhError(reason);
  }
  if (payload === undefined) {
    const room = capacity(submit.dataCoding, udh === undefined && sar.value !== undefined ? SAR_AIR_UDH_OCTETS : udhOctets);
    if (content.length > room) problems.push(`${content.length} octets of user data do not fit one SMS (room for ${room})`);
  }

  const segmentation: Segmentation = udh !== undefined ? 'udh' : sar.value !== undefined ? 'sar' : payload !== undefined ? 'message_payload' : 'single';
  const referenceBits = udh !== undefined ? udh.bits : sar.value !== undefined ? 16 : null;
  return {
    ok: true,
    segment: { segmentation, reference: concat?.reference ?? null, referenceBits, total: concat?.total ?? 1, sequence: concat?.sequence ?? 1, content, raw, problems },
  };
}

/** A UDH the SMSC cannot read: SMSCs blame the esm_class that announced it. */
function udhError(reason: string): { ok: false; reason: string; commandStatus: number } {
  return { ok: false, reason, commandStatus: SmscStatus.ESME_RINVESMCLASS };
}

function sarOf(
  tlvs: ReadonlyMap<number, Buffer>,
): { ok: true; value: { reference: number; total: number; sequence: number } | undefined } | { ok: false; reason: string; commandStatus: number } {
  const reference = tlvs.get(TlvTag.sar_msg_ref_num);
  const total = tlvs.get(TlvTag.sar_total_segments);
  const index = tlvs.get(TlvTag.sar_segment_seqnum);
  if (reference === undefined && total === undefined && index === undefined) return { ok: true, value: undefined };
  if (reference?.length !== 2 || total?.length !== 1 || index?.length !== 1) {
    return { ok: false, reason: 'SAR TLVs incomplete or of the wrong length (SMPP 3.4 §5.3.2.22-24)', commandStatus: SmscStatus.ESME_RINVOPTPARAMVAL };
  }
  return { ok: true, value: { reference: reference.readUInt16BE(0), total: total[0] ?? 0, sequence: index[0] ?? 0 } };
}

/** One accepted submit_sm for `Inbox.add`. */
export interface PartInput {
  readonly messageId: string;
  readonly systemId: string;
  readonly submit: ShortMessageBody;
  readonly segment: Segment;
  readonly receivedAt: Date;
}

/** What `Inbox.add` did with a part. */
export interface AddedPart {
  readonly part: InboxPart;
  readonly duplicate: boolean;
  /** The message, when this part completed it. */
  readonly completed: InboxMessage | undefined;
}

/** Filters for `Inbox.list()`. */
export interface InboxQuery {
  /** Destination; compared by digits, so `+49…`, `49…` and ` 49…` (a `+` URL-decoded) all match. */
  readonly to?: string | undefined;
  /** Only messages after the one with this id. */
  readonly since?: string | undefined;
}

interface Received {
  readonly part: InboxPart;
  readonly input: PartInput;
}

interface Assembly {
  readonly key: string;
  readonly first: PartInput;
  readonly received: Map<number, Received>;
  readonly parts: InboxPart[];
  readonly problems: string[];
}

const TON_INTERNATIONAL = 1;
/** Completed concatenated messages remembered for spotting late duplicates. */
const REMEMBERED_MESSAGES = 10_000;
const FINAL: ReadonlySet<InboxStatus> = new Set(['delivered', 'failed', 'expired', 'rejected']);

/** Digits of an address, for comparing numbers however they were written. */
export function digitsOf(value: string): string {
  return value.replace(/\D/g, '');
}

/** Accepted messages, oldest first, and the concatenated ones still missing parts. */
export class Inbox {
  readonly #messages: InboxMessage[] = [];
  readonly #assemblies = new Map<string, Assembly>();
  readonly #completed = new Map<string, { message: InboxMessage; raw: Map<number, Buffer> }>();
  readonly #messageOfPart = new Map<InboxPart, InboxMessage>();

  /** Files one accepted part; completes its message when it was the last one missing. */
  add(input: PartInput): AddedPart {
    const { segment } = input;
    const part: InboxPart = {
      sequence: segment.sequence,
      total: segment.total,
      reference: segment.reference,
      messageId: input.messageId,
      shortMessageHex: segment.raw.toString('hex'),
      dataCoding: input.submit.dataCoding,
      duplicate: false,
      receivedAt: input.receivedAt,
      status: 'accepted',
    };
    if (segment.reference === null) {
      const assembly = this.#assemblyOf('', input, part);
      return { part, duplicate: false, completed: this.#complete(assembly) };
    }

    const key = [input.systemId, input.submit.sourceAddr, digitsOf(input.submit.destinationAddr), segment.segmentation, segment.referenceBits, segment.reference, segment.total].join('\u0000');
    const open = this.#assemblies.get(key);
    if (open !== undefined) {
      const earlier = open.received.get(segment.sequence);
      if (earlier !== undefined) {
        const duplicate = { ...part, duplicate: true };
        open.parts.push(duplicate);
        if (!earlier.input.segment.raw.equals(segment.raw)) open.problems.push(`part ${segment.sequence} arrived again with different octets; the first kept`);
        return { part: duplicate, duplicate: true, completed: undefined };
      }
      open.received.set(segment.sequence, { part, input });
      open.parts.push(part);
      return { part, duplicate: false, completed: open.received.size === segment.total ? this.#complete(open) : undefined };
    }

    const done = this.#completed.get(key);
    if (done?.raw.get(segment.sequence)?.equals(segment.raw) === true) {
      const duplicate = { ...part, duplicate: true };
      done.message.parts.push(duplicate);
      this.#messageOfPart.set(duplicate, done.message);
      return { part: duplicate, duplicate: true, completed: undefined };
    }
    // A reference seen before with other content is a new message (8-bit references wrap).
    const assembly = this.#assemblyOf(key, input, part);
    if (segment.total === 1) return { part, duplicate: false, completed: this.#complete(assembly) };
    this.#assemblies.set(key, assembly);
    return { part, duplicate: false, completed: undefined };
  }

  /** Recomputes the status of the message holding `part` after a receipt changed it. */
  refreshStatus(part: InboxPart): void {
    const message = this.#messageOfPart.get(part);
    if (message !== undefined) message.status = statusOf(message.parts);
  }

  /** Complete messages, oldest first. Throws RangeError when `since` names no message. */
  list(query: InboxQuery = {}): InboxMessage[] {
    let messages = this.#messages;
    if (query.since !== undefined) {
      const index = messages.findIndex((message) => message.id === query.since);
      if (index < 0) throw new RangeError(`no message with id ${query.since}`);
      messages = messages.slice(index + 1);
    }
    if (query.to !== undefined) {
      const digits = digitsOf(query.to);
      messages = messages.filter((message) => digitsOf(message.to) === digits);
    }
    return [...messages];
  }

  /** Concatenated messages still missing parts, as far as they arrived. */
  incomplete(): InboxMessage[] {
    return [...this.#assemblies.values()].map((assembly) => {
      const message = this.#messageFrom(assembly);
      const missing = Array.from({ length: message.total }, (_, i) => i + 1).filter((index) => !assembly.received.has(index));
      message.problems.push(`missing parts: ${missing.join(', ')}`);
      return message;
    });
  }

  /** Forgets complete messages; parts of incomplete ones stay. */
  clear(): void {
    this.#messages.length = 0;
    this.#completed.clear();
    this.#messageOfPart.clear();
  }

  /** Forgets everything. */
  reset(): void {
    this.clear();
    this.#assemblies.clear();
  }

  #assemblyOf(key: string, input: PartInput, part: InboxPart): Assembly {
    return { key, first: input, received: new Map([[part.sequence, { part, input }]]), parts: [part], problems: [] };
  }

  #complete(assembly: Assembly): InboxMessage {
    const message = this.#messageFrom(assembly);
    this.#assemblies.delete(assembly.key);
    this.#messages.push(message);
    for (const part of message.parts) this.#messageOfPart.set(part, message);
    if (assembly.key !== '') {
      this.#completed.set(assembly.key, { message, raw: new Map([...assembly.received].map(([index, { input }]) => [index, input.segment.raw])) });
      if (this.#completed.size > REMEMBERED_MESSAGES) {
        const oldest = this.#completed.keys().next();
        if (oldest.done !== true) this.#completed.delete(oldest.value);
      }
    }
    return message;
  }

  #messageFrom(assembly: Assembly): InboxMessage {
    const ordered = [...assembly.received.values()].sort((a, b) => a.part.sequence - b.part.sequence);
    const first = ordered[0]?.input ?? assembly.first;
    const problems = [...assembly.problems];
    let text = '';
    for (const { part, input } of ordered) {
      const decoded = decodeText(input.segment.content, input.submit.dataCoding);
      text += decoded.text;
      const prefix = part.total > 1 ? `part ${part.sequence}: ` : '';
      for (const problem of [...input.segment.problems, ...decoded.problems]) problems.push(prefix + problem);
      if (input.submit.dataCoding !== first.submit.dataCoding) problems.push(`${prefix}data_coding ${input.submit.dataCoding} differs from part 1's ${first.submit.dataCoding}`);
    }
    const { submit, segment } = first;
    const destination = submit.destinationAddr;
    const parts = [...assembly.parts];
    return {
      id: first.messageId,
      systemId: first.systemId,
      from: submit.sourceAddr,
      fromTon: submit.sourceAddrTon,
      fromNpi: submit.sourceAddrNpi,
      to: submit.destAddrTon === TON_INTERNATIONAL && !destination.startsWith('+') ? `+${destination}` : destination,
      text,
      receivedAt: ordered.reduce((earliest, { part }) => (part.receivedAt < earliest ? part.receivedAt : earliest), first.receivedAt),
      completedAt: new Date(),
      dataCoding: submit.dataCoding,
      viaMessagePayload: submit.tlvs.has(TlvTag.message_payload),
      validityPeriod: submit.validityPeriod || null,
      registeredDelivery: submit.registeredDelivery,
      esmClass: submit.esmClass,
      segmentation: segment.segmentation,
      reference: segment.reference,
      referenceBits: segment.referenceBits,
      total: segment.total,
      parts,
      problems,
      status: statusOf(parts),
    };
  }
}

function statusOf(parts: readonly InboxPart[]): InboxStatus {
  const originals = parts.filter((part) => !part.duplicate);
  if (!originals.every((part) => FINAL.has(part.status))) return 'accepted';
  return originals.find((part) => part.status !== 'delivered')?.status ?? 'delivered';
}
