import { describe, expect, it } from 'vitest';
import { UnansweredSubmits } from './unanswered-submits.js';

// Only the identity of a session matters: entries are kept per session object.
const session = (): object => ({});
const part = (attemptId: string) => ({ attemptId, part: 1, parts: 1 });

describe('UnansweredSubmits', () => {
  it('finds a late response by its session and sequence number, once', () => {
    const unanswered = new UnansweredSubmits();
    const first = session();
    const second = session();
    unanswered.remember(first, 7, '4915112345678:1', part('a1'));

    expect(unanswered.takeBySequence(second, 7)).toBeUndefined();
    expect(unanswered.takeBySequence(first, 7)).toMatchObject({ attemptId: 'a1' });
    expect(unanswered.takeBySequence(first, 7)).toBeUndefined();
  });

  it('finds the submit a receipt echoing its reference is about, once', () => {
    const unanswered = new UnansweredSubmits();
    unanswered.remember(session(), 7, '4915112345678:1', part('a1'));

    expect(unanswered.takeByReference('4915112345678:2')).toBeUndefined();
    expect(unanswered.takeByReference('4915112345678:1')).toMatchObject({ attemptId: 'a1' });
    expect(unanswered.takeByReference('4915112345678:1')).toBeUndefined();
  });

  it('forgets references older than an hour', () => {
    const unanswered = new UnansweredSubmits();
    const now = Date.now();
    unanswered.remember(session(), 1, 'old', part('a1'), now - 61 * 60_000);
    unanswered.remember(session(), 2, 'recent', part('a2'), now - 59 * 60_000);
    unanswered.expire(now);

    expect(unanswered.takeByReference('old')).toBeUndefined();
    expect(unanswered.takeByReference('recent')).toMatchObject({ attemptId: 'a2' });
  });

  it('keeps at most 10,000, dropping the oldest first', () => {
    const unanswered = new UnansweredSubmits();
    const one = session();
    for (let n = 0; n <= 10_000; n++) unanswered.remember(one, n, `ref:${n}`, part(`a${n}`));

    expect(unanswered.takeBySequence(one, 0)).toBeUndefined();
    expect(unanswered.takeByReference('ref:0')).toBeUndefined();
    expect(unanswered.takeBySequence(one, 1)).toMatchObject({ attemptId: 'a1' });
    expect(unanswered.takeByReference('ref:10000')).toMatchObject({ attemptId: 'a10000' });
  });
});
