// Parts a modem submitted in the last 60 seconds: SIM operators flag a SIM that sends faster
// than a person could as a spammer, so each modem keeps to its configured maxPerMinute.

const WINDOW_MS = 60_000;

/** A sliding 60 s window of submission times for one modem. */
export class SendRateWindow {
  readonly #times: number[] = [];

  /** Records a part submitted at `at`. */
  record(at: number): void {
    this.#times.push(at);
  }

  /** Parts submitted in the 60 s up to `now`. */
  count(now: number): number {
    this.#forget(now);
    return this.#times.length;
  }

  /** When the window next has room for one more under `limit`: `now` when it has room already. */
  nextRoomAt(now: number, limit: number): number {
    this.#forget(now);
    if (this.#times.length < limit) return now;
    return (this.#times[this.#times.length - limit] ?? now) + WINDOW_MS;
  }

  #forget(now: number): void {
    while (this.#times.length > 0 && (this.#times[0] ?? now) <= now - WINDOW_MS) this.#times.shift();
  }
}
