/**
 * A host at the other end of an emulated modem's line, for specs: writes what a modem agent
 * would and keeps everything the modem said, so a spec can assert on the exact transcript.
 */
import type { ModemEmulator } from './modem.emulator.js';

export class TestHost {
  readonly #modem: ModemEmulator;
  #heard = '';

  constructor(modem: ModemEmulator) {
    this.#modem = modem;
    modem.on('output', (bytes) => {
      this.#heard += bytes.toString('latin1');
    });
  }

  /** Writes `text` as is (add the CR yourself, or use `command`). */
  type(text: string): void {
    this.#modem.write(text);
  }

  /** Writes one command line and returns what the modem said in answer (echo included). */
  command(line: string): string {
    this.#heard = '';
    this.#modem.write(`${line}\r`);
    return this.take();
  }

  /** Writes a PDU and Ctrl-Z after the prompt; returns what was said right away. */
  pdu(hex: string): string {
    this.#heard = '';
    this.#modem.write(`${hex}\x1a`);
    return this.take();
  }

  /** What the modem said since the last `take()` (or command), then forgets it. */
  take(): string {
    const heard = this.#heard;
    this.#heard = '';
    return heard;
  }
}
