/**
 * Turns the delivery-receipt parts of a deliver_sm/data_sm into a `DeliveryReceipt`. Pure: no
 * sockets, no clock. Two sources exist and real SMSCs send either or both:
 * - SMPP 3.4 §5.3.2 TLVs: receipted_message_id (0x001E), message_state (0x0427),
 *   network_error_code (0x0423). Preferred: typed and unambiguous.
 * - The receipt text of SMPP 3.4 Appendix B (de-facto standard, not normative):
 *   `id:IIIII sub:SSS dlvrd:DDD submit date:YYMMDDhhmm[ss] done date:YYMMDDhhmm[ss] stat:DDDDDDD err:E text:…`
 */
import { normaliseProviderMessageId, type DeliveryReceipt, type ReceiptState } from '../channel-provider.js';

/** The receipt-bearing fields of one PDU, already decoded to text/numbers. */
export interface ReceiptFields {
  readonly receiptedMessageId?: string | undefined;
  readonly messageState?: number | undefined;
  readonly networkErrorCode?: Buffer | undefined;
  /** short_message or message_payload decoded to text. */
  readonly text?: string | undefined;
}

/** A parsed receipt, or why the PDU could not be read as one. */
export type ReceiptParseResult =
  | { readonly ok: true; readonly receipt: DeliveryReceipt }
  | { readonly ok: false; readonly reason: string };

/** The fields of an Appendix B receipt text; each is absent when the SMSC left it out. */
export interface ReceiptText {
  readonly id?: string;
  readonly sub?: string;
  readonly dlvrd?: string;
  readonly submitDate?: Date;
  readonly doneDate?: Date;
  readonly stat?: string;
  readonly err?: string;
}

// SMPP 3.4 §5.2.28 message_state values.
const MESSAGE_STATES = new Map<number, ReceiptState>([
  [1, 'enroute'],
  [2, 'delivered'],
  [3, 'expired'],
  [4, 'failed'], // DELETED
  [5, 'failed'], // UNDELIVERABLE
  [6, 'accepted'],
  [7, 'unknown'],
  [8, 'failed'], // REJECTED
]);

// Appendix B stat values, plus the long spellings some SMSCs send.
const STATS = new Map<string, ReceiptState>([
  ['ENROUTE', 'enroute'],
  ['DELIVRD', 'delivered'],
  ['DELIVERED', 'delivered'],
  ['EXPIRED', 'expired'],
  ['DELETED', 'failed'],
  ['UNDELIV', 'failed'],
  ['UNDELIVERABLE', 'failed'],
  ['ACCEPTD', 'accepted'],
  ['ACCEPTED', 'accepted'],
  ['UNKNOWN', 'unknown'],
  ['REJECTD', 'failed'],
  ['REJECTED', 'failed'],
]);

// SMPP 3.4 §5.3.2.31 network_error_code network types.
const NETWORK_TYPES = new Map<number, string>([
  [1, 'ansi-136'],
  [2, 'is-95'],
  [3, 'gsm'],
  [4, 'ansi-136-cause'],
  [5, 'is-95-cause'],
  [6, 'ansi-41'],
  [7, 'smpp'],
  [8, 'mc'],
]);

/** Maps a message_state TLV value; undefined for values SMPP 3.4 does not define. */
export function stateFromMessageState(value: number): ReceiptState | undefined {
  return MESSAGE_STATES.get(value);
}

/** Maps an Appendix B `stat:` value (case-insensitive); undefined for values nobody defines. */
export function stateFromStat(stat: string): ReceiptState | undefined {
  return STATS.get(stat.trim().toUpperCase());
}

/** Appendix B dates are YYMMDDhhmm with optional ss, in the SMSC's clock; read as UTC. */
export function parseReceiptDate(value: string): Date | undefined {
  const match = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?$/.exec(value);
  if (!match) return undefined;
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0] = match
    .slice(1)
    .map((part: string | undefined) => Number(part ?? '0'));
  const date = new Date(Date.UTC(2000 + year, month - 1, day, hour, minute, second));
  // Date.UTC rolls 31 Feb into March; a receipt with such a date is not to be trusted.
  const roundTrips =
    date.getUTCMonth() === month - 1 && date.getUTCDate() === day && hour < 24 && minute < 60 && second < 60;
  return roundTrips ? date : undefined;
}

/**
 * Reads an Appendix B receipt text. Keys are matched case-insensitively and only before `text:`,
 * since the quoted message text may itself contain `stat:` or `id:`.
 */
export function parseReceiptText(text: string): ReceiptText | undefined {
  const head = text.split(/(?:^|\s)text:/i, 1)[0] ?? '';
  const fields = new Map<string, string>();
  for (const match of head.matchAll(/(?:^|\s)(id|sub|dlvrd|submit date|done date|stat|err):(\S*)/gi)) {
    const key = (match[1] ?? '').toLowerCase();
    if (!fields.has(key)) fields.set(key, match[2] ?? '');
  }
  if (fields.size === 0) return undefined;
  const submitDate = parseReceiptDate(fields.get('submit date') ?? '');
  const doneDate = parseReceiptDate(fields.get('done date') ?? '');
  const result: { -readonly [K in keyof ReceiptText]: ReceiptText[K] } = {};
  const id = fields.get('id');
  if (id) result.id = id;
  const sub = fields.get('sub');
  if (sub) result.sub = sub;
  const dlvrd = fields.get('dlvrd');
  if (dlvrd) result.dlvrd = dlvrd;
  if (submitDate) result.submitDate = submitDate;
  if (doneDate) result.doneDate = doneDate;
  const stat = fields.get('stat');
  if (stat) result.stat = stat;
  const err = fields.get('err');
  if (err) result.err = err;
  return result;
}

/**
 * Formats network_error_code as `<network type>:<error code>` (`gsm:1`); undefined when it says
 * "no error" (code 0). Malformed values are kept as hex so the attempt record still shows them.
 */
export function formatNetworkErrorCode(value: Buffer): string | undefined {
  if (value.length !== 3) return value.length === 0 ? undefined : `raw:${value.toString('hex')}`;
  const type = value.readUInt8(0);
  const code = value.readUInt16BE(1);
  if (code === 0) return undefined;
  return `${NETWORK_TYPES.get(type) ?? `type-${type}`}:${code}`;
}

/** Combines TLVs (preferred) and receipt text into one receipt. */
export function parseReceipt(fields: ReceiptFields): ReceiptParseResult {
  const text = fields.text === undefined ? undefined : parseReceiptText(fields.text);

  const tlvId = fields.receiptedMessageId?.trim();
  const rawId = tlvId || text?.id;
  if (!rawId) return { ok: false, reason: 'no receipted_message_id TLV and no id: in the receipt text' };

  const tlvState = fields.messageState === undefined ? undefined : stateFromMessageState(fields.messageState);
  const textState = text?.stat === undefined ? undefined : stateFromStat(text.stat);
  const state = tlvState ?? textState ?? (text?.stat === undefined && fields.messageState === undefined ? undefined : 'unknown');
  if (state === undefined) return { ok: false, reason: 'no message_state TLV and no stat: in the receipt text' };

  const tlvError = fields.networkErrorCode === undefined ? undefined : formatNetworkErrorCode(fields.networkErrorCode);
  const textError = text?.err !== undefined && !/^0+$/.test(text.err) ? text.err : undefined;

  return {
    ok: true,
    receipt: {
      providerMessageId: normaliseProviderMessageId(rawId),
      state,
      errorCode: tlvError ?? textError,
      doneAt: text?.doneDate,
    },
  };
}
