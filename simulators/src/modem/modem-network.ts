/**
 * Network registration as AT+CREG reports it (27.007 §7.2): searching from the moment the radio
 * is on with a usable SIM, then registered (home or roaming) or denied after the scripted delay.
 */
import type { RegistrationOutcome } from './modem-behaviour.js';
import type { CancelTimer, ModemClock } from './modem-clock.js';

/** <stat> of +CREG: 0 not registered, 1 home, 2 searching, 3 denied, 5 roaming. */
export type RegistrationStatus = 0 | 1 | 2 | 3 | 5;

const STATUS_OF: Record<RegistrationOutcome, RegistrationStatus> = { home: 1, roaming: 5, denied: 3, searching: 2 };

export class NetworkRegistration {
  readonly #clock: ModemClock;
  readonly #onChange: (status: RegistrationStatus) => void;
  #status: RegistrationStatus = 0;
  #cancel: CancelTimer | null = null;

  constructor(clock: ModemClock, onChange: (status: RegistrationStatus) => void) {
    this.#clock = clock;
    this.#onChange = onChange;
  }

  get status(): RegistrationStatus {
    return this.#status;
  }

  get registered(): boolean {
    return this.#status === 1 || this.#status === 5;
  }

  /** Starts searching; `outcome` is reached after `delayMs`. */
  search(outcome: RegistrationOutcome, delayMs: number): void {
    this.#cancelPending();
    this.#set(2);
    if (outcome === 'searching') return;
    if (delayMs === 0) {
      this.#set(STATUS_OF[outcome]);
      return;
    }
    this.#cancel = this.#clock.schedule(delayMs, () => {
      this.#cancel = null;
      this.#set(STATUS_OF[outcome]);
    });
  }

  /** Forces a status at once (the network dropped the modem, a cell came back …). */
  force(outcome: RegistrationOutcome | 'none'): void {
    this.#cancelPending();
    this.#set(outcome === 'none' ? 0 : STATUS_OF[outcome]);
  }

  /** Radio off or power gone: not registered, not searching. */
  stop(): void {
    this.force('none');
  }

  #cancelPending(): void {
    this.#cancel?.();
    this.#cancel = null;
  }

  #set(status: RegistrationStatus): void {
    if (status === this.#status) return;
    this.#status = status;
    this.#onChange(status);
  }
}
