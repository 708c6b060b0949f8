import { Channel } from '@switchboard/proto/switchboard/v1/channel';
import { DeliveryStatus, VerificationStatus } from '@switchboard/proto/switchboard/v1/verify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeFromInbox, databaseTargets, startTestSystem, verifyApi, waitFor, type TestSystem } from '../support/test-system.js';

describe.each(databaseTargets())('a delivery report that never comes, on $name', ({ url }) => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await startTestSystem({ databaseUrl: url, env: { RECEIPT_TIMEOUT_SECONDS: '1' } });
    system.smsc.setReceipts('drop');
  });

  afterAll(async () => {
    await system.stop();
  });

  it('ends the attempt as expired and erases the text, but leaves the code usable', async () => {
    const to = '+4915123450077';
    const api = verifyApi(system.client, system.apiKey);
    const { verification } = await api.sendCode({ to, channel: Channel.CHANNEL_SMS, locale: '', codeLength: 0, templateName: '', brand: '', idempotencyKey: '', appHash: '', email: '' });
    const id = verification?.id ?? '';
    const em = system.switchboard.database.em;
    const message = async () =>
      (await em.fork().execute<{ status: string; body: string | null; last_error: string | null }[]>(
        'select status, body_ciphertext as body, last_error from message where verification_id = ?',
        [id],
      ))[0];
    await waitFor(async () => (await message())?.status === 'failed', 'the receipt deadline to pass', 15_000);
    expect(await message()).toEqual({ status: 'failed', body: null, last_error: 'no delivery report within 1 s' });
    const attempts = await em.fork().execute<{ status: string; error_code: string }[]>(
      'select a.status, a.error_code from attempt a join message m on m.id = a.message_id where m.verification_id = ?',
      [id],
    );
    expect(attempts).toEqual([{ status: 'expired', error_code: 'RECEIPT_TIMEOUT' }]);
    expect(system.smsc.inbox({ to })).toHaveLength(1);

    // Silence from the network is not proof of failure: the user may hold the code.
    const read = await api.getVerification({ verificationId: id });
    expect(read.verification?.status).toBe(VerificationStatus.VERIFICATION_STATUS_PENDING);
    expect(read.verification?.deliveryStatus).toBe(DeliveryStatus.DELIVERY_STATUS_FAILED);
    const result = await api.verifyCode({ target: { $case: 'verificationId', value: id }, code: codeFromInbox(system.smsc, to) });
    expect(result.approved).toBe(true);
  });
});
