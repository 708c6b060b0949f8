/**
 * AgentService messages to the agent link's own and back. Malformed input is refused with the
 * field named (`submitted.references[2]`), since the agent is software nobody here wrote.
 */
import {
  ModemHealth,
  ReceiptStatus,
  SmsFailure,
  type ConnectRequest,
  type ConnectResponse,
  type ModemState,
} from '@switchboard/proto/switchboard/v1/agent';
import type { AgentMessage, ModemReport, ServiceMessage } from '../agents/agent-link.ports.js';
import { InvalidArgumentError } from '../shared/errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The longest text an SMS can carry: 255 parts of 153 GSM-7 characters. */
const MAX_TEXT = 255 * 153;

const HEALTH: Readonly<Record<number, ModemReport['health']>> = {
  [ModemHealth.MODEM_HEALTH_READY]: 'ready',
  [ModemHealth.MODEM_HEALTH_STARTING]: 'starting',
  [ModemHealth.MODEM_HEALTH_SIM_PROBLEM]: 'sim-problem',
  [ModemHealth.MODEM_HEALTH_QUARANTINED]: 'quarantined',
  [ModemHealth.MODEM_HEALTH_UNPLUGGED]: 'unplugged',
  [ModemHealth.MODEM_HEALTH_RESETTING]: 'resetting',
};

const FAILURES: Readonly<Record<number, 'retryable' | 'permanent' | 'outcome-unknown'>> = {
  [SmsFailure.SMS_FAILURE_RETRYABLE]: 'retryable',
  [SmsFailure.SMS_FAILURE_PERMANENT]: 'permanent',
  [SmsFailure.SMS_FAILURE_OUTCOME_UNKNOWN]: 'outcome-unknown',
};

const RECEIPTS: Readonly<Record<number, 'delivered' | 'pending' | 'failed' | 'expired'>> = {
  [ReceiptStatus.RECEIPT_STATUS_DELIVERED]: 'delivered',
  [ReceiptStatus.RECEIPT_STATUS_PENDING]: 'pending',
  [ReceiptStatus.RECEIPT_STATUS_FAILED]: 'failed',
  [ReceiptStatus.RECEIPT_STATUS_EXPIRED]: 'expired',
};

function attemptId(value: string, field: string): string {
  if (!UUID.test(value)) throw new InvalidArgumentError(field, `must be the id the service sent (a UUID), not ${JSON.stringify(value.slice(0, 40))}`);
  return value.toLowerCase();
}

/** Whether `value` can be a result id (and so be acknowledged, even when the rest is malformed). */
export function isResultId(value: string): boolean {
  return /^[\x21-\x7e]{1,32}$/.test(value);
}

function resultId(value: string, field: string): string {
  if (!isResultId(value)) throw new InvalidArgumentError(field, 'must be 1 to 32 printable characters, unique for the agent');
  return value;
}

function text(value: string, field: string, max: number): string {
  if (value.length > max) throw new InvalidArgumentError(field, `must be at most ${max} characters`);
  return value;
}

/** Informational text (versions, operator names, details) is cut to fit rather than refused. */
function clip(value: string, max: number): string {
  return value.length > max ? `${value.slice(0, max - 1)}…` : value;
}

function modems(states: readonly ModemState[], field: string): ModemReport[] {
  if (states.length > 64) throw new InvalidArgumentError(field, 'lists more than 64 modems');
  return states.map((state, index) => {
    const at = `${field}[${index}]`;
    if (state.label === '') throw new InvalidArgumentError(`${at}.label`, 'is required');
    return {
      label: text(state.label, `${at}.label`, 64),
      imei: clip(state.imei, 32),
      imsi: clip(state.imsi, 32),
      operator: clip(state.operator, 64),
      signalQuality: state.signalQuality <= 31 ? state.signalQuality : 99,
      health: HEALTH[state.health] ?? 'unknown',
      detail: clip(state.detail, 200),
      queued: state.queued,
      sentLastMinute: state.sentLastMinute,
      maxPerMinute: state.maxPerMinute,
    };
  });
}

/** The link's message for what the agent sent; InvalidArgumentError naming the field when malformed. */
export function fromConnectRequest(request: ConnectRequest): AgentMessage {
  const body = request.body;
  if (body === undefined) throw new InvalidArgumentError('body', 'is empty: set one of hello, heartbeat, accepted, submitted, failed, receipt, inbound');
  switch (body.$case) {
    case 'hello': {
      const hello = body.value;
      if (hello.agentId === '') throw new InvalidArgumentError('hello.agent_id', 'is required');
      return { kind: 'hello', agentId: hello.agentId, agentVersion: clip(hello.agentVersion, 40), modems: modems(hello.modems, 'hello.modems') };
    }
    case 'heartbeat':
      return { kind: 'heartbeat', modems: modems(body.value.modems, 'heartbeat.modems') };
    case 'accepted':
      return { kind: 'accepted', messageId: attemptId(body.value.messageId, 'accepted.message_id') };
    case 'submitted': {
      const submitted = body.value;
      if (submitted.references.length === 0 || submitted.references.length > 255) throw new InvalidArgumentError('submitted.references', 'must list the TP-MR of each part (1 to 255)');
      submitted.references.forEach((reference, index) => {
        if (!Number.isInteger(reference) || reference < 0 || reference > 255) throw new InvalidArgumentError(`submitted.references[${index}]`, 'must be a TP-MR from 0 to 255');
      });
      return {
        kind: 'submitted',
        resultId: resultId(submitted.resultId, 'submitted.result_id'),
        messageId: attemptId(submitted.messageId, 'submitted.message_id'),
        modemLabel: clip(submitted.modemLabel, 64),
        modemImei: clip(submitted.modemImei, 32),
        references: submitted.references,
        submittedAt: submitted.submittedAt ?? new Date(),
      };
    }
    case 'failed': {
      const failed = body.value;
      const failure = FAILURES[failed.failure];
      if (failure === undefined) throw new InvalidArgumentError('failed.failure', 'must be RETRYABLE, PERMANENT or OUTCOME_UNKNOWN');
      return {
        kind: 'failed',
        resultId: resultId(failed.resultId, 'failed.result_id'),
        messageId: attemptId(failed.messageId, 'failed.message_id'),
        failure,
        reason: clip(failed.reason, 500),
        modemLabel: clip(failed.modemLabel, 64),
      };
    }
    case 'receipt': {
      const receipt = body.value;
      const status = RECEIPTS[receipt.status];
      if (status === undefined) throw new InvalidArgumentError('receipt.status', 'must be DELIVERED, PENDING, FAILED or EXPIRED');
      if (receipt.part > 254) throw new InvalidArgumentError('receipt.part', 'must be a 0-based part number below 255');
      if (receipt.statusCode > 0x7f) throw new InvalidArgumentError('receipt.status_code', 'must be a TP-ST from 0 to 127');
      return {
        kind: 'receipt',
        resultId: resultId(receipt.resultId, 'receipt.result_id'),
        messageId: attemptId(receipt.messageId, 'receipt.message_id'),
        part: receipt.part,
        status,
        statusCode: receipt.statusCode,
        dischargedAt: receipt.dischargedAt ?? null,
      };
    }
    case 'inbound': {
      const inbound = body.value;
      if (inbound.from === '') throw new InvalidArgumentError('inbound.from', 'is required');
      return {
        kind: 'inbound',
        resultId: resultId(inbound.resultId, 'inbound.result_id'),
        // inbound_message.destination holds 32 characters.
        modemLabel: clip(inbound.modemLabel, 32),
        from: text(inbound.from, 'inbound.from', 32),
        text: text(inbound.text, 'inbound.text', MAX_TEXT),
        parts: Math.min(255, Math.max(1, inbound.parts)),
        receivedAt: inbound.receivedAt ?? null,
      };
    }
  }
}

export function toConnectResponse(message: ServiceMessage): ConnectResponse {
  switch (message.kind) {
    case 'welcome':
      return { body: { $case: 'welcome', value: { heartbeatSeconds: message.heartbeatSeconds } } };
    case 'ack':
      return { body: { $case: 'ack', value: { resultIds: [...message.resultIds] } } };
    case 'send': {
      const { command } = message;
      return {
        body: {
          $case: 'sendSms',
          value: {
            messageId: command.attemptId,
            to: command.to,
            text: command.text,
            requestStatusReport: command.statusReport,
            validitySeconds: command.validitySeconds,
            sendBefore: command.sendBefore,
            modems: [...command.modems],
          },
        },
      };
    }
  }
}
