/**
 * Links dropped on schedule, as carriers' SMSCs do for maintenance or when a link is flaky:
 * every bind closed after so many accepted submits (`disconnectAfterSubmits`), or every so many
 * milliseconds (`disconnectEveryMs`).
 */
import type { SmscRuntime } from './smsc-runtime.js';
import type { SmscSessions } from './smsc-sessions.js';

/** The two disconnect schedules of one simulator. */
export class DisconnectSchedule {
  readonly #runtime: SmscRuntime;
  readonly #sessions: SmscSessions;
  #acceptedSinceDisconnect = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(runtime: SmscRuntime, sessions: SmscSessions) {
    this.#runtime = runtime;
    this.#sessions = sessions;
  }

  /** Counts an accepted submit; drops every bind when `disconnectAfterSubmits` is reached. */
  countAccepted(): void {
    const schedule = this.#runtime.behaviour.disconnectAfterSubmits;
    if (schedule === null) return;
    this.#acceptedSinceDisconnect += 1;
    if (this.#acceptedSinceDisconnect < schedule.count) return;
    this.#acceptedSinceDisconnect = 0;
    if (!schedule.repeat) this.#runtime.update({ disconnectAfterSubmits: null });
    this.#sessions.dropAll('disconnectAfterSubmits');
  }

  /** Counts towards `disconnectAfterSubmits` from zero again. */
  restartCount(): void {
    this.#acceptedSinceDisconnect = 0;
  }

  /** (Re)starts the `disconnectEveryMs` interval from now; none when it is null. */
  arm(): void {
    this.disarm();
    const every = this.#runtime.behaviour.disconnectEveryMs;
    if (every === null) return;
    this.#timer = setInterval(() => {
      this.#sessions.dropAll('disconnectEveryMs');
    }, every);
  }

  disarm(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
