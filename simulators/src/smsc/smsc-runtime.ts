/**
 * The state every part of the simulator reads and changes: the behaviour in force (including the
 * faults that use themselves up), the counters, the random source and the timers that `reset()`
 * and `stop()` cancel.
 */
import type { Logger } from '../shared/logger.js';
import type { CommandFailure, ReceiptMode, SmscBehaviour, SmscBehaviourPatch } from './smsc-behaviour.js';
import { seededRandom, type Random } from './smsc-flow.js';
import { emptyStats, type SmscStats } from './smsc-stats.js';

/** Shared by the session table, the handlers and the control API of one simulator. */
export class SmscRuntime {
  readonly log: Logger;
  readonly #initialBehaviour: SmscBehaviour;
  readonly #timers = new Set<NodeJS.Timeout>();
  #behaviour: SmscBehaviour;
  #random: Random;
  /** Replaced by `reset()`: read it afresh rather than keep it. */
  stats: SmscStats = emptyStats();

  constructor(initialBehaviour: SmscBehaviour, log: Logger) {
    this.log = log;
    this.#initialBehaviour = initialBehaviour;
    this.#behaviour = initialBehaviour;
    this.#random = this.#newRandom();
  }

  get behaviour(): SmscBehaviour {
    return this.#behaviour;
  }

  /** The random source: seeded by `behaviour.seed`, else Math.random. */
  random(): number {
    return this.#random();
  }

  /** Applies a validated patch; a new `seed` restarts the random sequence. */
  update(patch: SmscBehaviourPatch): SmscBehaviour {
    this.#behaviour = { ...this.#behaviour, ...patch };
    if ('seed' in patch) this.#random = this.#newRandom();
    return this.#behaviour;
  }

  /** Back to the constructor's behaviour, counters at zero, the random sequence restarted, timers cancelled. */
  reset(): void {
    this.clearTimers();
    this.stats = emptyStats();
    this.#behaviour = this.#initialBehaviour;
    this.#random = this.#newRandom();
  }

  /** Runs `action` after `ms`, unless reset or stopped first. */
  later(ms: number, action: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      try {
        action();
      } catch (error) {
        this.log.error({ err: error }, 'scheduled action failed');
      }
    }, ms);
    this.#timers.add(timer);
  }

  clearTimers(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  /** The command_status of a pending `failSubmits` / `failBinds`, counting one down; undefined when none. */
  takeFailure(kind: 'failSubmits' | 'failBinds'): number | undefined {
    const failure: CommandFailure | null = this.#behaviour[kind];
    if (failure === null) return undefined;
    if (failure.count !== null) {
      const left = failure.count - 1;
      this.#behaviour = { ...this.#behaviour, [kind]: left > 0 ? { ...failure, count: left } : null };
    }
    return failure.commandStatus;
  }

  /** Whether `dropSubmitResponses` loses this response (by its rate), counting one down. */
  takeLostResponse(): boolean {
    const lost = this.#behaviour.dropSubmitResponses;
    if (lost === null || this.#random() >= lost.rate) return false;
    if (lost.count !== null) {
      const left = lost.count - 1;
      this.#behaviour = { ...this.#behaviour, dropSubmitResponses: left > 0 ? { ...lost, count: left } : null };
    }
    return true;
  }

  /** The next of `nextReceipts`, taken off the queue; undefined when it is empty. */
  takeNextReceipt(): ReceiptMode | undefined {
    const [next, ...rest] = this.#behaviour.nextReceipts;
    if (next !== undefined) this.#behaviour = { ...this.#behaviour, nextReceipts: rest };
    return next;
  }

  #newRandom(): Random {
    const { seed } = this.#behaviour;
    return seed === null ? Math.random : seededRandom(seed);
  }
}
