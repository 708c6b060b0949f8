// The agent's journal: every accepted command and every result not yet acknowledged, in one
// append-only file, so a restart or a dropped link loses nothing and sends nothing twice.
//
// An append resolves only once its bytes are fsync'd. Appends that arrive while a write is under
// way wait for the next one and share its fsync (group commit): one fsync costs milliseconds on
// flash, and several modems report at once. When acknowledged entries dominate the file, it is
// rewritten as a snapshot of what is still needed, in the same format, and appends go on there.
import { mkdir, open, readFile, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { replaceFileDurably } from './durable-file.js';
import { decodeLines, encodeLine } from './journal.frame.js';
import {
  JournalCorruptError,
  JournalFormatError,
  JournalRuleError,
  JournalUnavailableError,
} from './journal.errors.js';
import {
  recordShapeProblem,
  type Acked,
  type JournalEntry,
  type JournalRecord,
  type JournalResult,
} from './journal.records.js';
import { JournalState, type MessageState } from './journal.state.js';

const FORMAT = 'switchboard-modem-agent-journal';
const VERSION = 1;

/** First line of every journal file. `nextSeq` keeps result ids unique across compactions. */
interface JournalHeader {
  readonly journal: typeof FORMAT;
  readonly version: typeof VERSION;
  readonly nextSeq: number;
}

/** Records a caller appends; acknowledgements go through {@link Journal.ack}. */
export type AppendableRecord = Exclude<JournalRecord, Acked>;

/** What {@link Journal.append} did. */
export interface AppendOutcome {
  /** The entry as stored; for a repeated command or SMS, the one stored first. */
  readonly entry: JournalEntry;
  /** False when the record repeated a known command or SMS and nothing was written. */
  readonly written: boolean;
}

/** What {@link Journal.open} found and repaired. */
export interface JournalRecovery {
  /** Bytes of an interrupted last write, cut off; none of it had been confirmed to a caller. */
  readonly discardedTailBytes: number;
  /** Messages found with a part handed to the radio and no answer, now closed as outcome-unknown. */
  readonly outcomeUnknown: readonly string[];
}

/** Counters for logs and tests. */
export interface JournalStats {
  /** Entries written since open. */
  readonly appends: number;
  /** fsyncs of the journal file since open; fewer than `appends` when writes were grouped. */
  readonly syncs: number;
  readonly compactions: number;
  /** Entries in the current file, the header not counted. */
  readonly entriesInFile: number;
}

export interface JournalOptions {
  /** Milliseconds since the epoch; compaction uses it to tell when a settled message has expired. */
  readonly now?: () => number;
  /** The file is compacted only once it holds at least this many entries. Default: 10,000. */
  readonly compactAfterEntries?: number;
}

interface QueuedWrite {
  readonly bytes: Buffer;
  readonly seq: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** The journal of one agent. Only one process may have a journal file open at a time. */
export class Journal {
  readonly #path: string;
  readonly #state: JournalState;
  readonly #now: () => number;
  readonly #compactAfterEntries: number;
  #file: FileHandle;
  #position: number;
  #nextSeq: number;
  #durableSeq: number;
  #entriesInFile: number;
  #retainedAtLastCheck = 0;
  #queue: QueuedWrite[] = [];
  #compactionWaiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  #draining: Promise<void> | undefined;
  #unavailable: JournalUnavailableError | undefined;
  #closed = false;
  #stats = { appends: 0, syncs: 0, compactions: 0 };
  #recovery: JournalRecovery = { discardedTailBytes: 0, outcomeUnknown: [] };

  private constructor(init: {
    path: string;
    state: JournalState;
    file: FileHandle;
    position: number;
    nextSeq: number;
    entriesInFile: number;
    options: JournalOptions;
  }) {
    this.#path = init.path;
    this.#state = init.state;
    this.#file = init.file;
    this.#position = init.position;
    this.#nextSeq = init.nextSeq;
    this.#durableSeq = init.nextSeq - 1;
    this.#entriesInFile = init.entriesInFile;
    this.#now = init.options.now ?? Date.now;
    this.#compactAfterEntries = init.options.compactAfterEntries ?? 10_000;
  }

  /**
   * Opens the journal at `path`, creating it (and its directory) when missing, and replays it.
   * An interrupted last write is cut off. A message found with a part handed to the radio and no
   * answer is closed with an `outcome-unknown` result before this resolves (see below).
   *
   * @throws {JournalCorruptError} when a record before the last is damaged or breaks the rules.
   * @throws {JournalFormatError} when the file is not a journal of this version.
   */
  static async open(path: string, options: JournalOptions = {}): Promise<Journal> {
    await mkdir(dirname(path), { recursive: true });
    let bytes = await readExisting(path);
    if (bytes === undefined || bytes.length === 0) {
      // Created whole by rename, so a journal file never exists without its header.
      bytes = encodeLine(header(1));
      await replaceFileDurably(path, bytes);
    }
    const decoded = decodeLines(bytes);
    const [first, ...lines] = decoded.lines;
    const start = readHeader(path, first?.value);
    if (decoded.damage !== undefined) {
      const { offset, line, reason } = decoded.damage;
      throw new JournalCorruptError(path, offset, line, `${reason}, and valid records follow it`);
    }

    const state = new JournalState();
    let lastSeq = 0;
    for (const { offset, line, value } of lines) {
      const problem = recordShapeProblem(value, true) ?? replayProblem(state, value as JournalEntry, lastSeq);
      if (problem !== undefined) throw new JournalCorruptError(path, offset, line, problem);
      const entry = Object.freeze(value as JournalEntry);
      state.apply(entry);
      lastSeq = entry.seq;
    }

    const file = await open(path, 'r+');
    if (decoded.discardedTailBytes > 0) {
      await file.truncate(decoded.validLength);
      await file.sync();
    }
    const journal = new Journal({
      path,
      state,
      file,
      position: decoded.validLength,
      nextSeq: Math.max(start.nextSeq, lastSeq + 1),
      entriesInFile: lines.length,
      options,
    });
    try {
      const outcomeUnknown = await journal.#closeInterruptedAttempts();
      journal.#recovery = { discardedTailBytes: decoded.discardedTailBytes, outcomeUnknown };
    } catch (error) {
      await journal.close();
      throw error;
    }
    return journal;
  }

  /** The file this journal writes. */
  get path(): string {
    return this.#path;
  }

  /** What {@link open} found and repaired. */
  get recovery(): JournalRecovery {
    return this.#recovery;
  }

  get stats(): JournalStats {
    return { ...this.#stats, entriesInFile: this.#entriesInFile };
  }

  /**
   * Appends `record` and resolves once it is on disk. The state reflects it at once, so a check
   * that follows sees it; act on it (e.g. write to the radio) only after this resolves.
   * A `command-accepted` for a known message id, or an `inbound` with a known id, writes nothing
   * and resolves with the entry stored first: the service resends commands after a reconnect.
   *
   * @throws {JournalRuleError} when the record is malformed or breaks its message's lifecycle.
   * @throws {JournalUnavailableError} when the journal is closed or a write failed.
   */
  async append(record: AppendableRecord): Promise<AppendOutcome> {
    this.#ensureAvailable();
    const shape = recordShapeProblem(record, false);
    if (shape !== undefined) throw new JournalRuleError(`cannot append: ${shape}`);
    const existing = this.#state.duplicateOf(record);
    if (existing !== undefined) {
      await this.#durable(existing.seq);
      return { entry: existing, written: false };
    }
    const violation = this.#state.violation(record);
    if (violation !== undefined) throw new JournalRuleError(`cannot append ${record.type}: ${violation}`);
    return { entry: await this.#write(record), written: true };
  }

  /**
   * Records that the service acknowledged these results; unknown or already acknowledged ids
   * are ignored (acknowledgements may repeat after a reconnect). Resolves with how many were new.
   */
  async ack(resultIds: Iterable<number>): Promise<number> {
    this.#ensureAvailable();
    const fresh = [...new Set(resultIds)].filter((id) => this.#state.isUnacked(id));
    if (fresh.length > 0) await this.#write({ type: 'acked', resultIds: fresh });
    return fresh.length;
  }

  /** The message with this id, or `undefined` when it was never accepted (or long forgotten). */
  message(messageId: string): MessageState | undefined {
    return this.#state.message(messageId);
  }

  /** Messages with a part still to hand to the radio, oldest first. */
  pendingCommands(): readonly MessageState[] {
    return this.#state.pendingCommands();
  }

  /** Messages with parts with the network that asked for status reports, oldest first. */
  awaitingReceipts(): readonly MessageState[] {
    return this.#state.awaitingReceipts();
  }

  /** Results to (re)send to the service, oldest first; each one's `seq` is its result id. */
  unackedResults(): readonly JournalResult[] {
    return this.#state.unackedResults();
  }

  /** Rewrites the file as a snapshot of what is still needed, whatever its size. */
  compact(): Promise<void> {
    this.#ensureAvailable();
    return new Promise((resolve, reject) => {
      this.#compactionWaiters.push({ resolve, reject });
      this.#scheduleDrain();
    });
  }

  /** Waits for pending appends, then closes the file; later appends are refused. */
  async close(): Promise<void> {
    while (this.#draining !== undefined) await this.#draining;
    if (this.#closed) return;
    this.#closed = true;
    this.#unavailable ??= new JournalUnavailableError(`journal ${this.#path} is closed`);
    await this.#file.close();
  }

  // The never-twice rule: `radio-attempt-started` is on disk before a byte goes to the modem, so
  // an attempt with no `submitted` or `failed` after it may or may not have reached the network.
  // Resending could deliver the SMS twice, so the message is closed as outcome-unknown and
  // reported: the service knows it cannot tell, and decides under its own policy.
  async #closeInterruptedAttempts(): Promise<string[]> {
    const interrupted = this.#state.inFlight();
    await Promise.all(
      interrupted.map(({ command, inFlight }) =>
        this.append({
          type: 'outcome-unknown',
          messageId: command.messageId,
          modem: inFlight?.modem ?? '',
          part: inFlight?.part ?? 0,
          reason: 'the agent stopped after handing this part to the modem, before the modem answered',
        }),
      ),
    );
    return interrupted.map((m) => m.command.messageId);
  }

  #ensureAvailable(): void {
    if (this.#unavailable !== undefined) throw this.#unavailable;
  }

  #write(record: JournalRecord): Promise<JournalEntry> {
    const entry = Object.freeze({ seq: this.#nextSeq++, ...record }) as JournalEntry;
    this.#state.apply(entry);
    return new Promise((resolve, reject) => {
      const bytes = encodeLine(entry);
      this.#queue.push({ bytes, seq: entry.seq, resolve: () => { resolve(entry); }, reject });
      this.#scheduleDrain();
    });
  }

  /** Resolves once the entry with `seq` is on disk. */
  async #durable(seq: number): Promise<void> {
    while (this.#durableSeq < seq) {
      this.#ensureAvailable();
      if (this.#draining === undefined) throw this.#failure(new Error(`seq ${seq} was never queued`));
      await this.#draining;
    }
  }

  #scheduleDrain(): void {
    this.#draining ??= this.#drain();
  }

  async #drain(): Promise<void> {
    // One turn of the event loop lets appends issued together (several modems, one burst of
    // acknowledgements) join the same write and fsync.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      for (;;) {
        if (this.#queue.length > 0) {
          await this.#flush(this.#queue.splice(0));
        } else if (this.#compactionWaiters.length > 0 || this.#compactionDue()) {
          const waiters = this.#compactionWaiters.splice(0);
          await this.#compact();
          for (const waiter of waiters) waiter.resolve();
        } else {
          break;
        }
      }
    } catch (error) {
      this.#fail(error);
    }
    // Cleared in the same turn as the empty-queue check above, so no append is left unscheduled.
    this.#draining = undefined;
  }

  async #flush(batch: QueuedWrite[]): Promise<void> {
    const bytes = Buffer.concat(batch.map((write) => write.bytes));
    try {
      await writeFully(this.#file, bytes, this.#position);
      await this.#file.datasync();
    } catch (error) {
      for (const write of batch) write.reject(this.#failure(error));
      throw error;
    }
    this.#position += bytes.length;
    this.#entriesInFile += batch.length;
    this.#durableSeq = batch.at(-1)?.seq ?? this.#durableSeq;
    this.#stats.appends += batch.length;
    this.#stats.syncs += 1;
    for (const write of batch) write.resolve();
  }

  /** Whether acknowledged entries now dominate a file past the size worth compacting. */
  #compactionDue(): boolean {
    const entries = this.#entriesInFile;
    // Counting what is retained walks every message: do it only when the file has doubled since.
    if (entries < this.#compactAfterEntries || entries < 2 * this.#retainedAtLastCheck) return false;
    this.#retainedAtLastCheck = this.#state.countRetained(this.#now());
    return entries >= 2 * this.#retainedAtLastCheck;
  }

  async #compact(): Promise<void> {
    // Built in one turn with the queue empty, so the snapshot holds exactly what is on disk;
    // appends made while it is written are queued and go to the new file after the rename.
    const { entries, ackedIds } = this.#state.retain(this.#now());
    const kept: JournalEntry[] = [...entries];
    if (ackedIds.length > 0) kept.push({ seq: this.#nextSeq++, type: 'acked', resultIds: ackedIds });
    const snapshot = Buffer.concat([encodeLine(header(this.#nextSeq)), ...kept.map((e) => encodeLine(e))]);

    await replaceFileDurably(this.#path, snapshot);
    const file = await open(this.#path, 'r+');
    await this.#file.close();
    this.#file = file;
    this.#position = snapshot.length;
    this.#entriesInFile = kept.length;
    this.#retainedAtLastCheck = kept.length;
    this.#stats.compactions += 1;
  }

  #failure(error: unknown): JournalUnavailableError {
    this.#unavailable ??= new JournalUnavailableError(
      `journal ${this.#path} stopped taking appends after a failed write; restart the agent to replay it`,
      { cause: error },
    );
    return this.#unavailable;
  }

  #fail(error: unknown): void {
    const failure = this.#failure(error);
    for (const write of this.#queue.splice(0)) write.reject(failure);
    for (const waiter of this.#compactionWaiters.splice(0)) waiter.reject(failure);
  }
}

function header(nextSeq: number): JournalHeader {
  return { journal: FORMAT, version: VERSION, nextSeq };
}

function readHeader(path: string, value: unknown): JournalHeader {
  if (typeof value !== 'object' || value === null || (value as Partial<JournalHeader>).journal !== FORMAT) {
    throw new JournalFormatError(path, 'its first line is not a journal header');
  }
  const { version, nextSeq } = value as Partial<JournalHeader>;
  if (version !== VERSION) throw new JournalFormatError(path, `it is version ${String(version)}, not ${VERSION}`);
  if (!Number.isSafeInteger(nextSeq) || (nextSeq ?? 0) < 1) {
    throw new JournalFormatError(path, 'its header has no valid nextSeq');
  }
  return value as JournalHeader;
}

function replayProblem(state: JournalState, entry: JournalEntry, lastSeq: number): string | undefined {
  if (entry.seq <= lastSeq) return `seq ${entry.seq} does not follow seq ${lastSeq}`;
  const violation = state.violation(entry);
  return violation === undefined ? undefined : `${entry.type} breaks the journal's rules: ${violation}`;
}

async function readExisting(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function writeFully(file: FileHandle, bytes: Buffer, position: number): Promise<void> {
  let written = 0;
  while (written < bytes.length) {
    const { bytesWritten } = await file.write(bytes, written, bytes.length - written, position + written);
    written += bytesWritten;
  }
}

