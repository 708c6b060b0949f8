import { ProviderError } from '../shared/errors.js';
import type { ChannelProvider } from './channel-provider.js';
import type { Logger } from '../shared/logger.js';
import { OutageLog } from '../shared/outage-log.js';

/**
 * Starts a provider in the background and keeps trying while it cannot be reached, so a carrier
 * that is down when the service starts is picked up once it is back. A permanent refusal (bad
 * credentials) is not retried: repeated failed binds get accounts locked at some carriers.
 * Returns a function that ends the retrying.
 */
export function keepStarting(provider: ChannelProvider, logger: Logger, options: { minDelayMs?: number; maxDelayMs?: number } = {}): () => void {
  const minDelay = options.minDelayMs ?? 1000;
  const maxDelay = options.maxDelayMs ?? 30_000;
  let cancelled = false;
  let timer: NodeJS.Timeout | undefined;
  const outage = new OutageLog(logger, { provider: provider.name });

  const attempt = (failures: number): void => {
    provider.start().then(
      () => {
        if (outage.failures > 0) outage.recovered('provider reachable again; ready');
        else logger.info({ provider: provider.name }, 'provider ready');
      },
      (error: unknown) => {
        if (cancelled) return;
        const retryable = !(error instanceof ProviderError) || error.retryable;
        if (!retryable) {
          logger.error({ provider: provider.name, err: error }, 'provider refused to start; fix its settings and restart');
          return;
        }
        const delay = Math.min(maxDelay, minDelay * 2 ** failures) * (0.8 + Math.random() * 0.4);
        outage.failed(error, 'provider unreachable; retrying', { retryInMs: Math.round(delay) });
        timer = setTimeout(() => { attempt(failures + 1); }, delay);
        timer.unref();
      },
    );
  };
  attempt(0);
  return () => {
    cancelled = true;
    clearTimeout(timer);
  };
}
