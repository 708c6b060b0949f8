// Joins the parts of concatenated SMS received by one modem (23.040 §9.2.3.24.1): parts arrive
// one +CMTI at a time, in any order, and a message is handed up only once every part is here.
// Each part keeps its storage index, so the driver deletes them from the SIM only after the
// joined message is journalled.
import type { SmsDeliver } from '../pdu/sms-deliver-decoder.js';

/** A received SMS, all parts joined, with the SIM indices it occupies. */
export interface InboundSms {
  /** Stable across restarts and re-reads: the same SMS read twice gets the same id. */
  readonly id: string;
  readonly modem: string;
  readonly from: string;
  readonly text: string;
  readonly parts: number;
  /** TP-SCTS of the first part, ms since the epoch. */
  readonly receivedAt: number;
  /** Storage indices of its parts, to AT+CMGD once journalled. */
  readonly indices: readonly number[];
}

interface StoredPart {
  readonly index: number;
  readonly sequence: number;
  readonly text: string;
  readonly receivedAt: number;
}

interface PartialSms {
  readonly from: string;
  readonly reference: number;
  readonly total: number;
  readonly parts: Map<number, StoredPart>;
  /** Indices of parts stored twice (the network resent them): deleted with the rest. */
  readonly repeatedIndices: number[];
}

function bodyText(deliver: SmsDeliver): string {
  const { body } = deliver.userData;
  // Binary SMS (8-bit data) carry no text for the service; their octets are shown as hex.
  return body.kind === 'text' ? body.text : Buffer.from(body.octets).toString('hex');
}

/**
 * The id of an SMS: modem, sender, network time stamp and concatenation reference say which
 * SMS it is; the storage index does not (it is reused once deleted).
 */
export function inboundSmsId(modem: string, from: string, receivedAt: number, reference: number | undefined): string {
  return `${modem}/${from}/${new Date(receivedAt).toISOString()}/${reference === undefined ? 'single' : String(reference)}`;
}

/** Collects parts for one modem. */
export class InboundAssembler {
  readonly #modem: string;
  readonly #partial = new Map<string, PartialSms>();

  constructor(modem: string) {
    this.#modem = modem;
  }

  /** Parts of messages not yet complete. */
  get waitingParts(): number {
    let count = 0;
    for (const sms of this.#partial.values()) count += sms.parts.size;
    return count;
  }

  /** Adds a part read from storage `index`; returns the whole SMS once its last part is in. */
  add(index: number, deliver: SmsDeliver): InboundSms | undefined {
    const from = deliver.originator.value;
    const receivedAt = deliver.serviceCentreTimestamp.epochMillis;
    const concatenation = deliver.userData.header?.concatenation;
    if (concatenation === undefined || concatenation.totalParts <= 1) {
      return { id: inboundSmsId(this.#modem, from, receivedAt, undefined), modem: this.#modem, from, text: bodyText(deliver), parts: 1, receivedAt, indices: [index] };
    }
    const key = `${from}/${concatenation.referenceBits}:${concatenation.reference}/${concatenation.totalParts}`;
    const sms = this.#partial.get(key) ?? { from, reference: concatenation.reference, total: concatenation.totalParts, parts: new Map<number, StoredPart>(), repeatedIndices: [] };
    this.#partial.set(key, sms);
    const repeated = sms.parts.get(concatenation.sequence);
    if (repeated !== undefined && repeated.index !== index) sms.repeatedIndices.push(repeated.index);
    sms.parts.set(concatenation.sequence, { index, sequence: concatenation.sequence, text: bodyText(deliver), receivedAt });
    if (sms.parts.size < sms.total) return undefined;
    this.#partial.delete(key);
    const ordered = [...sms.parts.values()].sort((a, b) => a.sequence - b.sequence);
    const first = ordered[0] as StoredPart;
    return {
      id: inboundSmsId(this.#modem, from, first.receivedAt, sms.reference),
      modem: this.#modem,
      from,
      text: ordered.map((part) => part.text).join(''),
      parts: sms.total,
      receivedAt: first.receivedAt,
      indices: [...sms.repeatedIndices, ...ordered.map((part) => part.index)],
    };
  }

  /** Forgets partial messages: after a reset or replug they are read again from storage. */
  clear(): void {
    this.#partial.clear();
  }
}
