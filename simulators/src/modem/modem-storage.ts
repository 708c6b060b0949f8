/**
 * The SIM's message store ("SM", 27.005 §3.1): received DELIVERs and stored status reports at
 * indices from 1, each REC UNREAD until read by AT+CMGR or AT+CMGL.
 */
import type { EncodedPdu } from './sms-deliver.js';

/** <stat> in PDU mode: 0 REC UNREAD, 1 REC READ (2 STO UNSENT and 3 STO SENT never occur: the emulator stores no outgoing messages). */
export type StoredStatus = 0 | 1;

export interface StoredMessage {
  readonly index: number;
  readonly kind: 'deliver' | 'status-report';
  readonly status: StoredStatus;
  readonly pdu: EncodedPdu;
}

export class MessageStore {
  readonly capacity: number;
  readonly #slots = new Map<number, StoredMessage>();

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get used(): number {
    return this.#slots.size;
  }

  /** Stores at the lowest free index; null when the store is full. */
  add(kind: StoredMessage['kind'], pdu: EncodedPdu): number | null {
    for (let index = 1; index <= this.capacity; index += 1) {
      if (!this.#slots.has(index)) {
        this.#slots.set(index, { index, kind, status: 0, pdu });
        return index;
      }
    }
    return null;
  }

  /** The message at `index` as it was, marking it read; undefined for an empty slot. */
  read(index: number): StoredMessage | undefined {
    const message = this.#slots.get(index);
    if (message) this.#slots.set(index, { ...message, status: 1 });
    return message;
  }

  /** Messages with <stat> `status` (4: all), by index, as they were before this marked them read. */
  list(status: StoredStatus | 4): StoredMessage[] {
    const listed = [...this.#slots.values()].filter((message) => status === 4 || message.status === status).sort((a, b) => a.index - b.index);
    for (const message of listed) this.#slots.set(message.index, { ...message, status: 1 });
    return listed;
  }

  /** AT+CMGD <delflag> (27.005 §3.5.4): 0 the index, 1 all read, 2-3 read (and sent/unsent: none here), 4 all. */
  delete(index: number, flag: number): void {
    if (flag === 0) {
      this.#slots.delete(index);
      return;
    }
    for (const message of [...this.#slots.values()]) {
      if (flag === 4 || message.status === 1) this.#slots.delete(message.index);
    }
  }

  indices(): number[] {
    return [...this.#slots.keys()].sort((a, b) => a - b);
  }

  /** Copies of what is stored, for tests. */
  all(): StoredMessage[] {
    return [...this.#slots.values()].sort((a, b) => a.index - b.index);
  }
}
