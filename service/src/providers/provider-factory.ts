import type { ProviderDefinition } from '../persistence/provider.repository.js';
import { SmppProvider } from './smpp/smpp.provider.js';
import type { ReceiptSink, SmsProvider } from './sms-provider.js';

interface FactoryLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

/** Thrown when a provider row cannot be turned into a running provider; names the bad field. */
export class ProviderConfigError extends Error {
  constructor(provider: string, problem: string) {
    super(`provider ${provider}: ${problem}`);
    this.name = 'ProviderConfigError';
  }
}

function text(definition: ProviderDefinition, key: string, required: boolean): string | undefined {
  const value = definition.settings[key] ?? definition.credentials[key];
  if (value === undefined || value === '') {
    if (required) throw new ProviderConfigError(definition.name, `setting "${key}" is required`);
    return undefined;
  }
  if (typeof value !== 'string' && typeof value !== 'number') throw new ProviderConfigError(definition.name, `setting "${key}" must be text`);
  return String(value);
}

/** Builds the provider a row describes. Kinds other than SMPP arrive with their own issues. */
export function createProvider(definition: ProviderDefinition, receiptSink: ReceiptSink, logger: FactoryLogger): SmsProvider {
  if (definition.kind !== 'smpp') throw new ProviderConfigError(definition.name, `kind "${definition.kind}" is not supported yet`);
  const port = Number(text(definition, 'port', true));
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ProviderConfigError(definition.name, 'setting "port" must be 1-65535');
  return new SmppProvider({
    name: definition.name,
    host: text(definition, 'host', true) ?? '',
    port,
    systemId: text(definition, 'systemId', true) ?? '',
    password: text(definition, 'password', true) ?? '',
    systemType: text(definition, 'systemType', false),
    sourceAddr: text(definition, 'sourceAddr', false) ?? 'Switchboard',
    receiptSink,
    logger,
  });
}
