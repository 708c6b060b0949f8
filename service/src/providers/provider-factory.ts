import type { ProviderDefinition } from '../persistence/provider.repository.js';
import { EmailChannelProvider } from './email/email-channel.provider.js';
import { parseSmtpSettings } from './email/smtp-settings.js';
import { SmtpEmailProvider } from './email/smtp-email-provider.js';
import { createHttpProviders } from './http/http-presets.js';
import { HttpProviderConfigError } from './http/http-provider.js';
import { HttpSmsRoute } from './http/http-sms.route.js';
import type { WebhookConfig } from './http/webhooks.js';
import { parseSmppSettings } from './smpp/smpp-settings.js';
import { SmppOptionsError, SmppProvider, type SmppMetrics } from './smpp/smpp.provider.js';
import type { InboundSink, LateAcceptanceSink, ReceiptSink, SmsProvider } from './sms-provider.js';
import type { VoiceAnswerFormat } from './voice/answer-document.js';
import { VoiceCallProvider, webhookUrl } from './voice/voice-call.provider.js';
import type { Logger } from '../shared/logger.js';

/** What every provider built here reports to: the process's sinks, metrics and logger. */
export interface ProviderContext {
  readonly receipts: ReceiptSink;
  readonly lateAcceptances: LateAcceptanceSink;
  readonly inbound: InboundSink;
  readonly metrics: SmppMetrics;
  readonly logger: Logger;
  /** How providers reach the service (webhooks, answer URLs): PUBLIC_BASE_URL, no trailing slash. */
  readonly publicBaseUrl: string;
  /** Key voice answer URLs are signed with. */
  readonly answerTokenKey: Buffer;
}

/** Thrown when a provider row cannot be turned into a running provider; names the bad field. */
export class ProviderConfigError extends Error {
  constructor(provider: string, problem: string) {
    super(`provider ${provider}: ${problem}`);
    this.name = 'ProviderConfigError';
  }
}

/** Presets whose call API the voice kind can use, and the answer dialect each reads. */
const VOICE_FORMATS: Readonly<Record<string, VoiceAnswerFormat>> = { twilio: 'twiml', plivo: 'plivo' };

/** Builds the provider a row describes: kinds smpp, http (SMS), voice (calls) and email (SMTP). */
export function createProvider(definition: ProviderDefinition, context: ProviderContext): SmsProvider {
  switch (definition.kind) {
    case 'smpp':
      return createSmppProvider(definition, context);
    case 'http':
    case 'voice':
      return createHttpKind(definition, context);
    case 'email': {
      const parsed = parseSmtpSettings(definition.settings, definition.credentials);
      if (!parsed.ok) throw new ProviderConfigError(definition.name, parsed.problems.map((problem) => `${problem.field} ${problem.reason}`).join('; '));
      return new EmailChannelProvider(new SmtpEmailProvider({ name: definition.name, settings: parsed.settings, logger: context.logger }));
    }
    default:
      throw new ProviderConfigError(definition.name, `kind "${definition.kind}" is not supported yet`);
  }
}

function createHttpKind(definition: ProviderDefinition, context: ProviderContext): SmsProvider {
  let set;
  try {
    set = createHttpProviders(
      { name: definition.name, settings: definition.settings, credentials: definition.credentials },
      { callbackUrl: webhookUrl(context.publicBaseUrl, definition.name), logger: context.logger },
    );
  } catch (error) {
    if (error instanceof HttpProviderConfigError) throw new ProviderConfigError(definition.name, error.message.replace(`provider ${definition.name}: `, ''));
    throw error;
  }
  if (definition.kind === 'http') return new HttpSmsRoute(set.sms, set.webhook);
  if (set.call === undefined) throw new ProviderConfigError(definition.name, `settings.preset "${set.preset}" has no call API (use twilio, plivo, or generic with callSpec)`);
  return new VoiceCallProvider({
    name: definition.name,
    call: set.call,
    webhook: set.webhook,
    answerFormat: VOICE_FORMATS[set.preset] ?? (definition.settings.answerFormat === 'plivo' ? 'plivo' : 'twiml'),
    publicBaseUrl: context.publicBaseUrl,
    answerTokenKey: context.answerTokenKey,
  });
}

function createSmppProvider(definition: ProviderDefinition, context: ProviderContext): SmsProvider {
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

/** The webhook config of a running provider, when its reports arrive over HTTP. */
export function webhookOf(provider: SmsProvider | undefined): WebhookConfig | undefined {
  return provider instanceof HttpSmsRoute || provider instanceof VoiceCallProvider ? provider.webhook : undefined;
}

/** The answer-document dialect of a running voice provider; undefined for other kinds. */
export function answerFormatOf(provider: SmsProvider | undefined): VoiceAnswerFormat | undefined {
  return provider instanceof VoiceCallProvider ? provider.answerFormat : undefined;
}
