/**
 * What an SMSC sends an SMPP provider unasked: deliver_sm and data_sm carrying delivery receipts
 * or mobile-originated messages (each answered once it is stored, or with a temporary error for
 * the SMSC to redeliver), alert_notification, and anything else (generic_nack). Bounds how many
 * are being stored at once, and lets submits wait while the store is behind.
 */
import type { Logger } from '../../shared/logger.js';
import { receiptIdAsIssued, type DeliveryReceipt } from '../channel-provider.js';
import { parseReceipt } from './receipt-parser.js';
import { InboundAssembler, inboundPartFromPdu } from './smpp-inbound.js';
import { DEFAULT_MAX_DELIVERIES_IN_FLIGHT, type SmppProviderOptions } from './smpp-provider-options.js';
import type { SmppSession } from './smpp-session.js';
import { bufferField, CommandStatus, createPdu, intField, messageField, stringField, type Pdu } from './smpp-wire.js';
import type { Unanswered, UnansweredSubmits } from './unanswered-submits.js';

// SMPP 3.4 §5.2.12: esm_class bits 5-2 give the message type of a deliver_sm/data_sm.
const ESM_TYPE_MASK = 0x3c;
const ESM_TYPE_DELIVERY_RECEIPT = 0x04;
const ESM_TYPE_INTERMEDIATE_NOTIFICATION = 0x20;

export interface SmppDeliveriesOptions {
  readonly provider: string;
  readonly settings: Pick<SmppProviderOptions, 'receiptSink' | 'inboundSink' | 'receiptIdBase' | 'maxDeliveriesInFlight' | 'metrics'>;
  readonly unanswered: UnansweredSubmits;
  /** A receipt named the id of a submit that was never answered: the part was accepted after all. */
  readonly lateAcceptance: (entry: Unanswered, providerMessageId: string) => Promise<void>;
  readonly logger: Logger;
}

export class SmppDeliveries {
  readonly #options: SmppDeliveriesOptions;
  readonly #maxInFlight: number;
  readonly #assembler = new InboundAssembler();
  #inFlight = 0;
  /** Submits waiting for the receipts being stored to come down (see `waitWhileBackedUp`). */
  readonly #waiters = new Set<() => void>();
  #stopped = false;

  constructor(options: SmppDeliveriesOptions) {
    this.#options = options;
    this.#maxInFlight = options.settings.maxDeliveriesInFlight ?? DEFAULT_MAX_DELIVERIES_IN_FLIGHT;
  }

  /** Every request PDU the SMSC sends on any bind. */
  handleRequest(session: SmppSession, pdu: Pdu): void {
    switch (pdu.command) {
      case 'deliver_sm':
      case 'data_sm':
        if (this.#inFlight >= this.#maxInFlight) {
          this.#options.logger.warn({ provider: this.#options.provider, inFlight: this.#inFlight }, 'deliver_sm refused as throttled: too many being stored');
          session.respond(pdu.response({ command_status: CommandStatus.ESME_RTHROTTLED }));
          return;
        }
        this.#inFlight += 1;
        void this.#handleDelivery(session, pdu).finally(() => {
          this.#inFlight -= 1;
          if (this.#waiters.size > 0 && !this.backedUp()) this.#wake();
        });
        return;
      case 'alert_notification':
        return; // §4.12: no response is sent
      default:
        // §3.3: generic_nack for commands an ESME does not take.
        session.respond(createPdu('generic_nack', { sequence_number: pdu.sequence_number, command_status: CommandStatus.ESME_RINVCMDID }));
    }
  }

  /** Receipts are being stored slower than they come: from half the cap, new submits hold back. */
  backedUp(): boolean {
    return !this.#stopped && this.#inFlight >= Math.ceil(this.#maxInFlight / 2);
  }

  /** Waits (at most `maxMs`) while the store is backed up; at once when it is not. */
  async waitWhileBackedUp(maxMs: number): Promise<void> {
    if (!this.backedUp()) return;
    const { promise, resolve } = Promise.withResolvers<undefined>();
    const wake = () => { resolve(undefined); };
    this.#waiters.add(wake);
    const timer = setTimeout(wake, maxMs);
    await promise;
    clearTimeout(timer);
    this.#waiters.delete(wake);
  }

  /** Nothing waits on the store any more (the provider stops). */
  stop(): void {
    this.#stopped = true;
    this.#wake();
  }

  /** Stores inbound messages whose missing parts stopped being worth waiting for. */
  storeIncomplete(why = 'inbound message incomplete after waiting; stored with gaps'): void {
    const { provider, settings, logger } = this.#options;
    for (const whole of this.#assembler.takeExpired()) {
      logger.warn({ provider, parts: whole.parts }, why);
      void settings.inboundSink?.(provider, whole).catch((error: unknown) => {
        logger.error({ provider, err: error }, 'incomplete inbound message could not be stored');
      });
    }
  }

  #wake(): void {
    for (const wake of [...this.#waiters]) wake();
  }

  async #handleDelivery(session: SmppSession, pdu: Pdu): Promise<void> {
    let status: number = CommandStatus.ESME_ROK;
    try {
      const esmClass = intField(pdu, 'esm_class') ?? 0;
      const type = esmClass & ESM_TYPE_MASK;
      if (type === ESM_TYPE_DELIVERY_RECEIPT || type === ESM_TYPE_INTERMEDIATE_NOTIFICATION) status = await this.#handleReceipt(pdu);
      else status = await this.#handleInbound(pdu);
    } catch (error) {
      // Not acknowledged as taken: the SMSC redelivers it later.
      status = CommandStatus.ESME_RX_T_APPN;
      this.#options.logger.error({ provider: this.#options.provider, err: error }, 'deliver_sm handling failed');
    } finally {
      // Every deliver_sm/data_sm is answered, or the SMSC keeps resending it and may throttle us.
      session.respond(pdu.response({ command_status: status }));
    }
  }

  async #handleReceipt(pdu: Pdu): Promise<number> {
    const { provider, settings, logger } = this.#options;
    const text = messageField(pdu, 'message_payload') ?? messageField(pdu, 'short_message');
    const parsed = parseReceipt({
      receiptedMessageId: stringField(pdu, 'receipted_message_id'),
      messageState: intField(pdu, 'message_state'),
      networkErrorCode: bufferField(pdu, 'network_error_code'),
      text: typeof text === 'string' ? text : text?.toString('latin1'),
    });
    if (!parsed.ok) {
      logger.warn({ provider, reason: parsed.reason }, 'unreadable delivery receipt dropped');
      settings.metrics?.protocolError(provider, 'unreadable-receipt');
      return CommandStatus.ESME_ROK;
    }
    // SMPP 3.4 §4.6.1: a receipt's source_addr is the original destination, the handset.
    const source = stringField(pdu, 'source_addr');
    const receipt: DeliveryReceipt = {
      ...parsed.receipt,
      providerMessageId: receiptIdAsIssued(parsed.receipt.providerMessageId, settings.receiptIdBase ?? 'same'),
      ...(source ? { handset: source } : {}),
    };
    // A receipt for a submit whose answer never came: SMSCs that echo user_message_reference
    // (§5.3.2.17) let us learn the id from the receipt itself.
    const reference = intField(pdu, 'user_message_reference');
    if (reference !== undefined && source !== undefined) {
      const entry = this.#options.unanswered.takeByReference(`${source}:${reference}`);
      if (entry) await this.#options.lateAcceptance(entry, receipt.providerMessageId);
    }
    return this.#deliverReceipt(receipt);
  }

  /** Hands a receipt to the sink; a failing sink gets the receipt redelivered by the SMSC later. */
  async #deliverReceipt(receipt: DeliveryReceipt): Promise<number> {
    const { provider, settings, logger } = this.#options;
    try {
      await settings.receiptSink(provider, receipt);
      return CommandStatus.ESME_ROK;
    } catch (error) {
      logger.error({ provider, providerMessageId: receipt.providerMessageId, state: receipt.state, err: error }, 'receipt sink failed; asking the SMSC to redeliver');
      // SMPP 3.4 §5.1.3 ESME_RX_T_APPN: temporary application error, the SMSC retries later.
      return CommandStatus.ESME_RX_T_APPN;
    }
  }

  /** A mobile-originated message (or one part of it): stored once whole, answered either way. */
  async #handleInbound(pdu: Pdu): Promise<number> {
    const { provider, settings, logger } = this.#options;
    const sink = settings.inboundSink;
    if (!sink) {
      logger.debug({ provider }, 'mobile-originated message dropped (no inbound sink)');
      return CommandStatus.ESME_ROK;
    }
    const whole = this.#assembler.accept(inboundPartFromPdu(pdu));
    if (this.#assembler.overflowing) this.storeIncomplete('inbound parts held for too many messages; oldest stored with gaps');
    if (whole === null) return CommandStatus.ESME_ROK; // more parts to come
    try {
      await sink(provider, whole);
      return CommandStatus.ESME_ROK;
    } catch (error) {
      logger.error({ provider, err: error }, 'inbound message could not be stored; asking the SMSC to redeliver');
      return CommandStatus.ESME_RX_T_APPN;
    }
  }
}
