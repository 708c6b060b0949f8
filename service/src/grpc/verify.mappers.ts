import { Channel } from '@switchboard/proto/switchboard/v1/channel';
import { DeliveryStatus, VerificationStatus, type SendCodeRequest, type Verification as VerificationMessage, type VerifyCodeRequest } from '@switchboard/proto/switchboard/v1/verify';
import { InvalidArgumentError } from '../shared/errors.js';
import type { SendCodeCommand, VerifyCodeCommand } from '../verification/verification.service.js';
import {
  attemptsRemaining,
  effectiveStatus,
  type DeliveryStatus as DomainDeliveryStatus,
  type Verification,
  type VerificationChannel,
  type VerificationStatus as DomainStatus,
} from '../verification/verification.js';

const STATUS: Record<DomainStatus, VerificationStatus> = {
  pending: VerificationStatus.VERIFICATION_STATUS_PENDING,
  approved: VerificationStatus.VERIFICATION_STATUS_APPROVED,
  canceled: VerificationStatus.VERIFICATION_STATUS_CANCELED,
  expired: VerificationStatus.VERIFICATION_STATUS_EXPIRED,
  max_attempts_reached: VerificationStatus.VERIFICATION_STATUS_MAX_ATTEMPTS_REACHED,
  failed: VerificationStatus.VERIFICATION_STATUS_FAILED,
};

const DELIVERY: Record<DomainDeliveryStatus, DeliveryStatus> = {
  queued: DeliveryStatus.DELIVERY_STATUS_QUEUED,
  submitted: DeliveryStatus.DELIVERY_STATUS_SUBMITTED,
  delivered: DeliveryStatus.DELIVERY_STATUS_DELIVERED,
  failed: DeliveryStatus.DELIVERY_STATUS_FAILED,
};

const CHANNEL_OUT: Record<VerificationChannel, Channel> = {
  sms: Channel.CHANNEL_SMS,
  voice: Channel.CHANNEL_VOICE,
  email: Channel.CHANNEL_EMAIL,
};

export function statusToProto(status: DomainStatus): VerificationStatus {
  return STATUS[status];
}

function channelFromProto(channel: Channel): VerificationChannel | 'auto' {
  switch (channel) {
    case Channel.CHANNEL_UNSPECIFIED:
    case Channel.CHANNEL_AUTO:
      return 'auto';
    case Channel.CHANNEL_SMS:
      return 'sms';
    case Channel.CHANNEL_VOICE:
      return 'voice';
    case Channel.CHANNEL_EMAIL:
      return 'email';
    default:
      throw new InvalidArgumentError('channel', `unknown channel ${String(channel)}`);
  }
}

export function sendCodeFromProto(request: SendCodeRequest): SendCodeCommand {
  return {
    to: request.to,
    channel: channelFromProto(request.channel),
    locale: request.locale,
    codeLength: request.codeLength,
    templateName: request.templateName,
    brand: request.brand,
    idempotencyKey: request.idempotencyKey,
    appHash: request.appHash,
    email: request.email,
  };
}

export function verifyCodeFromProto(request: VerifyCodeRequest): VerifyCodeCommand {
  const target = request.target;
  return {
    target:
      target === undefined
        ? undefined
        : target.$case === 'verificationId'
          ? { verificationId: target.value }
          : { to: target.value },
    code: request.code,
  };
}

export function verificationToProto(v: Verification, now: Date): VerificationMessage {
  const status = effectiveStatus(v, now);
  return {
    id: v.id,
    to: v.to,
    channel: CHANNEL_OUT[v.channel],
    status: STATUS[status],
    expiresAt: v.expiresAt,
    sendCount: v.sendCount,
    attemptsRemaining: attemptsRemaining(v),
    deliveryStatus: DELIVERY[v.deliveryStatus],
    locale: v.locale,
    codeLength: v.codeLength,
    createdAt: v.createdAt,
    completedAt: v.completedAt ?? (status === 'expired' ? v.expiresAt : undefined),
  };
}
