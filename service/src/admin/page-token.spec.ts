import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../shared/errors.js';
import { decodePageToken, encodePageToken, pageSize } from './page-token.js';

const position = { createdAt: '2026-03-01 12:00:00.123456+00', id: '6f1c2b0e-8a55-4b8e-9a43-0c1d2e3f4a5b' };

/** The field of the InvalidArgumentError `work` throws. */
function fieldOf(work: () => unknown): string | undefined {
  try {
    work();
  } catch (error) {
    return error instanceof InvalidArgumentError ? error.field : undefined;
  }
  return undefined;
}

describe('page tokens', () => {
  it('round-trips a position, microseconds included', () => {
    expect(decodePageToken(encodePageToken(position))).toEqual(position);
  });

  it('reads an empty token as the first page', () => {
    expect(decodePageToken('')).toBeNull();
  });

  it.each([
    ['not base64url', 'a+b/c='],
    ['not JSON', Buffer.from('hello').toString('base64url')],
    ['a JSON array', Buffer.from('[1,2]').toString('base64url')],
    ['a bad time', Buffer.from(JSON.stringify({ t: 'yesterday', i: position.id })).toString('base64url')],
    ['a bad id', Buffer.from(JSON.stringify({ t: position.createdAt, i: "x' or 1=1" })).toString('base64url')],
    ['an oversized token', 'A'.repeat(300)],
  ])('refuses %s as INVALID_ARGUMENT on page_token', (_what, token) => {
    expect(fieldOf(() => decodePageToken(token))).toBe('page_token');
  });
});

describe('pageSize', () => {
  it('defaults 0 to 50', () => {
    expect(pageSize(0)).toBe(50);
  });

  it.each([1, 500])('accepts %i', (size) => {
    expect(pageSize(size)).toBe(size);
  });

  it.each([-1, 501, 2.5])('refuses %d on page_size', (size) => {
    expect(fieldOf(() => pageSize(size))).toBe('page_size');
  });
});
