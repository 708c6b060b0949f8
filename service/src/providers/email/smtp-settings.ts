/**
 * The settings of an SMTP e-mail provider, read from a provider row: `settings` (plain values an
 * admin sees) and `credentials` (secrets, encrypted at rest). Values arrive as the admin typed
 * them, so numbers and booleans may be text. Every problem is listed at once, each with its field
 * (`settings.port`, `credentials.password`), and unknown setting names are problems too: a typo
 * such as `requireTls` would otherwise silently send codes without TLS.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import type { ValidationProblem } from '../../shared/validation-problem.js';
import { emailAddressProblem } from '../../shared/email-address.js';

/** Everything `SmtpEmailProvider` needs to reach one SMTP server. */
export interface SmtpSettings {
  readonly host: string;
  /** Default 465 with `secure`, else 587 (submission). */
  readonly port: number;
  /** Implicit TLS from the first byte (SMTPS, usually port 465). */
  readonly secure: boolean;
  /** Refuse to send unless the server upgrades with STARTTLS. */
  readonly requireTLS: boolean;
  /** Never use STARTTLS even when offered (loopback test servers only). */
  readonly ignoreTLS: boolean;
  /** Envelope and header sender: a bare address. */
  readonly from: string;
  /** Display name for the From header, e.g. the company name. */
  readonly fromName?: string | undefined;
  readonly user?: string | undefined;
  readonly password?: string | undefined;
  /** Name sent with EHLO; default: the library's (the host name). */
  readonly clientName?: string | undefined;
  /** Right-hand side of the Message-IDs we generate; default: the domain of `from`. */
  readonly messageIdDomain?: string | undefined;
  /** TCP connect, in ms. Default 10 000. */
  readonly connectionTimeoutMs: number;
  /** From connect to the server's 220 greeting, in ms. Default 10 000. */
  readonly greetingTimeoutMs: number;
  /** Longest silence on an open connection (including the wait for the final 250), in ms. Default 20 000. */
  readonly socketTimeoutMs: number;
  /** Keep connections open between messages. Default false: one connection per message. */
  readonly pool: boolean;
  /** Most open connections when pooling. Default 5. */
  readonly maxConnections: number;
}

/** Checked settings, or every problem found. */
export type SmtpSettingsResult = { readonly ok: true; readonly settings: SmtpSettings } | { readonly ok: false; readonly problems: ValidationProblem[] };

/** Setting names an SMTP provider reads; anything else in `settings` is a problem. */
export const SMTP_SETTING_NAMES = [
  'host',
  'port',
  'secure',
  'requireTLS',
  'ignoreTLS',
  'from',
  'fromName',
  'user',
  'clientName',
  'messageIdDomain',
  'connectionTimeoutMs',
  'greetingTimeoutMs',
  'socketTimeoutMs',
  'pool',
  'maxConnections',
] as const;

/** Credential names an SMTP provider reads (`user` may be a credential or a setting). */
export const SMTP_CREDENTIAL_NAMES = ['user', 'password'] as const;

const flag = z
  .union([z.boolean(), z.enum(['true', 'false'])], { error: 'must be true or false' })
  .transform((value) => value === true || value === 'true');

function wholeNumber(min: number, max: number) {
  return z
    .union([z.number(), z.string().trim().regex(/^\d+$/, `must be a whole number from ${min} to ${max}`).transform(Number)], {
      error: `must be a whole number from ${min} to ${max}`,
    })
    .pipe(z.number().int(`must be a whole number from ${min} to ${max}`).min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));
}

const text = (reason: string) => z.string({ error: reason }).trim().min(1, reason);
const timeout = wholeNumber(100, 120_000);
const hostName = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

const settingsSchema = z.strictObject({
  host: text('is required: the SMTP server host name or IP address').refine((host) => hostName.test(host) || isIP(host) !== 0, 'must be a host name or IP address'),
  port: wholeNumber(1, 65_535).optional(),
  secure: flag.default(false),
  requireTLS: flag.default(false),
  ignoreTLS: flag.default(false),
  from: text('is required: the sender address, e.g. verify@example.com').superRefine((address, ctx) => {
    const problem = emailAddressProblem(address);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  }),
  fromName: z.string().trim().max(100, 'must be at most 100 characters').regex(/^[^\u0000-\u001F\u007F]*$/, 'must be one line of text').optional(),
  user: z.string().trim().min(1).optional(),
  clientName: z.string().trim().regex(hostName, 'must be a host name').optional(),
  messageIdDomain: z.string().trim().regex(hostName, 'must be a domain name such as example.com').optional(),
  connectionTimeoutMs: timeout.default(10_000),
  greetingTimeoutMs: timeout.default(10_000),
  socketTimeoutMs: timeout.default(20_000),
  pool: flag.default(false),
  maxConnections: wholeNumber(1, 100).default(5),
});

/**
 * Reads and checks an SMTP provider's settings and credentials. `credentials` must be the
 * effective ones (stored merged with an update), so a kept password counts as present.
 */
export function parseSmtpSettings(settings: Readonly<Record<string, unknown>>, credentials: Readonly<Record<string, string>>): SmtpSettingsResult {
  const problems: ValidationProblem[] = [];
  const add = (field: string, reason: string) => problems.push({ field, reason });

  // Secrets never sit in plain settings: those are shown in the dashboard and logged on change.
  const { password: leakedPassword, ...plain } = settings;
  if (leakedPassword !== undefined) add('settings.password', 'is a secret; set it as a credential');
  const parsed = settingsSchema.safeParse(plain);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) add(`settings.${key}`, `is not an SMTP setting (known: ${SMTP_SETTING_NAMES.join(', ')})`);
      } else {
        add(`settings${issue.path.map((part) => `.${String(part)}`).join('')}`, issue.message);
      }
    }
  }
  for (const key of Object.keys(credentials)) {
    if (!(SMTP_CREDENTIAL_NAMES as readonly string[]).includes(key)) add(`credentials.${key}`, `is not an SMTP credential (known: ${SMTP_CREDENTIAL_NAMES.join(', ')})`);
  }

  const user = nonEmpty(credentials.user) ?? (parsed.success ? parsed.data.user : undefined);
  const password = nonEmpty(credentials.password);
  if (user !== undefined && credentials.user !== undefined && settings.user !== undefined) add('settings.user', 'is also a credential; set it in one place');
  if (user !== undefined && password === undefined) add('credentials.password', 'is required when a user is set');
  if (user === undefined && password !== undefined) add('credentials.user', 'is required when a password is set (or set settings.user)');

  if (parsed.success) {
    const data = parsed.data;
    if (data.requireTLS && data.ignoreTLS) add('settings.ignoreTLS', 'contradicts requireTLS; set one of them');
    if (data.secure && data.ignoreTLS) add('settings.ignoreTLS', 'has no meaning with secure (implicit TLS); remove it');
    // AUTH PLAIN/LOGIN over a clear connection hands the password to anyone on the path.
    if (password !== undefined && data.ignoreTLS && !data.secure && !isLoopback(data.host)) {
      add('settings.ignoreTLS', 'would send the password unencrypted; use secure or requireTLS (ignoreTLS is for loopback test servers)');
    }
  }
  if (!parsed.success || problems.length > 0) return { ok: false, problems };

  const data = parsed.data;
  return {
    ok: true,
    settings: {
      host: data.host,
      port: data.port ?? (data.secure ? 465 : 587),
      secure: data.secure,
      requireTLS: data.requireTLS,
      ignoreTLS: data.ignoreTLS,
      from: data.from,
      fromName: nonEmpty(data.fromName),
      user,
      password,
      clientName: data.clientName,
      messageIdDomain: data.messageIdDomain,
      connectionTimeoutMs: data.connectionTimeoutMs,
      greetingTimeoutMs: data.greetingTimeoutMs,
      socketTimeoutMs: data.socketTimeoutMs,
      pool: data.pool,
      maxConnections: data.maxConnections,
    },
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
