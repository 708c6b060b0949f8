// A SendSms from the wire, read into the journal's `command-accepted` record. The contract says a
// command is answered once journalled, so even a malformed one is journalled (and failed at once,
// permanently, naming the field): the service then stops resending it and knows why. Only a
// command without a message_id cannot be journalled or answered.
import type { SendSms } from '@switchboard/proto/switchboard/v1/agent';
import { encodeMessage } from '@switchboard/sms-encoding';
import type { CommandAccepted } from '../journal/index.js';

/** What became of a SendSms. */
export type SendSmsReading =
  | { readonly kind: 'valid'; readonly command: CommandAccepted }
  /**
   * Journal `command`, then fail it with `reason`; never hand it to the sender. `retryable` when
   * the message is fine but this agent cannot send it (another route may).
   */
  | {
      readonly kind: 'malformed';
      readonly command: CommandAccepted;
      readonly field: string;
      readonly reason: string;
      readonly retryable: boolean;
    }
  /** Nothing to journal it under: log it and drop it. */
  | { readonly kind: 'unusable'; readonly field: string; readonly reason: string };

/** ITU-T E.164: '+', a country code that does not start with 0, at most 15 digits in all. */
const E164 = /^\+[1-9]\d{1,14}$/;

/** Stands in for a missing destination in the journal, which needs one; the message is failed. */
const NO_DESTINATION = '(none)';

/**
 * Reads `sms` as received at `now`. `modemLabels` are the agent's configured modems: a command
 * only for modems this agent does not have could never be sent.
 */
export function readSendSms(sms: SendSms, now: Date, modemLabels: readonly string[]): SendSmsReading {
  if (sms.messageId.trim() === '') {
    return { kind: 'unusable', field: 'message_id', reason: 'send_sms has no message_id: it cannot be journalled or answered' };
  }
  const parts = countParts(sms.text);
  const modems = sms.modems.filter((label) => label !== '');
  const command: CommandAccepted = {
    type: 'command-accepted',
    messageId: sms.messageId,
    to: sms.to === '' ? NO_DESTINATION : sms.to,
    text: sms.text,
    parts: parts ?? 1,
    validitySeconds: sms.validitySeconds,
    statusReport: sms.requestStatusReport,
    sendBefore: sms.sendBefore === undefined || Number.isNaN(sms.sendBefore.getTime()) ? null : sms.sendBefore.toISOString(),
    modems,
    acceptedAt: now.toISOString(),
  };
  const malformed = (field: string, reason: string, retryable = false): SendSmsReading => ({
    kind: 'malformed',
    command,
    field,
    reason,
    retryable,
  });

  // The value is not echoed: a destination number is personal data and the service has it anyway.
  if (!E164.test(sms.to)) {
    return malformed('to', `send_sms.to is not an E.164 number ('+' and 2 to 15 digits, the first not 0)`);
  }
  if (sms.text === '') return malformed('text', 'send_sms.text is empty');
  if (parts === undefined) return malformed('text', 'send_sms.text cannot be encoded as SMS (GSM 7-bit or UCS-2)');
  if (modems.length !== sms.modems.length) return malformed('modems', 'send_sms.modems contains an empty label');
  if (modems.length > 0 && !modems.some((label) => modemLabels.includes(label))) {
    // The service's routing and this agent's config disagree; the message itself may go elsewhere.
    const known = modemLabels.length === 0 ? 'none' : modemLabels.join(', ');
    return malformed('modems', `send_sms.modems names no modem of this agent (it has: ${known})`, true);
  }
  if (sms.sendBefore !== undefined && Number.isNaN(sms.sendBefore.getTime())) {
    return malformed('send_before', 'send_sms.send_before is not a valid time');
  }
  return { kind: 'valid', command };
}

/** Parts the sender will put on the radio: the same count its PDU encoder splits into. */
function countParts(text: string): number | undefined {
  try {
    return Math.max(1, encodeMessage(text).parts);
  } catch {
    return undefined;
  }
}
