/**
 * Bytes from the host cut into what a modem acts on (V.250 §5.2): a command line ended by CR
 * (S3), with backspace (S5) taking back a character and LF ignored; `A/` repeating the last
 * line; and after the `> ` prompt of AT+CMGS a PDU ended by Ctrl-Z or abandoned by ESC
 * (27.005 §3.5.1).
 */

export type HostInput =
  | { readonly kind: 'line'; readonly text: string }
  | { readonly kind: 'repeat' }
  | { readonly kind: 'pdu'; readonly hex: string }
  | { readonly kind: 'pdu-cancelled' };

const CR = 0x0d;
const LF = 0x0a;
const BACKSPACE = 0x08;
const CTRL_Z = 0x1a;
const ESC = 0x1b;
// V.250 §5.2.1 requires at least 40 characters; real modems take a few hundred, then drop the line.
const MAX_LINE = 560;

export class HostInputFramer {
  #mode: 'command' | 'pdu' = 'command';
  #buffer = '';

  /** After the `> ` prompt: what follows is a PDU until Ctrl-Z or ESC. */
  expectPdu(): void {
    this.#mode = 'pdu';
    this.#buffer = '';
  }

  /** Back to command lines, dropping anything half typed (a reset, a recovery). */
  reset(): void {
    this.#mode = 'command';
    this.#buffer = '';
  }

  /** Takes one byte; returns what it completed, if anything. */
  push(byte: number): HostInput | undefined {
    if (this.#mode === 'pdu') return this.#pushPdu(byte);
    if (byte === CR) {
      const text = this.#buffer;
      this.#buffer = '';
      return { kind: 'line', text };
    }
    if (byte === LF) return undefined;
    if (byte === BACKSPACE) {
      this.#buffer = this.#buffer.slice(0, -1);
      return undefined;
    }
    this.#buffer = this.#buffer.length >= MAX_LINE ? '' : this.#buffer + String.fromCharCode(byte);
    if (/^a\/$/i.test(this.#buffer)) {
      this.#buffer = '';
      return { kind: 'repeat' };
    }
    return undefined;
  }

  #pushPdu(byte: number): HostInput | undefined {
    if (byte === CTRL_Z || byte === ESC) {
      const hex = this.#buffer;
      this.reset();
      return byte === CTRL_Z ? { kind: 'pdu', hex } : { kind: 'pdu-cancelled' };
    }
    if (byte === CR || byte === LF) return undefined;
    if (byte === BACKSPACE) {
      this.#buffer = this.#buffer.slice(0, -1);
      return undefined;
    }
    this.#buffer += String.fromCharCode(byte);
    return undefined;
  }
}
