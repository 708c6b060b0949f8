/**
 * The `smpp` provider kind: a carrier's SMSC over SMPP 3.4, one or more binds. Fields follow
 * SMPP 3.4 §4.1 (bind) and §5.2 (parameters); the reader is `parseSmppSettings`.
 */
import { RECEIPT_ID_BASES } from '../channel-provider.js';
import { configError, field, ProviderConfigError, type FieldDescriptor, type ProviderKindDescriptor } from '../provider-kind.js';
import { TEXT_CODINGS } from '@switchboard/sms-encoding';
import { LONG_MESSAGE_MODES } from './smpp-segmentation.js';
import { parseSmppSettings } from './smpp-settings.js';
import {
  DEFAULT_MAX_DELIVERIES_IN_FLIGHT,
  DEFAULT_RECONNECT_MAX_MS,
  DEFAULT_RECONNECT_MIN_MS,
  DEFAULT_STABLE_BIND_MS,
  PART_RECEIPTS,
  SmppOptionsError,
} from './smpp-provider-options.js';
import { SmppProvider } from './smpp.provider.js';

const CONNECTION = 'Connection';
const TLS = 'TLS';
const BINDS = 'Binds';
const SENDING = 'Sending';
const RECEIPTS = 'Receipts';
const ADDRESSES = 'Sender TON/NPI';
const TIMING = 'Timing';

const tonNpi = (prefix: string, kind: string): FieldDescriptor[] => [
  field(`${prefix}Ton`, 'integer', `${kind} sender TON`, `Type of number for ${kind.toLowerCase()} senders, for carriers that want another than SMPP 3.4 §5.2.5 suggests.`, {
    group: ADDRESSES,
    min: 0,
    max: 6,
  }),
  field(`${prefix}Npi`, 'integer', `${kind} sender NPI`, `Numbering plan indicator for ${kind.toLowerCase()} senders (SMPP 3.4 §5.2.6).`, { group: ADDRESSES, min: 0, max: 18 }),
];

export const SMPP_FIELDS: readonly FieldDescriptor[] = [
  field('host', 'text', 'Host', 'The SMSC host name or IP address.', { group: CONNECTION, required: true }),
  field('port', 'integer', 'Port', 'The SMSC port (often 2775, or 3550 over TLS).', { group: CONNECTION, required: true, min: 1, max: 65_535 }),
  field('systemId', 'text', 'System id', 'The account the carrier gave you (SMPP 3.4 §4.1: at most 15 printable ASCII characters).', { group: CONNECTION, required: true }),
  { ...field('password', 'text', 'Password', 'The bind password (at most 8 printable ASCII characters). Write-only.', { group: CONNECTION, required: true }), location: 'credentials' },
  field('systemType', 'text', 'System type', 'Sent in the bind when the carrier asks for one (at most 12 characters).', { group: CONNECTION }),
  field('addressRange', 'text', 'Address range', 'Which numbers the SMSC routes to this bind for inbound messages (SMPP 3.4 §5.2.7).', { group: CONNECTION }),
  field('tls', 'boolean', 'TLS', 'Connect over TLS.', { group: TLS, defaultValue: 'false' }),
  field('tlsServername', 'text', 'TLS server name', 'The name the certificate must carry, when it differs from the host.', { group: TLS }),
  field('tlsCa', 'pem', 'TLS CA certificate', "The carrier's CA in PEM, when it is not one the system trusts.", { group: TLS }),
  field('tlsRejectUnauthorized', 'boolean', 'Verify the certificate', 'Leave on; turn off only against a test SMSC.', { group: TLS, defaultValue: 'true' }),
  field('bindMode', 'choice', 'Bind mode', 'Transceivers, or a transmitter and a receiver per bind, as the carrier allows.', { group: BINDS, choices: ['transceiver', 'pair'], defaultValue: 'transceiver' }),
  field('binds', 'integer', 'Binds', 'How many transceivers (or pairs) to open; the carrier caps this per account.', { group: BINDS, min: 1, max: 16, defaultValue: '1' }),
  field('windowSize', 'integer', 'Window', 'Submits awaiting their answer at once, per bind.', { group: BINDS, min: 1, max: 1000, defaultValue: '10' }),
  field('sourceAddr', 'text', 'Default sender', 'Sender when a message names none: alphanumeric id, short code or E.164 number.', { group: SENDING, defaultValue: 'Switchboard' }),
  field('textCoding', 'choice', 'Text coding', 'GSM-7, or Latin-1 / 8-bit for carriers that want them; UCS-2 is used when the text needs it.', { group: SENDING, choices: TEXT_CODINGS, defaultValue: 'gsm7' }),
  field('longMessage', 'choice', 'Long messages', 'How texts longer than one SMS go: UDH parts, SAR parts, or one message_payload.', { group: SENDING, choices: LONG_MESSAGE_MODES, defaultValue: 'udh' }),
  field('throttleRetries', 'integer', 'Throttle retries', 'Submits sent again after ESME_RTHROTTLED or ESME_RMSGQFUL before giving up.', { group: SENDING, min: 0, max: 100, defaultValue: '5' }),
  field('receipts', 'choice', 'Receipts', 'Final receipts only, or intermediate notifications too.', { group: RECEIPTS, choices: ['final', 'final-and-intermediate'], defaultValue: 'final' }),
  field('receiptIdBase', 'choice', 'Receipt id base', 'How the carrier writes message ids in receipts compared with submit answers (some convert hex to decimal).', {
    group: RECEIPTS,
    choices: RECEIPT_ID_BASES,
    defaultValue: 'same',
  }),
  field('partReceipts', 'choice', 'Receipts of long texts', 'Whether the carrier reports every part, or the text once under one part id.', { group: RECEIPTS, choices: PART_RECEIPTS, defaultValue: 'each' }),
  field('maxDeliveriesInFlight', 'integer', 'Receipts being stored', 'Receipts and inbound messages stored at once; more are answered ESME_RTHROTTLED for the SMSC to resend.', {
    group: RECEIPTS,
    min: 1,
    max: 10_000,
    defaultValue: String(DEFAULT_MAX_DELIVERIES_IN_FLIGHT),
  }),
  ...tonNpi('alphanumeric', 'Alphanumeric'),
  ...tonNpi('shortCode', 'Short code'),
  ...tonNpi('international', 'International'),
  field('submitTimeoutMs', 'integer', 'Submit timeout (ms)', 'How long to wait for submit_sm_resp; after it the outcome is unknown and the message is not sent again.', {
    group: TIMING,
    min: 100,
    max: 120_000,
    defaultValue: '10000',
  }),
  field('enquireLinkIntervalMs', 'integer', 'Enquire link every (ms)', 'How often an idle bind is probed (SMPP 3.4 §4.11).', { group: TIMING, min: 1000, max: 3_600_000, defaultValue: '30000' }),
  field('enquireLinkTimeoutMs', 'integer', 'Enquire link timeout (ms)', 'How long a probe may go unanswered before the bind is declared dead.', { group: TIMING, min: 100, max: 120_000, defaultValue: '10000' }),
  field('bindTimeoutMs', 'integer', 'Bind timeout (ms)', 'How long connecting and binding may take.', { group: TIMING, min: 100, max: 120_000, defaultValue: '10000' }),
  field('reconnectMinMs', 'integer', 'First reconnect delay (ms)', 'Wait before rebinding after a bind dropped; it doubles on each failure.', {
    group: TIMING,
    min: 100,
    max: 600_000,
    defaultValue: String(DEFAULT_RECONNECT_MIN_MS),
  }),
  field('reconnectMaxMs', 'integer', 'Longest reconnect delay (ms)', 'The cap of the doubling delay; not below the first delay.', { group: TIMING, min: 100, max: 3_600_000, defaultValue: String(DEFAULT_RECONNECT_MAX_MS) }),
  field('stableBindMs', 'integer', 'Stable bind (ms)', 'How long a bind must stay up before a drop starts again from the first delay.', { group: TIMING, min: 0, max: 3_600_000, defaultValue: String(DEFAULT_STABLE_BIND_MS) }),
];

export const smppKind: ProviderKindDescriptor = {
  kind: 'smpp',
  title: 'SMPP carrier',
  description: "A carrier's SMSC over SMPP 3.4: binds kept open, submits windowed, delivery receipts and inbound messages read from deliver_sm.",
  channels: ['sms'],
  available: true,
  fields: SMPP_FIELDS,
  openCredentials: false,
  validate(settings, credentials) {
    const parsed = parseSmppSettings(settings, credentials);
    return parsed.ok ? [] : parsed.problems;
  },
  build(row, context) {
    const parsed = parseSmppSettings(row.settings, row.credentials);
    if (!parsed.ok) throw configError(row.name, parsed.problems);
    try {
      const provider = new SmppProvider({
        ...parsed.settings,
        name: row.name,
        receiptSink: context.receipts,
        lateAcceptanceSink: context.lateAcceptances,
        inboundSink: context.inbound,
        metrics: context.metrics,
        logger: context.logger,
      });
      return { provider, endpoints: {} };
    } catch (error) {
      if (error instanceof SmppOptionsError) throw new ProviderConfigError(row.name, `settings.${error.field} ${error.message.slice(error.field.length + 1)}`);
      throw error;
    }
  },
};
