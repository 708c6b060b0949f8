import { status } from '@grpc/grpc-js';
import { Channel } from '@switchboard/proto/switchboard/v1/channel';
import { DeliveryStatus, VerificationStatus, type SendCodeRequest, type VerifyCodeRequest } from '@switchboard/proto/switchboard/v1/verify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normaliseProviderMessageId } from '../../src/providers/channel-provider.js';
import { codeFromInbox, databaseTargets, startTestSystem, verifyApi, waitFor, withKey, type TestSystem, type VerifyApi } from '../support/test-system.js';
import { rejection } from '../support/waiting.js';

let numberSeq = 10;
/** A fresh valid German mobile number per test, so send limits never leak between tests. */
function freshNumber(): string {
  numberSeq += 1;
  return `+49151123456${String(numberSeq).padStart(2, '0')}`;
}

function sendRequest(overrides: Partial<SendCodeRequest>): SendCodeRequest {
  return { to: '', channel: Channel.CHANNEL_SMS, locale: '', codeLength: 0, templateName: '', brand: '', idempotencyKey: '', appHash: '', email: '', ...overrides };
}

function verifyRequest(verificationId: string, code: string): VerifyCodeRequest {
  return { target: { $case: 'verificationId', value: verificationId }, code };
}


describe.each(databaseTargets())('VerifyService end to end on $name', ({ url }) => {
  let system: TestSystem;
  let api: VerifyApi;
  const sendCode = (request: SendCodeRequest, key?: string) => (key ? verifyApi(system.client, key) : api).sendCode(request);
  const verifyCode = (request: VerifyCodeRequest, key?: string) => (key ? verifyApi(system.client, key) : api).verifyCode(request);

  beforeAll(async () => {
    system = await startTestSystem({ databaseUrl: url });
    api = verifyApi(system.client, system.apiKey);
  });

  afterAll(async () => {
    await system.stop();
  });

  async function sendAndReadCode(to: string): Promise<{ id: string; code: string }> {
    const { verification } = await sendCode(sendRequest({ to }));
    if (!verification) throw new Error('SendCode answered without a verification');
    await waitFor(() => system.smsc.inbox({ to }).length > 0, `an SMS to ${to}`);
    return { id: verification.id, code: codeFromInbox(system.smsc, to) };
  }

  it('sends a code over SMPP that the simulator receives and VerifyCode approves', async () => {
    const to = freshNumber();
    const { verification } = await sendCode(sendRequest({ to }));
    expect(verification).toMatchObject({ to, status: VerificationStatus.VERIFICATION_STATUS_PENDING, channel: Channel.CHANNEL_SMS, sendCount: 1, attemptsRemaining: 5, codeLength: 6 });
    expect(verification?.expiresAt?.getTime()).toBeGreaterThan(Date.now() + 9 * 60_000);

    await waitFor(() => system.smsc.inbox({ to }).length === 1, 'the SMS at the simulator');
    const sms = system.smsc.latest(to);
    expect(sms?.from).toBe('Checkout');
    const code = codeFromInbox(system.smsc, to);
    expect(sms?.text).toMatch(new RegExp(`^Your checkout verification code is ${code}\\.`));
    expect(sms?.text.split('\n').at(-1)).toBe(`@shop.example.com #${code}`);

    const result = await verifyCode(verifyRequest(verification?.id ?? '', code));
    expect(result.approved).toBe(true);
    expect(result.status).toBe(VerificationStatus.VERIFICATION_STATUS_APPROVED);
    expect(result.verification?.completedAt).toBeInstanceOf(Date);
  });

  it('follows the delivery receipt to DELIVERED', async () => {
    const to = freshNumber();
    const { id } = await sendAndReadCode(to);
    const get = () => api.getVerification({ verificationId: id });
    await waitFor(async () => (await get()).verification?.deliveryStatus === DeliveryStatus.DELIVERY_STATUS_DELIVERED, 'the delivered receipt');
    const attempts = await system.switchboard.database.em.fork().execute<{ status: string; provider_message_id: string }[]>(
      `select a.status, a.provider_message_id from attempt a join message m on m.id = a.message_id where m.verification_id = ?`,
      [id],
    );
    expect(attempts).toHaveLength(1);
    expect(attempts[0]?.status).toBe('delivered');
    expect(attempts[0]?.provider_message_id).toBe(normaliseProviderMessageId(system.smsc.latest(to)?.id ?? ''));
  });

  it('approves by destination as well as by id', async () => {
    const to = freshNumber();
    const { code } = await sendAndReadCode(to);
    const result = await verifyCode({ target: { $case: 'to', value: to }, code });
    expect(result.approved).toBe(true);
  });

  it('ends in MAX_ATTEMPTS_REACHED after five wrong codes, after which even the right code fails', async () => {
    const to = freshNumber();
    const { id, code } = await sendAndReadCode(to);
    const wrong = code === '000000' ? '111111' : '000000';
    for (let remaining = 4; remaining >= 1; remaining--) {
      const result = await verifyCode(verifyRequest(id, wrong));
      expect(result).toMatchObject({ approved: false, status: VerificationStatus.VERIFICATION_STATUS_PENDING });
      expect(result.verification?.attemptsRemaining).toBe(remaining);
    }
    const fifth = await verifyCode(verifyRequest(id, wrong));
    expect(fifth).toMatchObject({ approved: false, status: VerificationStatus.VERIFICATION_STATUS_MAX_ATTEMPTS_REACHED });
    const afterwards = await rejection(verifyCode(verifyRequest(id, code)));
    expect(afterwards.code).toBe(status.FAILED_PRECONDITION);
    expect(afterwards.details).toContain('MAX_ATTEMPTS_REACHED');
  });

  it('refuses a code once the verification has expired', async () => {
    const to = freshNumber();
    const { id, code } = await sendAndReadCode(to);
    await system.switchboard.database.em.fork().execute(`update verification set expires_at = now() - interval '1 second' where id = ?`, [id]);
    const error = await rejection(verifyCode(verifyRequest(id, code)));
    expect(error.code).toBe(status.FAILED_PRECONDITION);
    expect(error.details).toContain('EXPIRED');
    const read = await api.getVerification({ verificationId: id });
    expect(read.verification?.status).toBe(VerificationStatus.VERIFICATION_STATUS_EXPIRED);
  });

  it('never approves the same verification twice', async () => {
    const to = freshNumber();
    const { id, code } = await sendAndReadCode(to);
    expect((await verifyCode(verifyRequest(id, code))).approved).toBe(true);
    const replay = await rejection(verifyCode(verifyRequest(id, code)));
    expect(replay.code).toBe(status.FAILED_PRECONDITION);
    expect(replay.details).toContain('APPROVED');
  });

  it('rejects unknown and missing API keys with UNAUTHENTICATED', async () => {
    const unknown = await rejection(sendCode(sendRequest({ to: freshNumber() }), 'sb_not-a-real-key'));
    expect(unknown.code).toBe(status.UNAUTHENTICATED);
    const missing = await rejection(verifyApi(system.client, withKey('', 'x-api-key')).sendCode(sendRequest({ to: freshNumber() })));
    expect(missing.code).toBe(status.UNAUTHENTICATED);
    expect(missing.details).toContain('API key is required');
  });

  it('accepts the key in x-api-key too', async () => {
    const response = await verifyApi(system.client, withKey(system.apiKey, 'x-api-key')).sendCode(sendRequest({ to: freshNumber() }));
    expect(response.verification?.status).toBe(VerificationStatus.VERIFICATION_STATUS_PENDING);
  });

  it('rejects a malformed number naming the field, and leaves nothing behind', async () => {
    const countRows = async () =>
      Number((await system.switchboard.database.em.fork().execute<{ n: string }[]>('select count(*) as n from verification'))[0]?.n);
    await system.switchboard.dispatcher.idle(); // earlier tests' sends must not count here
    const before = await countRows();
    const received = system.smsc.stats().submitsReceived;
    for (const to of ['015112345678', '+49 abc', '+4915', '']) {
      const error = await rejection(sendCode(sendRequest({ to })));
      expect(error.code).toBe(status.INVALID_ARGUMENT);
      expect(error.details).toMatch(/^to: /);
      expect(error.metadata.get('error-field')).toEqual(['to']);
    }
    expect(await countRows()).toBe(before);
    expect(system.smsc.stats().submitsReceived).toBe(received);
  });

  it('names each bad field of SendCode', async () => {
    const to = freshNumber();
    const cases: [Partial<SendCodeRequest>, string][] = [
      [{ codeLength: 3 }, 'code_length'],
      [{ codeLength: 11 }, 'code_length'],
      [{ locale: 'not a locale!' }, 'locale'],
      [{ templateName: 'nope' }, 'template_name'],
      [{ templateName: '__proto__' }, 'template_name'],
      [{ templateName: 'toString' }, 'template_name'],
      [{ appHash: 'short' }, 'app_hash'],
      [{ idempotencyKey: 'x'.repeat(129) }, 'idempotency_key'],
    ];
    for (const [overrides, field] of cases) {
      const error = await rejection(sendCode(sendRequest({ to, ...overrides })));
      expect(error.code, field).toBe(status.INVALID_ARGUMENT);
      expect(error.metadata.get('error-field'), field).toEqual([field]);
    }
  });

  it('leaves nothing behind when a request is refused inside its transaction', async () => {
    const counts = async () => {
      const rows = await system.switchboard.database.em.fork().execute<{ v: number; m: number }[]>(
        'select (select count(*)::int from verification) as v, (select count(*)::int from message) as m',
      );
      return rows[0];
    };
    const key = `nothing-behind-${Date.now()}`;
    await sendCode(sendRequest({ to: freshNumber(), idempotencyKey: key }));
    await system.switchboard.dispatcher.idle();
    const before = await counts();
    const reused = await rejection(sendCode(sendRequest({ to: freshNumber(), idempotencyKey: key })));
    expect(reused.code).toBe(status.INVALID_ARGUMENT);
    const limitedTo = freshNumber();
    for (let i = 0; i < 5; i++) await sendCode(sendRequest({ to: limitedTo }));
    const afterSends = await counts();
    const limited = await rejection(sendCode(sendRequest({ to: limitedTo })));
    expect(limited.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(await counts()).toEqual(afterSends);
    expect(afterSends).toEqual({ v: (before?.v ?? 0) + 1, m: (before?.m ?? 0) + 5 });
  });

  it('limits wrong codes per number across verifications, so starting over buys no guesses', async () => {
    const to = freshNumber();
    const wrongFor = (code: string) => (code === '000000' ? '111111' : '000000');
    for (let round = 0; round < 2; round++) {
      const { id, code } = await sendAndReadCode(to);
      for (let i = 0; i < 5; i++) await verifyCode(verifyRequest(id, wrongFor(code)));
    }
    const { id, code } = await sendAndReadCode(to);
    const error = await rejection(verifyCode(verifyRequest(id, code)));
    expect(error.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(error.details).toContain('too many wrong codes');
  });

  it('does not send a code whose verification was canceled before dispatch', async () => {
    const to = freshNumber();
    system.smsc.failAllSubmits('ESME_RTHROTTLED'); // the send keeps being retried, never accepted
    try {
      const { verification } = await sendCode(sendRequest({ to }));
      await waitFor(() => system.smsc.stats().submitsRefused > 0, 'the throttled submit');
      await api.cancelVerification({ verificationId: verification?.id ?? '' });
      const message = async () =>
        (await system.switchboard.database.em.fork().execute<{ status: string; last_error: string }[]>(
          'select status, last_error from message where verification_id = ?',
          [verification?.id],
        ))[0];
      await waitFor(async () => (await message())?.status === 'failed', 'the message to be dropped', 15_000);
      expect((await message())?.last_error).toMatch(/^not sent: (verification canceled|its verification is no longer pending)$/);
    } finally {
      system.smsc.acceptSubmits();
    }
    await system.switchboard.dispatcher.idle();
    expect(system.smsc.inbox({ to })).toHaveLength(0);
  });

  it('returns the same verification for a repeated idempotency key and sends one SMS only', async () => {
    const to = freshNumber();
    const request = sendRequest({ to, idempotencyKey: `signup-${to}` });
    const answers = await Promise.all([sendCode(request), sendCode(request), sendCode(request)]);
    const again = await sendCode(request);
    const ids = new Set([...answers, again].map((answer) => answer.verification?.id));
    expect(ids.size).toBe(1);
    expect(again.verification?.sendCount).toBe(1);
    await waitFor(() => system.smsc.inbox({ to }).length >= 1, 'the SMS');
    await system.switchboard.dispatcher.idle();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(system.smsc.inbox({ to })).toHaveLength(1);
  });

  it('refuses an idempotency key reused for another destination', async () => {
    const key = `reuse-${Date.now()}`;
    await sendCode(sendRequest({ to: freshNumber(), idempotencyKey: key }));
    const error = await rejection(sendCode(sendRequest({ to: freshNumber(), idempotencyKey: key })));
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.metadata.get('error-field')).toEqual(['idempotency_key']);
  });

  it('resends on the same verification, keeping earlier failures, until the send limit', async () => {
    const to = freshNumber();
    const { id } = await sendAndReadCode(to);
    const wrong = codeFromInbox(system.smsc, to) === '000000' ? '999999' : '000000';
    await verifyCode(verifyRequest(id, wrong));
    for (let send = 2; send <= 5; send++) {
      const { verification } = await sendCode(sendRequest({ to }));
      expect(verification?.id).toBe(id);
      expect(verification?.sendCount).toBe(send);
      expect(verification?.attemptsRemaining).toBe(4);
    }
    await waitFor(() => system.smsc.inbox({ to }).length === 5, 'five SMS');
    const limited = await rejection(sendCode(sendRequest({ to })));
    expect(limited.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(Number(limited.metadata.get('retry-after-ms')[0])).toBeGreaterThan(0);
    // The latest code approves it.
    const result = await verifyCode(verifyRequest(id, codeFromInbox(system.smsc, to)));
    expect(result.approved).toBe(true);
  });

  it('hides one app’s verifications from another', async () => {
    const { id, code } = await sendAndReadCode(freshNumber());
    const error = await rejection(verifyCode(verifyRequest(id, code), system.otherApiKey));
    expect(error.code).toBe(status.NOT_FOUND);
  });

  it('cancels a pending verification so its code no longer works', async () => {
    const { id, code } = await sendAndReadCode(freshNumber());
    const canceled = await api.cancelVerification({ verificationId: id });
    expect(canceled.verification?.status).toBe(VerificationStatus.VERIFICATION_STATUS_CANCELED);
    const error = await rejection(verifyCode(verifyRequest(id, code)));
    expect(error.code).toBe(status.FAILED_PRECONDITION);
  });

  it('marks the verification FAILED when the SMSC refuses the message permanently', async () => {
    const to = freshNumber();
    system.smsc.failNextSubmits(1, 'ESME_RINVDSTADR');
    const { verification } = await sendCode(sendRequest({ to }));
    const get = () => api.getVerification({ verificationId: verification?.id ?? '' });
    await waitFor(async () => (await get()).verification?.status === VerificationStatus.VERIFICATION_STATUS_FAILED, 'the verification to fail');
    expect((await get()).verification?.deliveryStatus).toBe(DeliveryStatus.DELIVERY_STATUS_FAILED);
    const attempts = await system.switchboard.database.em.fork().execute<{ status: string; error_code: string }[]>(
      `select a.status, a.error_code from attempt a join message m on m.id = a.message_id where m.verification_id = ?`,
      [verification?.id],
    );
    expect(attempts).toEqual([{ status: 'failed', error_code: expect.stringContaining('ESME_RINVDSTADR') as unknown }]);
  });
});
