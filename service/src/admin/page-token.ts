/**
 * Keyset pagination over (created_at desc, id desc). The token is the last row's position,
 * base64url-encoded JSON: opaque to callers, so its shape may change, and checked on the way in
 * because it comes back from the network.
 */
import { InvalidArgumentError } from '../shared/errors.js';
import { isUuid } from '../shared/request-rules.js';

/** Where the previous page ended. `createdAt` is PostgreSQL's own text, microseconds included. */
export interface PagePosition {
  readonly createdAt: string;
  readonly id: string;
}

/** Rows per page when the caller asks for none, and the most it may ask for. */
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

/** What `timestamptz::text` prints, e.g. `2026-11-22 05:21:07.123456+00`. */
const PG_TIMESTAMP = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([+-]\d{2}(:?\d{2})?|Z)$/;

/** Encodes the position after the last row of a page. */
export function encodePageToken(position: PagePosition): string {
  return Buffer.from(JSON.stringify({ t: position.createdAt, i: position.id }), 'utf8').toString('base64url');
}

/** Decodes a page token; `null` for an empty one (the first page). */
export function decodePageToken(token: string, field = 'page_token'): PagePosition | null {
  if (token === '') return null;
  const invalid = () => new InvalidArgumentError(field, 'is not a token this service issued; pass next_page_token unchanged');
  if (token.length > 256 || !/^[A-Za-z0-9_-]+$/.test(token)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof parsed !== 'object' || parsed === null) throw invalid();
  const { t, i } = parsed as { t?: unknown; i?: unknown };
  if (typeof t !== 'string' || typeof i !== 'string' || !PG_TIMESTAMP.test(t) || !isUuid(i)) throw invalid();
  return { createdAt: t, id: i };
}

/** The page size to use: 0 means the default; outside 1-500 is INVALID_ARGUMENT. */
export function pageSize(requested: number, field = 'page_size'): number {
  if (requested === 0) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(requested) || requested < 1 || requested > MAX_PAGE_SIZE) {
    throw new InvalidArgumentError(field, `must be 1 to ${MAX_PAGE_SIZE} (0: ${DEFAULT_PAGE_SIZE})`);
  }
  return requested;
}
