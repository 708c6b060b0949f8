import { describe, expect, it } from 'vitest';
import { parseSmtpSettings } from './smtp-settings.js';

describe('parseSmtpSettings', () => {
  it('fills in the defaults around host and sender', () => {
    const result = parseSmtpSettings({ host: 'smtp.example.com', from: 'verify@example.com' }, {});

    expect(result).toEqual({
      ok: true,
      settings: {
        host: 'smtp.example.com',
        port: 587,
        secure: false,
        requireTLS: false,
        ignoreTLS: false,
        from: 'verify@example.com',
        fromName: undefined,
        user: undefined,
        password: undefined,
        clientName: undefined,
        messageIdDomain: undefined,
        connectionTimeoutMs: 10_000,
        greetingTimeoutMs: 10_000,
        socketTimeoutMs: 20_000,
        pool: false,
        maxConnections: 5,
      },
    });
  });

  it('reads numbers and booleans typed as text, and port 465 for implicit TLS', () => {
    const result = parseSmtpSettings(
      { host: 'smtp.example.com', from: 'verify@example.com', secure: 'true', pool: 'true', maxConnections: '3', socketTimeoutMs: '15000', user: 'mailer' },
      { password: 's3cret' },
    );

    expect(result).toMatchObject({ ok: true, settings: { port: 465, secure: true, pool: true, maxConnections: 3, socketTimeoutMs: 15_000, user: 'mailer', password: 's3cret' } });
  });

  it('takes the user from the credentials too', () => {
    expect(parseSmtpSettings({ host: 'smtp.example.com', port: 2525, from: 'verify@example.com', requireTLS: true }, { user: 'mailer', password: 's3cret' })).toMatchObject({
      ok: true,
      settings: { port: 2525, requireTLS: true, user: 'mailer', password: 's3cret' },
    });
  });

  it('allows a password without TLS to a loopback server only', () => {
    const loopback = parseSmtpSettings({ host: '127.0.0.1', from: 'verify@example.com', ignoreTLS: true, user: 'mailer' }, { password: 's3cret' });
    const remote = parseSmtpSettings({ host: 'smtp.example.com', from: 'verify@example.com', ignoreTLS: true, user: 'mailer' }, { password: 's3cret' });

    expect(loopback.ok).toBe(true);
    expect(remote).toEqual({ ok: false, problems: [{ field: 'settings.ignoreTLS', reason: expect.stringContaining('unencrypted') as unknown }] });
  });

  it('lists every problem with its field', () => {
    const result = parseSmtpSettings(
      { port: '70000', from: 'Switchboard', secure: 'yes', requireTls: true, password: 'oops', connectionTimeoutMs: 5 },
      { user: 'mailer', apiKey: 'x' },
    );

    expect(result.ok).toBe(false);
    const fields = result.ok ? [] : result.problems.map((problem) => problem.field).sort();
    expect(fields).toEqual([
      'credentials.apiKey',
      'credentials.password',
      'settings.connectionTimeoutMs',
      'settings.from',
      'settings.host',
      'settings.password',
      'settings.port',
      'settings.requireTls',
      'settings.secure',
    ]);
  });

  it('refuses contradicting TLS settings', () => {
    const result = parseSmtpSettings({ host: 'smtp.example.com', from: 'verify@example.com', requireTLS: true, ignoreTLS: true }, {});

    expect(result).toEqual({ ok: false, problems: [{ field: 'settings.ignoreTLS', reason: 'contradicts requireTLS; set one of them' }] });
  });

  it('refuses a password without a user', () => {
    const result = parseSmtpSettings({ host: 'smtp.example.com', from: 'verify@example.com' }, { password: 's3cret' });

    expect(result).toMatchObject({ ok: false, problems: [{ field: 'credentials.user' }] });
  });
});
