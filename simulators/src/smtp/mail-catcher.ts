/**
 * A local SMTP server that keeps what it is sent, so e-mail steps can be tried without a mail
 * provider: the demo's `email` provider points at it. Mail is read back over HTTP:
 *
 * GET /mails[?to=] (oldest first) · GET /mails/latest[?to=] · DELETE /mails
 *
 * In memory only, and bounded: the oldest mail goes once `maxMails` are kept.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { type Logger, silentLogger } from '../shared/logger.js';

/** One mail as received. */
export interface CaughtMail {
  readonly receivedAt: string;
  readonly from: string;
  readonly to: readonly string[];
  /** The Subject header, RFC 2047 encoded words decoded. */
  readonly subject: string;
  /** The message as transmitted (headers and MIME body). */
  readonly raw: string;
}

export interface MailCatcherOptions {
  /** 0 picks a free port. Default 2525. */
  readonly smtpPort?: number | undefined;
  /** 0 picks a free port. Default 8027. */
  readonly httpPort?: number | undefined;
  /** Default 127.0.0.1: it accepts mail from anyone who can reach it. */
  readonly host?: string | undefined;
  /** Default 500. */
  readonly maxMails?: number | undefined;
  /** Largest message taken, in bytes. Default 1 MiB. */
  readonly maxMessageBytes?: number | undefined;
  readonly logger?: Logger | undefined;
}

/** Keeps mail sent to it over SMTP and shows it over HTTP. */
export class MailCatcher {
  readonly #options: MailCatcherOptions;
  readonly #log: Logger;
  readonly #mails: CaughtMail[] = [];
  readonly #smtp: SMTPServer;
  readonly #http: Server;

  constructor(options: MailCatcherOptions = {}) {
    this.#options = options;
    this.#log = options.logger ?? silentLogger;
    const maxBytes = options.maxMessageBytes ?? 1024 * 1024;
    this.#smtp = new SMTPServer({
      // Plain SMTP on loopback: a catcher has no certificate to offer.
      disabledCommands: ['STARTTLS'],
      authOptional: true,
      logger: false,
      size: maxBytes,
      // The library waits 30 s for open connections on close; a demo stops on Ctrl-C at once.
      closeTimeout: 500,
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          if (stream.sizeExceeded) {
            callback(Object.assign(new Error(`message exceeds ${maxBytes} bytes`), { responseCode: 552 }));
            return;
          }
          const raw = Buffer.concat(chunks).toString('utf8');
          const envelope = session.envelope;
          this.#keep({
            receivedAt: new Date().toISOString(),
            from: envelope.mailFrom === false ? '' : envelope.mailFrom.address,
            to: envelope.rcptTo.map((rcpt) => rcpt.address),
            subject: subjectOf(raw),
            raw,
          });
          callback(null, 'kept');
        });
      },
    });
    this.#smtp.on('error', (error) => {
      this.#log.warn({ err: error }, 'mail catcher SMTP error');
    });
    this.#http = createServer((request, response) => {
      this.#serve(request, response);
    });
  }

  async start(): Promise<{ smtpPort: number; httpPort: number }> {
    const host = this.#options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      this.#smtp.server.once('error', reject);
      this.#smtp.listen(this.#options.smtpPort ?? 2525, host, () => {
        this.#smtp.server.off('error', reject);
        resolve();
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.#http.once('error', reject);
      this.#http.listen(this.#options.httpPort ?? 8027, host, () => {
        this.#http.off('error', reject);
        resolve();
      });
    });
    const ports = { smtpPort: (this.#smtp.server.address() as AddressInfo).port, httpPort: (this.#http.address() as AddressInfo).port };
    this.#log.info(ports, 'mail catcher listening');
    return ports;
  }

  /** Mail kept so far, oldest first; with `to`, only mail with that recipient. */
  mails(filter: { to?: string | undefined } = {}): CaughtMail[] {
    const to = filter.to?.toLowerCase();
    return to === undefined ? [...this.#mails] : this.#mails.filter((mail) => mail.to.some((address) => address.toLowerCase() === to));
  }

  clear(): void {
    this.#mails.length = 0;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#smtp.close(() => {
        resolve();
      });
    });
    this.#http.closeAllConnections();
    await new Promise<void>((resolve) => {
      this.#http.close(() => {
        resolve();
      });
    });
  }

  #keep(mail: CaughtMail): void {
    this.#mails.push(mail);
    if (this.#mails.length > (this.#options.maxMails ?? 500)) this.#mails.shift();
    // Not the subject: a template may put the code there, and codes never go to logs.
    this.#log.info({ recipients: mail.to.length }, 'mail caught');
  }

  #serve(request: IncomingMessage, response: ServerResponse): void {
    let url: URL;
    try {
      url = new URL(request.url ?? '/', 'http://catcher');
    } catch {
      // `//` and the like: no route, and no reason to take the demo down with it.
      response.writeHead(400, { 'content-type': 'application/json' }).end(`${JSON.stringify({ error: 'unparseable request target' })}\n`);
      return;
    }
    const path = url.pathname.replace(/\/+$/, '');
    const to = url.searchParams.get('to') ?? undefined;
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' }).end(`${JSON.stringify(body)}\n`);
    };
    const key = `${request.method ?? ''} ${path}`;
    if (key === 'GET /mails') {
      send(200, this.mails({ to }));
    } else if (key === 'GET /mails/latest') {
      const latest = this.mails({ to }).at(-1);
      if (latest === undefined) send(404, { error: to === undefined ? 'no mail yet' : `no mail to ${to} yet` });
      else send(200, latest);
    } else if (key === 'DELETE /mails') {
      this.clear();
      response.writeHead(204).end();
    } else {
      send(404, { error: `no route ${request.method ?? ''} ${path}; use GET /mails, GET /mails/latest or DELETE /mails` });
    }
  }
}

/** The Subject header of a raw message: unfolded, encoded words (RFC 2047, B and Q) decoded. */
export function subjectOf(raw: string): string {
  const headerEnd = raw.search(/\r?\n\r?\n/);
  const headers = (headerEnd < 0 ? raw : raw.slice(0, headerEnd)).replace(/\r?\n[ \t]+/g, ' ');
  const line = /^subject:[ \t]*(.*)$/im.exec(headers)?.[1] ?? '';
  // Whitespace between two encoded words is not part of the text (RFC 2047 §6.2).
  return line
    .replace(/(=\?[^?]+\?[BbQq]\?[^?]*\?=)\s+(?==\?)/g, '$1')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (word: string, charset: string, encoding: string, text: string) => {
      const bytes =
        encoding.toUpperCase() === 'B'
          ? Buffer.from(text, 'base64')
          : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1');
      try {
        return new TextDecoder(charset).decode(bytes);
      } catch {
        return word; // an unknown charset: show the word as sent
      }
    });
}
