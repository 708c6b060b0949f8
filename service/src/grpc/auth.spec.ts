import { Metadata } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { UnauthenticatedError, UnavailableError } from '../shared/errors.js';
import type { AppAuthenticator, AppProfile } from '../verification/app-profile.js';
import { apiKeyFrom, authenticateApp } from './auth.js';

function metadataWith(entries: Record<string, string>): Metadata {
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(entries)) metadata.set(key, value);
  return metadata;
}

const acme: AppProfile = {
  id: 'app_acme',
  name: 'Acme',
  domain: 'acme.example',
  defaultLocale: 'en',
  senderId: 'Acme',
  templates: {},
  emailTemplates: {},
  allowedCountries: [],
  defaultCodeLength: 6,
};

/** Knows one key, and remembers every key it was asked about. */
function authenticatorKnowing(key: string, app: AppProfile): AppAuthenticator & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    findByApiKey(candidate) {
      asked.push(candidate);
      return Promise.resolve(candidate === key ? app : null);
    },
  };
}

describe('apiKeyFrom', () => {
  it('reads the key from "authorization: Bearer <key>"', () => {
    expect(apiKeyFrom(metadataWith({ authorization: 'Bearer sk_live_123' }))).toBe('sk_live_123');
  });

  it.each(['bearer sk_live_123', 'BEARER sk_live_123', 'BeArEr sk_live_123'])('accepts the scheme in any case: %s', (value) => {
    expect(apiKeyFrom(metadataWith({ authorization: value }))).toBe('sk_live_123');
  });

  it('tolerates surrounding and repeated whitespace', () => {
    expect(apiKeyFrom(metadataWith({ authorization: '  Bearer   sk_live_123  ' }))).toBe('sk_live_123');
  });

  it('reads the key from "x-api-key: <key>"', () => {
    expect(apiKeyFrom(metadataWith({ 'x-api-key': 'sk_live_456' }))).toBe('sk_live_456');
  });

  it('trims the x-api-key value', () => {
    expect(apiKeyFrom(metadataWith({ 'x-api-key': ' sk_live_456 ' }))).toBe('sk_live_456');
  });

  it('prefers authorization over x-api-key', () => {
    expect(apiKeyFrom(metadataWith({ authorization: 'Bearer from-auth', 'x-api-key': 'from-header' }))).toBe('from-auth');
  });

  it('falls back to x-api-key when authorization is empty', () => {
    expect(apiKeyFrom(metadataWith({ authorization: '', 'x-api-key': 'sk_live_456' }))).toBe('sk_live_456');
  });

  it('is null when neither header is present', () => {
    expect(apiKeyFrom(new Metadata())).toBeNull();
  });

  it('is null when x-api-key holds only spaces', () => {
    expect(apiKeyFrom(metadataWith({ 'x-api-key': '   ' }))).toBeNull();
  });

  it('is null when x-api-key is empty', () => {
    expect(apiKeyFrom(metadataWith({ 'x-api-key': '' }))).toBeNull();
  });

  it.each(['sk_live_123', 'Basic dXNlcjpwYXNz', 'Bearer', 'Bearer ', 'Bearer two words', 'Bearersk_live_123', 'Token sk_live_123'])(
    'rejects the malformed authorization %j as UNAUTHENTICATED',
    (value) => {
      expect(() => apiKeyFrom(metadataWith({ authorization: value }))).toThrow(UnauthenticatedError);
    },
  );

  it('explains the expected authorization form', () => {
    expect(() => apiKeyFrom(metadataWith({ authorization: 'Basic abc' }))).toThrow('authorization metadata must be "Bearer <api key>"');
  });
});

describe('authenticateApp', () => {
  it('returns the app the key belongs to', async () => {
    const authenticator = authenticatorKnowing('sk_live_123', acme);
    await expect(authenticateApp(metadataWith({ authorization: 'Bearer sk_live_123' }), authenticator)).resolves.toBe(acme);
    expect(authenticator.asked).toEqual(['sk_live_123']);
  });

  it('accepts the key from x-api-key too', async () => {
    await expect(authenticateApp(metadataWith({ 'x-api-key': 'sk_live_123' }), authenticatorKnowing('sk_live_123', acme))).resolves.toBe(acme);
  });

  it('rejects a call without a key, saying how to send one, and looks nothing up', async () => {
    const authenticator = authenticatorKnowing('sk_live_123', acme);
    await expect(authenticateApp(new Metadata(), authenticator)).rejects.toThrow(UnauthenticatedError);
    await expect(authenticateApp(new Metadata(), authenticator)).rejects.toThrow(/an API key is required/);
    expect(authenticator.asked).toEqual([]);
  });

  it('rejects an unknown key', async () => {
    const call = authenticateApp(metadataWith({ authorization: 'Bearer sk_live_999' }), authenticatorKnowing('sk_live_123', acme));
    await expect(call).rejects.toThrow(new UnauthenticatedError('unknown API key'));
  });

  it('rejects a malformed authorization header', async () => {
    await expect(authenticateApp(metadataWith({ authorization: 'Basic abc' }), authenticatorKnowing('sk_live_123', acme))).rejects.toThrow(UnauthenticatedError);
  });

  it('rejects a key longer than 256 characters as unknown without looking it up', async () => {
    const longKey = 'k'.repeat(257);
    const authenticator = authenticatorKnowing(longKey, acme);
    await expect(authenticateApp(metadataWith({ authorization: `Bearer ${longKey}` }), authenticator)).rejects.toThrow('unknown API key');
    expect(authenticator.asked).toEqual([]);
  });

  it('answers UNAVAILABLE, not INTERNAL, when the key store cannot answer, and keeps the cause', async () => {
    const outage = new Error('timeout exceeded when trying to connect');
    const call = authenticateApp(metadataWith({ authorization: 'Bearer sk_live_123' }), { findByApiKey: () => Promise.reject(outage) });
    const error: unknown = await call.catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error).toMatchObject({ message: 'the API key cannot be checked right now', retryAfterMs: 1000, cause: outage });
  });

  it('looks up a key of exactly 256 characters', async () => {
    const key = 'k'.repeat(256);
    await expect(authenticateApp(metadataWith({ authorization: `Bearer ${key}` }), authenticatorKnowing(key, acme))).resolves.toBe(acme);
  });
});
