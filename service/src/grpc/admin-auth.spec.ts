import { Metadata } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { UnauthenticatedError } from '../shared/errors.js';
import { authenticateAdmin } from './admin-auth.js';

const TOKEN = 'admin-token-value';

function withAuthorization(value: string | null): Metadata {
  const metadata = new Metadata();
  if (value !== null) metadata.set('authorization', value);
  return metadata;
}

describe('authenticateAdmin', () => {
  it('accepts the configured token and names the actor', () => {
    expect(authenticateAdmin(withAuthorization(`Bearer ${TOKEN}`), TOKEN)).toBe('admin-token');
  });

  it('accepts the scheme in any case', () => {
    expect(authenticateAdmin(withAuthorization(`bearer ${TOKEN}`), TOKEN)).toBe('admin-token');
  });

  it.each([
    ['no authorization', null],
    ['an empty authorization', ''],
    ['a wrong token', 'Bearer admin-token-valuf'],
    ['a prefix of the token', 'Bearer admin-token'],
    ['another scheme', `Basic ${TOKEN}`],
    ['a bare token', TOKEN],
  ])('refuses %s', (_what, value) => {
    expect(() => authenticateAdmin(withAuthorization(value), TOKEN)).toThrow(UnauthenticatedError);
  });

  it('refuses everything when no admin token is configured', () => {
    expect(() => authenticateAdmin(withAuthorization('Bearer '), '')).toThrow(UnauthenticatedError);
    expect(() => authenticateAdmin(withAuthorization('Bearer x'), '')).toThrow(UnauthenticatedError);
  });
});
