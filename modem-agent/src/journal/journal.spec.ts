import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  Journal,
  JournalCorruptError,
  JournalFormatError,
  JournalRuleError,
  JournalUnavailableError,
  type CommandAccepted,
  type JournalOptions,
} from './index.js';

const ACCEPTED_AT = '2025-03-01T10:00:00.000Z';
const VALIDITY_SECONDS = 3600;

function command(messageId: string, text = 'Your code is 481516'): CommandAccepted {
  return {
    type: 'command-accepted',
    messageId,
    to: '+33612345678',
    text,
    parts: 1,
    validitySeconds: VALIDITY_SECONDS,
    statusReport: true,
    sendBefore: null,
    modems: [],
    acceptedAt: ACCEPTED_AT,
  };
}

const attempt = (messageId: string) =>
  ({ type: 'radio-attempt-started', messageId, modem: 'orange-1', part: 1 }) as const;
const submitted = (messageId: string, reference = 7) =>
  ({ type: 'submitted', messageId, modem: 'orange-1', part: 1, reference }) as const;
const inbound = (id: string) =>
  ({ type: 'inbound', id, modem: 'orange-1', from: '+33600000000', text: 'STOP', parts: 1, at: '2025-03-01T10:01:00.000Z' }) as const;

let dir: string;
let path: string;
const open: Journal[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'modem-agent-journal-'));
  path = join(dir, 'agent.journal');
});

afterEach(async () => {
  for (const journal of open.splice(0)) await journal.close();
  rmSync(dir, { recursive: true, force: true });
});

async function openJournal(file = path, options: JournalOptions = {}): Promise<Journal> {
  const journal = await Journal.open(file, options);
  open.push(journal);
  return journal;
}

/** Sends m-1 out, leaves m-2 pending and records one SMS received: a typical mid-run journal. */
async function writeTypicalJournal(journal: Journal): Promise<void> {
  await journal.append(command('m-1'));
  await journal.append(command('m-2'));
  await journal.append(attempt('m-1'));
  await journal.append(submitted('m-1'));
  await journal.append(inbound('in-1'));
}

/** What an agent reads from a journal after it opens it. */
function view(journal: Journal) {
  return {
    pending: journal.pendingCommands().map((m) => [m.command.messageId, m.nextPart]),
    statuses: ['m-1', 'm-2'].map((id) => journal.message(id)?.status),
    unacked: journal.unackedResults(),
  };
}

async function expectRejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('Journal.open', () => {
  it('creates a missing journal, and its directory, empty', async () => {
    const journal = await openJournal(join(dir, 'nested', 'agent.journal'));
    expect(journal.pendingCommands()).toEqual([]);
    expect(journal.unackedResults()).toEqual([]);
    expect(journal.recovery).toEqual({ discardedTailBytes: 0, outcomeUnknown: [] });
  });

  it('replays the file after a restart into the same commands and results', async () => {
    const first = await openJournal();
    await writeTypicalJournal(first);
    await first.close();

    const reopened = await openJournal();
    expect(view(reopened)).toEqual({
      pending: [['m-2', 1]],
      statuses: ['submitted', 'pending'],
      unacked: [
        { seq: 4, ...submitted('m-1') },
        { seq: 5, ...inbound('in-1') },
      ],
    });
  });

  it('refuses a file that is not a journal, and leaves it untouched', async () => {
    writeFileSync(path, 'service:\n  address: localhost:50051\n');
    const error = await expectRejection(Journal.open(path));
    expect(error).toBeInstanceOf(JournalFormatError);
    expect((error as Error).message).toMatch(/first line is not a journal header; it is left untouched/);
    expect(readFileSync(path, 'utf8')).toBe('service:\n  address: localhost:50051\n');
  });
});

describe('a write cut short by a crash', () => {
  it('replays as if the last record had never been written, wherever the cut falls', async () => {
    const journal = await openJournal();
    await writeTypicalJournal(journal);
    const beforeLast = journal.stats;
    await journal.append(command('m-3'));
    await journal.close();
    const full = readFileSync(path);
    const lastStart = full.lastIndexOf(0x0a, full.length - 2) + 1;
    expect(beforeLast.entriesInFile).toBe(5);

    const reference = join(dir, 'reference.journal');
    writeFileSync(reference, full.subarray(0, lastStart));
    const expected = view(await openJournal(reference));

    for (let cut = lastStart; cut < full.length; cut++) {
      const torn = join(dir, `torn-${cut}.journal`);
      writeFileSync(torn, full.subarray(0, cut));
      const replayed = await openJournal(torn);
      expect(view(replayed)).toEqual(expected);
      expect(replayed.recovery.discardedTailBytes).toBe(cut - lastStart);
      expect(readFileSync(torn).length).toBe(lastStart);
    }
  });

  it('cuts off the torn tail so that the next append follows the last good record', async () => {
    const journal = await openJournal();
    await writeTypicalJournal(journal);
    await journal.close();
    writeFileSync(path, Buffer.concat([readFileSync(path), Buffer.from('0badc0de {"seq":6,"ty')]));

    const reopened = await openJournal();
    await reopened.append(command('m-3'));
    await reopened.close();
    const again = await openJournal();
    expect(again.recovery.discardedTailBytes).toBe(0);
    expect(again.pendingCommands().map((m) => m.command.messageId)).toEqual(['m-2', 'm-3']);
  });
});

describe('a damaged record before the last', () => {
  // Skipping a damaged record could make a message that went to the radio look unsent, so the
  // journal refuses to open and names the place; the operator moves the file aside.
  it('stops the journal from opening, naming its byte offset and line, and leaves the file as it was', async () => {
    const journal = await openJournal();
    await writeTypicalJournal(journal);
    await journal.close();
    const bytes = readFileSync(path);
    const lineStarts = [0, ...[...bytes.entries()].filter(([, b]) => b === 0x0a).map(([i]) => i + 1)];
    const third = lineStarts[3] ?? 0; // header, m-1, m-2, then the radio attempt
    bytes[third + 20] = (bytes[third + 20] ?? 0) ^ 0x20;
    writeFileSync(path, bytes);

    const error = await expectRejection(Journal.open(path));
    expect(error).toBeInstanceOf(JournalCorruptError);
    expect(error).toMatchObject({ offset: third, line: 4, code: 'JOURNAL_CORRUPT' });
    expect((error as Error).message).toContain(`is damaged at byte ${third} (line 4): checksum mismatch`);
    expect(readFileSync(path)).toEqual(bytes);
  });

  it('also refuses a record whose checksum holds but which breaks the rules', async () => {
    const journal = await openJournal();
    await journal.append(command('m-1'));
    await journal.append(attempt('m-1'));
    await journal.append(submitted('m-1'));
    await journal.close();
    const lines = readFileSync(path, 'utf8').split('\n');
    // The submission copied before the attempt: each line is well formed, the order is not.
    writeFileSync(path, [lines[0], lines[1], lines[3], lines[2], ''].join('\n'));

    const error = await expectRejection(Journal.open(path));
    expect(error).toBeInstanceOf(JournalCorruptError);
    expect((error as Error).message).toContain('submitted breaks the journal');
  });
});

describe('the never-twice rule', () => {
  it('closes a message caught between radio-attempt-started and submitted as outcome-unknown', async () => {
    const journal = await openJournal();
    await journal.append(command('m-1'));
    await journal.append(attempt('m-1'));
    await journal.close(); // on disk exactly as a crash right after the attempt's fsync leaves it

    const restarted = await openJournal();
    expect(restarted.recovery.outcomeUnknown).toEqual(['m-1']);
    expect(restarted.message('m-1')?.status).toBe('outcome-unknown');
    expect(restarted.pendingCommands()).toEqual([]);
    expect(restarted.unackedResults()).toMatchObject([
      { seq: 3, type: 'outcome-unknown', messageId: 'm-1', modem: 'orange-1', part: 1 },
    ]);
    const error = await expectRejection(restarted.append(attempt('m-1')));
    expect(error).toBeInstanceOf(JournalRuleError);
  });

  it('reports the unknown outcome once: a second restart finds it already recorded', async () => {
    const journal = await openJournal();
    await journal.append(command('m-1'));
    await journal.append(attempt('m-1'));
    await journal.close();
    await (await openJournal()).close();

    const again = await openJournal();
    expect(again.recovery.outcomeUnknown).toEqual([]);
    expect(again.unackedResults().map((r) => r.type)).toEqual(['outcome-unknown']);
  });

  it('replays an abandoned attempt as pending, so a restart sends the part rather than closing it', async () => {
    const journal = await openJournal();
    await journal.append(command('m-1'));
    await journal.append(attempt('m-1'));
    await journal.append({ type: 'radio-attempt-abandoned', messageId: 'm-1', modem: 'orange-1', part: 1, reason: 'no prompt' });
    await journal.close();

    const restarted = await openJournal();
    expect(restarted.recovery.outcomeUnknown).toEqual([]);
    expect(restarted.pendingCommands().map((m) => [m.command.messageId, m.nextPart])).toEqual([['m-1', 1]]);
    expect(restarted.unackedResults()).toEqual([]);
  });

  it('refuses to hand the same part to the radio twice while running', async () => {
    const journal = await openJournal();
    await journal.append(command('m-1'));
    await journal.append(attempt('m-1'));
    await journal.append(submitted('m-1'));
    const error = await expectRejection(journal.append(attempt('m-1')));
    expect(error).toBeInstanceOf(JournalRuleError);
    expect((error as Error).message).toBe(
      'cannot append radio-attempt-started: message m-1 is submitted: it never goes to the radio again',
    );
  });
});

describe('a command the service sends again', () => {
  it('writes nothing and answers with the message as first accepted', async () => {
    const journal = await openJournal();
    const first = await journal.append(command('m-1'));
    await journal.append(attempt('m-1'));
    await journal.append(submitted('m-1'));

    const again = await journal.append(command('m-1', 'a different text'));
    expect(again).toEqual({ entry: first.entry, written: false });
    expect(journal.message('m-1')?.status).toBe('submitted');
    expect(journal.stats.entriesInFile).toBe(3);
  });

  it('is recognised after a restart too', async () => {
    const journal = await openJournal();
    await journal.append(command('m-1'));
    await journal.close();
    const reopened = await openJournal();
    expect((await reopened.append(command('m-1'))).written).toBe(false);
    expect(reopened.stats.appends).toBe(0);
  });

  it('sent twice at once, is written once', async () => {
    const journal = await openJournal();
    const [a, b] = await Promise.all([journal.append(command('m-1')), journal.append(command('m-1'))]);
    expect([a.written, b.written]).toEqual([true, false]);
    expect(b.entry).toBe(a.entry);
  });
});

describe('appends made together', () => {
  it('share one fsync, and each resolves only once its record is in the file', async () => {
    const journal = await openJournal();
    const ids = Array.from({ length: 50 }, (_, i) => `m-${i}`);
    const inFileWhenResolved = await Promise.all(
      ids.map(async (id) => {
        await journal.append(command(id));
        return readFileSync(path, 'utf8').includes(`"messageId":"${id}"`);
      }),
    );
    expect(inFileWhenResolved.every(Boolean)).toBe(true);
    expect(journal.stats).toMatchObject({ appends: 50, syncs: 1 });
  });

  it('keep the order they were made in', async () => {
    const journal = await openJournal();
    await Promise.all([journal.append(command('m-1')), journal.append(attempt('m-1')), journal.append(submitted('m-1'))]);
    await journal.close();
    expect((await openJournal()).message('m-1')?.status).toBe('submitted');
  });
});

describe('Journal.ack', () => {
  it('removes acknowledged results, ignores repeats and unknown ids, and survives a restart', async () => {
    const journal = await openJournal();
    await writeTypicalJournal(journal);
    expect(await journal.ack([4, 4, 999])).toBe(1);
    expect(await journal.ack([4])).toBe(0);
    await journal.close();

    const reopened = await openJournal();
    expect(reopened.unackedResults().map((r) => r.seq)).toEqual([5]);
  });
});

describe('compaction', () => {
  const afterValidity = Date.parse(ACCEPTED_AT) + VALIDITY_SECONDS * 1000;

  async function settle(journal: Journal, id: string): Promise<void> {
    await journal.append(command(id));
    await journal.append(attempt(id));
    const { entry } = await journal.append(submitted(id));
    await journal.ack([entry.seq]);
  }

  it('keeps unacknowledged results, pending commands and their ids, and drops what is settled', async () => {
    const journal = await openJournal(path, { now: () => afterValidity });
    for (let i = 0; i < 20; i++) await settle(journal, `old-${i}`);
    await writeTypicalJournal(journal);
    const unackedBefore = journal.unackedResults();
    const sizeBefore = readFileSync(path).length;

    await journal.compact();
    expect(readFileSync(path).length).toBeLessThan(sizeBefore / 4);
    await journal.close();

    const reopened = await openJournal(path, { now: () => afterValidity });
    expect(reopened.unackedResults()).toEqual(unackedBefore);
    expect(reopened.pendingCommands().map((m) => m.command.messageId)).toEqual(['m-2']);
    expect(reopened.message('old-0')).toBeUndefined();
    const next = await reopened.append(command('m-3'));
    expect(next.entry.seq).toBeGreaterThan(Math.max(...unackedBefore.map((r) => r.seq)));
  });

  it('keeps a settled message until its validity runs out, so a resent command is still recognised', async () => {
    const journal = await openJournal(path, { now: () => afterValidity - 1 });
    await settle(journal, 'm-1');
    await journal.compact();
    await journal.close();

    const reopened = await openJournal();
    expect(reopened.unackedResults()).toEqual([]);
    expect((await reopened.append(command('m-1'))).written).toBe(false);
  });

  it('runs by itself once acknowledged entries dominate the file', async () => {
    const journal = await openJournal(path, { now: () => afterValidity, compactAfterEntries: 40 });
    for (let i = 0; i < 30; i++) await settle(journal, `m-${i}`);
    await journal.append(command('last'));

    expect(journal.stats.compactions).toBeGreaterThan(0);
    expect(journal.stats.entriesInFile).toBeLessThan(40);
    await journal.close();
    const reopened = await openJournal();
    expect(reopened.pendingCommands().map((m) => m.command.messageId)).toEqual(['last']);
  });

  it('leaves a journal that replays when a stale temporary file from an interrupted one lies beside it', async () => {
    const journal = await openJournal(path, { now: () => afterValidity });
    await writeTypicalJournal(journal);
    await journal.close();
    writeFileSync(`${path}.tmp`, 'half a snapshot');

    const reopened = await openJournal(path, { now: () => afterValidity });
    await reopened.compact();
    await reopened.close();
    expect(view(await openJournal())).toMatchObject({ pending: [['m-2', 1]] });
  });
});

describe('appends the journal refuses', () => {
  it('refuses a malformed record without writing it', async () => {
    const journal = await openJournal();
    const error = await expectRejection(journal.append({ ...command('m-1'), parts: 0 }));
    expect(error).toBeInstanceOf(JournalRuleError);
    expect((error as Error).message).toBe('cannot append: command-accepted: parts must be a whole number from 1');
    expect(journal.stats.entriesInFile).toBe(0);
  });

  it('refuses appends once closed', async () => {
    const journal = await openJournal();
    await journal.close();
    expect(await expectRejection(journal.append(command('m-1')))).toBeInstanceOf(JournalUnavailableError);
  });
});

describe('an empty file', () => {
  it('is taken as a new journal: a zero-length file has nothing to lose', async () => {
    writeFileSync(path, '');
    const journal = await openJournal();
    await journal.append(command('m-1'));
    await journal.close();
    expect(view(await openJournal())).toMatchObject({ pending: [['m-1', 1]] });
  });
});
