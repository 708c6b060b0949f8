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

  it('needs no settings for kinds whose transport has not arrived yet', () => {
    expect(validateProvider({ ...smpp, kind: 'http', settings: {}, credentials: {} })).toEqual([]);
  });

  it('refuses a secret given as a plain setting too', () => {
    expect(fields({ ...smpp, settings: { ...smpp.settings, password: 'oops' } })).toEqual(['settings.password']);
  });
});
