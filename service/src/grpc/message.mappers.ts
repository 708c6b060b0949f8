import { Channel, MessageKind, type Money } from '@switchboard/proto/switchboard/v1/channel';
import { AttemptStatus, MessageStatus, type Attempt, type Message } from '@switchboard/proto/switchboard/v1/messaging';
import type { AttemptView, MessageView } from '../messaging/message-view.js';

const MESSAGE_STATUS: Record<string, MessageStatus> = {
  queued: MessageStatus.MESSAGE_STATUS_QUEUED,
  sending: MessageStatus.MESSAGE_STATUS_SENDING,
  submitted: MessageStatus.MESSAGE_STATUS_SUBMITTED,
  delivered: MessageStatus.MESSAGE_STATUS_DELIVERED,
  failed: MessageStatus.MESSAGE_STATUS_FAILED,
};

const ATTEMPT_STATUS: Record<string, AttemptStatus> = {
  sending: AttemptStatus.ATTEMPT_STATUS_SENDING,
  submitted: AttemptStatus.ATTEMPT_STATUS_SUBMITTED,
  delivered: AttemptStatus.ATTEMPT_STATUS_DELIVERED,
  failed: AttemptStatus.ATTEMPT_STATUS_FAILED,
  expired: AttemptStatus.ATTEMPT_STATUS_EXPIRED,
  unknown: AttemptStatus.ATTEMPT_STATUS_UNKNOWN,
};

const CHANNEL: Record<string, Channel> = { sms: Channel.CHANNEL_SMS, voice: Channel.CHANNEL_VOICE, email: Channel.CHANNEL_EMAIL };

/** Domain message statuses by their proto value, for filters. */
export function messageStatusFromProto(status: MessageStatus): string | undefined {
  return Object.entries(MESSAGE_STATUS).find(([, value]) => value === status)?.[0];
}

export function channelToProto(channel: string): Channel {
  return CHANNEL[channel] ?? Channel.CHANNEL_UNSPECIFIED;
}

function money(micros: number | null, currency: string | null): Money | undefined {
  return micros === null || currency === null ? undefined : { currency, micros };
}

export function attemptToProto(a: AttemptView): Attempt {
  return {
    id: a.id,
    step: a.step,
    provider: a.provider,
    channel: channelToProto(a.channel),
    status: ATTEMPT_STATUS[a.status] ?? AttemptStatus.ATTEMPT_STATUS_UNSPECIFIED,
    providerMessageId: a.providerMessageId ?? '',
    parts: a.parts ?? 0,
    expectedCost: money(a.expectedCostMicros, a.currency),
    actualCost: money(a.actualCostMicros, a.currency),
    errorCode: a.errorCode ?? '',
    errorMessage: a.errorMessage ?? '',
    createdAt: a.createdAt,
    submittedAt: a.submittedAt ?? undefined,
    completedAt: a.completedAt ?? undefined,
  };
}

export function messageToProto(m: MessageView): Message {
  return {
    id: m.id,
    to: m.to,
    kind: m.kind === 'otp' ? MessageKind.MESSAGE_KIND_OTP : MessageKind.MESSAGE_KIND_TRANSACTIONAL,
    status: MESSAGE_STATUS[m.status] ?? MessageStatus.MESSAGE_STATUS_UNSPECIFIED,
    app: m.app,
    verificationId: m.verificationId ?? '',
    attempts: m.attempts.map(attemptToProto),
    lastError: m.lastError ?? '',
    createdAt: m.createdAt,
    updatedAt: m.updatedAt,
    country: m.country,
    routeRule: m.routeRule ?? '',
  };
}
