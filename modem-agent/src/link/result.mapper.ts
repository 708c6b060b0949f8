// Journal results as the service reads them. The journal records what the radio did, one part at
// a time; the contract reports a message: one SmsSubmitted once every part is with the network.
// Pure functions of the journal's state, so the rules below are tested without a stream.
import {
  ReceiptStatus,
  SmsFailure,
  type ConnectRequest,
} from '@switchboard/proto/switchboard/v1/agent';
import type { JournalResult, MessageState, Submitted } from '../journal/index.js';
import { classifyDeliveryStatus } from '../pdu/delivery-status.js';

/** What the mapping reads besides the result itself. */
export interface ResultContext {
  /** The journal's view of an accepted message. */
  message(messageId: string): MessageState | undefined;
  /** Results the service has not acknowledged, oldest first. */
  unackedResults(): readonly JournalResult[];
  /** The IMEI of the modem with this label; '' when unknown. */
  imeiOf(label: string): string;
}

/** TP-ST 0x46, "SM validity period expired" (3GPP TS 23.040 §9.2.3.15). */
const VALIDITY_EXPIRED = 0x46;

/**
 * The message to send for `result`, or `undefined` when it is reported later: a part's
 * `submitted` before the last part's goes out with the last one.
 */
export function toWireResult(result: JournalResult, context: ResultContext): ConnectRequest | undefined {
  const resultId = String(result.seq);
  switch (result.type) {
    case 'submitted': {
      const parts = context.message(result.messageId)?.command.parts ?? result.part;
      if (result.part < parts) return undefined;
      return {
        body: {
          $case: 'submitted',
          value: {
            resultId,
            messageId: result.messageId,
            modemLabel: result.modem,
            modemImei: context.imeiOf(result.modem),
            references: submittedReferences(result, context),
            // The journal keeps no time for a submission; unset rather than a resend's time.
            submittedAt: undefined,
          },
        },
      };
    }
    case 'failed': {
      const message = context.message(result.messageId);
      const submitted = message?.submittedParts ?? [];
      const modemLabel = submitted.at(-1)?.modem ?? '';
      const reason =
        submitted.length === 0 || message === undefined
          ? result.reason
          : `${result.reason} (${submitted.length} of ${message.command.parts} parts had been submitted)`;
      const failure = result.retryable ? SmsFailure.SMS_FAILURE_RETRYABLE : SmsFailure.SMS_FAILURE_PERMANENT;
      return failed(resultId, result.messageId, failure, reason, modemLabel);
    }
    case 'outcome-unknown':
      return failed(resultId, result.messageId, SmsFailure.SMS_FAILURE_OUTCOME_UNKNOWN, result.reason, result.modem);
    case 'receipt':
      return {
        body: {
          $case: 'receipt',
          value: {
            resultId,
            messageId: result.messageId,
            // The journal counts parts from 1, the contract from 0.
            part: result.part - 1,
            status: receiptStatus(result.status, result.statusCode),
            statusCode: result.statusCode,
            dischargedAt: new Date(result.at),
          },
        },
      };
    case 'inbound':
      return {
        body: {
          $case: 'inbound',
          value: {
            resultId,
            modemLabel: result.modem,
            from: result.from,
            text: result.text,
            parts: result.parts,
            receivedAt: new Date(result.at),
          },
        },
      };
  }
}

/**
 * The journal entries an ack of `resultId` settles. The last part's `submitted` stands for every
 * part's, and a message that failed after some parts went out never reports those parts alone:
 * their entries are settled with the message's final result, or they would be resent forever.
 */
export function resultIdsSettledBy(resultId: number, unacked: readonly JournalResult[]): number[] {
  const result = unacked.find((r) => r.seq === resultId);
  if (result === undefined || result.type === 'receipt' || result.type === 'inbound') return [resultId];
  // Earlier parts were journalled before it: only they are settled, never a later part.
  const parts = unacked.filter(
    (r) => r.type === 'submitted' && r.messageId === result.messageId && r.seq < resultId,
  );
  return [...parts.map((r) => r.seq), resultId];
}

/** The results about one message that the service has not acknowledged, in journal order. */
export function unackedResultsOf(messageId: string, unacked: readonly JournalResult[]): JournalResult[] {
  return unacked.filter((r) => r.type !== 'inbound' && r.messageId === messageId);
}

/** How a status report's outcome reads on the wire; TP-ST decides when the words are unknown. */
export function receiptStatus(status: string, statusCode: number): ReceiptStatus {
  switch (status) {
    case 'delivered':
      return ReceiptStatus.RECEIPT_STATUS_DELIVERED;
    case 'pending':
    case 'enroute':
    case 'still-trying':
      return ReceiptStatus.RECEIPT_STATUS_PENDING;
    case 'expired':
      return ReceiptStatus.RECEIPT_STATUS_EXPIRED;
    case 'failed':
    case 'failed-permanent':
    case 'failed-temporary':
      return statusCode === VALIDITY_EXPIRED ? ReceiptStatus.RECEIPT_STATUS_EXPIRED : ReceiptStatus.RECEIPT_STATUS_FAILED;
  }
  if (statusCode === VALIDITY_EXPIRED) return ReceiptStatus.RECEIPT_STATUS_EXPIRED;
  switch (classifyDeliveryStatus(statusCode).outcome) {
    case 'delivered':
      return ReceiptStatus.RECEIPT_STATUS_DELIVERED;
    case 'still-trying':
      return ReceiptStatus.RECEIPT_STATUS_PENDING;
    case 'failed-permanent':
    case 'failed-temporary':
      return ReceiptStatus.RECEIPT_STATUS_FAILED;
  }
}

function submittedReferences(last: Submitted, context: ResultContext): number[] {
  const known = context.message(last.messageId)?.submittedParts;
  const parts =
    known !== undefined && known.length > 0
      ? known
      : context.unackedResults().filter(
          (r): r is JournalResult & Submitted => r.type === 'submitted' && r.messageId === last.messageId,
        );
  return [...parts].sort((a, b) => a.part - b.part).map((p) => p.reference);
}

function failed(
  resultId: string,
  messageId: string,
  failure: SmsFailure,
  reason: string,
  modemLabel: string,
): ConnectRequest {
  // The journal keeps no time for a failure; unset rather than a resend's time.
  return { body: { $case: 'failed', value: { resultId, messageId, failure, reason, modemLabel, failedAt: undefined } } };
}
