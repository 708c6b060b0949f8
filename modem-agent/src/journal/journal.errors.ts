// One family of errors for the journal, each with a stable code, so the agent's entry point can
// tell "refuse to start" (corrupt, not a journal) from "a caller broke the lifecycle" (a bug).

/** Base of every error the journal throws. */
export abstract class JournalError extends Error {
  abstract readonly code: string;
}

/**
 * The file holds a damaged record that is not an interrupted last write: valid records follow it,
 * or it passes its checksum but breaks the journal's rules. The journal refuses to open rather
 * than skip it, because a skipped `radio-attempt-started` would make a message look unsent.
 */
export class JournalCorruptError extends JournalError {
  readonly code = 'JOURNAL_CORRUPT';

  constructor(
    readonly path: string,
    /** Byte offset of the damaged record's first byte. */
    readonly offset: number,
    /** 1-based line of the damaged record. */
    readonly line: number,
    readonly reason: string,
  ) {
    super(
      `journal ${path} is damaged at byte ${offset} (line ${line}): ${reason}. Refusing to open it: ` +
        'skipping a record could send a message twice or lose a result. Move the file aside to ' +
        'start with an empty journal; the service then reconciles by message id.',
    );
    this.name = 'JournalCorruptError';
  }
}

/** The file is not a journal this agent can read (no header, or a version it does not know). */
export class JournalFormatError extends JournalError {
  readonly code = 'JOURNAL_FORMAT';

  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path} is not a journal this agent can read: ${reason}; it is left untouched`);
    this.name = 'JournalFormatError';
  }
}

/** An append that breaks a message's lifecycle, e.g. a part handed to the radio a second time. */
export class JournalRuleError extends JournalError {
  readonly code = 'JOURNAL_RULE';

  constructor(reason: string) {
    super(reason);
    this.name = 'JournalRuleError';
  }
}

/**
 * The journal cannot take appends: it was closed, or a write or fsync failed. After a failed
 * fsync the kernel may have dropped the pages, so retrying could report as durable what is not;
 * the agent must restart and replay the file instead.
 */
export class JournalUnavailableError extends JournalError {
  readonly code = 'JOURNAL_UNAVAILABLE';

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'JournalUnavailableError';
  }
}
