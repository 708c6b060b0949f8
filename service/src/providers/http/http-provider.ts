/**
 * SMS over an HTTP API described by an `HttpProviderSpec`: the generic provider and every preset
 * (Twilio, Plivo, Vonage, Auron) are this class with a different spec. Delivery reports come back
 * through the provider's webhook (webhooks.ts), not through this object.
 */
import { ProviderError } from '../../shared/errors.js';
import { encodeMessage } from '../smpp/message-encoding.js';
import { maskNumber, silentLogger } from '../smpp/smpp-log.js';
import { normaliseProviderMessageId, type OutboundSms, type ProviderStatus, type SmsProvider, type SubmitAccepted } from '../sms-provider.js';
import { answerRules, exchange, type AnswerRules, type FetchFunction, type HttpLogger } from './http-exchange.js';
import type { HttpProviderSpec } from './http-provider-spec.js';
import { RequestTemplate, type RenderedRequest } from './http-request.js';
import { MissingValueError, TemplateError, type TemplateValues } from './http-template.js';
import { parseJsonPath, readJsonPath, scalarText, type JsonPath } from './json-path.js';

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
  readonly logger?: HttpLogger | undefined;
  /** Injectable only so tests can run the real fetch against loopback servers. */
  readonly fetch?: FetchFunction | undefined;
}

/** The query parameter `{{callbackUrl}}` carries the attempt id in. */
export const ATTEMPT_QUERY_PARAMETER = 'attempt';

/** A provider option that cannot work; thrown by constructors. */
export class HttpProviderConfigError extends Error {
  constructor(provider: string, problem: string) {
    super(`provider ${provider}: ${problem}`);
    this.name = 'HttpProviderConfigError';
  }
}

const E164 = /^\+[1-9]\d{5,14}$/;

/** An `SmsProvider` speaking a provider's HTTP API. */
export class HttpSmsProvider implements SmsProvider {
  readonly name: string;
  readonly #request: RequestTemplate;
  readonly #rules: AnswerRules;
  readonly #idPath: JsonPath;
  readonly #options: HttpSmsProviderOptions;
  readonly #log: HttpLogger;
  readonly #fetch: FetchFunction;
  readonly #stop = new AbortController();
  #lastError = '';

  /** Throws `HttpProviderConfigError` for a voice spec or missing credentials. */
  constructor(options: HttpSmsProviderOptions) {
    this.name = options.name;
    if (options.spec.channel !== 'sms') throw new HttpProviderConfigError(options.name, 'spec channel must be sms');
    this.#request = buildRequestTemplate(options.name, options.spec, options.credentials);
    this.#rules = answerRules(options.spec);
    this.#idPath = parseJsonPath(options.spec.messageIdPath);
    this.#options = options;
    this.#log = options.logger ?? silentLogger;
    this.#fetch = options.fetch ?? fetch;
  }

  /** HTTP providers hold no connection: ready at once, unless stopped. */
  start(): Promise<void> {
    if (this.#stop.signal.aborted) return Promise.reject(new ProviderError(`${this.name}: provider was stopped`, { retryable: false }));
    return Promise.resolve();
  }

  /** Sends one message; see http-exchange.ts for when a request is repeated. */
  async submit(message: OutboundSms): Promise<SubmitAccepted> {
    if (this.#stop.signal.aborted) throw new ProviderError(`${this.name}: provider was stopped`, { retryable: true, notConnected: true });
    if (!E164.test(message.to)) throw new ProviderError(`${this.name}: destination is not an E.164 number`, { retryable: false });
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
    const request = renderOrFail(this.name, this.#request, values);
    const logFields = { messageId: message.messageId, attemptId: message.attemptId, to: maskNumber(message.to) };
    let body: unknown;
    try {
      ({ body } = await exchange(request, this.#rules, {
        providerName: this.name,
        fetch: this.#fetch,
        log: this.#log,
        stopSignal: this.#stop.signal,
        idempotent: this.#request.idempotent,
        logFields,
      }));
    } catch (error) {
      if (error instanceof ProviderError) {
        this.#lastError = error.message;
        this.#log.info({ ...logFields, provider: this.name, providerCode: error.providerCode, retryable: error.retryable, outcomeUnknown: error.outcomeUnknown }, 'HTTP submit failed');
      }
      throw error;
    }
    this.#lastError = '';

    const ids = readJsonPath(body, this.#idPath)
      .map(scalarText)
      .filter((id): id is string => id !== undefined && id.trim() !== '')
      .map(normaliseProviderMessageId);
    const [first] = ids;
    if (first === undefined) {
      // Taken, so it will probably be delivered, but no receipt can ever be matched to it.
      throw new ProviderError(`${this.name}: accepted without a message id at ${this.#idPath.source}`, { retryable: false, outcomeUnknown: true });
    }
    this.#log.debug({ ...logFields, provider: this.name, providerMessageId: first, parts: Math.max(ids.length, encoded.parts) }, 'HTTP submit accepted');
    if (ids.length > 1) return { providerMessageId: first, partMessageIds: ids, parts: ids.length };
    return { providerMessageId: first, parts: encoded.parts };
  }

  /** Aborts requests in flight (they end as outcome unknown) and refuses new ones. */
  stop(): Promise<void> {
    this.#stop.abort();
    return Promise.resolve();
  }

  /** No connections to report; `lastError` is the last failed submit's reason. */
  status(): ProviderStatus {
    return { connection: this.#stop.signal.aborted ? 'stopped' : 'ready', binds: [], lastError: this.#lastError };
  }
}

/** `url` with `attempt=<attemptId>` added to its query; '' stays ''. */
export function callbackWithAttempt(url: string, attemptId: string): string {
  if (url === '') return '';
  const parsed = new URL(url);
  parsed.searchParams.set(ATTEMPT_QUERY_PARAMETER, attemptId);
  return parsed.toString();
}

/** Compiles the spec's request, turning missing credentials into a config error. */
export function buildRequestTemplate(name: string, spec: HttpProviderSpec, credentials: Readonly<Record<string, string>>): RequestTemplate {
  try {
    return new RequestTemplate(spec, credentials);
  } catch (error) {
    throw new HttpProviderConfigError(name, error instanceof Error ? error.message : 'invalid spec');
  }
}

/** Renders a request; a value that cannot go into it is a permanent failure of this message. */
export function renderOrFail(name: string, template: RequestTemplate, values: TemplateValues): RenderedRequest {
  try {
    return template.render(values, new Date());
  } catch (error) {
    if (error instanceof TemplateError || error instanceof MissingValueError) {
      throw new ProviderError(`${name}: request cannot be built (${error.message})`, { retryable: false, cause: error });
    }
    throw error;
  }
}
