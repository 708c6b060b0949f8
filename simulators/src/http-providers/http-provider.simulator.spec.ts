import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SIM_ACCOUNTS, HttpProviderSimulator } from './http-provider.simulator.js';

const twilio = DEFAULT_SIM_ACCOUNTS.twilio;
const plivo = DEFAULT_SIM_ACCOUNTS.plivo;
const vonage = DEFAULT_SIM_ACCOUNTS.vonage;
const auron = DEFAULT_SIM_ACCOUNTS.auron;

const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const form = (fields: Record<string, string>): URLSearchParams => new URLSearchParams(fields);

interface Answer {
  readonly status: number;
  readonly body: unknown;
}

describe('HttpProviderSimulator', () => {
  let simulator: HttpProviderSimulator;
  let base: string;

  beforeEach(async () => {
    simulator = new HttpProviderSimulator({ behaviour: { receiptDelayMs: 10_000 } });
    base = (await simulator.start()).url;
  });

  afterEach(async () => {
    await simulator.stop();
  });

  async function call(path: string, init: RequestInit = {}): Promise<Answer> {
    const response = await fetch(`${base}${path}`, { method: 'POST', ...init });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // plain text answers stay text
    }
    return { status: response.status, body };
  }

  describe('Twilio', () => {
    const messages = `/2010-04-01/Accounts/${twilio.accountSid}/Messages.json`;
    const auth = { authorization: basic(twilio.accountSid, twilio.authToken) };
    const valid = { To: '+4915112345678', From: '+15005550006', Body: 'hi' };

    it('refuses a request without valid Basic auth with 20003', async () => {
      expect(await call(messages, { body: form(valid) })).toEqual({
        status: 401,
        body: { code: 20003, message: 'Authenticate', more_info: 'https://www.twilio.com/docs/errors/20003', status: 401 },
      });
    });

    it('answers 404 (20404) for another account in the path', async () => {
      const other = messages.replace(twilio.accountSid, 'AC99999999999999999999999999999999');
      expect(await call(other, { headers: auth, body: form(valid) })).toMatchObject({ status: 404, body: { code: 20404 } });
    });

    it('reads form parameters only: a JSON body has no To (21604)', async () => {
      const answer = await call(messages, { headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(valid) });
      expect(answer).toMatchObject({ status: 400, body: { code: 21604, message: "A 'To' phone number is required." } });
    });

    it.each([
      [{ ...valid, To: '004915112345678' }, 21211, "The 'To' number 004915112345678 is not a valid phone number."],
      [{ To: valid.To, Body: 'hi' }, 21603, "A 'From' phone number is required."],
      [{ To: valid.To, From: valid.From }, 21602, 'Message body is required.'],
      [{ ...valid, Body: 'x'.repeat(1601) }, 21617, 'The concatenated message body exceeds the 1600 character limit.'],
    ])('refuses %j with %i', async (fields, code, message) => {
      expect(await call(messages, { headers: auth, body: form(fields) })).toEqual({
        status: 400,
        body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status: 400 },
      });
    });

    it('creates a message: 201 with an SM sid, queued, segments counted', async () => {
      const answer = await call(messages, { headers: auth, body: form({ ...valid, Body: 'a'.repeat(200) }) });
      expect(answer).toMatchObject({ status: 201, body: { sid: expect.stringMatching(/^SM[0-9a-f]{32}$/) as string, status: 'queued', num_segments: '2', to: valid.To } });
      expect(simulator.messages('twilio')).toHaveLength(1);
    });

    it('answers a repeated idempotency token with the first result and sends nothing more', async () => {
      const headers = { ...auth, 'I-Twilio-Idempotency-Token': 'tok-1' };
      const first = await call(messages, { headers, body: form(valid) });
      const second = await call(messages, { headers, body: form(valid) });
      expect(second).toEqual(first);
      expect(simulator.messages('twilio')).toHaveLength(1);
    });

    it('refuses a call without Url or Twiml (21205)', async () => {
      const calls = `/2010-04-01/Accounts/${twilio.accountSid}/Calls.json`;
      expect(await call(calls, { headers: auth, body: form({ To: valid.To, From: valid.From }) })).toMatchObject({ status: 400, body: { code: 21205 } });
    });
  });

  describe('Plivo', () => {
    const path = `/v1/Account/${plivo.authId}/Message/`;
    const headers = { authorization: basic(plivo.authId, plivo.authToken), 'content-type': 'application/json' };
    const valid = { src: '14155550199', dst: '14155550100', text: 'hi' };

    it('needs the trailing slash', async () => {
      expect(await call(path.slice(0, -1), { headers, body: JSON.stringify(valid) })).toMatchObject({ status: 404, body: { error: 'not found' } });
    });

    it('refuses a form body with {api_id, error}', async () => {
      const answer = await call(path, { headers: { authorization: headers.authorization }, body: form(valid) });
      expect(answer).toMatchObject({ status: 400, body: { api_id: expect.any(String) as string, error: expect.stringContaining('application/json') as string } });
    });

    it('refuses a missing dst', async () => {
      expect(await call(path, { headers, body: JSON.stringify({ src: valid.src, text: 'hi' }) })).toMatchObject({ status: 400, body: { error: 'dst parameter is required' } });
    });

    it('queues a message: 202 with message_uuid', async () => {
      expect(await call(path, { headers, body: JSON.stringify(valid) })).toMatchObject({
        status: 202,
        body: { message: 'message(s) queued', message_uuid: [expect.stringMatching(/^[0-9a-f-]{36}$/) as string] },
      });
    });
  });

  describe('Vonage', () => {
    const valid = { api_key: vonage.apiKey, api_secret: vonage.apiSecret, from: 'SB', to: '447911123456', text: 'hi' };

    it('answers bad credentials with HTTP 200 and status 4', async () => {
      expect(await call('/sms/json', { body: form({ ...valid, api_secret: 'x' }) })).toEqual({ status: 200, body: { 'message-count': '1', messages: [{ status: '4', 'error-text': 'Bad Credentials' }] } });
    });

    it('refuses a to with a leading + (status 3)', async () => {
      expect(await call('/sms/json', { body: form({ ...valid, to: '+447911123456' }) })).toMatchObject({ body: { messages: [{ status: '3' }] } });
    });

    it('takes JSON and GET as well, and answers one entry per part', async () => {
      const answer = await call('/sms/json', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...valid, text: 'a'.repeat(161) }) });
      expect(answer).toMatchObject({ status: 200, body: { 'message-count': '2', messages: [{ status: '0' }, { status: '0' }] } });
      const get = await fetch(`${base}/sms/json?${form(valid).toString()}`);
      expect(((await get.json()) as { messages: { status: string }[] }).messages[0]?.status).toBe('0');
    });
  });

  describe('Auron', () => {
    const path = `/${auron.channel}/messagedb/create.json`;
    const headers = { authorization: auron.apiKey ?? '', 'content-type': 'application/json' };
    const item = { TypeID: 'SMS', StatusID: 'SCHEDULED', ToAddress: '+316211223344', Body: 'hi', LocalID: 'l-1' };

    it('checks the API key and the channel', async () => {
      expect((await call(path, { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: [item] }) })).status).toBe(401);
      expect((await call('/OTHER/messagedb/create.json', { headers, body: JSON.stringify({ message: [item] }) })).status).toBe(404);
      expect((await call(path, { headers: { authorization: headers.authorization }, body: form({ a: '1' }) })).status).toBe(415);
    });

    it('answers one result per message: ID and LastError 0, or a LastError', async () => {
      const answer = await call(path, { headers, body: JSON.stringify({ message: [item, { ...item, ToAddress: undefined, LocalID: 'l-2' }] }) });
      expect(answer).toEqual({
        status: 200,
        body: {
          result: [
            { LocalID: 'l-1', ID: expect.stringMatching(/^\d+$/) as string, LastError: 0, LastErrorDescription: 'Success' },
            { LocalID: 'l-2', ID: '', LastError: 10001, LastErrorDescription: 'ToAddress is required' },
          ],
        },
      });
    });
  });

  describe('control API', () => {
    it('queues a fault that answers with the provider error body', async () => {
      const queued = await call('/_sim/faults', { body: JSON.stringify({ preset: 'twilio', fault: { kind: 'status', status: 503, retryAfterSeconds: 2 } }) });
      expect(queued).toEqual({ status: 200, body: { queued: 1 } });
      const response = await fetch(`${base}/2010-04-01/Accounts/${twilio.accountSid}/Messages.json`, { method: 'POST' });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('2');
      expect(await response.json()).toMatchObject({ code: 20500, status: 503 });
      expect(simulator.requests({ preset: 'twilio' })[0]).toMatchObject({ fault: 'status:503', responseStatus: 503 });
    });

    it('drops the connection for a drop fault', async () => {
      simulator.failNext('vonage', { kind: 'drop' });
      await expect(fetch(`${base}/sms/json`, { method: 'POST' })).rejects.toThrow();
      expect(simulator.requests({ preset: 'vonage' })[0]).toMatchObject({ fault: 'drop', responseStatus: undefined });
    });

    it('names the field of an invalid request', async () => {
      expect(await call('/_sim/faults', { body: JSON.stringify({ preset: 'sinch', fault: { kind: 'drop' } }) })).toMatchObject({ status: 400, body: { field: 'preset' } });
      expect(await call('/_sim/behaviour', { method: 'PUT', body: JSON.stringify({ receiptDelayMs: -1 }) })).toMatchObject({ status: 400, body: { field: 'receiptDelayMs' } });
    });

    it('changes behaviour, lists records, and resets', async () => {
      expect(await call('/_sim/behaviour', { method: 'PUT', body: JSON.stringify({ smsOutcome: 'failed', callOutcome: 'busy' }) })).toMatchObject({ status: 200, body: { smsOutcome: 'failed', callOutcome: 'busy' } });
      await call('/sms/json', { body: form({ api_key: vonage.apiKey, api_secret: vonage.apiSecret, from: 'SB', to: '447911123456', text: 'hi' }) });
      expect(await call('/_sim/messages?preset=vonage', { method: 'GET' })).toMatchObject({ status: 200, body: [{ preset: 'vonage', to: '447911123456' }] });
      expect(await call('/_sim/requests?preset=vonage', { method: 'GET' })).toMatchObject({ body: [{ path: '/sms/json' }] });
      expect(await call('/_sim/receipts', { body: JSON.stringify({ id: 'nope', outcome: 'delivered' }) })).toMatchObject({ status: 404 });
      expect((await call('/_sim/reset')).status).toBe(204);
      expect(simulator.behaviour().smsOutcome).toBe('delivered');
      expect(simulator.messages()).toHaveLength(0);
    });

    it('answers 404 to paths no provider has', async () => {
      expect((await call('/v2/anything')).status).toBe(404);
    });
  });
});
