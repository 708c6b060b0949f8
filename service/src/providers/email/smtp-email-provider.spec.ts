import { afterEach, describe, expect, it } from 'vitest';
import type { OutboundEmail } from './email-provider.js';
import { renderVerificationEmail } from '../../verification/email-template.js';
import { closedPort, headerValue, loopbackSmtpSettings, mimeParts, smtpReply, startRawSmtpServer, startSmtpServer, type RawServerScript } from './smtp-fixtures.js';
import { InvalidEmailAddressError } from './email-provider.js';
import { messageIdFor, queueIdFromResponse, SmtpEmailProvider } from './smtp-email-provider.js';
import type { SmtpSettings } from './smtp-settings.js';
import { providerFailure as rejection } from '../provider-fixtures.js';

const CODE = '482913';
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function provider(port: number, overrides: Partial<SmtpSettings> = {}): SmtpEmailProvider {
  const created = new SmtpEmailProvider({ name: 'mail-1', settings: loopbackSmtpSettings(port, overrides) });
  cleanups.push(() => created.stop());
  return created;
}

function email(overrides: Partial<OutboundEmail> = {}): OutboundEmail {
  const rendered = renderVerificationEmail({ locale: 'en', defaultLocale: 'en', code: CODE, brand: 'Acme', ttlSeconds: 600 });
  return { messageId: 'msg-1', attemptId: 'att-1', to: 'jane@example.com', subject: rendered.subject, text: rendered.text, html: rendered.html, ...overrides };
}

async function smtpServer(options: Parameters<typeof startSmtpServer>[0] = {}) {
  const server = await startSmtpServer(options);
  cleanups.push(() => server.close());
  return server;
}

async function rawServer(script: RawServerScript) {
  const server = await startRawSmtpServer(script);
  cleanups.push(() => server.close());
  return server;
}

describe('SmtpEmailProvider delivering', () => {
  it('delivers the code in the text and the HTML part, with From, To, Subject and Message-ID', async () => {
    const server = await smtpServer({ queueReply: 'Ok: queued as 4FbXkB2YTj' });
    const mailer = provider(server.port);

    await mailer.start();
    await mailer.send(email());

    expect(server.received).toHaveLength(1);
    const [mail] = server.received;
    expect(mail?.mailFrom).toBe('verify@acme.example');
    expect(mail?.rcptTo).toEqual(['jane@example.com']);
    const raw = mail?.raw ?? '';
    expect(headerValue(raw, 'From')).toBe('Acme <verify@acme.example>');
    expect(headerValue(raw, 'To')).toBe('jane@example.com');
    expect(headerValue(raw, 'Subject')).toBe('Your Acme verification code');
    expect(headerValue(raw, 'Message-ID')).toBe('<att-1@acme.example>');
    expect(headerValue(raw, 'Auto-Submitted')).toBe('auto-generated');
    expect(headerValue(raw, 'X-Mailer')).toBeUndefined();
    const parts = mimeParts(raw);
    const text = parts.find((part) => part.contentType === 'text/plain');
    const html = parts.find((part) => part.contentType === 'text/html');
    expect(text?.body).toContain(`Your Acme verification code is ${CODE}.`);
    expect(html?.body).toContain(`>${CODE}</p>`);
  });

  it("answers with the server's queue id when its final reply names one", async () => {
    const server = await smtpServer({ queueReply: 'Ok: queued as 4FbXkB2YTj' });

    const accepted = await provider(server.port).send(email());

    expect(accepted.providerMessageId).toBe('4FbXkB2YTj');
  });

  it('answers with the Message-ID it sent when the reply names no queue id', async () => {
    const server = await smtpServer();

    const accepted = await provider(server.port).send(email({ attemptId: '0b7c2a9e-4d1f-4c3b-9a8e-1f2d3c4b5a69' }));

    expect(accepted.providerMessageId).toBe('<0b7c2a9e-4d1f-4c3b-9a8e-1f2d3c4b5a69@acme.example>');
  });

  it('gives every send of the same attempt the same Message-ID', async () => {
    const server = await smtpServer();
    const mailer = provider(server.port);

    await mailer.send(email({ attemptId: 'att-7' }));
    await mailer.send(email({ attemptId: 'att-7' }));

    const ids = server.received.map((mail) => headerValue(mail.raw, 'Message-ID'));
    expect(ids).toEqual(['<att-7@acme.example>', '<att-7@acme.example>']);
  });

  it('sends from the address the e-mail names instead of the configured one', async () => {
    const server = await smtpServer();

    await provider(server.port).send(email({ from: 'login@acme.example' }));

    expect(server.received[0]?.mailFrom).toBe('login@acme.example');
  });

  it('delivers through a connection pool as well', async () => {
    const server = await smtpServer();
    const mailer = provider(server.port, { pool: true });

    await Promise.all([mailer.send(email({ attemptId: 'a-1' })), mailer.send(email({ attemptId: 'a-2' })), mailer.send(email({ attemptId: 'a-3' }))]);

    expect(server.received).toHaveLength(3);
  });

  it('logs in with the configured user and password', async () => {
    const server = await smtpServer({
      authOptional: false,
      allowInsecureAuth: true,
      onAuth(auth, _session, callback) {
        if (auth.username === 'mailer' && auth.password === 'right-password') callback(null, { user: 'mailer' });
        else callback(smtpReply(535, 'Authentication credentials invalid'));
      },
    });
    const mailer = provider(server.port, { user: 'mailer', password: 'right-password' });

    await mailer.start();
    await mailer.send(email());

    expect(server.received[0]?.user).toBe('mailer');
  });
});

describe('SmtpEmailProvider failing', () => {
  it('fails permanently with code 550 when the server refuses the recipient', async () => {
    const server = await smtpServer({
      onRcptTo(_address, _session, callback) {
        callback(smtpReply(550, '5.1.1 <jane@example.com>: Recipient address rejected: mailbox unavailable'));
      },
    });

    const error = await rejection(provider(server.port).send(email()));

    expect(error).toMatchObject({ retryable: false, outcomeUnknown: false, providerCode: '550' });
    expect(error.message).not.toContain('jane@example.com');
    expect(server.received).toHaveLength(0);
  });

  it('fails retryably with code 451 when the server defers the recipient', async () => {
    const server = await smtpServer({
      onRcptTo(_address, _session, callback) {
        callback(smtpReply(451, '4.7.1 Greylisted, try again later'));
      },
    });

    const error = await rejection(provider(server.port).send(email()));

    expect(error).toMatchObject({ retryable: true, outcomeUnknown: false, providerCode: '451' });
  });

  it('fails permanently when the server refuses the message after its text (554 to the final dot)', async () => {
    const server = await smtpServer({
      onData(stream, _session, callback) {
        stream.resume();
        stream.on('end', () => {
          callback(smtpReply(554, '5.7.1 Message rejected as spam'));
        });
      },
    });

    const error = await rejection(provider(server.port).send(email()));

    expect(error).toMatchObject({ retryable: false, outcomeUnknown: false, providerCode: '554' });
  });

  it('refuses to start, permanently, when the server rejects the password', async () => {
    const server = await smtpServer({
      authOptional: false,
      allowInsecureAuth: true,
      onAuth(_auth, _session, callback) {
        callback(smtpReply(535, '5.7.8 Authentication credentials invalid'));
      },
    });

    const error = await rejection(provider(server.port, { user: 'mailer', password: 'wrong-password' }).start());

    expect(error).toMatchObject({ retryable: false, outcomeUnknown: false, providerCode: '535' });
    expect(error.message).not.toContain('wrong-password');
  });

  it('reports the outcome unknown when the connection drops after the message text, before the final reply', async () => {
    const server = await rawServer('close-after-data');

    const error = await rejection(provider(server.port).send(email()));

    expect(server.messagesReceived()).toBe(1);
    expect(error).toMatchObject({ retryable: false, outcomeUnknown: true });
  });

  it('reports the outcome unknown when the final reply never comes', async () => {
    const server = await rawServer('silent-after-data');

    const error = await rejection(provider(server.port, { socketTimeoutMs: 300 }).send(email()));

    expect(server.messagesReceived()).toBe(1);
    expect(error).toMatchObject({ retryable: false, outcomeUnknown: true, providerCode: 'ETIMEDOUT' });
  });

  it('reports the outcome unknown through the pool too, and sends the message only once', async () => {
    const server = await rawServer('close-after-data');

    const error = await rejection(provider(server.port, { pool: true }).send(email()));

    // Long enough for a pool requeue to have happened (its first delay is 50 ms).
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(server.messagesReceived()).toBe(1);
    expect(error).toMatchObject({ retryable: false, outcomeUnknown: true });
  });

  it('fails retryably, not unknown, when the connection drops before DATA', async () => {
    const server = await rawServer('close-at-rcpt');

    const error = await rejection(provider(server.port).send(email()));

    expect(server.messagesReceived()).toBe(0);
    expect(error).toMatchObject({ retryable: true, outcomeUnknown: false });
  });

  it('fails retryably when the connection is refused, on start and on send', async () => {
    const port = await closedPort();
    const mailer = provider(port);

    const onStart = await rejection(mailer.start());
    const onSend = await rejection(mailer.send(email()));

    for (const error of [onStart, onSend]) expect(error).toMatchObject({ retryable: true, outcomeUnknown: false, providerCode: 'ECONNREFUSED' });
  });

  it('refuses an invalid recipient before connecting, naming the field', async () => {
    const server = await smtpServer();

    const error = await rejection(provider(server.port).send(email({ to: 'jane@example.com, eve@example.com' })));

    expect(error).toBeInstanceOf(InvalidEmailAddressError);
    expect(error).toMatchObject({ field: 'to', retryable: false, outcomeUnknown: false });
    expect(server.received).toHaveLength(0);
  });

  it('refuses an invalid sender override, naming the field', async () => {
    const server = await smtpServer();

    const error = await rejection(provider(server.port).send(email({ from: 'Switchboard' })));

    expect(error).toMatchObject({ field: 'from', retryable: false });
  });

  it('rejects sends after stop as not connected', async () => {
    const server = await smtpServer();
    const mailer = provider(server.port);

    await mailer.stop();
    const error = await rejection(mailer.send(email()));

    expect(error).toMatchObject({ retryable: true, notConnected: true });
    expect(server.received).toHaveLength(0);
  });
});

describe('queueIdFromResponse', () => {
  it.each([
    { mta: 'Postfix', response: '250 2.0.0 Ok: queued as 4FbXkB2YTjz9rxS', id: '4FbXkB2YTjz9rxS' },
    { mta: 'Exim', response: '250 OK id=1qZ3Xm-0007Ab-2C', id: '1qZ3Xm-0007Ab-2C' },
    { mta: 'Sendmail', response: '250 2.0.0 3AB4cD5e012345 Message accepted for delivery', id: '3AB4cD5e012345' },
    { mta: 'Gmail', response: '250 2.0.0 OK  1700000000 a640c23a62f3a-a9a0f2b1c3dsi123456.99 - gsmtp', id: 'a640c23a62f3a-a9a0f2b1c3dsi123456.99' },
  ])('reads the queue id of $mta', ({ response, id }) => {
    expect(queueIdFromResponse(response)).toBe(id);
  });

  it('finds none in a reply without one', () => {
    expect(queueIdFromResponse('250 OK: message queued')).toBeUndefined();
  });
});

describe('messageIdFor', () => {
  it('derives the Message-ID from the attempt id', () => {
    expect(messageIdFor('0b7c2a9e-4d1f-4c3b-9a8e-1f2d3c4b5a69', 'acme.example')).toBe('<0b7c2a9e-4d1f-4c3b-9a8e-1f2d3c4b5a69@acme.example>');
  });

  it('hashes an attempt id that cannot stand in a Message-ID, stably', () => {
    const id = messageIdFor('att 1 <x>', 'acme.example');
    expect(id).toMatch(/^<[0-9a-f]{40}@acme\.example>$/);
    expect(messageIdFor('att 1 <x>', 'acme.example')).toBe(id);
  });
});
