/**
 * Prometheus metrics (prom-client). Counters are fed as things happen (submits, receipts,
 * throttling, protocol errors, inbound messages); gauges that mirror live state (binds, windows,
 * breakers) are read from their owners at scrape time, so they can never drift.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ProviderStatus } from '../providers/channel-provider.js';

/** Outcome of one submit as metrics count it. */
export type SubmitOutcome = 'accepted' | 'failed' | 'unknown';

/** What the dispatcher and providers report; a no-op implementation keeps tests free of it. */
export interface SwitchboardMetrics {
  submit(provider: string, outcome: SubmitOutcome): void;
  receipt(provider: string, state: string): void;
  throttled(provider: string): void;
  protocolError(provider: string, kind: string): void;
  inbound(provider: string): void;
}

/** Metrics that go nowhere. */
export const noMetrics: SwitchboardMetrics = {
  submit: () => undefined,
  receipt: () => undefined,
  throttled: () => undefined,
  protocolError: () => undefined,
  inbound: () => undefined,
};

/** Live state read on every scrape. */
export interface MetricsSources {
  /** Every running provider's connection status, by name. */
  providerStatus(): ReadonlyMap<string, ProviderStatus | undefined>;
  /** Every provider's breaker state. */
  breakers(): readonly { provider: string; state: 'closed' | 'open' | 'half_open' }[];
}

const BIND_STATES = ['connecting', 'bound', 'disconnected', 'stopped'] as const;
const BREAKER_VALUE = { closed: 0, half_open: 1, open: 2 } as const;

/** One process's metrics, in a registry of its own (tests start several systems per process). */
export class PrometheusMetrics implements SwitchboardMetrics {
  readonly registry = new Registry();
  readonly #submits: Counter<'provider' | 'outcome'>;
  readonly #receipts: Counter<'provider' | 'state'>;
  readonly #throttled: Counter<'provider'>;
  readonly #protocolErrors: Counter<'provider' | 'kind'>;
  readonly #inbound: Counter<'provider'>;
  readonly #finished: Counter<'status'>;
  readonly #batches: Histogram<'kind'>;

  constructor(sources: MetricsSources) {
    collectDefaultMetrics({ register: this.registry, prefix: 'switchboard_' });
    const registers = [this.registry];
    this.#submits = new Counter({ name: 'switchboard_submits_total', help: 'Submits to providers by outcome', labelNames: ['provider', 'outcome'], registers });
    this.#receipts = new Counter({ name: 'switchboard_receipts_total', help: 'Delivery reports received, by state', labelNames: ['provider', 'state'], registers });
    this.#throttled = new Counter({ name: 'switchboard_throttled_total', help: 'Submits the provider refused as throttled or queue full (retried)', labelNames: ['provider'], registers });
    this.#protocolErrors = new Counter({ name: 'switchboard_protocol_errors_total', help: 'Malformed or unexpected protocol data from providers', labelNames: ['provider', 'kind'], registers });
    this.#inbound = new Counter({ name: 'switchboard_inbound_messages_total', help: 'Mobile-originated messages stored', labelNames: ['provider'], registers });
    this.#finished = new Counter({ name: 'switchboard_messages_finished_total', help: 'Messages that reached their end on this replica: delivered, or failed (every step tried, dropped, unroutable)', labelNames: ['status'], registers });
    this.#batches = new Histogram({
      name: 'switchboard_batch_size',
      help: 'Requests or dispatch events committed per transaction (group commit)',
      labelNames: ['kind'],
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
      registers,
    });
    new Gauge({
      name: 'switchboard_binds',
      help: 'Provider connections (SMPP binds) by type and state on this replica',
      labelNames: ['provider', 'bind_type', 'state'],
      registers,
      collect() {
        this.reset();
        for (const [provider, status] of sources.providerStatus()) {
          for (const bind of status?.binds ?? []) {
            for (const state of BIND_STATES) this.inc({ provider, bind_type: bind.bindType, state }, bind.state === state ? 1 : 0);
          }
        }
      },
    });
    new Gauge({
      name: 'switchboard_window_outstanding',
      help: 'Requests sent to a provider and not yet answered, on this replica',
      labelNames: ['provider'],
      registers,
      collect() {
        this.reset();
        for (const [provider, status] of sources.providerStatus()) {
          if (status === undefined) continue;
          this.set({ provider }, status.binds.reduce((sum, bind) => sum + bind.outstanding, 0));
        }
      },
    });
    new Gauge({
      name: 'switchboard_circuit_state',
      help: 'Circuit breaker per provider: 0 closed, 1 half open, 2 open',
      labelNames: ['provider'],
      registers,
      collect() {
        this.reset();
        for (const { provider, state } of sources.breakers()) this.set({ provider }, BREAKER_VALUE[state]);
      },
    });
  }

  submit(provider: string, outcome: SubmitOutcome): void {
    this.#submits.inc({ provider, outcome });
  }

  receipt(provider: string, state: string): void {
    this.#receipts.inc({ provider, state });
  }

  throttled(provider: string): void {
    this.#throttled.inc({ provider });
  }

  protocolError(provider: string, kind: string): void {
    this.#protocolErrors.inc({ provider, kind });
  }

  finished(status: 'delivered' | 'failed'): void {
    this.#finished.inc({ status });
  }

  /** Size of a committed group-commit transaction: `accept` (SendCode …) or `dispatch`. */
  batch(kind: 'accept' | 'dispatch' | 'sweep', size: number): void {
    this.#batches.observe({ kind }, size);
  }

  inbound(provider: string): void {
    this.#inbound.inc({ provider });
  }
}
