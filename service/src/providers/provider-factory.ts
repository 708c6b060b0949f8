import type { ProviderDefinition } from '../persistence/provider.repository.js';
import { parseSmppSettings } from './smpp/smpp-settings.js';
import { SmppOptionsError, SmppProvider, type SmppMetrics } from './smpp/smpp.provider.js';
import type { InboundSink, LateAcceptanceSink, ReceiptSink, SmsProvider } from './sms-provider.js';

interface FactoryLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

/** What every provider built here reports to: the process's sinks, metrics and logger. */
export interface ProviderContext {
  readonly receipts: ReceiptSink;
  readonly lateAcceptances: LateAcceptanceSink;
  readonly inbound: InboundSink;
  readonly metrics: SmppMetrics;
  readonly logger: FactoryLogger;
}

/** Thrown when a provider row cannot be turned into a running provider; names the bad field. */
export class ProviderConfigError extends Error {
  constructor(provider: string, problem: string) {
    super(`provider ${provider}: ${problem}`);
    this.name = 'ProviderConfigError';
  }
}

/** Builds the provider a row describes. Kinds other than SMPP arrive with their own issues. */
export function createProvider(definition: ProviderDefinition, context: ProviderContext): SmsProvider {
  if (definition.kind !== 'smpp') throw new ProviderConfigError(definition.name, `kind "${definition.kind}" is not supported yet`);
  const parsed = parseSmppSettings(definition.settings, definition.credentials);
  if (!parsed.ok) throw new ProviderConfigError(definition.name, parsed.problems.map((problem) => `${problem.field} ${problem.reason}`).join('; '));
  try {
    return new SmppProvider({
      ...parsed.settings,
      name: definition.name,
      receiptSink: context.receipts,
      lateAcceptanceSink: context.lateAcceptances,
      inboundSink: context.inbound,
      metrics: context.metrics,
      logger: context.logger,
    });
  } catch (error) {
    if (error instanceof SmppOptionsError) throw new ProviderConfigError(definition.name, `settings.${error.field} ${error.message.slice(error.field.length + 1)}`);
    throw error;
  }
}
