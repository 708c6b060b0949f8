import { describe, expect, it } from 'vitest';
import { RateLimiter, seededRandom } from './smsc-flow.js';

const draw = (seed: number, count: number): number[] => {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => random());
};

describe('seededRandom', () => {
  it('gives the same sequence for the same seed, and another for another seed', () => {
    expect(draw(1234, 20)).toEqual(draw(1234, 20));
    expect(draw(1234, 20)).not.toEqual(draw(1235, 20));
  });

  it('takes 0 and the largest 32-bit seed', () => {
    expect(new Set(draw(0, 20)).size).toBe(20);
    expect(new Set(draw(0xffffffff, 20)).size).toBe(20);
  });

  it('stays in [0, 1) and spreads evenly enough to pick a share of submits', () => {
    const values = draw(7, 10_000);
    const buckets = Array.from({ length: 10 }, (_, bucket) => values.filter((value) => Math.floor(value * 10) === bucket).length);

    expect(values.every((value) => value >= 0 && value < 1)).toBe(true);
    for (const count of buckets) expect(count).toBeGreaterThan(850);
  });
});

describe('RateLimiter', () => {
  it('admits perSecond per key within a second, then again once it has passed', () => {
    const limiter = new RateLimiter();

    expect([0, 10, 20].map((at) => limiter.tryTake('a', 2, at))).toEqual([true, true, false]);
    expect(limiter.tryTake('b', 2, 20)).toBe(true);
    expect(limiter.tryTake('a', 2, 1000)).toBe(true);
  });
});
