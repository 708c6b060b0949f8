import { ModemHealth, ReceiptStatus, SmsFailure, type ConnectRequest } from '@switchboard/proto/switchboard/v1/agent';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../shared/errors.js';
import { fromConnectRequest, toConnectResponse } from './agent.mappers.js';

const ATTEMPT = 'A77E0000-0000-4000-8000-000000000002';

function fieldOf(request: ConnectRequest): string {
  try {
    fromConnectRequest(request);
  } catch (error) {
    if (error instanceof InvalidArgumentError) return error.field;
    throw error;
  }
  throw new Error('accepted');
}

describe('AgentService messages in', () => {
  it('reads a hello with its modems, health and unknown signal', () => {
    const message = fromConnectRequest({
      body: {
        $case: 'hello',
        value: {
          agentId: 'site-1',
          agentVersion: '0.1.0',
          modems: [{ label: 'orange-1', imei: '1', imsi: '2', operator: 'Orange', signalQuality: 120, health: ModemHealth.MODEM_HEALTH_QUARANTINED, detail: 'failed 5 times', queued: 3, sentLastMinute: 2, maxPerMinute: 6 }],
        },
      },
    });
    expect(message).toEqual({
      kind: 'hello',
      agentId: 'site-1',
      agentVersion: '0.1.0',
      modems: [{ label: 'orange-1', imei: '1', imsi: '2', operator: 'Orange', signalQuality: 99, health: 'quarantined', detail: 'failed 5 times', queued: 3, sentLastMinute: 2, maxPerMinute: 6 }],
    });
  });

  it('keeps attempt ids in one case, so a result matches its command however the agent wrote it', () => {
    expect(fromConnectRequest({ body: { $case: 'accepted', value: { messageId: ATTEMPT } } })).toEqual({ kind: 'accepted', messageId: ATTEMPT.toLowerCase() });
  });

  it.each([
    [{ body: undefined }, 'body'],
    [{ body: { $case: 'hello', value: { agentId: '', agentVersion: '', modems: [] } } }, 'hello.agent_id'],
    [{ body: { $case: 'heartbeat', value: { modems: [{ label: '', imei: '', imsi: '', operator: '', signalQuality: 0, health: ModemHealth.MODEM_HEALTH_UNSPECIFIED, detail: '', queued: 0, sentLastMinute: 0, maxPerMinute: 0 }] } } }, 'heartbeat.modems[0].label'],
    [{ body: { $case: 'accepted', value: { messageId: '42' } } }, 'accepted.message_id'],
    [{ body: { $case: 'submitted', value: { resultId: 'r', messageId: ATTEMPT, modemLabel: 'm', modemImei: '', references: [1, 256], submittedAt: undefined } } }, 'submitted.references[1]'],
    [{ body: { $case: 'submitted', value: { resultId: '', messageId: ATTEMPT, modemLabel: 'm', modemImei: '', references: [1], submittedAt: undefined } } }, 'submitted.result_id'],
    [{ body: { $case: 'failed', value: { resultId: 'r', messageId: ATTEMPT, failure: SmsFailure.SMS_FAILURE_UNSPECIFIED, reason: '', modemLabel: '' } } }, 'failed.failure'],
    [{ body: { $case: 'receipt', value: { resultId: 'r', messageId: ATTEMPT, part: 0, status: ReceiptStatus.RECEIPT_STATUS_UNSPECIFIED, statusCode: 0 } } }, 'receipt.status'],
    [{ body: { $case: 'receipt', value: { resultId: 'r', messageId: ATTEMPT, part: 0, status: ReceiptStatus.RECEIPT_STATUS_DELIVERED, statusCode: 200 } } }, 'receipt.status_code'],
    [{ body: { $case: 'inbound', value: { resultId: 'r', modemLabel: 'm', from: '', text: 'hi', parts: 1 } } }, 'inbound.from'],
  ] as [ConnectRequest, string][])('refuses a malformed message, naming %#: %s', (request, field) => {
    expect(fieldOf(request)).toBe(field);
  });
});

describe('AgentService messages out', () => {
  it('sends a command under its attempt id, with its send-before time and modems', () => {
    const sendBefore = new Date('2026-12-08T10:02:00Z');
    expect(toConnectResponse({ kind: 'send', command: { attemptId: 'a', to: '+33612345678', text: 'hi', statusReport: true, validitySeconds: 600, sendBefore, modems: ['orange-1'] } })).toEqual({
      body: { $case: 'sendSms', value: { messageId: 'a', to: '+33612345678', text: 'hi', requestStatusReport: true, validitySeconds: 600, sendBefore, modems: ['orange-1'] } },
    });
  });
});
