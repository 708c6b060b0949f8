// What the modem hands over about received messages and status reports, read into decoded
// values: +CDS inline, +CDSI/+CMTI pointing at a storage index (AT+CMGR), the AT+CMGL listing at
// start. Deletion is the driver's, and only once the receiver has journalled what was read.
import type { CommandQueue } from '../at/command-queue.js';
import { readStoredMessages } from '../at/stored-messages.js';
import { decodeReceivedPdu, type ReceivedTpdu } from '../pdu/received-pdu.js';

/** A decoded TPDU and where it is stored (undefined: it came inline, nothing to delete). */
export interface ReadTpdu {
  readonly index: number | undefined;
  readonly tpdu: ReceivedTpdu;
}

/** Reads and decodes the message at `index` (AT+CMGR). */
export async function readStoredAt(queue: CommandQueue, index: number): Promise<ReadTpdu | undefined> {
  const command = `AT+CMGR=${index}`;
  const [stored] = readStoredMessages(command, await queue.send(command));
  if (stored === undefined) return undefined;
  return { index, tpdu: decodeReceivedPdu(stored.pdu, { tpduLength: stored.tpduLength }).tpdu };
}

/**
 * Lists everything stored (AT+CMGL=4, read and unread alike: a message read before a crash but
 * not yet deleted was maybe not journalled). Entries that do not decode are skipped and returned
 * in `unreadable` so the driver can say so.
 */
export async function readAllStored(queue: CommandQueue): Promise<{ readonly messages: ReadTpdu[]; readonly unreadable: string[] }> {
  const command = 'AT+CMGL=4';
  const messages: ReadTpdu[] = [];
  const unreadable: string[] = [];
  for (const stored of readStoredMessages(command, await queue.send(command, { timeoutMs: 30_000 }))) {
    try {
      messages.push({ index: stored.index, tpdu: decodeReceivedPdu(stored.pdu, { tpduLength: stored.tpduLength }).tpdu });
    } catch (error) {
      unreadable.push(`index ${String(stored.index)}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return { messages, unreadable };
}
