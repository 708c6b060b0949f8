/**
 * The SIM's lock (27.007 §8.3 +CPIN): locked by its PIN at every power-up when it has one, three
 * wrong PINs lock it by its PUK, ten wrong PUKs block it for good, as SIM cards do.
 */
import { AtCommandError } from './at-errors.js';

export type SimState = 'READY' | 'SIM PIN' | 'SIM PUK' | 'BLOCKED';

const PIN_TRIES = 3;
const PUK_TRIES = 10;

export class SimCard {
  #pin: string | null;
  readonly #puk: string;
  #state: SimState;
  #pinTriesLeft = PIN_TRIES;
  #pukTriesLeft = PUK_TRIES;

  constructor(pin: string | null, puk: string) {
    this.#pin = pin;
    this.#puk = puk;
    this.#state = pin === null ? 'READY' : 'SIM PIN';
  }

  get state(): SimState {
    return this.#state;
  }

  get ready(): boolean {
    return this.#state === 'READY';
  }

  /** Power-up: a SIM with a PIN asks for it again; a PUK-locked or blocked one stays so. */
  powerCycle(): void {
    if (this.#state === 'READY' && this.#pin !== null) this.#state = 'SIM PIN';
  }

  /**
   * AT+CPIN=<pin> or AT+CPIN=<puk>,<newpin>. Returns true when the SIM became ready.
   * @throws {AtCommandError} +CME ERROR 16 for a wrong code, 3 when nothing is asked for, 13 once blocked.
   */
  enter(code: string, newPin: string | undefined): boolean {
    switch (this.#state) {
      case 'READY':
        throw AtCommandError.cme(3, 'the SIM asks for no PIN');
      case 'BLOCKED':
        throw AtCommandError.cme(13, 'the SIM is blocked');
      case 'SIM PIN':
        if (code !== this.#pin) {
          this.#pinTriesLeft -= 1;
          if (this.#pinTriesLeft === 0) this.#state = 'SIM PUK';
          throw AtCommandError.cme(16);
        }
        this.#pinTriesLeft = PIN_TRIES;
        this.#state = 'READY';
        return true;
      case 'SIM PUK':
        if (newPin === undefined) throw AtCommandError.cme(12, 'the SIM wants its PUK and a new PIN');
        if (code !== this.#puk) {
          this.#pukTriesLeft -= 1;
          if (this.#pukTriesLeft === 0) this.#state = 'BLOCKED';
          throw AtCommandError.cme(16);
        }
        this.#pin = newPin;
        this.#pinTriesLeft = PIN_TRIES;
        this.#pukTriesLeft = PUK_TRIES;
        this.#state = 'READY';
        return true;
    }
  }

  /** The error a command needing the SIM gets while it is locked: +CME (27.007) or +CMS (27.005) family. */
  lockedError(family: 'cme' | 'cms'): AtCommandError | null {
    switch (this.#state) {
      case 'READY':
        return null;
      case 'SIM PIN':
        return family === 'cme' ? AtCommandError.cme(11) : AtCommandError.cms(311);
      case 'SIM PUK':
        return family === 'cme' ? AtCommandError.cme(12) : AtCommandError.cms(316);
      case 'BLOCKED':
        return family === 'cme' ? AtCommandError.cme(13) : AtCommandError.cms(313);
    }
  }
}
