// The seam between the agent's two halves: the link (the AgentService stream, which takes commands
// in and carries results out) and the sender (the modems, which put journalled commands on the
// radio and journal what happened). Both share the journal; neither imports the other.
import type { JournalResult } from './journal/index.js';

/** Whether a modem can take messages; mirrors `ModemHealth` in agent.proto. */
export type ModemHealth = 'ready' | 'starting' | 'sim-problem' | 'quarantined' | 'unplugged' | 'resetting';

/** One modem as the hello and every heartbeat report it. */
export interface ModemSnapshot {
  /** The label from the agent's config; unique within the agent. */
  readonly label: string;
  /** From AT+CGSN; '' until read. */
  readonly imei: string;
  /** From AT+CIMI; '' until the SIM is unlocked. */
  readonly imsi: string;
  /** From AT+COPS?; '' when not registered. */
  readonly operator: string;
  /** AT+CSQ RSSI 0–31, 99 when unknown. */
  readonly signalQuality: number;
  readonly health: ModemHealth;
  /** Why it is not ready, in words; '' when ready. */
  readonly detail: string;
  /** Messages waiting for this modem (or for any, counted on each modem that may take them). */
  readonly queued: number;
  /** Parts submitted in the last 60 seconds. */
  readonly sentLastMinute: number;
  readonly maxPerMinute: number;
}

/** What the link needs of the sender. */
export interface SmsSender {
  /**
   * A command now journalled as `command-accepted`: send it when a modem it may use is free.
   * Idempotent: a message already queued, with the radio or final is left alone.
   */
  enqueue(messageId: string): void;
  /** Every configured modem, in config order, whatever its state. */
  modems(): readonly ModemSnapshot[];
}

/**
 * Told of every result the sender journals (after its fsync), so the link can send it at once;
 * results journalled while the link is down are found in `journal.unackedResults()` on reconnect.
 */
export type ResultListener = (result: JournalResult) => void;
