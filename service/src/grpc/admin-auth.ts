import { createHash, timingSafeEqual } from 'node:crypto';
import type { Metadata } from '@grpc/grpc-js';
import { UnauthenticatedError } from '../shared/errors.js';

/** Who AdminService records as the actor until admin identities arrive with the dashboard. */
export const ADMIN_TOKEN_ACTOR = 'admin-token';

/**
 * Checks `authorization: Bearer <token>` against the configured admin token. Both sides are
 * hashed first so the comparison is constant-time whatever the lengths (timingSafeEqual needs
 * equal lengths, and an early length check would leak the token's length).
 * @returns the actor name for the audit log.
 * @throws UnauthenticatedError when the token is missing or wrong, or none is configured.
 */
export function authenticateAdmin(metadata: Metadata, adminToken: string): string {
  const [authorization] = metadata.get('authorization');
  if (typeof authorization !== 'string' || authorization.trim() === '') {
    throw new UnauthenticatedError('AdminService needs the admin token: send "authorization: Bearer <token>"');
  }
  const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
  const presented = match?.[1] ?? '';
  const expected = createHash('sha256').update(adminToken).digest();
  const given = createHash('sha256').update(presented).digest();
  // An unset token must never match an empty one.
  if (adminToken === '' || presented === '' || !timingSafeEqual(expected, given)) throw new UnauthenticatedError('wrong admin token');
  return ADMIN_TOKEN_ACTOR;
}
