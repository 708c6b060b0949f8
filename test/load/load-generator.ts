/**
 * The load runner the benchmarks use (k6 cannot be installed on these machines; the k6 scripts in
 * ./k6 do the same against a deployment). Two shapes: closed loop (a fixed number of callers,
 * each sending its next request when the last is answered: how fast can it go) and open loop
 * (requests started at a fixed rate whatever the answers: what latency does a given load see).
 */
import { performance } from 'node:perf_hooks';

/** How one run went: latencies of the answered requests, errors by gRPC status name. */
export interface LoadResult {
  readonly sent: number;
  readonly ok: number;
  readonly errors: ReadonlyMap<string, number>;
  /** Milliseconds of each successful call, in completion order. */
  readonly latenciesMs: readonly number[];
  /** From the first request sent to the last answer. */
  readonly elapsedMs: number;
  readonly startedAt: number;
}

type Call = (index: number) => Promise<unknown>;

function errorName(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const details = 'details' in error && typeof error.details === 'string' ? `: ${error.details.slice(0, 80)}` : '';
    return `code ${String(error.code)}${details}`;
  }
  return error instanceof Error ? error.message.slice(0, 80) : String(error);
}

/** `total` calls from `concurrency` callers. */
export async function closedLoop(total: number, concurrency: number, call: Call): Promise<LoadResult> {
  const latencies: number[] = [];
  const errors = new Map<string, number>();
  let next = 0;
  const startedAt = performance.now();
  const caller = async () => {
    for (let index = next++; index < total; index = next++) {
      const began = performance.now();
      try {
        await call(index);
        latencies.push(performance.now() - began);
      } catch (error) {
        const name = errorName(error);
        errors.set(name, (errors.get(name) ?? 0) + 1);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, caller));
  return { sent: total, ok: latencies.length, errors, latenciesMs: latencies, elapsedMs: performance.now() - startedAt, startedAt };
}

/** `total` calls started at `perSecond`, each on time whether or not earlier ones were answered. */
export async function openLoop(total: number, perSecond: number, call: Call): Promise<LoadResult> {
  const latencies: number[] = [];
  const errors = new Map<string, number>();
  const startedAt = performance.now();
  const running: Promise<void>[] = [];
  const intervalMs = 1000 / perSecond;
  for (let index = 0; index < total; index++) {
    const due = startedAt + index * intervalMs;
    const wait = due - performance.now();
    // Timers are coarse (1 ms): start every request that is due, sleep only when ahead.
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const began = performance.now();
    running.push(
      call(index).then(
        () => { latencies.push(performance.now() - began); },
        (error: unknown) => {
          const name = errorName(error);
          errors.set(name, (errors.get(name) ?? 0) + 1);
        },
      ),
    );
  }
  await Promise.all(running);
  return { sent: total, ok: latencies.length, errors, latenciesMs: latencies, elapsedMs: performance.now() - startedAt, startedAt };
}

/** The q-th quantile (0..1) of `values`, nearest rank. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}
