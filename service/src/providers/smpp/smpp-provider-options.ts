/**
 * What an SMPP provider is built from: where and how to bind, how to write messages, the timings
 * of the binds' life, and the checks of what SMPP 3.4 can carry.
 */
import type { ConnectionOptions } from 'node:tls';
import type { Logger } from '../../shared/logger.js';
import type { TextCoding } from '@switchboard/sms-encoding';
import type { InboundSink, LateAcceptanceSink, ReceiptIdBase, ReceiptSink } from '../channel-provider.js';
import type { SourceAddressOverrides } from './smpp-address.js';
import type { LongMessageMode } from './smpp-segmentation.js';

/** How the provider binds: N transceivers, or N transmitter + receiver pairs. */
export type BindMode = 'transceiver' | 'pair';

/** Which delivery receipts to ask for (SMPP 3.4 §5.2.17 registered_delivery). */
export type ReceiptRequest = 'final' | 'final-and-intermediate';

/** What counts SMPP trouble (Prometheus in production). */
export interface SmppMetrics {
  throttled(provider: string): void;
  protocolError(provider: string, kind: string): void;
}

/** Where and how to bind, and the timings of the binds' life. */
export interface SmppProviderOptions {
  /** Unique provider name (the `Provider` row's name); receipts are reported under it. */
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** Connect over TLS with these options (`{}` for the system CAs). */
  readonly tls?: ConnectionOptions | undefined;
  readonly systemId: string;
  readonly password: string;
  readonly systemType?: string | undefined;
  /** SMPP 3.4 §5.2.7 address_range of the binds (which MSISDNs the SMSC routes to us). */
  readonly addressRange?: string | undefined;
  /** Transceivers (default) or transmitter + receiver pairs. */
  readonly bindMode?: BindMode | undefined;
  /** How many transceivers or pairs. Default 1. */
  readonly binds?: number | undefined;
  /** Most submits awaiting submit_sm_resp per bind. Default 10. */
  readonly windowSize?: number | undefined;
  /** Sender used when a message names none: alphanumeric id, short code or E.164 number. */
  readonly sourceAddr: string;
  /** TON/NPI per sender kind for carriers that want other ones. */
  readonly sourceAddressOverrides?: SourceAddressOverrides | undefined;
  /** GSM-7 (default), or Latin-1 / 8-bit for carriers that want them; UCS-2 when the text needs it. */
  readonly textCoding?: TextCoding | undefined;
  /** How texts longer than one SMS go: UDH parts (default), SAR parts, or one message_payload. */
  readonly longMessage?: LongMessageMode | undefined;
  /** Final receipts only (default), or intermediate notifications too. */
  readonly receipts?: ReceiptRequest | undefined;
  /** How the carrier writes ids in receipts compared with submit answers. Default 'same'. */
  readonly receiptIdBase?: ReceiptIdBase | undefined;
  /**
   * Whether the carrier reports every part of a long text (`each`, the default) or the text once,
   * under one of its part ids (`one`); with `one` a single final receipt settles the attempt.
   */
  readonly partReceipts?: PartReceipts | undefined;
  /** Submits re-sent after ESME_RTHROTTLED / ESME_RMSGQFUL before giving up. Default 5. */
  readonly throttleRetries?: number | undefined;
  /** First back-off after a throttling answer; doubles each time. Default 250. */
  readonly throttleBackoffMs?: number | undefined;
  /**
   * deliver_sm/data_sm being stored at once, over all binds; more are answered ESME_RTHROTTLED
   * for the SMSC to redeliver later, so a flood cannot queue unbounded writes. From half of it,
   * new submits wait for the store to catch up (each submit brings a receipt back), so an SMSC
   * that sends receipts without a window is not driven into that refusal by our own pace.
   * Default 2000.
   */
  readonly maxDeliveriesInFlight?: number | undefined;
  /** How often to probe an idle bind (SMPP 3.4 §4.11). Default 30 000. */
  readonly enquireLinkIntervalMs?: number | undefined;
  /** How long an enquire_link may go unanswered before the bind is declared dead. Default 10 000. */
  readonly enquireLinkTimeoutMs?: number | undefined;
  /** How long to wait for submit_sm_resp once the submit is written. Default 10 000. */
  readonly submitTimeoutMs?: number | undefined;
  /** How long a submit waits for a bind to come (back) up before giving up. Default 5 000. */
  readonly bindWaitMs?: number | undefined;
  /** How long connecting plus bind_*_resp may take. Default 10 000. */
  readonly bindTimeoutMs?: number | undefined;
  /** How long `stop()` waits for unbind_resp. Default 1 000. */
  readonly unbindTimeoutMs?: number | undefined;
  /** First reconnect delay after a bind dropped. Default 500. */
  readonly reconnectMinMs?: number | undefined;
  /** Cap of the doubling reconnect delay. Default 30 000. */
  readonly reconnectMaxMs?: number | undefined;
  /** How long a bind must stay up before the reconnect delay starts again from the minimum. Default 30 000. */
  readonly stableBindMs?: number | undefined;
  /** Gets every parsed delivery receipt. */
  readonly receiptSink: ReceiptSink;
  /** Gets submit answers that came after the submit was given up as outcome unknown. */
  readonly lateAcceptanceSink?: LateAcceptanceSink | undefined;
  /** Gets mobile-originated messages; without it they are answered and dropped. */
  readonly inboundSink?: InboundSink | undefined;
  readonly metrics?: SmppMetrics | undefined;
  readonly logger?: Logger | undefined;
}

/**
 * Whether the provider can take messages, for health checks. 'bound' while at least one bind can
 * submit. After a permanent bind refusal it stays 'disconnected' and `lastBindError()` says why.
 */
export type SmppProviderState = 'connecting' | 'bound' | 'disconnected' | 'stopped';

/** Provider options that SMPP cannot carry; `field` names the option. */
export class SmppOptionsError extends Error {
  readonly field: string;

  constructor(field: string, problem: string) {
    super(`${field} ${problem}`);
    this.name = 'SmppOptionsError';
    this.field = field;
  }
}

// SMPP 3.4 §4.1.1: maximum octets of each bind field, excluding the terminating NUL.
const BIND_FIELD_LIMITS = [
  ['systemId', 15],
  ['password', 8],
  ['systemType', 12],
  ['addressRange', 40],
] as const;

// C-Octet Strings are ASCII (§3.1); the library writes them byte per UTF-16 unit, mangling the rest.
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** Throws `SmppOptionsError` for settings SMPP 3.4 cannot carry (also for options built in code, not from settings). */
export function validateSmppOptions(options: SmppProviderOptions): void {
  for (const [field, limit] of BIND_FIELD_LIMITS) {
    const value = options[field];
    if (value === undefined) continue;
    // Never echo the value: it may be the password.
    if (!PRINTABLE_ASCII.test(value)) throw new SmppOptionsError(field, 'must be printable ASCII (SMPP 3.4 §3.1 C-Octet String)');
    if (value.length > limit) {
      throw new SmppOptionsError(field, `is ${value.length} octets; SMPP 3.4 §4.1 allows at most ${limit}`);
    }
  }
  const counts = [
    ['binds', options.binds, 1, 16],
    ['windowSize', options.windowSize, 1, 1000],
    ['throttleRetries', options.throttleRetries, 0, 100],
  ] as const;
  for (const [field, value, min, max] of counts) {
    if (value !== undefined && (!Number.isInteger(value) || value < min || value > max)) throw new SmppOptionsError(field, `must be an integer from ${min} to ${max}`);
  }
}

/**
 * Receipts and MO messages being stored at once, over all binds. Receipts are stored in batches
 * (one transaction for hundreds), so the cap is set well above a batch: a burst of receipts
 * should wait for the next transaction, not be refused.
 */
export const DEFAULT_MAX_DELIVERIES_IN_FLIGHT = 2000;

export const PART_RECEIPTS = ['each', 'one'] as const;
export type PartReceipts = (typeof PART_RECEIPTS)[number];

/** Rebind delays when the settings name none: the first, and the cap of the doubling. */
export const DEFAULT_RECONNECT_MIN_MS = 500;
export const DEFAULT_RECONNECT_MAX_MS = 30_000;
/** How long a bind must stay up before a drop rebinds from the first delay again. */
export const DEFAULT_STABLE_BIND_MS = 30_000;
