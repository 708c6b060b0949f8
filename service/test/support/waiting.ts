import type { ServiceError } from '@grpc/grpc-js';

/**
 * The service tests' two waiting helpers, written once: polling until something holds, and
 * taking the error a call must fail with.
 */

/** Polls until `condition` holds; fails naming `what` it waited for. */
export async function waitFor(condition: () => boolean | Promise<boolean>, what = 'the condition', timeoutMs = 5_000, everyMs = 5): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/**
 * The error `promise` rejects with (a gRPC call's, unless told otherwise); fails the test when it
 * resolves. With `type`, also fails when the error is of another class.
 */
export async function rejection<E = ServiceError>(promise: Promise<unknown>, type?: abstract new (...args: never[]) => E): Promise<E> {
  const outcome = await promise.then(
    () => ({ failed: false as const }),
    (thrown: unknown) => ({ failed: true as const, error: thrown }),
  );
  if (!outcome.failed) throw new Error('expected the call to fail, but it succeeded');
  const { error } = outcome;
  if (type !== undefined && !(error instanceof type)) throw new Error(`expected a ${type.name}, got ${String(error)}`);
  return error as E;
}
