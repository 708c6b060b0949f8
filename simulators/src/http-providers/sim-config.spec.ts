import { describe, expect, it } from 'vitest';
import { parseHttpSimEnv } from './sim-config.js';

describe('parseHttpSimEnv', () => {
  it('runs with defaults', () => {
    const result = parseHttpSimEnv({});
    expect(result.ok && result.options).toMatchObject({ port: 8030, host: '127.0.0.1', behaviour: { receiptDelayMs: 200 } });
  });

  it('takes accounts from the environment, an empty value unsetting an optional one', () => {
    const result = parseHttpSimEnv({ TWILIO_SIM_ACCOUNT_SID: `AC${'a'.repeat(32)}`, AURON_SIM_API_KEY: '', AURON_SIM_WEBHOOK_URL: 'http://127.0.0.1:8080/hooks/auron', VONAGE_SIM_WEBHOOK_METHOD: 'GET' });
    expect(result.ok && result.options.accounts).toMatchObject({
      twilio: { accountSid: `AC${'a'.repeat(32)}` },
      auron: { apiKey: undefined, webhookUrl: 'http://127.0.0.1:8080/hooks/auron' },
      vonage: { webhookMethod: 'GET' },
    });
  });

  it('lists every bad variable', () => {
    const result = parseHttpSimEnv({ HTTP_SIM_PORT: 'x', TWILIO_SIM_ACCOUNT_SID: 'AC1', VONAGE_SIM_SIGNATURE_METHOD: 'crc32', AURON_SIM_WEBHOOK_URL: 'nope' });
    expect(result.ok ? [] : result.errors).toEqual([
      'HTTP_SIM_PORT: expected an integer from 0 to 65535, got "x"',
      'TWILIO_SIM_ACCOUNT_SID: expected AC followed by 32 hex digits',
      'VONAGE_SIM_SIGNATURE_METHOD: expected one of md5hash, md5, sha1, sha256, sha512',
      'AURON_SIM_WEBHOOK_URL: expected an http(s) URL',
    ]);
  });
});
