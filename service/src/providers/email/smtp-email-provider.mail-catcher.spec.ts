import { afterEach, describe, expect, it } from 'vitest';
import { MailCatcher, type CaughtMail } from '@switchboard/simulators/smtp';
import { SmtpEmailProvider } from './smtp-email-provider.js';
import { loopbackSmtpSettings } from './smtp-fixtures.js';

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

// The demo's `email` provider sends to the mail catcher: it must keep what this provider really sends.
describe('SmtpEmailProvider against the mail catcher', () => {
  it('delivers mail the catcher keeps and shows over HTTP, its encoded subject decoded, filtered by recipient', async () => {
    const catcher = new MailCatcher({ smtpPort: 0, httpPort: 0 });
    const { smtpPort, httpPort } = await catcher.start();
    cleanups.push(() => catcher.stop());
    const provider = new SmtpEmailProvider({ name: 'mail', settings: loopbackSmtpSettings(smtpPort, { from: 'verify@shop.example', fromName: 'Shop', maxConnections: 1 }) });
    cleanups.push(() => provider.stop());
    const base = `http://127.0.0.1:${httpPort}`;

    await provider.send({ messageId: 'm', attemptId: 'a-1', to: 'jane@example.com', subject: 'Ihr Bestätigungscode für Shop', text: 'Code 123456', html: '<p>Code 123456</p>' });
    await provider.send({ messageId: 'm', attemptId: 'a-2', to: 'max@example.org', subject: 'Second', text: 'Code 123456', html: '<p>Code 123456</p>' });

    const all = (await (await fetch(`${base}/mails`)).json()) as CaughtMail[];
    expect(all.map((mail) => [mail.from, mail.to, mail.subject])).toEqual([
      ['verify@shop.example', ['jane@example.com'], 'Ihr Bestätigungscode für Shop'],
      ['verify@shop.example', ['max@example.org'], 'Second'],
    ]);
    const janes = (await (await fetch(`${base}/mails?to=JANE@example.com`)).json()) as CaughtMail[];
    expect(janes).toHaveLength(1);
    expect(janes[0]?.raw).toContain('Code 123456');
    const latest = (await (await fetch(`${base}/mails/latest?to=max@example.org`)).json()) as CaughtMail;
    expect(latest.subject).toBe('Second');
  });
});
