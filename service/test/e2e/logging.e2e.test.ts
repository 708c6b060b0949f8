import { PassThrough } from 'node:stream';
import { Channel } from '@switchboard/proto/switchboard/v1/channel';
import { VerificationStatus } from '@switchboard/proto/switchboard/v1/verify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskPhoneNumber } from '../../src/shared/masking.js';
import { codeFromInbox, startTestSystem, verifyApi, waitFor, withKey, type TestSystem } from '../support/test-system.js';

/** Logs are read by many people and shipped to many places: no codes, keys or full numbers. */
describe('what the service logs', () => {
  let system: TestSystem;
  const lines: string[] = [];

  beforeAll(async () => {
    const sink = new PassThrough();
    sink.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
    system = await startTestSystem({ databaseUrl: undefined, env: { LOG_LEVEL: 'trace' }, logTo: sink });
  });

  afterAll(async () => {
    await system.stop();
  });

  it('holds no code, API key or full phone number through a whole verification', async () => {
    const to = '+4915199887766';
    const api = verifyApi(system.client, system.apiKey);
    const { verification } = await api.sendCode({ to, channel: Channel.CHANNEL_SMS, locale: '', codeLength: 8, templateName: '', brand: '', idempotencyKey: '', appHash: '', email: '' });
    await waitFor(() => system.smsc.inbox({ to }).length > 0, 'the SMS');
    const code = codeFromInbox(system.smsc, to);
    const wrong = code === '00000000' ? '11111111' : '00000000';
    await api.verifyCode({ target: { $case: 'verificationId', value: verification?.id ?? '' }, code: wrong });
    const result = await api.verifyCode({ target: { $case: 'verificationId', value: verification?.id ?? '' }, code });
    expect(result.status).toBe(VerificationStatus.VERIFICATION_STATUS_APPROVED);
    await verifyApi(system.client, withKey('sb_wrong-key-that-must-not-be-logged')).sendCode({ to, channel: Channel.CHANNEL_UNSPECIFIED, locale: '', codeLength: 0, templateName: '', brand: '', idempotencyKey: '', appHash: '', email: '' }).catch(() => undefined);
    await waitFor(() => lines.some((line) => line.includes('delivery final')), 'the delivery log line');

    const log = lines.join('\n');
    expect(lines.length).toBeGreaterThan(3);
    expect(log).toContain('message submitted');
    expect(log).toContain('code checked');
    expect(log).toContain(maskPhoneNumber(to));
    expect(log).not.toContain(code);
    expect(log).not.toContain(system.apiKey);
    expect(log).not.toContain('sb_wrong-key-that-must-not-be-logged');
    expect(log).not.toContain(to.slice(1));
    expect(log).not.toContain(system.smsc.latest(to)?.text.split('\n')[0] ?? 'no text');
  });
});
