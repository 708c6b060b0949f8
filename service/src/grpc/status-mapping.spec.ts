import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { NoRouteError } from '../routing/router.js';
import {
  AlreadyExistsError,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  ProviderError,
  RateLimitedError,
  UnauthenticatedError,
  UnavailableError,
  type SwitchboardError,
} from '../shared/errors.js';
import { recordingLogger } from '../shared/logger-fixtures.js';
import { headerValue, toServiceError } from './status-mapping.js';

describe('toServiceError', () => {
  it.each<[string, SwitchboardError, status]>([
    ['InvalidArgumentError', new InvalidArgumentError('to', 'is required'), status.INVALID_ARGUMENT],
    ['UnauthenticatedError', new UnauthenticatedError('unknown API key'), status.UNAUTHENTICATED],
    ['PermissionDeniedError', new PermissionDeniedError('country not allowed'), status.PERMISSION_DENIED],
    ['NotFoundError', new NotFoundError('verification not found'), status.NOT_FOUND],
    ['AlreadyExistsError', new AlreadyExistsError('provider "smsc-a" already exists'), status.ALREADY_EXISTS],
    ['FailedPreconditionError', new FailedPreconditionError('verification is not pending'), status.FAILED_PRECONDITION],
    ['NoRouteError', new NoRouteError('no route rule matches DE on SMS', { rule: null, skipped: [] }), status.FAILED_PRECONDITION],
    ['RateLimitedError', new RateLimitedError('too many codes', 1_000), status.RESOURCE_EXHAUSTED],
    ['UnavailableError', new UnavailableError('the database is slow to commit', 250), status.UNAVAILABLE],
  ])('maps %s to its gRPC status', (_name, error, code) => {
    expect(toServiceError(error, recordingLogger()).code).toBe(code);
  });

  it.each([
    new UnauthenticatedError('unknown API key'),
    new PermissionDeniedError('country not allowed'),
    new NotFoundError('verification not found'),
    new AlreadyExistsError('provider "smsc-a" already exists'),
    new FailedPreconditionError('verification is not pending'),
  ])('passes the message of a domain error on as details', (error) => {
    expect(toServiceError(error, recordingLogger()).details).toBe(error.message);
  });

  it.each([
    new InvalidArgumentError('to', 'is required'),
    new NotFoundError('verification not found'),
    new RateLimitedError('too many codes', 1_000),
  ])('sets the stable error code in the error-code metadata', (error) => {
    expect(toServiceError(error, recordingLogger()).metadata?.get('error-code')).toEqual([error.code]);
  });

  it('names the bad field in the error-field metadata of INVALID_ARGUMENT', () => {
    const mapped = toServiceError(new InvalidArgumentError('phone_number', 'is required'), recordingLogger());
    expect(mapped.details).toBe('phone_number: is required');
    expect(mapped.metadata?.get('error-field')).toEqual(['phone_number']);
  });

  it('percent-encodes a field path grpc-js could not carry, so the call is still answered', () => {
    const mapped = toServiceError(new InvalidArgumentError('app.email_templates.deé\n%\uD800', 'is not a BCP 47 language tag'), recordingLogger());
    expect(mapped.code).toBe(status.INVALID_ARGUMENT);
    expect(mapped.metadata?.get('error-field')).toEqual(['app.email_templates.de%C3%A9%0A%25?']);
  });

  it('cuts a very long field path', () => {
    expect(headerValue('x'.repeat(500))).toBe(`${'x'.repeat(197)}...`);
  });

  it('sets no error-field metadata for other errors', () => {
    expect(toServiceError(new NotFoundError('gone'), recordingLogger()).metadata?.get('error-field')).toEqual([]);
  });

  it('tells the caller UNAVAILABLE means nothing was stored, and when to retry', () => {
    const mapped = toServiceError(new UnavailableError('too many requests wait for the database', 250), recordingLogger());
    expect(mapped.details).toBe('too many requests wait for the database; nothing was stored, retry in 250 ms');
    expect(mapped.metadata?.get('retry-after-ms')).toEqual(['250']);
  });

  it('logs the outage behind an UNAVAILABLE as a warning, and tells the caller only to retry', () => {
    const logger = recordingLogger();
    const outage = new Error('connect ECONNREFUSED 10.0.0.5:5432');
    const mapped = toServiceError(new UnavailableError('the API key cannot be checked right now', 1000, { cause: outage }), logger);
    expect(mapped.code).toBe(status.UNAVAILABLE);
    expect(mapped.details).toBe('the API key cannot be checked right now; nothing was stored, retry in 1000 ms');
    expect(logger.entries).toEqual([{ level: 'warn', obj: { err: outage }, msg: 'call refused: the API key cannot be checked right now' }]);
    // The next thousand calls in the same outage add no line.
    for (let i = 0; i < 1000; i++) toServiceError(new UnavailableError('the API key cannot be checked right now', 1000, { cause: outage }), logger);
    expect(logger.entries).toHaveLength(1);
  });

  it('tells the caller when to retry after RESOURCE_EXHAUSTED, in metadata and in whole seconds in the details', () => {
    const mapped = toServiceError(new RateLimitedError('too many codes to this number', 42_100), recordingLogger());
    expect(mapped.metadata?.get('retry-after-ms')).toEqual(['42100']);
    expect(mapped.details).toBe('too many codes to this number; retry in 43 s');
  });

  it('does not log domain errors', () => {
    const logger = recordingLogger();
    toServiceError(new NotFoundError('gone'), logger);
    toServiceError(new RateLimitedError('slow down', 5), logger);
    expect(logger.entries).toEqual([]);
  });

  it('maps an unexpected Error to INTERNAL without leaking its message', () => {
    const mapped = toServiceError(new Error('connect ECONNREFUSED 10.0.0.5:5432 password=hunter2'), recordingLogger());
    expect(mapped.code).toBe(status.INTERNAL);
    expect(mapped.details).toBe('internal error');
    expect(mapped.metadata?.getMap()).toEqual({});
  });

  it('logs an unexpected Error in full', () => {
    const logger = recordingLogger();
    const error = new TypeError('cannot read properties of undefined');
    toServiceError(error, logger);
    expect(logger.entries).toEqual([{ level: 'error', obj: { err: error }, msg: 'unexpected error while handling a call' }]);
  });

  it.each([['a string', 'boom'], ['undefined', undefined], ['an object', { message: 'secret' }]])('maps a thrown %s to INTERNAL and logs it', (_kind, thrown) => {
    const logger = recordingLogger();
    const mapped = toServiceError(thrown, logger);
    expect(mapped.code).toBe(status.INTERNAL);
    expect(mapped.details).toBe('internal error');
    expect(logger.entries).toHaveLength(1);
  });

  it('treats a ProviderError reaching a call as internal: logged, message withheld', () => {
    const logger = recordingLogger();
    const mapped = toServiceError(new ProviderError('smsc at 10.1.2.3 refused bind', { retryable: true }), logger);
    expect(mapped.code).toBe(status.INTERNAL);
    expect(mapped.details).toBe('internal error');
    expect(logger.entries).toHaveLength(1);
  });
});
