/**
 * SMTP servers for the provider's specs, all on 127.0.0.1 with a port the OS picks: a real one
 * (smtp-server) for conversations that go by the book, and a scripted raw one for the failures a
 * real server library will not produce on demand (silence or a dropped connection at a chosen
 * step). Plus a small MIME reader, enough to find the text and HTML parts of what arrived.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import type { SmtpSettings } from './smtp-settings.js';

/** A message as the server received it. */
export interface ReceivedMail {
  readonly mailFrom: string;
  readonly rcptTo: readonly string[];
  readonly raw: string;
  readonly user: unknown;
}

/** A listening smtp-server and what it received. */
export interface RunningSmtpServer {
  readonly port: number;
  readonly received: ReceivedMail[];
  close(): Promise<void>;
}

/**
 * A real SMTP server (smtp-server) on loopback without STARTTLS. `options` may override the
 * handlers; `onData` by default stores the message and answers `queueReply` (or the library's
 * default text when it is undefined).
 */
export async function startSmtpServer(options: SMTPServerOptions & { queueReply?: string | undefined } = {}): Promise<RunningSmtpServer> {
  const received: ReceivedMail[] = [];
  const { queueReply, ...serverOptions } = options;
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const envelope = session.envelope;
        received.push({
          mailFrom: envelope.mailFrom === false ? '' : envelope.mailFrom.address,
          rcptTo: envelope.rcptTo.map((rcpt) => rcpt.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          user: session.user,
        });
        callback(null, queueReply);
      });
    },
    ...serverOptions,
  });
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve();
    });
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  };
}

/** An error an smtp-server handler answers with: the client gets `responseCode` and the text. */
export function smtpReply(responseCode: number, message: string): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode });
}

/** Where the scripted server misbehaves. */
export type RawServerScript =
  /** Takes the message text, then drops the connection without the final reply. */
  | 'close-after-data'
  /** Takes the message text, then never answers (the client's socket timeout must end it). */
  | 'silent-after-data'
  /** Drops the connection when the recipient is named, before DATA. */
  | 'close-at-rcpt';

/** A listening scripted server. */
export interface RunningRawServer {
  readonly port: number;
  /** How many messages were transmitted up to the final dot. */
  readonly messagesReceived: () => number;
  close(): Promise<void>;
}

/** A minimal hand-driven SMTP server (RFC 5321 happy path) that fails as `script` says. */
export async function startRawSmtpServer(script: RawServerScript): Promise<RunningRawServer> {
  const sockets = new Set<Socket>();
  let messages = 0;
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {
      // The client going away is part of these scripts.
    });
    let buffer = '';
    let inData = false;
    const reply = (line: string) => socket.write(`${line}\r\n`);
    reply('220 raw.test ESMTP scripted');
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      for (;;) {
        if (inData) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end < 0) return;
          buffer = buffer.slice(end + 5);
          inData = false;
          messages++;
          if (script === 'close-after-data') socket.destroy();
          // 'silent-after-data': say nothing and wait.
          if (script !== 'silent-after-data' && script !== 'close-after-data') reply('250 2.0.0 Ok: queued as RAW1');
          continue;
        }
        const newline = buffer.indexOf('\r\n');
        if (newline < 0) return;
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 2);
        const verb = line.split(' ')[0]?.toUpperCase() ?? '';
        if (verb === 'EHLO' || verb === 'HELO') reply('250 raw.test');
        else if (verb === 'MAIL' || verb === 'RSET' || verb === 'NOOP') reply('250 2.0.0 Ok');
        else if (verb === 'RCPT') {
          if (script === 'close-at-rcpt') {
            socket.destroy();
            return;
          }
          reply('250 2.1.5 Ok');
        } else if (verb === 'DATA') {
          inData = true;
          reply('354 End data with <CR><LF>.<CR><LF>');
        } else if (verb === 'QUIT') {
          reply('221 2.0.0 Bye');
          socket.end();
        } else reply('502 5.5.2 Command not implemented');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    messagesReceived: () => messages,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => {
          resolve();
        });
      }),
  };
}

/** A loopback port nobody listens on: bound, read, released. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => { resolve(); }));
  return port;
}

/** The unfolded value of the first header `name` of a message or part (RFC 5322 §2.2.3). */
export function headerValue(raw: string, name: string): string | undefined {
  const head = raw.split(/\r?\n\r?\n/)[0] ?? '';
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  const line = unfolded.split(/\r?\n/).find((candidate) => candidate.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line?.slice(name.length + 1).trim();
}

/** One leaf of a MIME message: its media type and decoded body. */
export interface MimePart {
  readonly contentType: string;
  readonly body: string;
}

/** The leaf parts of a message, bodies decoded from quoted-printable or base64. */
export function mimeParts(raw: string): MimePart[] {
  const contentType = headerValue(raw, 'Content-Type') ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (boundary === undefined) {
    const separator = /\r?\n\r?\n/.exec(raw);
    const body = separator === null ? '' : raw.slice(separator.index + separator[0].length);
    return [{ contentType: contentType.split(';')[0]?.trim().toLowerCase() ?? '', body: decodeBody(body, headerValue(raw, 'Content-Transfer-Encoding')) }];
  }
  const sections = raw.split(`--${boundary}`).slice(1);
  return sections.filter((section) => !section.startsWith('--')).flatMap((section) => mimeParts(section.replace(/^\r?\n/, '')));
}

function decodeBody(body: string, encoding: string | undefined): string {
  switch (encoding?.toLowerCase()) {
    case 'quoted-printable':
      return Buffer.from(
        body.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
        'latin1',
      ).toString('utf8');
    case 'base64':
      return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    default:
      return body;
  }
}

/** Settings for a provider talking to one of these servers: plain SMTP, short timeouts. */
export function loopbackSmtpSettings(port: number, overrides: Partial<SmtpSettings> = {}): SmtpSettings {
  return {
    host: '127.0.0.1',
    port,
    secure: false,
    requireTLS: false,
    ignoreTLS: true,
    from: 'verify@acme.example',
    fromName: 'Acme',
    connectionTimeoutMs: 2000,
    greetingTimeoutMs: 2000,
    socketTimeoutMs: 2000,
    pool: false,
    maxConnections: 2,
    ...overrides,
  };
}
