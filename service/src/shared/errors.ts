/**
 * The one error hierarchy of the service. Domain code throws these; the gRPC layer maps them to
 * status codes in one place (`grpc/status-mapping.ts`). Each subclass carries a stable `code` that
 * clients and logs can rely on.
 */
export abstract class SwitchboardError extends Error {
  abstract readonly code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A request field is missing or malformed. `field` names it as the API spells it. */
export class InvalidArgumentError extends SwitchboardError {
  readonly code = 'INVALID_ARGUMENT';

  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

/** The caller did not present valid credentials. */
export class UnauthenticatedError extends SwitchboardError {
  readonly code = 'UNAUTHENTICATED';
}

/** The caller is authenticated but may not do this. */
export class PermissionDeniedError extends SwitchboardError {
  readonly code = 'PERMISSION_DENIED';
}

/** The named thing does not exist (or is not visible to the caller). */
export class NotFoundError extends SwitchboardError {
  readonly code = 'NOT_FOUND';
}

/** The thing to create already exists: a unique name is taken. */
export class AlreadyExistsError extends SwitchboardError {
  readonly code = 'ALREADY_EXISTS';
}

/** The request is well formed, but the thing it acts on is in a state that forbids it. */
export class FailedPreconditionError extends SwitchboardError {
  readonly code = 'FAILED_PRECONDITION';
}

/** A limit was hit; the caller may retry after `retryAfterMs`. */
export class RateLimitedError extends SwitchboardError {
  readonly code = 'RESOURCE_EXHAUSTED';

  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
  }
}

/**
 * The service cannot take the request right now (the database is slow to commit, or the process
 * is stopping); nothing was stored. The caller may retry after `retryAfterMs`, here or on
 * another replica.
 */
export class UnavailableError extends SwitchboardError {
  readonly code = 'UNAVAILABLE';

  constructor(
    message: string,
    readonly retryAfterMs: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A provider refused or failed a send. `retryable` says whether the same message may be tried
 * again (throttling, timeouts, 5xx) or must not (bad number, rejected content).
 * `outcomeUnknown` marks the dangerous case: the provider may have accepted the message, so
 * resending could deliver it twice; the caller must follow the receipt instead.
 */
export class ProviderError extends SwitchboardError {
  readonly code = 'PROVIDER_ERROR';
  readonly retryable: boolean;
  readonly outcomeUnknown: boolean;
  /** The provider's own error code (SMPP command_status, HTTP status), for the attempt record. */
  readonly providerCode: string | undefined;
  /**
   * Nothing reached the provider because we had no connection to it (not bound, not running).
   * It says nothing about how the provider treats messages, so circuit breakers ignore it.
   */
  readonly notConnected: boolean;
  /**
   * For a text sent in parts: the parts the provider had already taken (ids in order from part 1)
   * when a later one failed. Such a failure is always `outcomeUnknown`: resending would repeat them.
   */
  readonly acceptedParts: { readonly partMessageIds: readonly string[]; readonly parts: number; readonly receiptsExpected?: number | undefined } | undefined;

  constructor(
    message: string,
    options: {
      retryable: boolean;
      outcomeUnknown?: boolean;
      providerCode?: string | undefined;
      notConnected?: boolean;
      acceptedParts?: { readonly partMessageIds: readonly string[]; readonly parts: number; readonly receiptsExpected?: number | undefined } | undefined;
      cause?: unknown;
    },
  ) {
    super(message, { cause: options.cause });
    this.retryable = options.retryable;
    this.outcomeUnknown = options.outcomeUnknown ?? false;
    this.providerCode = options.providerCode;
    this.notConnected = options.notConnected ?? false;
    this.acceptedParts = options.acceptedParts;
  }
}
