import { describe, expect, it } from 'vitest';
import type { ProviderDraft } from './admin-model.js';
import { validateProvider } from './provider-validation.js';

const smpp: ProviderDraft = {
  name: 'smsc-a',
  kind: 'smpp',
  enabled: true,
  channels: ['sms'],
  throughputPerSecond: 50,
  burst: 10,
  maxInFlight: 100,
  settings: { host: 'smsc.example.net', port: '2775', systemId: 'switchboard' },
  credentials: { password: 'secret' },
};

const fields = (draft: ProviderDraft, credentials?: Record<string, string>) => validateProvider(draft, credentials ?? draft.credentials).map((problem) => problem.field);

describe('validateProvider', () => {
  it('accepts a complete SMPP provider', () => {
    expect(validateProvider(smpp)).toEqual([]);
  });

  it.each(['', 'has space', 'a/b', 'x'.repeat(65), 'ümlaut'])('refuses the name %j', (name) => {
    expect(fields({ ...smpp, name })).toEqual(['name']);
  });

  it('refuses an unknown kind', () => {
    expect(fields({ ...smpp, kind: 'unspecified' })).toEqual(['kind']);
  });

  it('needs at least one channel', () => {
    expect(fields({ ...smpp, channels: [] })).toEqual(['channels']);
  });

  it('needs each channel known and listed once', () => {
    expect(fields({ ...smpp, channels: ['sms', 'auto', 'sms'] })).toEqual(['channels[1]', 'channels[2]']);
  });

  it('refuses negative or fractional limits', () => {
    expect(fields({ ...smpp, throughputPerSecond: -1, burst: 1.5, maxInFlight: -3 })).toEqual(['throughputPerSecond', 'burst', 'maxInFlight']);
  });

  it('accepts zero limits (unlimited)', () => {
    expect(validateProvider({ ...smpp, throughputPerSecond: 0, burst: 0, maxInFlight: 0 })).toEqual([]);
  });

  it('needs host, port, systemId and password for SMPP', () => {
    expect(fields({ ...smpp, settings: {}, credentials: {} })).toEqual(['settings.host', 'settings.port', 'settings.systemId', 'credentials.password']);
  });

  it.each(['0', '65536', '27a5', '-1'])('refuses the SMPP port %j', (port) => {
    expect(fields({ ...smpp, settings: { ...smpp.settings, port } })).toEqual(['settings.port']);
  });

  it('counts a stored password as present on update', () => {
    expect(fields({ ...smpp, credentials: {} }, { password: 'kept' })).toEqual([]);
  });

  it('refuses an agent provider without its agent, naming the setting', () => {
    const problems = validateProvider({ ...smpp, kind: 'agent', settings: {}, credentials: {} });
    expect(problems).toEqual([{ field: 'settings.agent', reason: expect.stringContaining('registered modem agent') as string }]);
  });

  it('refuses a secret given as a plain setting too', () => {
    expect(fields({ ...smpp, settings: { ...smpp.settings, password: 'oops' } })).toEqual(['settings.password']);
  });
});

describe('validateProvider for HTTP, voice and e-mail providers', () => {
  const twilio: ProviderDraft = {
    ...smpp,
    name: 'twilio-sms',
    kind: 'http',
    settings: { preset: 'twilio', accountSid: `AC${'0'.repeat(31)}1`, from: '+14155550100' },
    credentials: { authToken: 'token' },
  };

  it('accepts a Twilio SMS preset', () => {
    expect(validateProvider(twilio)).toEqual([]);
  });

  it('names each bad preset setting and missing credential by its field', () => {
    const draft = { ...twilio, settings: { preset: 'twilio', accountSid: 'nope', from: '+14155550100' }, credentials: {} };
    expect(fields(draft).sort()).toEqual(['credentials.authToken', 'settings.accountSid']);
  });

  it('refuses an unknown preset under settings.preset', () => {
    expect(fields({ ...twilio, settings: { preset: 'carrier-pigeon' } })).toEqual(['settings.preset']);
  });

  it('names a bad value that sits in credentials as a credential', () => {
    const draft = { ...twilio, settings: { preset: 'plivo', from: '+14155550100' }, credentials: { authToken: 't', authId: 'short' } };
    expect(fields(draft)).toEqual(['credentials.authId']);
  });

  it('refuses a voice provider whose preset has no call API', () => {
    const draft = { ...twilio, kind: 'voice', channels: ['voice'], settings: { preset: 'vonage', apiKey: 'abcd1234', from: 'Shop' }, credentials: { apiSecret: 's', signatureSecret: 'sig' } };
    expect(fields(draft)).toEqual(['settings.preset']);
  });

  it('accepts a Twilio voice provider serving voice, and refuses it serving SMS', () => {
    const voice = { ...twilio, kind: 'voice', channels: ['voice'] };
    expect(validateProvider(voice)).toEqual([]);
    expect(fields({ ...voice, channels: ['sms'] })).toEqual(['channels[0]']);
  });

  it('judges e-mail providers with the SMTP reader, naming fields', () => {
    const email: ProviderDraft = { ...smpp, name: 'mail', kind: 'email', channels: ['email'], settings: { host: 'smtp.example.com', from: 'verify@example.com' }, credentials: {} };
    expect(validateProvider(email)).toEqual([]);
    expect(fields({ ...email, settings: { host: 'smtp.example.com', from: 'not an address', port: '99999' } }).sort()).toEqual(['settings.from', 'settings.port']);
  });
});
