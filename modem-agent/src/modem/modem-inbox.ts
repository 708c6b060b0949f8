// What a modem received, handed to the receiver: status reports (+CDS inline, +CDSI stored) and
// SMS (+CMTI stored, and whatever AT+CMGL=4 finds at start). A stored item is deleted (AT+CMGD)
// only after the receiver resolves, i.e. after the journal's fsync: a crash in between leaves it
// on the SIM, to be read again and recognised as a duplicate, never lost.
import type { CommandQueue } from '../at/command-queue.js';
import type { UnsolicitedResult } from '../at/unsolicited-result.js';
import { decodeReceivedPdu } from '../pdu/received-pdu.js';
import type { SmsStatusReport } from '../pdu/status-report-decoder.js';
import type { InboundAssembler, InboundSms } from './inbound-assembler.js';
import { readAllStored, readStoredAt, type ReadTpdu } from './stored-message-reader.js';

/**
 * Where status reports and received SMS go. Each call resolves once what it was given is
 * journalled; only then does the driver delete it from the SIM. A rejection leaves it stored,
 * to be read again at the next start.
 */
export interface ModemReceiver {
  statusReport(report: SmsStatusReport, modem: string): Promise<void>;
  inbound(sms: InboundSms): Promise<void>;
}

/** Where the driver says what happened; never given a PIN. */
export type ModemLog = (level: 'info' | 'warn', message: string) => void;

/** The received side of one modem session (one command queue). */
export class ModemInbox {
  readonly #label: string;
  readonly #queue: CommandQueue;
  readonly #receiver: () => ModemReceiver | undefined;
  readonly #assembler: InboundAssembler;
  readonly #log: ModemLog;

  /** @param receiver asked at each hand-over, so a receiver attached later is used. */
  constructor(label: string, queue: CommandQueue, receiver: () => ModemReceiver | undefined, assembler: InboundAssembler, log: ModemLog) {
    this.#label = label;
    this.#queue = queue;
    this.#receiver = receiver;
    this.#assembler = assembler;
    this.#log = log;
  }

  /** The work a URC asks for, or undefined when it is none of the inbox's business. */
  workFor(result: UnsolicitedResult): (() => Promise<void>) | undefined {
    switch (result.kind) {
      case 'status-report':
        return () => this.#handOver({ index: undefined, tpdu: decodeReceivedPdu(result.pdu, { tpduLength: result.tpduLength }).tpdu });
      case 'status-report-stored':
      case 'message-stored':
        return async () => {
          const read = await readStoredAt(this.#queue, result.index);
          if (read !== undefined) await this.#handOver(read);
        };
      default:
        return undefined;
    }
  }

  /** Reads everything stored (at start, after a reset or replug) and hands it over. */
  async readAll(): Promise<void> {
    const { messages, unreadable } = await readAllStored(this.#queue);
    for (const problem of unreadable) this.#log('warn', `${this.#label}: a stored message does not decode and is left on the SIM (${problem})`);
    for (const message of messages) await this.#handOver(message);
  }

  async #handOver(read: ReadTpdu): Promise<void> {
    const receiver = this.#receiver();
    // Nobody to journal it: it stays stored until there is.
    if (receiver === undefined) return;
    const { tpdu, index } = read;
    if (tpdu.type === 'sms-status-report') {
      await receiver.statusReport(tpdu, this.#label);
      if (index !== undefined) await this.#queue.send(`AT+CMGD=${index}`);
      return;
    }
    // A stored SUBMIT is the modem's own outbox, not the agent's business.
    if (tpdu.type !== 'sms-deliver' || index === undefined) return;
    const sms = this.#assembler.add(index, tpdu);
    if (sms === undefined) return;
    await receiver.inbound(sms);
    for (const stored of sms.indices) await this.#queue.send(`AT+CMGD=${stored}`);
  }
}
