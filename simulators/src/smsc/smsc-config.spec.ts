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

  it('reads the behaviour variables', () => {
    const result = parseSmscEnv({
      SMSC_SIM_RECEIPTS: 'expired',
      SMSC_SIM_RECEIPT_STYLE: 'tlv',
      SMSC_SIM_RECEIPT_ID_FORMAT: 'decimal',
      SMSC_SIM_MESSAGE_ID_FORMAT: 'hex',
      SMSC_SIM_RECEIPT_DATE_SECONDS: 'true',
      SMSC_SIM_RECEIPT_PARTS: 'last',
      SMSC_SIM_RECEIPT_ID_TLV_NUL: 'false',
      SMSC_SIM_RECEIPT_REDELIVERY_MS: '2000',
      SMSC_SIM_RECEIPT_REDELIVERIES: '3',
      SMSC_SIM_MAX_TPS: '50',
      SMSC_SIM_MESSAGE_ID_SEQUENCE: '1000',
      SMSC_SIM_RECEIPT_SESSION: 'other',
      SMSC_SIM_WINDOW: '10',
      SMSC_SIM_DELIVER_WINDOW: '0',
      SMSC_SIM_SUBMIT_LATENCY_MS: '25',
      SMSC_SIM_SUBMIT_ERROR_RATE: '0.05',
      SMSC_SIM_SUBMIT_ERROR_STATUS: 'ESME_RSUBMITFAIL',
      SMSC_SIM_DROP_SUBMIT_RESPONSE_RATE: '0.01',
      SMSC_SIM_LATE_SUBMIT_RESPONSE_MS: '2000',
      SMSC_SIM_DISCONNECT_AFTER_SUBMITS: '100',
      SMSC_SIM_DISCONNECT_EVERY_MS: '60000',
      SMSC_SIM_MAX_BINDS: '2',
      SMSC_SIM_SEED: '7',
      SMSC_SIM_TLS_KEY_FILE: '/etc/smsc/key.pem',
      SMSC_SIM_TLS_CERT_FILE: '/etc/smsc/cert.pem',
    });

    expect(result).toEqual({
      ok: true,
      options: expect.objectContaining({
        receipts: 'expired',
        receiptStyle: 'tlv',
        receiptIdFormat: 'decimal',
        messageIdFormat: 'hex',
        receiptDateSeconds: true,
        receiptParts: 'last',
        receiptIdTlvNul: false,
        receiptRedeliveryMs: 2000,
        receiptRedeliveries: 3,
        maxTps: 50,
        messageIdSequence: 1000,
        receiptSession: 'other',
        window: 10,
        deliverWindow: null,
        submitLatencyMs: 25,
        submitErrorRate: 0.05,
        submitErrorStatus: 0x45,
        dropSubmitResponses: { count: null, rate: 0.01 },
        lateSubmitResponseMs: 2000,
        disconnectAfterSubmits: { count: 100, repeat: true },
        disconnectEveryMs: 60_000,
        maxBindsPerSystemId: 2,
        seed: 7,
      }) as unknown,
      tlsFiles: { key: '/etc/smsc/key.pem', cert: '/etc/smsc/cert.pem' },
    });
  });

  it('lists every bad behaviour variable at once', () => {
    const result = parseSmscEnv({
      SMSC_SIM_RECEIPTS: 'sometimes',
      SMSC_SIM_RECEIPT_DATE_SECONDS: 'perhaps',
      SMSC_SIM_MAX_TPS: '0',
      SMSC_SIM_SUBMIT_ERROR_RATE: '5%',
      SMSC_SIM_SUBMIT_ERROR_STATUS: 'ESME_ROK',
      SMSC_SIM_TLS_KEY_FILE: '/etc/smsc/key.pem',
    });

    expect(result.ok ? [] : result.errors.map((error) => error.split(':')[0])).toEqual([
      'SMSC_SIM_RECEIPTS',
      'SMSC_SIM_RECEIPT_DATE_SECONDS',
      'SMSC_SIM_MAX_TPS',
      'SMSC_SIM_SUBMIT_ERROR_RATE',
      'SMSC_SIM_SUBMIT_ERROR_STATUS',
      'SMSC_SIM_TLS_KEY_FILE and SMSC_SIM_TLS_CERT_FILE',
    ]);
  });
});
