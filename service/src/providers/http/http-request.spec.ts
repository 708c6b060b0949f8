import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { requireHttpProviderSpec, type HttpProviderSpecInput } from './http-provider-spec.js';
import { MissingCredentialsError, RequestTemplate } from './http-request.js';
import { TemplateError } from './http-template.js';

const values = {
  to: '+4915112345678',
  toDigits: '4915112345678',
  from: 'Switch&Board',
  fromDigits: 'Switch&Board',
  text: 'Code "1234" & more/€',
  textType: 'unicode',
  messageId: 'msg-1',
  attemptId: 'att-1',
  callbackUrl: 'https://hooks.example.com/status?attempt=att-1',
  callbackBaseUrl: 'https://hooks.example.com/status',
};
const now = new Date('2026-11-20T10:00:00Z');

function template(input: HttpProviderSpecInput, credentials: Record<string, string> = { account: 'AC/1', token: 's3cret' }): RequestTemplate {
  return new RequestTemplate(requireHttpProviderSpec(input), credentials);
}

describe('request rendering', () => {
  it('escapes JSON values inside strings', () => {
    const request = template({ url: 'https://x.test/sms', body: { format: 'json', template: { msg: { text: '{{text}}', n: 1, flag: true } } }, messageIdPath: 'id' }).render(values, now);
    expect(JSON.parse(request.body ?? '')).toEqual({ msg: { text: 'Code "1234" & more/€', n: 1, flag: true } });
    expect(request.headers['content-type']).toBe('application/json; charset=utf-8');
  });

  it('form-encodes values and repeats array fields', () => {
    const request = template({ url: 'https://x.test/sms', body: { format: 'form', template: { From: '{{from}}', Body: '{{text}}', Event: ['a', 'b'] } }, messageIdPath: 'id' }).render(values, now);
    const form = new URLSearchParams(request.body);
    expect(form.get('From')).toBe('Switch&Board');
    expect(form.get('Body')).toBe('Code "1234" & more/€');
    expect(form.getAll('Event')).toEqual(['a', 'b']);
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded; charset=utf-8');
  });

  it('percent-encodes variables in the URL so they stay one path segment', () => {
    const request = template({ url: 'https://x.test/Accounts/{{credentials.account}}/{{messageId}}?ref={{from}}', messageIdPath: 'id' }).render(values, now);
    expect(request.url).toBe('https://x.test/Accounts/AC%2F1/msg-1?ref=Switch%26Board');
  });

  it('leaves out fields whose variables rendered empty, keeps literal empty strings', () => {
    const request = template({ url: 'https://x.test/sms', body: { format: 'json', template: { from: '{{from}}', cb: '{{callbackUrl}}', fixed: '' } }, messageIdPath: 'id' }).render(
      { ...values, from: '', callbackUrl: '' },
      now,
    );
    expect(JSON.parse(request.body ?? '')).toEqual({ fixed: '' });
  });

  it('refuses header values with line breaks (no header injection)', () => {
    const spec = template({ url: 'https://x.test/sms', headers: { 'X-From': '{{from}}' }, messageIdPath: 'id' });
    expect(() => spec.render({ ...values, from: 'a\r\nX-Evil: 1' }, now)).toThrow(TemplateError);
  });

  it('sends basic and bearer credentials', () => {
    const basic = template({ url: 'https://x.test/sms', auth: { kind: 'basic', username: 'user', password: '{{credentials.token}}' }, messageIdPath: 'id' }).render(values, now);
    expect(basic.headers.authorization).toBe(`Basic ${Buffer.from('user:s3cret').toString('base64')}`);
    const bearer = template({ url: 'https://x.test/sms', auth: { kind: 'bearer', token: '{{credentials.token}}' }, messageIdPath: 'id' }).render(values, now);
    expect(bearer.headers.authorization).toBe('Bearer s3cret');
  });

  it('signs the body with HMAC over timestamp.body', () => {
    const request = template({
      url: 'https://x.test/sms',
      body: { format: 'json', template: { to: '{{to}}' } },
      auth: { kind: 'hmac', secret: '{{credentials.token}}', header: 'X-Sig', timestampHeader: 'X-Time', prefix: 'sha256=' },
      messageIdPath: 'id',
    }).render(values, now);
    const timestamp = String(now.getTime() / 1000);
    expect(request.headers['x-time']).toBe(timestamp);
    expect(request.headers['x-sig']).toBe(`sha256=${createHmac('sha256', 's3cret').update(`${timestamp}.${request.body ?? ''}`).digest('hex')}`);
  });

  it('sends the idempotency key, the attempt id by default', () => {
    const request = template({ url: 'https://x.test/sms', idempotency: { header: 'Idempotency-Key' }, messageIdPath: 'id' }).render(values, now);
    expect(request.headers['idempotency-key']).toBe('att-1');
  });

  it('names every credential the spec reads but was not given', () => {
    const spec = { url: 'https://x.test/{{credentials.account}}', auth: { kind: 'bearer', token: '{{credentials.apiKey}}' }, messageIdPath: 'id' } as const;
    expect(() => template(spec, {})).toThrow(new MissingCredentialsError(['account', 'apiKey']));
  });
});
