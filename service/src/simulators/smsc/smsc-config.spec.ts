import { describe, expect, it } from 'vitest';
import { parseSmscEnv } from './smsc-config.js';

describe('parseSmscEnv', () => {
  it('uses the documented defaults when nothing is set', () => {
    expect(parseSmscEnv({})).toEqual({
      ok: true,
      options: {
        smppPort: 2775,
        smppHost: '127.0.0.1',
        httpPort: 8025,
        httpHost: '127.0.0.1',
        systemId: 'switchboard',
        password: 'secret',
        receiptDelayMs: 500,
      },
    });
  });

  it('reads every variable', () => {
    const result = parseSmscEnv({
      SMSC_SIM_PORT: '0',
      SMSC_SIM_HTTP_PORT: '9000',
      SMSC_SIM_SYSTEM_ID: 'acme',
      SMSC_SIM_PASSWORD: 'pw',
      SMSC_SIM_RECEIPT_DELAY_MS: '20',
    });

    expect(result).toMatchObject({
      ok: true,
      options: { smppPort: 0, httpPort: 9000, systemId: 'acme', password: 'pw', receiptDelayMs: 20 },
    });
  });

  it('lists every bad variable at once', () => {
    const result = parseSmscEnv({
      SMSC_SIM_PORT: '70000',
      SMSC_SIM_HTTP_PORT: 'http',
      SMSC_SIM_PASSWORD: 'far-too-long',
      SMSC_SIM_RECEIPT_DELAY_MS: '1.5',
    });

    expect(result.ok).toBe(false);
    const errors = result.ok ? [] : result.errors;
    expect(errors.map((error) => error.split(':')[0])).toEqual([
      'SMSC_SIM_PORT',
      'SMSC_SIM_HTTP_PORT',
      'SMSC_SIM_PASSWORD',
      'SMSC_SIM_RECEIPT_DELAY_MS',
    ]);
  });
});
