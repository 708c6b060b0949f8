/**
 * The emulator as a Node stream, the shape a serial port has: what is written to it goes to the
 * modem, what the modem says can be read from it. One port lives for one plug session: unplugging
 * ends and closes it, as a USB modem's tty disappears; replugging gives a new one.
 */
import { Duplex } from 'node:stream';

export class ModemPort extends Duplex {
  readonly #toModem: (bytes: Buffer) => void;

  constructor(toModem: (bytes: Buffer) => void) {
    super();
    this.#toModem = toModem;
  }

  override _write(chunk: Buffer | string, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#toModem(typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk);
    callback();
  }

  override _read(): void {
    // The modem pushes when it speaks; nothing to fetch.
  }

  /** Bytes the modem said. */
  fromModem(bytes: Buffer): void {
    if (!this.destroyed) this.push(bytes);
  }

  /** The device went away: readers see the end, then the close. */
  unplugged(): void {
    if (this.destroyed) return;
    this.push(null);
    this.destroy();
  }
}
