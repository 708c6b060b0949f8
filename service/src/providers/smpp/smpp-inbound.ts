/**
 * Mobile-originated messages as SMSCs deliver them: one deliver_sm per SMS part, a long reply
 * split with a concatenation UDH (3GPP 23.040 §9.2.3.24.1/.8) or SAR TLVs (SMPP 3.4 §5.3.2.22-24).
 * Parts are held until the message is whole, then handed on as one text.
 */
import type { InboundSms } from '../channel-provider.js';
import { intField, messageField, stringField, type Pdu } from './smpp-wire.js';

/** Where a part sits in its message. */
export interface Concatenation {
  readonly reference: number;
  readonly total: number;
  /** 1-based. */
  readonly sequence: number;
}

/** One deliver_sm's worth of a mobile-originated message. */
export interface InboundPart {
  readonly from: string;
  readonly to: string;
  readonly text: string;
  readonly concatenation?: Concatenation | undefined;
}

const IEI_CONCAT_8BIT = 0x00;
const IEI_CONCAT_16BIT = 0x08;

/** Reads the concatenation header of a UDH (the library splits it into information elements). */
function concatenationFromUdh(elements: readonly Buffer[]): Concatenation | undefined {
  for (const element of elements) {
    if (element[0] === IEI_CONCAT_8BIT && element[1] === 3 && element.length >= 5) {
      return { reference: element[2] ?? 0, total: element[3] ?? 0, sequence: element[4] ?? 0 };
    }
    if (element[0] === IEI_CONCAT_16BIT && element[1] === 4 && element.length >= 6) {
      return { reference: element.readUInt16BE(2), total: element[4] ?? 0, sequence: element[5] ?? 0 };
    }
  }
  return undefined;
}

function udhElements(pdu: Pdu): readonly Buffer[] {
  const value = pdu.short_message;
  if (typeof value !== 'object' || value === null || !('udh' in value) || !Array.isArray(value.udh)) return [];
  return value.udh.filter((element): element is Buffer => Buffer.isBuffer(element));
}

/** The part a deliver_sm/data_sm carries; text in codings the library does not know is read as Latin-1. */
export function inboundPartFromPdu(pdu: Pdu): InboundPart {
  const raw = messageField(pdu, 'message_payload') ?? messageField(pdu, 'short_message') ?? '';
  const text = typeof raw === 'string' ? raw : raw.toString('latin1');
  const sarReference = intField(pdu, 'sar_msg_ref_num');
  const sarTotal = intField(pdu, 'sar_total_segments');
  const sarSequence = intField(pdu, 'sar_segment_seqnum');
  const concatenation =
    concatenationFromUdh(udhElements(pdu)) ??
    (sarReference !== undefined && sarTotal !== undefined && sarSequence !== undefined ? { reference: sarReference, total: sarTotal, sequence: sarSequence } : undefined);
  return {
    from: stringField(pdu, 'source_addr') ?? '',
    to: stringField(pdu, 'destination_addr') ?? '',
    text,
    // A "concatenated" message of one part, or a header that makes no sense, is a plain message.
    concatenation: concatenation && concatenation.total > 1 && concatenation.sequence >= 1 && concatenation.sequence <= concatenation.total ? concatenation : undefined,
  };
}

interface Pending {
  readonly from: string;
  readonly to: string;
  readonly total: number;
  readonly parts: Map<number, string>;
  readonly firstAt: number;
}

/**
 * Holds parts of long inbound messages until every part came. A message whose parts stop coming
 * is handed on incomplete after `maxWaitMs`, with the gaps marked, rather than lost. At most
 * `maxHeldMessages` wait at once: an SMSC sending first parts without end cannot grow this
 * without bound, and the oldest is handed on incomplete (through `takeExpired`) to make room.
 */
export class InboundAssembler {
  readonly #pending = new Map<string, Pending>();
  readonly #overflow: InboundSms[] = [];
  readonly #maxWaitMs: number;
  readonly #maxHeldMessages: number;

  constructor(options: { maxWaitMs?: number; maxHeldMessages?: number } = {}) {
    this.#maxWaitMs = options.maxWaitMs ?? 5 * 60_000;
    this.#maxHeldMessages = options.maxHeldMessages ?? 10_000;
  }

  /** Whether messages were pushed out to make room and wait in `takeExpired`. */
  get overflowing(): boolean {
    return this.#overflow.length > 0;
  }

  /** Adds a part; returns the whole message once complete (a plain part at once), else null. */
  accept(part: InboundPart, now = Date.now()): InboundSms | null {
    const concatenation = part.concatenation;
    if (!concatenation) return { from: part.from, to: part.to, text: part.text, parts: 1 };
    const key = [part.from, part.to, concatenation.reference, concatenation.total].join('\u0000');
    let pending = this.#pending.get(key);
    if (!pending) {
      if (this.#pending.size >= this.#maxHeldMessages) this.#evictOldest();
      pending = { from: part.from, to: part.to, total: concatenation.total, parts: new Map(), firstAt: now };
      this.#pending.set(key, pending);
    }
    // A part the SMSC redelivers (our response got lost) replaces itself: no duplicate text.
    pending.parts.set(concatenation.sequence, part.text);
    if (pending.parts.size < pending.total) return null;
    this.#pending.delete(key);
    return this.#assemble(pending);
  }

  /** Messages whose missing parts did not come within the wait, handed on with the gaps marked. */
  takeExpired(now = Date.now()): InboundSms[] {
    const expired: InboundSms[] = this.#overflow.splice(0);
    for (const [key, pending] of this.#pending) {
      if (now - pending.firstAt < this.#maxWaitMs) continue;
      this.#pending.delete(key);
      expired.push(this.#assemble(pending));
    }
    return expired;
  }

  /** Parts held right now (for tests and health). */
  get heldParts(): number {
    let count = 0;
    for (const pending of this.#pending.values()) count += pending.parts.size;
    return count;
  }

  #evictOldest(): void {
    const [key, oldest] = this.#pending.entries().next().value ?? [];
    if (key === undefined || oldest === undefined) return;
    this.#pending.delete(key);
    this.#overflow.push(this.#assemble(oldest));
  }

  #assemble(pending: Pending): InboundSms {
    const texts: string[] = [];
    for (let sequence = 1; sequence <= pending.total; sequence++) texts.push(pending.parts.get(sequence) ?? `[part ${sequence} of ${pending.total} missing]`);
    return { from: pending.from, to: pending.to, text: texts.join(''), parts: pending.total };
  }
}
