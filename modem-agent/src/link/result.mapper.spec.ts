import { ReceiptStatus, SmsFailure } from '@switchboard/proto/switchboard/v1/agent';
import { describe, expect, it } from 'vitest';
import type { CommandAccepted, JournalEntry, JournalResult, MessageState } from '../journal/index.js';
import { receiptStatus, resultIdsSettledBy, toWireResult, unackedResultsOf, type ResultContext } from './result.mapper.js';

type SubmittedPart = MessageState['submittedParts'][number];

const command: JournalEntry<CommandAccepted> = {
  seq: 1,
  type: 'command-accepted',
  messageId: 'm-1',
  to: '+4915112345678',
  text: 'hello',
  parts: 3,
  validitySeconds: 0,
  statusReport: true,
  sendBefore: null,
  modems: [],
  acceptedAt: '2026-12-08T00:00:00.000Z',
};

function context(submittedParts: SubmittedPart[], unacked: JournalResult[] = []): ResultContext {
  const state: MessageState = { command, status: 'submitted', nextPart: 4, submittedParts };
  return {
    message: (id) => (id === 'm-1' ? state : undefined),
    unackedResults: () => unacked,
    imeiOf: (label) => (label === 'sim-a' ? '356938035643809' : ''),
  };
}

const submitted = (seq: number, part: number, reference: number): JournalResult => ({
  seq,
  type: 'submitted',
  messageId: 'm-1',
  modem: 'sim-a',
  part,
  reference,
});

describe('toWireResult', () => {
  it('holds back the submitted of a part before the last', () => {
    expect(toWireResult(submitted(3, 1, 17), context([{ part: 1, modem: 'sim-a', reference: 17 }]))).toBeUndefined();
  });

  it('reports the last part as one SmsSubmitted with every reference in part order', () => {
    const parts = [
      { part: 1, modem: 'sim-a', reference: 17 },
      { part: 2, modem: 'sim-a', reference: 18 },
      { part: 3, modem: 'sim-a', reference: 200 },
    ];
    const request = toWireResult(submitted(9, 3, 200), context(parts));
    expect(request?.body).toEqual({
      $case: 'submitted',
      value: {
        resultId: '9',
        messageId: 'm-1',
        modemLabel: 'sim-a',
        modemImei: '356938035643809',
        references: [17, 18, 200],
        submittedAt: undefined,
      },
    });
  });

  it('maps failed to RETRYABLE or PERMANENT by its flag, saying how many parts went out', () => {
    const ctx = context([{ part: 1, modem: 'sim-a', reference: 17 }]);
    const retryable = toWireResult({ seq: 4, type: 'failed', messageId: 'm-1', reason: 'no modem free', retryable: true }, ctx);
    const permanent = toWireResult({ seq: 5, type: 'failed', messageId: 'm-1', reason: '+CMS ERROR: 21', retryable: false }, ctx);
    expect(retryable?.body?.$case === 'failed' && retryable.body.value.failure).toBe(SmsFailure.SMS_FAILURE_RETRYABLE);
    expect(permanent?.body).toMatchObject({
      $case: 'failed',
      value: {
        resultId: '5',
        failure: SmsFailure.SMS_FAILURE_PERMANENT,
        reason: '+CMS ERROR: 21 (1 of 3 parts had been submitted)',
        modemLabel: 'sim-a',
      },
    });
  });

  it('maps outcome-unknown to OUTCOME_UNKNOWN naming the modem', () => {
    const request = toWireResult(
      { seq: 6, type: 'outcome-unknown', messageId: 'm-1', modem: 'sim-b', part: 1, reason: 'agent stopped' },
      context([]),
    );
    expect(request?.body).toMatchObject({
      $case: 'failed',
      value: { resultId: '6', failure: SmsFailure.SMS_FAILURE_OUTCOME_UNKNOWN, modemLabel: 'sim-b', reason: 'agent stopped' },
    });
  });

  it('numbers a receipt part from 0 on the wire', () => {
    const request = toWireResult(
      { seq: 7, type: 'receipt', messageId: 'm-1', part: 2, status: 'delivered', statusCode: 0, at: '2026-12-08T00:01:00.000Z' },
      context([]),
    );
    expect(request?.body).toEqual({
      $case: 'receipt',
      value: {
        resultId: '7',
        messageId: 'm-1',
        part: 1,
        status: ReceiptStatus.RECEIPT_STATUS_DELIVERED,
        statusCode: 0,
        dischargedAt: new Date('2026-12-08T00:01:00.000Z'),
      },
    });
  });

  it('maps an inbound SMS with its modem and time', () => {
    const request = toWireResult(
      { seq: 8, type: 'inbound', id: 'in-1', modem: 'sim-a', from: '+4917012345678', text: 'STOP', parts: 1, at: '2026-12-08T00:02:00.000Z' },
      context([]),
    );
    expect(request?.body).toEqual({
      $case: 'inbound',
      value: { resultId: '8', modemLabel: 'sim-a', from: '+4917012345678', text: 'STOP', parts: 1, receivedAt: new Date('2026-12-08T00:02:00.000Z') },
    });
  });
});

describe('receiptStatus', () => {
  it.each([
    ['delivered', 0x00, ReceiptStatus.RECEIPT_STATUS_DELIVERED],
    ['pending', 0x20, ReceiptStatus.RECEIPT_STATUS_PENDING],
    ['enroute', 0x20, ReceiptStatus.RECEIPT_STATUS_PENDING],
    ['still-trying', 0x21, ReceiptStatus.RECEIPT_STATUS_PENDING],
    ['failed', 0x41, ReceiptStatus.RECEIPT_STATUS_FAILED],
    ['failed-temporary', 0x60, ReceiptStatus.RECEIPT_STATUS_FAILED],
    ['expired', 0x46, ReceiptStatus.RECEIPT_STATUS_EXPIRED],
    ['failed-permanent', 0x46, ReceiptStatus.RECEIPT_STATUS_EXPIRED],
    ['something-new', 0x01, ReceiptStatus.RECEIPT_STATUS_DELIVERED],
    ['something-new', 0x22, ReceiptStatus.RECEIPT_STATUS_PENDING],
    ['something-new', 0x45, ReceiptStatus.RECEIPT_STATUS_FAILED],
  ])('reads %s with TP-ST %i', (status, code, expected) => {
    expect(receiptStatus(status, code)).toBe(expected);
  });
});

describe('resultIdsSettledBy', () => {
  const unacked: JournalResult[] = [
    submitted(3, 1, 17),
    submitted(5, 2, 18),
    { seq: 6, type: 'receipt', messageId: 'm-1', part: 1, status: 'delivered', statusCode: 0, at: '2026-12-08T00:01:00.000Z' },
    submitted(7, 3, 19),
  ];

  it('settles every part with the last part', () => {
    expect(resultIdsSettledBy(7, unacked)).toEqual([3, 5, 7]);
  });

  it('settles a receipt alone', () => {
    expect(resultIdsSettledBy(6, unacked)).toEqual([6]);
  });

  it('settles the submitted parts of a message that then failed', () => {
    const failedAfterOne: JournalResult[] = [submitted(3, 1, 17), { seq: 4, type: 'failed', messageId: 'm-1', reason: 'x', retryable: true }];
    expect(resultIdsSettledBy(4, failedAfterOne)).toEqual([3, 4]);
  });

  it('passes an unknown id through for the journal to ignore', () => {
    expect(resultIdsSettledBy(99, unacked)).toEqual([99]);
  });
});

describe('unackedResultsOf', () => {
  it('keeps one message’s results in journal order', () => {
    const other: JournalResult = { seq: 4, type: 'failed', messageId: 'm-2', reason: 'x', retryable: true };
    expect(unackedResultsOf('m-1', [submitted(3, 1, 17), other, submitted(5, 2, 18)]).map((r) => r.seq)).toEqual([3, 5]);
  });
});
