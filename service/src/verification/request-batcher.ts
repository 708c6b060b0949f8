/**
 * Group commit for the requests callers wait on: each SendCode, VerifyCode, CancelVerification and
 * SendMessage hands in its unit of work, and those that arrive while a transaction is being
 * committed share the next one. A caller is answered only once the transaction holding its
 * request has committed. When too many wait (the database is slow), new requests are refused at
 * once with UNAVAILABLE and a retry hint instead of queueing without bound.
 */
import { GroupCommit } from '../shared/group-commit.js';
import { UnavailableError } from '../shared/errors.js';
import type { BatchReads, BatchRequest, VerificationRepository, VerificationUnitOfWork } from './verification.ports.js';

export interface RequestBatcherOptions {
  /** Requests waiting for a transaction before more are refused. */
  readonly maxWaiting: number;
  /** Requests per transaction. */
  readonly maxBatch?: number | undefined;
  /** Transactions at once (each holds a connection; PGlite runs one at a time anyway). */
  readonly concurrency?: number | undefined;
  readonly onBatch?: ((size: number) => void) | undefined;
  /** Gather a turn's requests before each transaction (for PGlite: see GroupCommitOptions). */
  readonly gatherTurn?: boolean | undefined;
}

/** How long a refused caller is told to wait. */
const RETRY_AFTER_MS = 250;

export class RequestBatcher {
  readonly #group: GroupCommit<BatchRequest<unknown>, unknown>;

  constructor(repository: Pick<VerificationRepository, 'batch'>, options: RequestBatcherOptions) {
    this.#group = new GroupCommit<BatchRequest<unknown>, unknown>({
      commit: (requests) => repository.batch(requests),
      maxBatch: options.maxBatch ?? 256,
      concurrency: options.concurrency ?? 2,
      maxWaiting: options.maxWaiting,
      overloaded: (reason) =>
        reason === 'closed'
          ? new UnavailableError('the service is shutting down', RETRY_AFTER_MS)
          : new UnavailableError(`${options.maxWaiting} requests are waiting for the database`, RETRY_AFTER_MS),
      onBatch: options.onBatch,
      gatherTurn: options.gatherTurn,
    });
  }

  /** Requests waiting for a transaction right now. */
  get waiting(): number {
    return this.#group.waiting;
  }

  /** Runs `work` in the next transaction; resolves once that transaction committed. */
  async run<R>(reads: BatchReads, work: (uow: VerificationUnitOfWork) => Promise<R>): Promise<R> {
    return (await this.#group.submit({ reads, work })) as R;
  }

  /** Refuses new requests and waits for those handed in. */
  close(): Promise<void> {
    return this.#group.close();
  }
}
