/**
 * SMS over an HTTP API described by an `HttpProviderSpec`: the generic provider and every preset
 * (Twilio, Plivo, Vonage, Auron) are this class with a different spec. Delivery reports come back
 * through the provider's webhook (webhooks.ts), not through this object.
 */
import { ProviderError } from '../../shared/errors.js';
import { encodeMessage } from '@switchboard/sms-encoding';
import { maskPhoneNumber } from '../../shared/masking.js';
import { normaliseProviderMessageId, type OutboundSms, type ProviderStatus, type ChannelProvider, type SubmitAccepted } from '../channel-provider.js';
import { HttpEndpoint } from './http-endpoint.js';
import type { FetchFunction } from './http-exchange.js';
import type { HttpProviderSpec } from './http-provider-spec.js';
import type { TemplateValues } from './http-template.js';
import { readJsonPath, scalarText } from './json-path.js';
import type { Logger } from '../../shared/logger.js';

/** How to build an `HttpSmsProvider`. */
export interface HttpSmsProviderOptions {
  /** Unique provider name (the `Provider` row's name). */
  readonly name: string;
  /** A validated spec (`parseHttpProviderSpec`, or a preset). Its `channel` must be `sms`. */
  readonly spec: HttpProviderSpec;
  /** Values for `{{credentials.x}}`; every key the spec reads must be present. */
  readonly credentials: Readonly<Record<string, string>>;
  /**
   * The public URL of this provider's webhook endpoint. `{{callbackBaseUrl}}` is it as given;
   * `{{callbackUrl}}` adds `attempt=<attemptId>`, so a report can be tied to its attempt even
   * when the submit's answer was lost. Empty: no callback is asked for.
   */
  readonly callbackUrl: string;
  /** Sender for messages that name none. */
  readonly defaultFrom?: string | undefined;
  readonly logger?: Logger | undefined;
  /** Injectable only so tests can run the real fetch against loopback servers. */
  readonly fetch?: FetchFunction | undefined;
}

/** The query parameter `{{callbackUrl}}` carries the attempt id in. */
export const ATTEMPT_QUERY_PARAMETER = 'attempt';

export { HttpProviderConfigError } from './http-endpoint.js';

/** An `ChannelProvider` speaking a provider's HTTP API. */
export class HttpSmsProvider implements ChannelProvider {
  readonly name: string;
  readonly #endpoint: HttpEndpoint;
  readonly #options: HttpSmsProviderOptions;

  /** Throws `HttpProviderConfigError` for a voice spec or missing credentials. */
  constructor(options: HttpSmsProviderOptions) {
    this.name = options.name;
    this.#endpoint = new HttpEndpoint({ ...options, channel: 'sms' });
    this.#options = options;
  }

  /** HTTP providers hold no connection: ready at once, unless stopped. */
  start(): Promise<void> {
    return this.#endpoint.start();
  }

  /** Sends one message; see http-exchange.ts for when a request is repeated. */
  async submit(message: OutboundSms): Promise<SubmitAccepted> {
    this.#endpoint.assertSendable(message.to);
    const encoded = encodeMessage(message.text);
    const from = message.from.trim() === '' ? (this.#options.defaultFrom ?? '') : message.from;
    const values: TemplateValues = {
      to: message.to,
      toDigits: message.to.slice(1),
      from,
      fromDigits: from.replace(/^\+/, ''),
      text: message.text,
      // Vonage's `type` values; a provider that needs to be told the text is not GSM-7.
      textType: encoded.alphabet === 'gsm7' ? 'text' : 'unicode',
      messageId: message.messageId,
      attemptId: message.attemptId,
      callbackUrl: callbackWithAttempt(this.#options.callbackUrl, message.attemptId),
      callbackBaseUrl: this.#options.callbackUrl,
    };
    const logFields = { messageId: message.messageId, attemptId: message.attemptId, to: maskPhoneNumber(message.to) };
    const body = await this.#endpoint.send(values, logFields);

    const ids = readJsonPath(body, this.#endpoint.idPath)
      .map(scalarText)
      .filter((id): id is string => id !== undefined && id.trim() !== '')
      .map(normaliseProviderMessageId);
    const [first] = ids;
    if (first === undefined) {
      // Taken, so it will probably be delivered, but no receipt can ever be matched to it.
      throw new ProviderError(`${this.name}: accepted without a message id at ${this.#endpoint.idPath.source}`, { retryable: false, outcomeUnknown: true });
    }
    this.#endpoint.log.debug({ ...logFields, provider: this.name, providerMessageId: first, parts: Math.max(ids.length, encoded.parts) }, 'HTTP submit accepted');
    if (ids.length > 1) return { providerMessageId: first, partMessageIds: ids, parts: ids.length };
    return { providerMessageId: first, parts: encoded.parts };
  }

  /** Aborts requests in flight (they end as outcome unknown) and refuses new ones. */
  stop(): Promise<void> {
    return this.#endpoint.stop();
  }

  status(): ProviderStatus {
    return this.#endpoint.status();
  }
}

/** `url` with `attempt=<attemptId>` added to its query; '' stays ''. */
export function callbackWithAttempt(url: string, attemptId: string): string {
  if (url === '') return '';
  const parsed = new URL(url);
  parsed.searchParams.set(ATTEMPT_QUERY_PARAMETER, attemptId);
  return parsed.toString();
}
