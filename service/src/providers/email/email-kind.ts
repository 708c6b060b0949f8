/**
 * The `email` provider kind: an SMTP server (submission with STARTTLS, or SMTPS) that sends the
 * code by e-mail, the last fallback step for a user who cannot take SMS or a call. The reader is
 * `parseSmtpSettings`.
 */
import { configError, field, type FieldDescriptor, type ProviderKindDescriptor } from '../provider-kind.js';
import { EmailChannelProvider } from './email-channel.provider.js';
import { parseSmtpSettings } from './smtp-settings.js';
import { SmtpEmailProvider } from './smtp-email-provider.js';

const SERVER = 'Server';
const SECURITY = 'Security';
const SENDER = 'Sender';
const LOGIN = 'Login';
const TUNING = 'Connections';

export const EMAIL_FIELDS: readonly FieldDescriptor[] = [
  field('host', 'text', 'SMTP host', 'The SMTP server host name or IP address.', { group: SERVER, required: true }),
  field('port', 'integer', 'Port', '465 with implicit TLS, else 587 (submission).', { group: SERVER, min: 1, max: 65_535 }),
  field('secure', 'boolean', 'Implicit TLS', 'TLS from the first byte (SMTPS, usually port 465).', { group: SECURITY, defaultValue: 'false' }),
  field('requireTLS', 'boolean', 'Require STARTTLS', 'Refuse to send unless the server upgrades the connection with STARTTLS.', { group: SECURITY, defaultValue: 'false' }),
  field('ignoreTLS', 'boolean', 'Never use STARTTLS', 'Only for loopback test servers; refused with a password over a clear connection.', { group: SECURITY, defaultValue: 'false' }),
  field('from', 'email', 'From address', 'The sender address, e.g. verify@example.com.', { group: SENDER, required: true }),
  field('fromName', 'text', 'From name', 'Display name of the sender, e.g. the company name.', { group: SENDER }),
  field('messageIdDomain', 'text', 'Message-ID domain', 'Right-hand side of the Message-IDs; default: the domain of the From address.', { group: SENDER }),
  field('clientName', 'text', 'EHLO name', 'The host name sent with EHLO; default: this machine\'s.', { group: SENDER }),
  { ...field('user', 'text', 'User', 'The login, when the server wants one (a setting or a credential).', { group: LOGIN }), location: 'credentials' },
  { ...field('password', 'text', 'Password', 'Required with a user. Write-only.', { group: LOGIN }), location: 'credentials' },
  field('connectionTimeoutMs', 'integer', 'Connect timeout (ms)', 'TCP connect.', { group: TUNING, min: 100, max: 120_000, defaultValue: '10000' }),
  field('greetingTimeoutMs', 'integer', 'Greeting timeout (ms)', "From connect to the server's 220 greeting.", { group: TUNING, min: 100, max: 120_000, defaultValue: '10000' }),
  field('socketTimeoutMs', 'integer', 'Idle timeout (ms)', 'Longest silence on an open connection, the wait for the final 250 included.', { group: TUNING, min: 100, max: 120_000, defaultValue: '20000' }),
  field('pool', 'boolean', 'Keep connections open', 'Reuse connections between messages instead of one per message.', { group: TUNING, defaultValue: 'false' }),
  field('maxConnections', 'integer', 'Connections', 'Most open connections when keeping them open.', { group: TUNING, min: 1, max: 100, defaultValue: '5' }),
];

export const emailKind: ProviderKindDescriptor = {
  kind: 'email',
  title: 'E-mail (SMTP)',
  description: 'Sends the code by e-mail through an SMTP server: a fallback step for users with an address on file.',
  channels: ['email'],
  available: true,
  fields: EMAIL_FIELDS,
  openCredentials: false,
  validate(settings, credentials) {
    const parsed = parseSmtpSettings(settings, credentials);
    return parsed.ok ? [] : parsed.problems;
  },
  build(row, context) {
    const parsed = parseSmtpSettings(row.settings, row.credentials);
    if (!parsed.ok) throw configError(row.name, parsed.problems);
    return { provider: new EmailChannelProvider(new SmtpEmailProvider({ name: row.name, settings: parsed.settings, logger: context.logger })), endpoints: {} };
  },
};
