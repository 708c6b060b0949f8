import { credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import {
  AttemptStatus,
  MessageStatus,
  MessagingServiceClient,
  type SendMessageResponse,
  type WatchMessageResponse,
} from '@switchboard/proto/switchboard/v1/messaging';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets, startTestSystem, waitFor, type TestSystem } from '../support/test-system.js';

describe.each(databaseTargets())('MessagingService end to end on $name', ({ url }) => {
  let system: TestSystem;
  let client: MessagingServiceClient;
  let auth: Metadata;

  beforeAll(async () => {
    system = await startTestSystem({ databaseUrl: url });
    client = new MessagingServiceClient(`127.0.0.1:${system.switchboard.grpcPort}`, credentials.createInsecure());
    auth = new Metadata();
    auth.set('x-api-key', system.apiKey);
  });

  afterAll(async () => {
    client.close();
    await system.stop();
  });

  const send = (to: string, text: string, idempotencyKey = '') =>
    new Promise<SendMessageResponse>((resolve, reject) => {
      client.sendMessage({ to, text, idempotencyKey }, auth, (error, response) => {
        if (error) reject(error);
        else resolve(response);
      });
    });

  it('sends a plain SMS through routing and streams its status until delivered', async () => {
    const to = '+4915123451001';
    const text = 'Your parcel 4711 arrives today between 10:00 and 12:00.';
    const { message } = await send(to, text);
    expect(message?.status).toBe(MessageStatus.MESSAGE_STATUS_QUEUED);

    const seen: WatchMessageResponse[] = [];
    await new Promise<void>((resolve, reject) => {
      const stream = client.watchMessage({ messageId: message?.id ?? '' }, auth);
      stream.on('data', (update: WatchMessageResponse) => seen.push(update));
      stream.on('end', () => { resolve(); });
      stream.on('error', reject);
    });
    const last = seen.at(-1)?.message;
    expect(last?.status).toBe(MessageStatus.MESSAGE_STATUS_DELIVERED);
    expect(last?.attempts.map((a) => [a.provider, a.status])).toEqual([['smsc-a', AttemptStatus.ATTEMPT_STATUS_DELIVERED]]);
    expect(last?.routeRule).toBe('default');
    expect(system.smsc.inbox({ to }).map((m) => m.text)).toEqual([text]);
  });

  it('returns the same message for a repeated idempotency key and sends it once', async () => {
    const to = '+4915123451002';
    const first = await send(to, 'Reminder: appointment at 9:00', 'reminder-1');
    const again = await send(to, 'Reminder: appointment at 9:00', 'reminder-1');
    expect(again.message?.id).toBe(first.message?.id);
    await waitFor(() => system.smsc.inbox({ to }).length > 0, 'the SMS');
    await system.switchboard.dispatcher.idle();
    expect(system.smsc.inbox({ to })).toHaveLength(1);
    const reused = await send(to, 'A different text', 'reminder-1').catch((error: unknown) => error as ServiceError);
    expect((reused as ServiceError).code).toBe(status.INVALID_ARGUMENT);
    expect((reused as ServiceError).metadata.get('error-field')).toEqual(['idempotency_key']);
  });

  it('names the bad field of a malformed request', async () => {
    for (const [to, text, field] of [
      ['0151 234', 'hi', 'to'],
      ['+4915123451003', '', 'text'],
      ['+4915123451003', 'x'.repeat(1601), 'text'],
    ] as const) {
      const error = (await send(to, text).catch((e: unknown) => e)) as ServiceError;
      expect(error.code, field).toBe(status.INVALID_ARGUMENT);
      expect(error.metadata.get('error-field'), field).toEqual([field]);
    }
  });

  it('does not show one app another app’s message', async () => {
    const { message } = await send('+4915123451004', 'private');
    const other = new Metadata();
    other.set('x-api-key', system.otherApiKey);
    const error = await new Promise<ServiceError>((resolve) => {
      client.getMessage({ messageId: message?.id ?? '' }, other, (e) => { resolve(e as ServiceError); });
    });
    expect(error.code).toBe(status.NOT_FOUND);
  });
});
