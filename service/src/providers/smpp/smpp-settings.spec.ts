import { describe, expect, it } from 'vitest';
import { parseSmppSettings } from './smpp-settings.js';

const minimal = { host: 'smsc.example.net', port: '2775', systemId: 'acme' };
const password = { password: 'secret' };

function problems(settings: Record<string, unknown>, credentials: Record<string, string> = password) {
  const result = parseSmppSettings(settings, credentials);
  return result.ok ? [] : result.problems;
}

describe('parseSmppSettings', () => {
  it('reads the minimal settings with defaults for the rest', () => {
    const result = parseSmppSettings(minimal, password);
    expect(result).toMatchObject({ ok: true, settings: { host: 'smsc.example.net', port: 2775, systemId: 'acme', password: 'secret', sourceAddr: 'Switchboard', tls: undefined } });
  });

  it('accepts numbers stored as numbers (rows seeded in code)', () => {
    expect(parseSmppSettings({ ...minimal, port: 2775, binds: 2 }, password)).toMatchObject({ ok: true, settings: { port: 2775, binds: 2 } });
  });

  it('reads every option', () => {
    const result = parseSmppSettings(
      {
        ...minimal,
        systemType: 'OTP',
        addressRange: '^49',
        tls: 'true',
        tlsServername: 'smsc.example.net',
        tlsCa: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----',
        tlsRejectUnauthorized: 'false',
        bindMode: 'pair',
        binds: '3',
        windowSize: '50',
        sourceAddr: 'ACME',
        textCoding: 'latin1',
        longMessage: 'sar',
        receipts: 'final-and-intermediate',
        shortCodeTon: '0',
        shortCodeNpi: '1',
        throttleRetries: '2',
        submitTimeoutMs: '5000',
        reconnectMinMs: '200',
        reconnectMaxMs: '5000',
        stableBindMs: '10000',
        maxDeliveriesInFlight: '50',
        partReceipts: 'one',
      },
      password,
    );
    expect(result).toMatchObject({
      ok: true,
      settings: {
        systemType: 'OTP',
        addressRange: '^49',
        tls: { servername: 'smsc.example.net', ca: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----', rejectUnauthorized: false },
        bindMode: 'pair',
        binds: 3,
        windowSize: 50,
        sourceAddr: 'ACME',
        textCoding: 'latin1',
        longMessage: 'sar',
        receipts: 'final-and-intermediate',
        sourceAddressOverrides: { 'short-code': { ton: 0, npi: 1 } },
        throttleRetries: 2,
        submitTimeoutMs: 5000,
        reconnectMinMs: 200,
        reconnectMaxMs: 5000,
        stableBindMs: 10000,
        maxDeliveriesInFlight: 50,
        partReceipts: 'one',
      },
    });
  });

  it('refuses a password SMPP 3.4 cannot carry, without echoing it', () => {
    const found = problems(minimal, { password: 'much-too-long-secret' });
    expect(found).toEqual([{ field: 'credentials.password', reason: 'must be at most 8 printable ASCII characters (SMPP 3.4 §4.1)' }]);
    expect(JSON.stringify(found)).not.toContain('much-too-long-secret');
  });

  it('names every missing required setting at once', () => {
    expect(problems({}, {}).map((problem) => problem.field)).toEqual(['settings.host', 'settings.port', 'settings.systemId', 'credentials.password']);
  });

  it.each([
    [{ port: '70000' }, 'settings.port', 'must be a whole number from 1 to 65535'],
    [{ port: '27a5' }, 'settings.port', 'must be a whole number from 1 to 65535'],
    [{ binds: '0' }, 'settings.binds', 'must be a whole number from 1 to 16'],
    [{ reconnectMaxMs: '300' }, 'settings.reconnectMaxMs', 'is 300, below reconnectMinMs 500 (the default); the cap cannot be under the first delay'],
    [{ reconnectMinMs: '60000' }, 'settings.reconnectMaxMs', 'is unset, so 30000 (the default), below reconnectMinMs 60000'],
    [{ reconnectMinMs: '2000', reconnectMaxMs: '1000' }, 'settings.reconnectMaxMs', 'below reconnectMinMs 2000'],
    [{ stableBindMs: '-1' }, 'settings.stableBindMs', 'from 0 to 3600000'],
    [{ windowSize: '5000' }, 'settings.windowSize', 'from 1 to 1000'],
    [{ bindMode: 'receiver' }, 'settings.bindMode', 'is not one of transceiver, pair'],
    [{ textCoding: 'utf8' }, 'settings.textCoding', 'is not one of gsm7, latin1, default-latin1, 8bit'],
    [{ longMessage: 'split' }, 'settings.longMessage', 'is not one of udh, sar, payload'],
    [{ receipts: 'all' }, 'settings.receipts', 'is not one of final, final-and-intermediate'],
    [{ partReceipts: 'last' }, 'settings.partReceipts', 'is not one of each, one'],
    [{ tls: 'yes' }, 'settings.tls', 'must be true or false'],
    [{ tlsServername: 'smsc' }, 'settings.tls', 'must be true when other tls* settings are given'],
    [{ tls: 'true', tlsCa: 'not pem' }, 'settings.tlsCa', 'must be PEM'],
    [{ shortCodeTon: '9' }, 'settings.shortCodeTon', 'from 0 to 6'],
    [{ hots: 'typo' }, 'settings.hots', 'is not an SMPP setting'],
    [{ host: { nested: true } }, 'settings.host', 'must be text'],
    [{ sourceAddr: 'My Company Ltd' }, 'settings.sourceAddr', 'alphanumeric'],
    [{ systemId: 'a-system-id-too-long' }, 'settings.systemId', 'allows at most 15'],
    [{ systemType: 'tëst' }, 'settings.systemType', 'printable ASCII'],
  ])('refuses %j naming %s', (extra, field, reason) => {
    const found = problems({ ...minimal, ...extra }).filter((problem) => problem.field === field);
    expect(found).toHaveLength(1);
    expect(found[0]?.reason).toContain(reason);
  });
});
