/**
 * Group commit: callers hand in one item each and get its own outcome back, but the items that
 * arrive while earlier ones are being committed wait and are committed together, in one
 * transaction. An idle system commits an item at once (a batch of one); a busy one commits
 * hundreds per transaction, so the cost of a commit (the WAL flush) is shared instead of paid per
 * item. Nobody gets an answer before the transaction holding their item has committed.
 */

/** What became of one item of a batch. */
export type ItemOutcome<R> = { readonly ok: true; readonly value: R } | { readonly ok: false; readonly error: unknown };

export interface GroupCommitOptions<I, R> {
  /**
   * Commits `items` in one transaction and says what became of each, in order. Throwing means
   * nothing was committed: then each item is committed again on its own, so one item that makes
   * the transaction fail costs the others nothing but a retry.
   */
  readonly commit: (items: readonly I[]) => Promise<readonly ItemOutcome<R>[]>;
  /** Most items in one transaction. */
  readonly maxBatch: number;
  /** Transactions under way at once (each holds a database connection). */
  readonly concurrency: number;
  /**
   * Most items waiting for a transaction; one more is refused at once with `overloaded()`, so a
   * slow database makes callers retry later instead of piling up requests without bound.
   */
  readonly maxWaiting: number;
  /** The error a refused item is rejected with (and every item after `close()`). */
  readonly overloaded: (reason: 'full' | 'closed') => Error;
  /** Told the size of every batch committed (metrics). */
  readonly onBatch?: ((size: number) => void) | undefined;
  /**
   * Items that must not wait behind a queue of ordinary ones: a batch takes every waiting urgent
   * item (in arrival order) before any ordinary one. Only for items whose order against ordinary
   * items does not matter: each caller hands in an item only after what it depends on committed.
   */
  readonly urgent?: ((item: I) => boolean) | undefined;
  /**
   * Start a transaction only on the event loop's next turn, so that every item handed in during
   * this turn joins it. For an in-process database (PGlite), whose queries run on this thread
   * without waiting for I/O: a transaction started at once would run to its commit before the
   * next request is even read, and every batch would hold one item.
   */
  readonly gatherTurn?: boolean | undefined;
}

interface Waiting<I, R> {
  readonly item: I;
  resolve(value: R): void;
  reject(error: unknown): void;
}

export class GroupCommit<I, R> {
  readonly #options: GroupCommitOptions<I, R>;
  #waiting: Waiting<I, R>[] = [];
  #urgent: Waiting<I, R>[] = [];
  #active = 0;
  #gathering = false;
  #closed = false;
  #idle: (() => void)[] = [];

  constructor(options: GroupCommitOptions<I, R>) {
    if (options.maxBatch < 1 || options.concurrency < 1 || options.maxWaiting < 1) throw new RangeError('maxBatch, concurrency and maxWaiting must be at least 1');
    this.#options = options;
  }

  /** Items waiting for a transaction right now. */
  get waiting(): number {
    return this.#waiting.length + this.#urgent.length;
  }

  /** Resolves with the item's outcome once the transaction holding it has committed. */
  submit(item: I): Promise<R> {
    if (this.#closed) return Promise.reject(this.#options.overloaded('closed'));
    if (this.waiting >= this.#options.maxWaiting) return Promise.reject(this.#options.overloaded('full'));
    const queue = this.#options.urgent?.(item) === true ? this.#urgent : this.#waiting;
    return new Promise<R>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      this.#pump();
    });
  }

  /** Refuses new items and resolves once every item handed in so far has its outcome. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#active === 0 && this.waiting === 0) return;
    await new Promise<void>((resolve) => this.#idle.push(resolve));
  }

  #pump(): void {
    if (this.#options.gatherTurn === true) {
      if (this.#gathering || this.#active >= this.#options.concurrency || this.waiting === 0) return;
      this.#gathering = true;
      setImmediate(() => {
        this.#gathering = false;
        this.#startBatches();
      });
      return;
    }
    this.#startBatches();
  }

  #startBatches(): void {
    while (this.#active < this.#options.concurrency && this.waiting > 0) {
      const batch = this.#urgent.splice(0, this.#options.maxBatch);
      if (batch.length < this.#options.maxBatch) batch.push(...this.#waiting.splice(0, this.#options.maxBatch - batch.length));
      this.#active += 1;
      void this.#run(batch).finally(() => {
        this.#active -= 1;
        this.#pump();
        if (this.#active === 0 && this.waiting === 0) for (const resolve of this.#idle.splice(0)) resolve();
      });
    }
  }

  async #run(batch: readonly Waiting<I, R>[]): Promise<void> {
    let outcomes: readonly ItemOutcome<R>[];
    try {
      outcomes = await this.#options.commit(batch.map((waiting) => waiting.item));
    } catch (error) {
      if (batch.length === 1) {
        batch[0]?.reject(error);
        return;
      }
      // Nothing of the batch committed: find the item at fault by committing each on its own.
      for (const waiting of batch) await this.#run([waiting]);
      return;
    }
    // After the catch: the batch has committed, and nothing past this point may run it again.
    try {
      this.#options.onBatch?.(batch.length);
    } catch {
      // Metrics only.
    }
    batch.forEach((waiting, index) => {
      const outcome = outcomes[index];
      if (outcome === undefined) waiting.reject(new Error('group commit: no outcome for an item'));
      else if (outcome.ok) waiting.resolve(outcome.value);
      else waiting.reject(outcome.error);
    });
  }
}
