import { Channel } from '@switchboard/proto/switchboard/v1/channel';
import { VerificationStatus } from '@switchboard/proto/switchboard/v1/verify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets, freePort, startTestSystem, verifyApi, waitFor, type TestSystem } from '../support/test-system.js';

describe.each(databaseTargets())('an SMSC that is down on $name', ({ url }) => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await startTestSystem({ databaseUrl: url, smscUp: false, smppPort: await freePort() });
  });

  afterAll(async () => {
    await system.stop();
  });

  it('keeps accepted codes and delivers each exactly once when the SMSC comes back', async () => {
    const api = verifyApi(system.client, system.apiKey);
    const numbers = ['+4915123450001', '+4915123450002', '+4915123450003'];
    const request = { channel: Channel.CHANNEL_SMS, locale: '', codeLength: 0, templateName: '', brand: '', idempotencyKey: '', appHash: '', email: '' };
    for (const to of numbers) {
      const { verification } = await api.sendCode({ ...request, to });
      expect(verification?.status).toBe(VerificationStatus.VERIFICATION_STATUS_PENDING);
    }
    // Let dispatch fail against the dead SMSC for a while.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(system.smsc.stats().submitsReceived).toBe(0);

    await system.smsc.start();
    await waitFor(() => numbers.every((to) => system.smsc.inbox({ to }).length > 0), 'every code to arrive', 30_000);
    await system.switchboard.dispatcher.idle();
    for (const to of numbers) expect(system.smsc.inbox({ to })).toHaveLength(1);
    expect(system.smsc.stats().submitsAccepted).toBe(numbers.length);
  }, 45_000);
});
