/**
 * Delivery receipts on their way back (SMPP 3.4 §4.6, Appendix B): when they go out as
 * `registered_delivery` asks, on which bind, kept until a receiver binds when none can take
 * them, and sent again when the ESME refuses one or leaves it unanswered, as SMSCs do.
 */
import type { ReceiptMode } from './smsc-behaviour.js';
import { digitsOf, type Inbox, type InboxPart, type InboxStatus } from './smsc-inbox.js';
import { TlvTag, encodeDeliverSm, type ShortMessageBody } from './smsc-pdu.js';
import { receiptDeliverSm, type MessageIdFormat, type ReceiptStat } from './smsc-receipt.js';
import type { SmscRuntime } from './smsc-runtime.js';
import type { SimSession, SmscSessions } from './smsc-sessions.js';
import { SmscStatus } from './smsc-status.js';

/** A receipt to send for one accepted part. */
export interface PendingReceipt {
  readonly part: InboxPart;
  readonly submit: ShortMessageBody;
  readonly systemId: string;
  readonly issuedAs: MessageIdFormat;
  readonly stat: ReceiptStat;
  readonly intermediate: boolean;
  readonly quotedText: string;
  readonly preferred: SimSession;
  /** Times this receipt was sent again after the ESME refused it or did not answer. */
  readonly redeliveries?: number | undefined;
}

/** What a submit's handler hands over: the receipt before its state is decided. */
export type ReceiptRequest = Omit<PendingReceipt, 'stat' | 'intermediate'>;

const STAT_OF: Readonly<Record<Exclude<ReceiptMode, 'drop'>, ReceiptStat>> = {
  delivered: 'DELIVRD',
  failed: 'UNDELIV',
  expired: 'EXPIRED',
  rejected: 'REJECTD',
};

const STATUS_OF: Readonly<Partial<Record<ReceiptStat, InboxStatus>>> = {
  DELIVRD: 'delivered',
  UNDELIV: 'failed',
  EXPIRED: 'expired',
  REJECTD: 'rejected',
};

/** SMPP 3.4 §5.2.17 registered_delivery: bits 1-0 final receipt (01 always, 10 on failure), bit 4 intermediate. */
const RECEIPT_ALWAYS = 0x01;
const RECEIPT_ON_FAILURE = 0x02;
const INTERMEDIATE_WANTED = 0x10;

/** Sends the receipts of one simulator. */
export class ReceiptSender {
  readonly #runtime: SmscRuntime;
  readonly #sessions: SmscSessions;
  readonly #inbox: Inbox;
  /** Receipts no bind could take yet, oldest first. */
  readonly #pending: PendingReceipt[] = [];

  constructor(runtime: SmscRuntime, sessions: SmscSessions, inbox: Inbox) {
    this.#runtime = runtime;
    this.#sessions = sessions;
    this.#inbox = inbox;
  }

  /**
   * Schedules what `registered_delivery` asks for: an intermediate notification after half the
   * delay, and the final receipt (unless `finalReported` is false: a part a carrier does not
   * report on its own) by `nextReceipts`, `receiptsByDestination` or `receipts`.
   */
  schedule(receipt: ReceiptRequest, finalReported = true): void {
    const asked = receipt.submit.registeredDelivery;
    const { receiptDelayMs, receiptsByDestination, receipts, intermediateReceiptState } = this.#runtime.behaviour;
    if ((asked & INTERMEDIATE_WANTED) !== 0) {
      this.#runtime.later(Math.floor(receiptDelayMs / 2), () => {
        this.#send({ ...receipt, stat: intermediateReceiptState, intermediate: true });
      });
    }
    const wanted = asked & 0x03;
    if (!finalReported) return;
    if (wanted !== RECEIPT_ALWAYS && wanted !== RECEIPT_ON_FAILURE) return; // 00 none, 11 reserved
    const mode = this.#runtime.takeNextReceipt() ?? receiptsByDestination[digitsOf(receipt.submit.destinationAddr)] ?? receipts;
    if (wanted === RECEIPT_ON_FAILURE && mode === 'delivered') return;
    if (mode === 'drop') {
      this.#runtime.stats.receiptsDropped += 1;
      return;
    }
    this.#runtime.later(receiptDelayMs, () => {
      this.#send({ ...receipt, stat: STAT_OF[mode], intermediate: false });
    });
  }

  #send(receipt: PendingReceipt): void {
    const session =
      this.#runtime.behaviour.receiptSession === 'other'
        ? (this.#sessions.receiverFor(receipt.systemId, undefined, undefined, receipt.preferred) ?? this.#sessions.receiverFor(receipt.systemId, receipt.preferred))
        : this.#sessions.receiverFor(receipt.systemId, receipt.preferred);
    if (!session) {
      // A real SMSC stores receipts until a receiver binds again; so do we.
      this.#pending.push(receipt);
      return;
    }
    const { part, submit } = receipt;
    const { receiptStyle, receiptIdFormat, receiptDateSeconds, receiptIdTlvNul } = this.#runtime.behaviour;
    const fields = receiptDeliverSm({
      messageId: part.messageId,
      issuedAs: receipt.issuedAs,
      idFormat: receiptIdFormat,
      style: receiptStyle,
      stat: receipt.stat,
      intermediate: receipt.intermediate,
      submittedAt: part.receivedAt,
      doneAt: new Date(),
      dateSeconds: receiptDateSeconds,
      idTlvNul: receiptIdTlvNul,
      quotedText: receipt.quotedText,
      recipient: { addr: submit.destinationAddr, ton: submit.destAddrTon, npi: submit.destAddrNpi },
      sender: { addr: submit.sourceAddr, ton: submit.sourceAddrTon, npi: submit.sourceAddrNpi },
      userMessageReference: submit.tlvs.get(TlvTag.user_message_reference),
    });
    if (receipt.intermediate) {
      if (part.status === 'accepted') part.status = 'enroute';
      this.#runtime.stats.intermediateReceiptsSent += 1;
    } else if ((receipt.redeliveries ?? 0) === 0) {
      part.status = STATUS_OF[receipt.stat] ?? part.status;
      this.#inbox.refreshStatus(part);
      this.#runtime.stats.receiptsSent += 1;
    }
    void this.#sessions.request(session, (sequence) => encodeDeliverSm(fields, sequence), 10_000).then((response) => {
      if (receipt.intermediate) return;
      if (response?.commandStatus === SmscStatus.ESME_ROK) {
        this.#runtime.stats.receiptsAcknowledged += 1;
        return;
      }
      if (response !== undefined) this.#runtime.stats.receiptsRejected += 1;
      // As SMSCs do: a receipt the ESME refused (ESME_RTHROTTLED, ESME_RX_T_APPN …) or left
      // unanswered is sent again later, a bounded number of times.
      const { receiptRedeliveryMs, receiptRedeliveries } = this.#runtime.behaviour;
      const done = receipt.redeliveries ?? 0;
      if (receiptRedeliveryMs === null || done >= receiptRedeliveries) return;
      this.#runtime.stats.receiptsRedelivered += 1;
      this.#runtime.later(receiptRedeliveryMs, () => {
        this.#send({ ...receipt, redeliveries: done + 1 });
      });
    });
  }

  /** Sends the receipts kept for `systemId` now that a receiver of it bound. */
  flush(systemId: string): void {
    const waiting = this.#pending.filter((receipt) => receipt.systemId === systemId);
    const others = this.#pending.filter((receipt) => receipt.systemId !== systemId);
    this.#pending.splice(0, this.#pending.length, ...others);
    for (const receipt of waiting) this.#send(receipt);
  }

  /** Forgets the receipts kept for later (`reset()`). */
  clear(): void {
    this.#pending.length = 0;
  }
}
