import { describe, expect, it } from 'vitest';
import { parseHttpProviderSpec, type HttpProviderSpecInput } from './http-provider-spec.js';

const minimal: HttpProviderSpecInput = {
  url: 'https://api.example.com/v1/{{credentials.account}}/sms',
  body: { format: 'json', template: { to: '{{to}}', text: '{{text}}' } },
  messageIdPath: 'id',
};

function problems(input: unknown): readonly string[] {
  const result = parseHttpProviderSpec(input);
  return result.ok ? [] : result.problems;
}

describe('parseHttpProviderSpec', () => {
  it('fills the defaults of a minimal spec', () => {
    const result = parseHttpProviderSpec(minimal);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.spec).toMatchObject({
      channel: 'sms',
      method: 'POST',
      auth: { kind: 'none' },
      success: { statuses: [200, 201, 202] },
      errors: { notAcceptedStatuses: [408, 429], serverErrors: 'ambiguous', notAcceptedCodes: [] },
      timeoutMs: 10_000,
      retries: { max: 2, baseDelayMs: 250, maxDelayMs: 5_000 },
    });
    expect(result.spec.idempotency).toBeUndefined();
  });

  it('names the template field with an unknown variable', () => {
    expect(problems({ ...minimal, body: { format: 'json', template: { to: '{{recipient}}' } } })).toEqual(['body.template.to: unknown variable {recipient}']);
  });

  it('names nested JSON template fields with their indexes', () => {
    const body = { format: 'json', template: { message: [{ ToAddress: '{{ to }}', Body: '{{txt}}' }] } };
    expect(problems({ ...minimal, body })).toEqual(['body.template.message[0].Body: unknown variable {txt}']);
  });

  it('names repeated form fields with their index', () => {
    const body = { format: 'form', template: { To: '{{to}}', Event: ['initiated', '{{bogus}}'] } };
    expect(problems({ ...minimal, body })).toEqual(['body.template.Event[1]: unknown variable {bogus}']);
  });

  it('reports every problem at once', () => {
    const found = problems({ ...minimal, url: 'ftp://x/{{nope}}', messageIdPath: 'a..b', headers: { 'Bad Header': 'x' } });
    expect(found).toEqual(
      expect.arrayContaining([
        'url: unknown variable {nope}',
        'url: must start with http:// or https://',
        'headers.Bad Header: not a valid header name',
        expect.stringMatching(/^messageIdPath: /),
      ]),
    );
  });

  it('names a missing required field', () => {
    expect(problems({ body: { format: 'none' } })).toEqual(expect.arrayContaining([expect.stringMatching(/^url: /), expect.stringMatching(/^messageIdPath: /)]));
  });

  it('keeps credentials out of message content: auth templates take credentials only', () => {
    expect(problems({ ...minimal, auth: { kind: 'hmac', secret: '{{text}}' } })).toEqual(['auth.secret: unknown variable {text}']);
    expect(problems({ ...minimal, auth: { kind: 'basic', username: 'acct', password: '{{credentials.password}}' } })).toEqual([]);
  });

  it('allows call variables only in voice specs', () => {
    const call = { ...minimal, body: { format: 'form', template: { Url: '{{answerUrl}}' } } };
    expect(problems(call)).toEqual(['body.template.Url: unknown variable {answerUrl}']);
    expect(problems({ ...call, channel: 'voice' })).toEqual([]);
  });

  it('refuses an unclosed placeholder', () => {
    expect(problems({ ...minimal, headers: { 'X-Ref': '{{messageId' } })).toEqual(['headers.X-Ref: unclosed {{']);
  });

  it('refuses a webhook without a signature unless unsigned reports are accepted explicitly', () => {
    const webhook = { idPath: 'id', statusPath: 'status', statusMap: { DELIVRD: 'delivered' } };
    expect(problems({ ...minimal, webhook })).toEqual(['webhook.signature: set a signature, or acceptUnsigned: true for a provider that does not sign']);
    expect(problems({ ...minimal, webhook: { ...webhook, acceptUnsigned: true } })).toEqual([]);
  });

  it('refuses receipt states that do not exist', () => {
    const webhook = { idPath: 'id', statusPath: 'status', statusMap: { OK: 'done' }, acceptUnsigned: true };
    expect(problems({ ...minimal, webhook })).toEqual([expect.stringMatching(/^webhook\.statusMap\.OK: /)]);
  });

  it('refuses a body on GET and success.equals without a path', () => {
    expect(problems({ ...minimal, method: 'GET', success: { equals: 'ok' } })).toEqual([
      'body.format: a GET request has no body; use none',
      'success.equals: needs success.jsonPath',
    ]);
  });
});
