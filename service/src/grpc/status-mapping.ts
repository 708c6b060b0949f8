import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import {
  AlreadyExistsError,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitedError,
  SwitchboardError,
  UnauthenticatedError,
  UnavailableError,
} from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';

/**
 * The one place domain errors become gRPC statuses. Anything that is not a `SwitchboardError` is
 * a bug or an outage: it is logged in full and the caller gets INTERNAL with no internals.
 */
export function toServiceError(error: unknown, logger: Logger): Partial<ServiceError> {
  const metadata = new Metadata();
  if (error instanceof SwitchboardError) {
    metadata.set('error-code', error.code);
    if (error instanceof InvalidArgumentError) {
      metadata.set('error-field', headerValue(error.field));
      return { code: status.INVALID_ARGUMENT, details: error.message, metadata };
    }
    if (error instanceof UnauthenticatedError) return { code: status.UNAUTHENTICATED, details: error.message, metadata };
    if (error instanceof PermissionDeniedError) return { code: status.PERMISSION_DENIED, details: error.message, metadata };
    if (error instanceof NotFoundError) return { code: status.NOT_FOUND, details: error.message, metadata };
    if (error instanceof AlreadyExistsError) return { code: status.ALREADY_EXISTS, details: error.message, metadata };
    if (error instanceof FailedPreconditionError) return { code: status.FAILED_PRECONDITION, details: error.message, metadata };
    if (error instanceof RateLimitedError) {
      metadata.set('retry-after-ms', String(error.retryAfterMs));
      return { code: status.RESOURCE_EXHAUSTED, details: `${error.message}; retry in ${Math.ceil(error.retryAfterMs / 1000)} s`, metadata };
    }
    if (error instanceof UnavailableError) {
      // An outage behind it is worth a line (not one per refused call); the caller is told only to retry.
      if (error.cause !== undefined) {
        const suppressed = outageLines.admit(error.message);
        if (suppressed !== null) logger.warn({ err: error.cause, ...(suppressed > 0 ? { suppressed } : {}) }, `call refused: ${error.message}`);
      }
      metadata.set('retry-after-ms', String(error.retryAfterMs));
      return { code: status.UNAVAILABLE, details: `${error.message}; nothing was stored, retry in ${error.retryAfterMs} ms`, metadata };
    }
  }
  logger.error({ err: error }, 'unexpected error while handling a call');
  return { code: status.INTERNAL, details: 'internal error', metadata };
}

/** At most one line per reason every few seconds; says how many were left out since. */
class LineThrottle {
  readonly #last = new Map<string, { at: number; suppressed: number }>();

  constructor(private readonly everyMs: number) {}

  /** null: leave this one out; else the number left out before it. */
  admit(reason: string, now = Date.now()): number | null {
    const last = this.#last.get(reason);
    if (last && now - last.at < this.everyMs) {
      last.suppressed += 1;
      return null;
    }
    if (this.#last.size > 100) this.#last.clear();
    this.#last.set(reason, { at: now, suppressed: 0 });
    return last?.suppressed ?? 0;
  }
}

const outageLines = new LineThrottle(5000);

/** Longest `error-field` sent: a path names a field, it does not quote an input. */
const MAX_FIELD_HEADER_LENGTH = 200;

/**
 * A field path as an ASCII metadata value. Paths carry map keys the caller chose (a locale such as
 * `deé`), and grpc-js throws on a value outside printable ASCII: that throw would leave the call
 * unanswered. Other characters are percent-encoded as UTF-8, as in a URL.
 */
export function headerValue(field: string): string {
  const encoded = field.replace(/[^\x20-\x7e]|%/gu, (character) => {
    try {
      return encodeURIComponent(character);
    } catch {
      return '?'; // a lone surrogate has no UTF-8 form
    }
  });
  return encoded.length > MAX_FIELD_HEADER_LENGTH ? `${encoded.slice(0, MAX_FIELD_HEADER_LENGTH - 3)}...` : encoded;
}
