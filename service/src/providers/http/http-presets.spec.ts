import { describe, expect, it } from 'vitest';
import { HttpProviderConfigError } from './http-provider.js';
import { createHttpProviders, resolveHttpPreset, type HttpProviderDefinition } from './http-presets.js';

const sid = 'AC0123456789abcdef0123456789abcdef';

function problems(definition: Omit<HttpProviderDefinition, 'name'>): readonly string[] {
  const result = resolveHttpPreset({ name: 'p', ...definition });
  return result.ok ? [] : result.problems;
}

describe('resolveHttpPreset', () => {
  it('reads values from settings and credentials alike, empty strings as unset', () => {
    const result = resolveHttpPreset({ name: 'tw', settings: { preset: 'twilio', accountSid: sid, from: '+15005550006', messagingServiceSid: '' }, credentials: { authToken: 't' } });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.resolved).toMatchObject({ preset: 'twilio', defaultFrom: '+15005550006', webhook: { kind: 'twilio', authToken: 't' } });
    expect(result.resolved.sms.url).toBe(`https://api.twilio.com/2010-04-01/Accounts/${sid}/Messages.json`);
    expect(result.resolved.call?.url).toBe(`https://api.twilio.com/2010-04-01/Accounts/${sid}/Calls.json`);
    // Opt-in: Twilio documents the header only on webhooks it sends, not as REST deduplication.
    expect(result.resolved.sms.idempotency).toBeUndefined();
  });

  it('sends the Twilio idempotency token only when idempotencyToken is true', () => {
    const result = resolveHttpPreset({ name: 'tw', settings: { preset: 'twilio', accountSid: sid, from: '+15005550006', idempotencyToken: 'true' }, credentials: { authToken: 't' } });
    expect(result.ok && result.resolved.sms.idempotency).toEqual({ header: 'I-Twilio-Idempotency-Token', value: '{{attemptId}}' });
  });

  it.each<[string, Omit<HttpProviderDefinition, 'name'>, string[]]>([
    ['an unknown preset', { settings: { preset: 'sinch' }, credentials: {} }, ['preset: expected one of twilio, plivo, vonage, auron, generic, got "sinch"']],
    ['a Twilio row without sender or service', { preset: 'twilio', settings: { accountSid: sid }, credentials: { authToken: 't' } }, ['from: set from or messagingServiceSid']],
    ['a malformed Twilio account SID', { preset: 'twilio', settings: { accountSid: 'AC1', from: '+1' }, credentials: { authToken: 't' } }, ['accountSid: expected AC followed by 32 hex digits']],
    ['a Plivo row without token', { preset: 'plivo', settings: { authId: 'MAZDQ1ZJIYMDZKMTIZZD', from: '+14155550199' }, credentials: {} }, [expect.stringMatching(/^authToken: /)]],
    ['a Vonage row without signature secret', { preset: 'vonage', settings: { apiKey: 'abcd1234', from: 'SB' }, credentials: { apiSecret: 's' } }, ['signatureSecret: set signatureSecret (signed webhooks), or acceptUnsignedWebhooks: true']],
    ['an Auron row with a non-http base URL', { preset: 'auron', settings: { baseUrl: 'ftp://x/HTTP_API1', acceptUnsignedWebhooks: 'true' }, credentials: {} }, [expect.stringMatching(/^baseUrl: /)]],
    ['a generic row whose spec has a bad template', { preset: 'generic', settings: { spec: { url: 'https://x.test/', messageIdPath: 'id', headers: { 'X-To': '{{recipient}}' } } }, credentials: {} }, ['spec.headers.X-To: unknown variable {recipient}']],
    ['a generic row whose spec is not JSON', { preset: 'generic', settings: { spec: '{nope' }, credentials: {} }, ['spec: not valid JSON']],
  ])('names the problem in %s', (_name, definition, expected) => {
    expect(problems(definition)).toEqual(expected);
  });

  it('takes a generic spec stored as JSON text, with its webhook secret from the credentials', () => {
    const spec = JSON.stringify({
      url: 'https://api.example.com/send',
      body: { format: 'form', template: { to: '{{toDigits}}', msg: '{{text}}' } },
      auth: { kind: 'bearer', token: '{{credentials.apiKey}}' },
      messageIdPath: 'id',
      webhook: { idPath: 'id', statusPath: 'status', statusMap: { DELIVERED: 'delivered' }, signature: { secret: '{{credentials.hookSecret}}' } },
    });
    const result = resolveHttpPreset({ name: 'g', preset: 'generic', settings: { spec }, credentials: { apiKey: 'k', hookSecret: 'h' } });
    expect(result.ok && result.resolved.webhook?.kind).toBe('generic');
    expect(result.ok && result.resolved.call).toBeUndefined();
  });

  it('names a generic webhook secret that is missing from the credentials', () => {
    const spec = { url: 'https://api.example.com/send', messageIdPath: 'id', webhook: { idPath: 'id', statusPath: 's', statusMap: {}, signature: { secret: '{{credentials.hookSecret}}' } } };
    expect(problems({ preset: 'generic', settings: { spec }, credentials: {} })).toEqual([expect.stringMatching(/^spec\.webhook\.signature\.secret: /)]);
  });
});

describe('createHttpProviders', () => {
  it('builds SMS and call providers sharing the row name, and the webhook config', () => {
    const set = createHttpProviders(
      { name: 'plivo-us', preset: 'plivo', settings: { authId: 'MAZDQ1ZJIYMDZKMTIZZD', from: '+14155550199' }, credentials: { authToken: 't' } },
      { callbackUrl: 'https://sb.example.com/webhooks/plivo-us' },
    );
    expect(set.sms.name).toBe('plivo-us');
    expect(set.call?.name).toBe('plivo-us');
    expect(set.webhook).toEqual({ kind: 'plivo', authToken: 't' });
  });

  it('throws a config error listing every problem', () => {
    expect(() => createHttpProviders({ name: 'bad', preset: 'twilio', settings: {}, credentials: {} }, { callbackUrl: '' })).toThrow(HttpProviderConfigError);
    expect(() => createHttpProviders({ name: 'bad', preset: 'twilio', settings: {}, credentials: {} }, { callbackUrl: '' })).toThrow(/accountSid: .*; authToken: /);
  });
});
