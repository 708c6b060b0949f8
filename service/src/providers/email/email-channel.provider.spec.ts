import { afterEach, describe, expect, it } from 'vitest';
import { emailTemplateFor, type EmailTemplateSet } from '../../verification/email-template.js';
import type { OtpContent, OutboundSms } from '../channel-provider.js';
import { EmailChannelProvider } from './email-channel.provider.js';
import { InvalidEmailAddressError } from './email-provider.js';
import { headerValue, loopbackSmtpSettings, mimeParts, smtpReply, startSmtpServer, type ReceivedMail } from './smtp-fixtures.js';
import { SmtpEmailProvider } from './smtp-email-provider.js';
import { providerFailure as rejection } from '../provider-fixtures.js';

const CODE = '482913';
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function channel(port: number): EmailChannelProvider {
  const provider = new EmailChannelProvider(new SmtpEmailProvider({ name: 'mail-1', settings: loopbackSmtpSettings(port) }));
  cleanups.push(() => provider.stop());
  return provider;
}

async function smtpServer(options: Parameters<typeof startSmtpServer>[0] = {}) {
  const server = await startSmtpServer(options);
  cleanups.push(() => server.close());
  return server;
}

function otp(overrides: Partial<OtpContent> = {}): OtpContent {
  return { code: CODE, locale: 'en', defaultLocale: 'en', brand: 'Acme', ttlSeconds: 600, ...overrides };
}

function message(overrides: Partial<OutboundSms> = {}): OutboundSms {
  return {
    messageId: 'msg-1',
    attemptId: '0b7c2a9e-4d1f-4c3b-9a8e-1f2d3c4b5a69',
    to: '+4915112345678',
    from: 'ACME',
    text: `Your Acme code is ${CODE}`,
    email: 'jane@example.com',
    otp: otp(),
    ...overrides,
  };
}

/** A header value with RFC 2047 encoded words decoded (how a mail client shows a UTF-8 subject). */
function decodedHeader(raw: string, name: string): string | undefined {
  const value = headerValue(raw, name);
  return value
    ?.replace(/(\?=)\s+(?==\?)/g, '$1')
    .replace(/=\?utf-8\?([QB])\?([^?]*)\?=/gi, (_, encoding: string, text: string) =>
      encoding.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_hex, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1').toString('utf8'),
    );
}

/** The text and HTML parts of a received mail, line breaks as written before transport. */
function bodies(mail: ReceivedMail | undefined): { text: string; html: string } {
  const parts = mimeParts(mail?.raw ?? '');
  // The line break before a part's boundary belongs to the boundary (RFC 2046 §5.1.1), not the part.
  const body = (type: string) => (parts.find((part) => part.contentType === type)?.body ?? '').replace(/\r\n/g, '\n').replace(/\n$/, '');
  return { text: body('text/plain'), html: body('text/html') };
}

describe('EmailChannelProvider', () => {
  describe('a verification code', () => {
    it("is mailed to the message's address in the built-in e-mail of its locale", async () => {
      const server = await smtpServer();

      await channel(server.port).submit(message({ email: 'max@example.de', otp: otp({ locale: 'de-AT' }) }));

      expect(server.received).toHaveLength(1);
      const [mail] = server.received;
      expect(mail?.rcptTo).toEqual(['max@example.de']);
      expect(decodedHeader(mail?.raw ?? '', 'Subject')).toBe('Ihr Acme Bestätigungscode');
      const { text, html } = bodies(mail);
      expect(text).toContain(`Ihr Acme Bestätigungscode lautet ${CODE}.`);
      expect(text).toContain('Er läuft in 10 Minuten ab.');
      expect(html).toContain('<html lang="de">');
      expect(html).toContain(`>${CODE}</p>`);
    });

    it("falls back to the app's default locale when the built-in e-mails lack the caller's", async () => {
      const server = await smtpServer();

      await channel(server.port).submit(message({ otp: otp({ locale: 'it-IT', defaultLocale: 'fr' }) }));

      expect(bodies(server.received[0]).text).toContain(`Votre code de vérification Acme est ${CODE}.`);
    });

    it("is mailed in the app's own template when the message carries one", async () => {
      const server = await smtpServer();
      const appTemplates: EmailTemplateSet = {
        de: { subject: 'Anmeldung bei {brand}', text: 'Code {code}, {minutes} Minuten gueltig.', html: '<p>{brand}: <b>{code}</b></p>' },
        en: { subject: 'Sign in to {brand}', text: 'Code {code}, valid for {minutes} minutes.', html: '<p>{brand}: <b>{code}</b></p>' },
      };
      // What the message store keeps: the one template for the verification's locale.
      const emailTemplates = emailTemplateFor(appTemplates, 'de-AT', 'en');

      await channel(server.port).submit(message({ otp: otp({ locale: 'de-AT', brand: 'R&D <Team>', ttlSeconds: 90, emailTemplates }) }));

      const [mail] = server.received;
      expect(decodedHeader(mail?.raw ?? '', 'Subject')).toBe('Anmeldung bei R&D <Team>');
      const { text, html } = bodies(mail);
      expect(text).toContain(`Code ${CODE}, 2 Minuten gueltig.`);
      // The brand is the caller's text: escaped in the HTML part, never markup.
      expect(html).toContain(`<p>R&amp;D &lt;Team&gt;: <b>${CODE}</b></p>`);
      // The app's set replaces the built-in e-mails as a whole.
      expect(mail?.raw).not.toContain('lautet');
    });

    it('is accepted as final, in one part, under the id the server gave it', async () => {
      const server = await smtpServer({ queueReply: 'Ok: queued as 4FbXkB2YTj' });

      const accepted = await channel(server.port).submit(message());

      expect(accepted).toEqual({ providerMessageId: '4FbXkB2YTj', parts: 1, final: true });
    });
  });

  describe('a plain text', () => {
    it("is mailed from the configured sender with the sender id in the subject, its body escaped in the HTML part", async () => {
      const server = await smtpServer();

      const accepted = await channel(server.port).submit(message({ otp: undefined, from: 'ACME', text: 'Order <#42> & co\nshipped "today"' }));

      expect(accepted).toMatchObject({ parts: 1, final: true });
      const [mail] = server.received;
      expect(mail?.mailFrom).toBe('verify@acme.example');
      expect(mail?.rcptTo).toEqual(['jane@example.com']);
      expect(decodedHeader(mail?.raw ?? '', 'Subject')).toBe('Message from ACME');
      const { text, html } = bodies(mail);
      expect(text).toBe('Order <#42> & co\nshipped "today"\n');
      expect(html).toBe('<p>Order &lt;#42&gt; &amp; co<br>shipped &quot;today&quot;</p>\n');
    });
  });

  describe('a message without an e-mail address', () => {
    it.each([
      { case: 'no address', email: undefined },
      { case: 'an empty address', email: '' },
    ])('with $case fails permanently without connecting to the server', async ({ email }) => {
      let connections = 0;
      const server = await smtpServer({
        onConnect(_session, callback) {
          connections++;
          callback();
        },
      });
      const provider = channel(server.port);

      const error = await rejection(provider.submit(message({ email })));

      expect(error).toMatchObject({ retryable: false, outcomeUnknown: false });
      expect(connections).toBe(0);
      expect(server.received).toHaveLength(0);
    });
  });

  describe('status', () => {
    it('shows the last SMTP failure until the next e-mail is accepted', async () => {
      const server = await smtpServer({
        onRcptTo(address, _session, callback) {
          if (address.address === 'gone@example.com') callback(smtpReply(550, '5.1.1 Recipient address rejected: mailbox unavailable'));
          else callback();
        },
      });
      const provider = channel(server.port);
      expect(provider.status()).toEqual({ connection: 'ready', binds: [], lastError: '' });

      const error = await rejection(provider.submit(message({ email: 'gone@example.com' })));

      expect(error).toMatchObject({ retryable: false, providerCode: '550' });
      expect(provider.status().lastError).toBe(error.message);
      expect(provider.status().lastError).not.toBe('');

      await provider.submit(message({ email: 'jane@example.com' }));

      expect(provider.status().lastError).toBe('');
      expect(server.received.map((mail) => mail.rcptTo)).toEqual([['jane@example.com']]);
    });

    it('never shows the code', async () => {
      const server = await smtpServer({
        onData(stream, _session, callback) {
          stream.resume();
          stream.on('end', () => {
            callback(smtpReply(554, '5.7.1 Message rejected as spam'));
          });
        },
      });
      const provider = channel(server.port);

      await rejection(provider.submit(message()));

      expect(provider.status().lastError).toContain('554');
      expect(provider.status().lastError).not.toContain(CODE);
    });

    it("leaves one message's malformed address out of the provider's health", async () => {
      const server = await smtpServer();
      const provider = channel(server.port);

      const error = await rejection(provider.submit(message({ email: 'not an address' })));

      expect(error).toBeInstanceOf(InvalidEmailAddressError);
      expect(provider.status().lastError).toBe('');
      expect(server.received).toEqual([]);
    });
  });

  it('refuses e-mails once stopped, as not connected', async () => {
    const server = await smtpServer();
    const provider = channel(server.port);
    await provider.stop();

    const error = await rejection(provider.submit(message()));

    expect(error).toMatchObject({ notConnected: true });
    expect(server.received).toHaveLength(0);
  });
});
