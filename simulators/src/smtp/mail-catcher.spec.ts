import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { createTransport } from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import { MailCatcher, subjectOf, type CaughtMail } from './mail-catcher.js';

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function startCatcher(maxMails?: number): Promise<{ catcher: MailCatcher; smtpPort: number; base: string }> {
  const catcher = new MailCatcher({ smtpPort: 0, httpPort: 0, maxMails });
  const { smtpPort, httpPort } = await catcher.start();
  cleanups.push(() => catcher.stop());
  return { catcher, smtpPort, base: `http://127.0.0.1:${httpPort}` };
}

/**
 * Mail as a common SMTP client (nodemailer) writes it: multipart, RFC 2047 subjects, plain SMTP
 * on loopback. That the catcher keeps what Switchboard's own e-mail provider sends is the
 * service's spec (smtp-email-provider.mail-catcher.spec.ts).
 */
async function send(port: number, to: string, subject: string, text = 'Code 123456'): Promise<void> {
  const transport = createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
  try {
    await transport.sendMail({ from: { name: 'Shop', address: 'verify@shop.example' }, to, subject, text, html: `<p>${text}</p>` });
  } finally {
    transport.close();
  }
}

describe('MailCatcher', () => {
  it('keeps mail sent over SMTP and shows it over HTTP, filtered by recipient', async () => {
    const { smtpPort, base } = await startCatcher();
    await send(smtpPort, 'jane@example.com', 'Ihr Bestätigungscode für Shop');
    await send(smtpPort, 'max@example.org', 'Second');

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

  it('answers 404 naming what is missing, and forgets everything on DELETE', async () => {
    const { smtpPort, base } = await startCatcher();
    const none = await fetch(`${base}/mails/latest?to=nobody@example.com`);
    expect(none.status).toBe(404);
    expect(await none.json()).toEqual({ error: 'no mail to nobody@example.com yet' });
    await send(smtpPort, 'jane@example.com', 'One');
    expect((await fetch(`${base}/mails`, { method: 'DELETE' })).status).toBe(204);
    expect(await (await fetch(`${base}/mails`)).json()).toEqual([]);
    const unknown = await fetch(`${base}/inbox`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: string }).error).toContain('use GET /mails');
  });

  it('answers a request target it cannot parse with 400 and keeps serving', async () => {
    const { base } = await startCatcher();
    const { port } = new URL(base);
    const status = await new Promise<number | undefined>((resolve, reject) => {
      // fetch would normalise the path; a raw request sends it as written.
      httpRequest({ host: '127.0.0.1', port, path: '//', method: 'GET' }, (response) => {
        response.resume();
        resolve(response.statusCode);
      }).on('error', reject).end();
    });
    expect(status).toBe(400);
    expect((await fetch(`${base}/mails`)).status).toBe(200);
  });

  it('stops promptly while an SMTP client is still connected', async () => {
    const { catcher, smtpPort } = await startCatcher();
    const client = connect(smtpPort, '127.0.0.1');
    await new Promise((resolve) => client.once('data', resolve)); // the greeting: connected
    const stopped = catcher.stop();
    const closed = new Promise((resolve) => client.once('close', resolve));
    await Promise.all([stopped, closed]);
    client.destroy();
  });

  it('keeps at most maxMails, dropping the oldest', async () => {
    const { catcher, smtpPort } = await startCatcher(2);
    for (const subject of ['one', 'two', 'three']) await send(smtpPort, 'jane@example.com', subject);
    expect(catcher.mails().map((mail) => mail.subject)).toEqual(['two', 'three']);
  });
});

describe('subjectOf', () => {
  it('reads a plain subject, case-insensitively, up to the end of the headers', () => {
    expect(subjectOf('From: a@b.c\r\nsubject: Hello there\r\n\r\nSubject: not a header')).toBe('Hello there');
  });

  it('unfolds a folded subject', () => {
    expect(subjectOf('Subject: Your code\r\n is here\r\nTo: x@y.z\r\n\r\nbody')).toBe('Your code is here');
  });

  it('decodes B and Q encoded words, joining adjacent ones', () => {
    const b = Buffer.from('Ihr Bestätigungscode', 'utf8').toString('base64');
    expect(subjectOf(`Subject: =?UTF-8?B?${b}?=\r\n\r\n`)).toBe('Ihr Bestätigungscode');
    expect(subjectOf('Subject: =?UTF-8?Q?Votre_code_de_v=C3=A9rification?=\r\n =?UTF-8?Q?_Shop?=\r\n\r\n')).toBe('Votre code de vérification Shop');
    expect(subjectOf('Subject: =?ISO-8859-1?Q?C=F3digo?= listo\r\n\r\n')).toBe('Código listo');
  });

  it('leaves a word in an unknown charset as sent, and gives "" without a subject', () => {
    expect(subjectOf('Subject: =?x-unknown?Q?abc?=\r\n\r\n')).toBe('=?x-unknown?Q?abc?=');
    expect(subjectOf('From: a@b.c\r\n\r\nbody')).toBe('');
  });
});
