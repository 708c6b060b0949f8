import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  AURON_REPORT_SIGNATURE_HEADER,
  AURON_REPORT_TIMESTAMP_HEADER,
  auronReportHeaders,
  plivoV3Signature,
  twilioSignature,
  vonageSignature,
} from './webhook-signing.js';

describe('twilioSignature', () => {
  // The worked example of Twilio's webhook security page: auth token 12345.
  const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
  const params: [string, string][] = [
    ['Digits', '1234'],
    ['To', '+18005551212'],
    ['From', '+12349013030'],
    ['Caller', '+12349013030'],
    ['CallSid', 'CA1234567890ABCDE'],
  ];

  it("gives Twilio's documented signature, whatever order the parameters come in", () => {
    expect(twilioSignature('12345', url, params)).toBe('0/KCTR6DLpKmkAf8muzZqo1nDgQ=');
    expect(twilioSignature('12345', url, [...params].reverse())).toBe('0/KCTR6DLpKmkAf8muzZqo1nDgQ=');
  });

  it('covers the URL, every parameter and the token', () => {
    const signature = twilioSignature('12345', url, params);

    expect(twilioSignature('12345', `${url}&baz=3`, params)).not.toBe(signature);
    expect(twilioSignature('12345', url, [...params, ['Extra', '']])).not.toBe(signature);
    expect(twilioSignature('54321', url, params)).not.toBe(signature);
  });
});

describe('plivoV3Signature', () => {
  // Vectors from Plivo's own algorithm (plivo-python utils/signature_v3.py) run under Python 3.
  it.each([
    [
      'POST with query and parameters',
      'POST',
      'https://example.com/plivo/status?attempt=att-1',
      '12345678901234567890',
      [
        ['MessageUUID', '3b5e8c1e-0000-4000-8000-000000000001'],
        ['Status', 'delivered'],
        ['To', '14155550100'],
        ['From', 'Switchboard'],
      ],
      'kq0SPTlD3ft3Cyo1uWKwqNCeMypMTfIwvhJQJ3Op7Gg=',
    ],
    ['POST without query', 'POST', 'https://example.com/plivo/status', 'nonce-1', [['CallUUID', 'u-1'], ['Direction', 'outbound'], ['To', '919250333699']], 'eUH2jz0Vti7J3UtbKKNQA368FVHmZkGY7H6LeNYOMxI='],
    ['GET with query', 'GET', 'https://example.com/plivo/status?b=2&a=1', 'nonce-2', [], 'dnjRuA5PYy1u2vyQEWFBJkiIoB+bKryLhBkx2ASDC00='],
    ['POST without parameters', 'POST', 'https://example.com/plivo/status?attempt=x', 'nonce-3', [], 'mpKbq/4acFzf3Rsa/8iUmWAOWZz4iAlLHb/JQUpFGOo='],
    [
      'a port and an escaped query value',
      'POST',
      'https://example.com:8443/plivo/hangup?attempt=a%20b&call=1',
      '77',
      [['Duration', '12'], ['HangupCause', 'NORMAL_CLEARING'], ['CallUUID', 'c-9']],
      'WWCaCGSbaKRB3E21IAgE2mdx5p4wET8/unWoWRnvn00=',
    ],
  ] as const)('matches the SDK for %s', (_case, method, url, nonce, params, expected) => {
    expect(plivoV3Signature('plivo-token', method, url, nonce, params)).toBe(expected);
  });
});

describe('vonageSignature', () => {
  // Vectors from vonage-php-sdk-core's signature tests (secret my_secret_key_for_testing).
  const inbound = {
    'message-timestamp': '2013-11-21 15:27:30',
    messageId: '020000001B0FE827',
    msisdn: '14843472194',
    text: 'Test again',
    timestamp: '1385047698',
    to: '13239877404',
    type: 'text',
  };

  it.each([
    ['md5hash', 'd2e7b1dc968737c5998ad624e02f90b7'],
    ['md5', 'DDEBD46008C2D4E93CCE578A332A52D5'],
    ['sha1', '27D0D05C2876C7CB1720DBCDBA4D492E1E55C09A'],
    ['sha256', 'DDB8397C2B90AAC7F3882D306475C9A5058C92322EEF43C92B298B6E0FC0D330'],
    ['sha512', 'E0D3C650F8C9D1A5C174D10DDDBFB003E561F59B265616208B0487C5D819481CD3C311D59CF6165ECD1139622D5BA3A256C0D763AC4A9AD9144B5A426B94FE82'],
  ] as const)('matches the SDK for %s', (method, expected) => {
    expect(vonageSignature('my_secret_key_for_testing', method, inbound)).toBe(expected);
  });

  it('replaces & and = inside values and leaves a sig parameter out', () => {
    const params = {
      keyword: 'TEST',
      'message-timestamp': '2017-04-04 22:57:47',
      messageId: '0B00000042AC53BD',
      msisdn: '14843472194',
      nonce: '929d6744-bd28-42c8-b6cf-31d5b4f43732',
      sig: 'e06d9763e3fd0b9c31beb5fc2fcb011c',
      text: 'Test with & and =',
      timestamp: '1491346667',
      to: '12192259404',
      type: 'text',
    };

    expect(vonageSignature('my_secret_key_for_testing', 'md5hash', params)).toBe('e06d9763e3fd0b9c31beb5fc2fcb011c');
  });
});

describe('auronReportHeaders', () => {
  it('signs timestamp.body with hex HMAC-SHA256 and sends the unix-seconds timestamp beside it', () => {
    const body = '{"ID":"95557","StatusID":"DELIVERED","LastError":0}';

    const headers = auronReportHeaders('auron-webhook-secret-0001', body, new Date('2026-11-02T10:00:00.750Z'));

    expect(headers[AURON_REPORT_TIMESTAMP_HEADER]).toBe('1793613600');
    expect(headers[AURON_REPORT_SIGNATURE_HEADER]).toBe(createHmac('sha256', 'auron-webhook-secret-0001').update(`1793613600.${body}`).digest('hex'));
  });
});
