import { status as Status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { backoffDelayMs, classifyStreamEnd, DEFAULT_BACKOFF } from './reconnect.policy.js';

describe('backoffDelayMs', () => {
  const middle = (): number => 0.5;

  it('doubles from 0.5 s and stops at 30 s', () => {
    const delays = [0, 1, 2, 3, 6, 7, 20].map((attempt) => backoffDelayMs(attempt, DEFAULT_BACKOFF, middle));
    expect(delays).toEqual([500, 1000, 2000, 4000, 30_000, 30_000, 30_000]);
  });

  it('spreads each delay by the jitter, never past the cap', () => {
    expect(backoffDelayMs(0, DEFAULT_BACKOFF, () => 0)).toBe(400);
    expect(backoffDelayMs(0, DEFAULT_BACKOFF, () => 1)).toBe(600);
    expect(backoffDelayMs(10, DEFAULT_BACKOFF, () => 1)).toBe(30_000);
  });
});

describe('classifyStreamEnd', () => {
  it.each([Status.OK, Status.UNAVAILABLE, Status.ALREADY_EXISTS, Status.CANCELLED, Status.INTERNAL])(
    'dials again with backoff after status %s',
    (code) => {
      expect(classifyStreamEnd(code).retry).toBe('backoff');
    },
  );

  it.each([Status.UNAUTHENTICATED, Status.PERMISSION_DENIED, Status.INVALID_ARGUMENT, Status.UNIMPLEMENTED])(
    'retries slowly, as an error, after the refusal %s',
    (code) => {
      expect(classifyStreamEnd(code)).toMatchObject({ retry: 'slow', level: 'error' });
    },
  );

  it('says what to check when the token is refused', () => {
    expect(classifyStreamEnd(Status.UNAUTHENTICATED).explanation).toContain('token');
  });
});
