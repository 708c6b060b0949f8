import { describe, expect, it } from 'vitest';
import { GroupCommit, type ItemOutcome } from './group-commit.js';

/** A commit the test releases by hand, recording the batches it was given. */
function manualCommit<I>() {
  const batches: I[][] = [];
  const releases: (() => void)[] = [];
  const commit = async (items: readonly I[]): Promise<ItemOutcome<I>[]> => {
    batches.push([...items]);
    await new Promise<void>((resolve) => releases.push(resolve));
    return items.map((item) => ({ ok: true, value: item }));
  };
  const releaseNext = async () => {
    for (let i = 0; i < 20 && releases.length === 0; i++) await Promise.resolve();
    releases.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { batches, commit, releaseNext };
}

const overloaded = (reason: 'full' | 'closed') => new Error(`overloaded: ${reason}`);

describe('GroupCommit', () => {
  it('commits an item at once when nothing else is being committed', async () => {
    const { batches, commit, releaseNext } = manualCommit<number>();
    const group = new GroupCommit({ commit, maxBatch: 10, concurrency: 1, maxWaiting: 100, overloaded });

    const answer = group.submit(1);
    await releaseNext();

    expect(await answer).toBe(1);
    expect(batches).toEqual([[1]]);
  });

  it('commits the items that arrived during a transaction together, in arrival order, in the next one', async () => {
    const { batches, commit, releaseNext } = manualCommit<number>();
    const group = new GroupCommit({ commit, maxBatch: 10, concurrency: 1, maxWaiting: 100, overloaded });

    const answers = [group.submit(1), group.submit(2), group.submit(3), group.submit(4)];
    await releaseNext();
    await releaseNext();

    expect(await Promise.all(answers)).toEqual([1, 2, 3, 4]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('answers nobody before the transaction holding their item has committed', async () => {
    const { commit, releaseNext } = manualCommit<number>();
    const group = new GroupCommit({ commit, maxBatch: 10, concurrency: 1, maxWaiting: 100, overloaded });
    let answered = false;

    void group.submit(1).then(() => { answered = true; });
    await new Promise((resolve) => setImmediate(resolve));
    expect(answered).toBe(false);
    await releaseNext();
    expect(answered).toBe(true);
  });

  it('never commits a batch again when what it reports after the commit throws', async () => {
    const { batches, commit, releaseNext } = manualCommit<number>();
    const group = new GroupCommit({ commit, maxBatch: 10, concurrency: 1, maxWaiting: 100, overloaded, onBatch: () => { throw new Error('metrics broke'); } });

    const first = group.submit(1);
    const rest = [group.submit(2), group.submit(3)];
    await releaseNext();
    await releaseNext();

    expect(await Promise.all([first, ...rest])).toEqual([1, 2, 3]);
    expect(batches).toEqual([[1], [2, 3]]);
  });

  it('keeps batches within maxBatch and runs at most `concurrency` transactions at once', async () => {
    const { batches, commit, releaseNext } = manualCommit<number>();
    const group = new GroupCommit({ commit, maxBatch: 2, concurrency: 2, maxWaiting: 100, overloaded });

    const answers = [1, 2, 3, 4, 5, 6].map((n) => group.submit(n));
    await new Promise((resolve) => setImmediate(resolve));
    expect(batches).toEqual([[1], [2]]); // both slots taken at once; the rest wait
    for (let i = 0; i < 4; i++) await releaseNext();

    expect(await Promise.all(answers)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(batches).toEqual([[1], [2], [3, 4], [5, 6]]);
  });

  it('puts urgent items ahead of ordinary ones that waited longer, and fills the rest of the batch in order', async () => {
    const { batches, commit, releaseNext } = manualCommit<number>();
    // Negative numbers stand for receipts, positive ones for new submits queued in thousands.
    const group = new GroupCommit({ commit, maxBatch: 3, concurrency: 1, maxWaiting: 100, overloaded, urgent: (n: number) => n < 0 });

    const answers = [1, 2, 3, 4, -1, 5, -2].map((n) => group.submit(n));
    for (let i = 0; i < 3; i++) await releaseNext();

    expect(await Promise.all(answers)).toEqual([1, 2, 3, 4, -1, 5, -2]);
    expect(batches).toEqual([[1], [-1, -2, 2], [3, 4, 5]]);
  });

  it('counts urgent items against maxWaiting too', async () => {
    const { commit, releaseNext } = manualCommit<number>();
    const group = new GroupCommit({ commit, maxBatch: 10, concurrency: 1, maxWaiting: 2, overloaded, urgent: (n: number) => n < 0 });

    const first = group.submit(1); // taken at once
    const queued = [group.submit(-1), group.submit(2)];
    await expect(group.submit(-2)).rejects.toThrow('overloaded: full');
    expect(group.waiting).toBe(2);
    await releaseNext();
    await releaseNext();
    expect(await Promise.all([first, ...queued])).toEqual([1, -1, 2]);
  });

  it('with gatherTurn, waits for the turn to end so that a turn of items shares one batch, even when idle', async () => {
    const batches: number[][] = [];
    // A commit that never yields to I/O, like PGlite's: without gathering, each item would run alone.
    const commit = (items: readonly number[]) => {
      batches.push([...items]);
      return Promise.resolve(items.map((value) => ({ ok: true as const, value })));
    };
    const group = new GroupCommit({ commit, maxBatch: 10, concurrency: 1, maxWaiting: 100, overloaded, gatherTurn: true });

    const first = [1, 2, 3].map((n) => group.submit(n));
    expect(batches).toEqual([]); // nothing before the turn ends
    expect(await Promise.all(first)).toEqual([1, 2, 3]);
    const second = [4, 5].map((n) => group.submit(n));
    expect(await Promise.all(second)).toEqual([4, 5]);

    expect(batches).toEqual([[1, 2, 3], [4, 5]]);
    await group.close();
  });

  it('gives each item its own outcome: one refused item does not fail the others', async () => {
    const group = new GroupCommit<number, number>({
      commit: (items) => Promise.resolve(items.map((n) => (n % 2 === 0 ? { ok: false, error: new Error(`even ${n}`) } : { ok: true, value: n * 10 }))),
      maxBatch: 10,
      concurrency: 1,
      maxWaiting: 100,
      overloaded,
    });

    const settled = await Promise.allSettled([group.submit(1), group.submit(2), group.submit(3)]);

    expect(settled.map((s) => (s.status === 'fulfilled' ? s.value : (s.reason as Error).message))).toEqual([10, 'even 2', 30]);
  });

  it('commits each item on its own when a whole transaction fails, so only the item at fault is refused', async () => {
    const batches: number[][] = [];
    const group = new GroupCommit<number, number>({
      commit: (items) => {
        batches.push([...items]);
        if (items.includes(13)) return Promise.reject(new Error('violates a constraint'));
        return Promise.resolve(items.map((n) => ({ ok: true, value: n })));
      },
      maxBatch: 10,
      concurrency: 1,
      maxWaiting: 100,
      overloaded,
    });

    const first = group.submit(1); // commits alone; the next three wait and go together
    const settled = await Promise.allSettled([first, group.submit(12), group.submit(13), group.submit(14)]);

    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(batches).toEqual([[1], [12, 13, 14], [12], [13], [14]]);
  });

  it('refuses an item at once when too many are waiting, naming why', async () => {
    const { commit, releaseNext } = manualCommit<number>();
    const group = new GroupCommit({ commit, maxBatch: 10, concurrency: 1, maxWaiting: 2, overloaded });

    const running = group.submit(1);
    const waiting = [group.submit(2), group.submit(3)];
    await expect(group.submit(4)).rejects.toThrow('overloaded: full');
    expect(group.waiting).toBe(2);
    await releaseNext();
    await releaseNext();
    expect(await Promise.all([running, ...waiting])).toEqual([1, 2, 3]);
  });

  it('after close, refuses new items and resolves once every item handed in has its outcome', async () => {
    const { commit, releaseNext } = manualCommit<number>();
    const group = new GroupCommit({ commit, maxBatch: 10, concurrency: 1, maxWaiting: 100, overloaded });
    const answers = [group.submit(1), group.submit(2)];

    let closed = false;
    const closing = group.close().then(() => { closed = true; });
    await expect(group.submit(3)).rejects.toThrow('overloaded: closed');
    await releaseNext();
    expect(closed).toBe(false);
    await releaseNext();
    await closing;

    expect(closed).toBe(true);
    expect(await Promise.all(answers)).toEqual([1, 2]);
  });
});
