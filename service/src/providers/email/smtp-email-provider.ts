/**
 * E-mail over SMTP with nodemailer. Failures become `ProviderError`s the dispatcher can act on:
 *
 * - the server answered with a reply code: 5xx is permanent, 4xx retryable, `providerCode` is
 *   the code (RFC 5321 §4.2.1: the first digit says whether repeating can succeed);
 * - no answer (refused, reset, timed out) before the message text was sent: retryable, the
 *   server cannot have it;
 * - no answer after the text was sent (the server took DATA with 354, then the connection died
 *   or the final reply never came): `outcomeUnknown`, because the server may have queued it
 *   (RFC 5321 §4.1.1.4 makes the reply after the final dot the only acceptance, and RFC 1047
 *   describes exactly this duplicate-message window). Resending could deliver the code twice.
 *
 * Which side of that line a failure is on is not in nodemailer's errors (a connection dropped
 * after RCPT and one dropped after the dot both read `ECONNECTION` / `CONN`), so the provider
 * watches the message stream itself: nodemailer pipes it into the socket only after the 354.
 */
import { createHash } from 'node:crypto';
import { PassThrough, pipeline, type Readable } from 'node:stream';
import { createTransport, type NodemailerError, type SendMailOptions, type SMTPSentMessageInfo, type SMTPTransportOptions, type Transporter } from 'nodemailer';
import { ProviderError } from '../../shared/errors.js';
import { emailAddressProblem, emailDomain, maskEmailAddress } from '../../shared/email-address.js';
import { InvalidEmailAddressError, type EmailAccepted, type EmailProvider, type OutboundEmail } from './email-provider.js';
import type { SmtpSettings } from './smtp-settings.js';
import { silentLogger, type Logger } from '../../shared/logger.js';

/** What an `SmtpEmailProvider` is built from. */
export interface SmtpEmailProviderOptions {
  /** Unique provider name (the `Provider` row's name). */
  readonly name: string;
  /** Checked settings, from `parseSmtpSettings`. */
  readonly settings: SmtpSettings;
  readonly logger?: Logger | undefined;
}

// Failures with no SMTP reply that no retry can cure: refused credentials, a message the library
// itself will not send, a server lacking a required extension.
const PERMANENT_LOCAL_CODES: ReadonlySet<string> = new Set([
  'EAUTH',
  'ENOAUTH',
  'EOAUTH2',
  'EENVELOPE',
  'EMESSAGE',
  'EMAXRECIPIENTS',
  'ECONFIG',
  'EREQUIRETLS',
  'EFILEACCESS',
  'EURLACCESS',
  'EOTP',
]);

/** Property of the mail data carrying the send's data-phase flag to the stream plugin. */
const DATA_PHASE = 'switchboardDataPhase';

/** Set once nodemailer starts writing the message text, i.e. after the server's 354. */
interface DataPhase {
  started: boolean;
}


/** An `EmailProvider` sending through one SMTP server (relay, submission or smarthost). */
export class SmtpEmailProvider implements EmailProvider {
  readonly name: string;
  readonly #settings: SmtpSettings;
  readonly #log: Logger;
  readonly #mailer: Transporter<SMTPSentMessageInfo>;
  #stopped = false;

  constructor(options: SmtpEmailProviderOptions) {
    this.name = options.name;
    this.#settings = options.settings;
    this.#log = options.logger ?? silentLogger;
    const s = options.settings;
    const common: SMTPTransportOptions = {
      host: s.host,
      port: s.port,
      secure: s.secure,
      requireTLS: s.requireTLS,
      ignoreTLS: s.ignoreTLS,
      name: s.clientName,
      auth: s.user === undefined ? undefined : { user: s.user, pass: s.password ?? '' },
      // With credentials configured, log in even if AUTH is not advertised: sending without
      // them would only fail later, and less clearly (530 at MAIL FROM).
      forceAuth: s.user !== undefined,
      connectionTimeout: s.connectionTimeoutMs,
      greetingTimeout: s.greetingTimeoutMs,
      socketTimeout: s.socketTimeoutMs,
      socketCloseTimeout: 1000,
      logger: false,
      debug: false,
      disableFileAccess: true,
      disableUrlAccess: true,
    };
    this.#mailer = s.pool
      ? // maxRequeues 0: the pool puts a message back in its queue when its connection closes
        // while sending, whatever stage it had reached (the final dot included); whether to
        // resend is the dispatcher's decision, not the pool's.
        createTransport({ ...common, pool: true, maxConnections: s.maxConnections, maxRequeues: 0 })
      : createTransport(common);
    this.#mailer.use('stream', (mail, done) => {
      const phase = (mail.data as unknown as Record<string, unknown>)[DATA_PHASE];
      if (isDataPhase(phase)) mail.message.processFunc((input) => watchDataPhase(input, phase));
      done();
    });
  }

  /** Connects, upgrades TLS as configured and logs in, then quits: proves the settings work. */
  async start(): Promise<void> {
    if (this.#stopped) throw new ProviderError(`${this.name}: provider was stopped`, { retryable: false });
    try {
      await this.#mailer.verify();
    } catch (error) {
      throw this.#failure(error, false);
    }
    this.#log.info({ provider: this.name, host: this.#settings.host, port: this.#settings.port }, 'SMTP server reachable');
  }

  async send(email: OutboundEmail): Promise<EmailAccepted> {
    if (this.#stopped) throw new ProviderError(`${this.name}: provider was stopped`, { retryable: true, notConnected: true });
    const to = email.to.trim();
    const toProblem = emailAddressProblem(to);
    if (toProblem !== undefined) throw new InvalidEmailAddressError('to', toProblem);
    const from = email.from === undefined || email.from.trim() === '' ? this.#settings.from : email.from.trim();
    const fromProblem = emailAddressProblem(from);
    if (fromProblem !== undefined) throw new InvalidEmailAddressError('from', fromProblem);

    const phase: DataPhase = { started: false };
    const messageId = messageIdFor(email.attemptId, this.#settings.messageIdDomain ?? emailDomain(from));
    const mail: SendMailOptions & Record<typeof DATA_PHASE, DataPhase> = {
      from: { name: this.#settings.fromName ?? '', address: from },
      to: { name: '', address: to },
      // Explicit, so nothing in the headers can add a recipient.
      envelope: { from, to: [to] },
      subject: email.subject.replace(/[\r\n]+/g, ' '),
      text: email.text,
      html: email.html,
      messageId,
      headers: {
        // RFC 3834: no vacation or out-of-office replies to a machine-sent code.
        'Auto-Submitted': 'auto-generated',
        'X-Auto-Response-Suppress': 'All',
      },
      xMailer: false,
      [DATA_PHASE]: phase,
    };
    let info: SMTPSentMessageInfo;
    try {
      info = await this.#mailer.sendMail(mail);
    } catch (error) {
      const failure = this.#failure(error, phase.started);
      this.#log.warn(
        { provider: this.name, messageId: email.messageId, attemptId: email.attemptId, to: maskEmailAddress(to), providerCode: failure.providerCode, retryable: failure.retryable, outcomeUnknown: failure.outcomeUnknown },
        failure.message,
      );
      throw failure;
    }
    const providerMessageId = queueIdFromResponse(info.response) ?? info.serverMessageId ?? info.messageId;
    this.#log.info({ provider: this.name, messageId: email.messageId, attemptId: email.attemptId, to: maskEmailAddress(to), providerMessageId }, 'e-mail accepted');
    return { providerMessageId };
  }

  /** Closes idle pooled connections; sends under way finish, later ones reject. */
  stop(): Promise<void> {
    this.#stopped = true;
    this.#mailer.close();
    return Promise.resolve();
  }

  #failure(error: unknown, dataStarted: boolean): ProviderError {
    if (error instanceof ProviderError) return error;
    const failure = (typeof error === 'object' && error !== null ? error : {}) as Partial<NodemailerError>;
    const code = typeof failure.code === 'string' ? failure.code : 'UNKNOWN';
    const detail = maskAddresses(error instanceof Error ? error.message : String(error));
    const reply = typeof failure.responseCode === 'number' && failure.responseCode >= 400 && failure.responseCode < 600 ? failure.responseCode : undefined;
    const server = `${this.#settings.host}:${this.#settings.port}`;
    if (reply !== undefined) {
      // The server said no, whichever step it said it at, so the outcome is known.
      const step = typeof failure.command === 'string' && failure.command !== 'CONN' ? `${failure.command} ` : '';
      return new ProviderError(`${this.name}: ${server} refused ${step}with ${reply}: ${detail}`, { retryable: reply < 500, providerCode: String(reply), cause: error });
    }
    if (PERMANENT_LOCAL_CODES.has(code)) {
      return new ProviderError(`${this.name}: ${detail}`, { retryable: false, providerCode: code, cause: error });
    }
    const providerCode = typeof failure.originalCode === 'string' ? failure.originalCode : code;
    if (dataStarted) {
      return new ProviderError(`${this.name}: ${server} did not confirm the message after it was sent (${detail}); outcome unknown, not resending`, {
        retryable: false,
        outcomeUnknown: true,
        providerCode,
        cause: error,
      });
    }
    return new ProviderError(`${this.name}: cannot send through ${server}: ${detail}`, { retryable: true, providerCode, cause: error });
  }
}

function isDataPhase(value: unknown): value is DataPhase {
  return typeof value === 'object' && value !== null && 'started' in value;
}

/**
 * Passes the message through unchanged and flags the moment it starts flowing: nodemailer pipes
 * the message into the connection only once the server answered DATA with 354, and until then
 * nothing reads this stream (its buffer just fills), so `resume` marks the start of the text.
 */
function watchDataPhase(input: Readable, phase: DataPhase): Readable {
  const tap = new PassThrough();
  tap.once('resume', () => {
    phase.started = true;
  });
  return pipeline(input, tap, () => {
    // Errors reach the connection through `tap`; nothing to add here.
  });
}

/**
 * The Message-ID for an attempt, `<attemptId@domain>`: the same attempt always gets the same id,
 * so a receiving side (or a human) can tell a repeat from a new message. An attempt id that is
 * not a dot-atom (RFC 5322 §3.6.4) is replaced by its SHA-256, still stable.
 */
export function messageIdFor(attemptId: string, domain: string): string {
  const left = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(attemptId) && attemptId.length <= 128 ? attemptId : createHash('sha256').update(attemptId).digest('hex').slice(0, 40);
  return `<${left}@${domain}>`;
}

// Queue ids in the final 250 of common MTAs: Postfix "queued as 4FbX...", Exim "id=1qZ3Xm-...",
// Sendmail "250 2.0.0 3AB4cD5e012345 Message accepted for delivery", Gmail "... 5b1f... - gsmtp".
const QUEUE_ID_PATTERNS: readonly RegExp[] = [
  /\bqueued as ([A-Za-z0-9][A-Za-z0-9._-]{0,127})/i,
  /\bid=([A-Za-z0-9][A-Za-z0-9._-]{0,127})/i,
  /^250[ -](?:[245]\.\d{1,3}\.\d{1,3} )?([A-Za-z0-9]{6,64}) Message accepted for delivery/i,
  /\s([A-Za-z0-9][A-Za-z0-9._-]{5,127}) - gsmtp\s*$/,
];

/** The server's queue id from its final reply, when the reply names one in a known form. */
export function queueIdFromResponse(response: string | undefined): string | undefined {
  if (response === undefined) return undefined;
  for (const pattern of QUEUE_ID_PATTERNS) {
    const id = pattern.exec(response)?.[1];
    if (id !== undefined) return id;
  }
  return undefined;
}

/** Server replies quote recipients ("550 <jane@example.com>: unknown"); logs keep them masked. */
function maskAddresses(text: string): string {
  return text.replace(/[^\s<>"'(),;:]+@[^\s<>"'(),;:]+/g, (address) => maskEmailAddress(address));
}
