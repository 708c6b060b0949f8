/**
 * What the HTTP SMS and call providers share: one spec compiled into a request template and its
 * answer rules, the send-and-classify exchange, stopping, and the last failure for health views.
 * Each provider only says what values go into the request and how to read the answer.
 */
import { ProviderError } from '../../shared/errors.js';
import { silentLogger } from '../../shared/logger.js';
import type { ProviderStatus } from '../channel-provider.js';
import { answerRules, exchange, type AnswerRules, type FetchFunction } from './http-exchange.js';
import type { HttpProviderSpec } from './http-provider-spec.js';
import { RequestTemplate, type RenderedRequest } from './http-request.js';
import { MissingValueError, TemplateError, type TemplateValues } from './http-template.js';
import { parseJsonPath, type JsonPath } from './json-path.js';
import type { Logger } from '../../shared/logger.js';

/** A provider option that cannot work; thrown by constructors. */
export class HttpProviderConfigError extends Error {
  constructor(provider: string, problem: string) {
    super(`provider ${provider}: ${problem}`);
    this.name = 'HttpProviderConfigError';
  }
}

const E164 = /^\+[1-9]\d{5,14}$/;

export interface HttpEndpointOptions {
  readonly name: string;
  readonly spec: HttpProviderSpec;
  /** The channel the spec must be for (an SMS spec cannot place calls). */
  readonly channel: HttpProviderSpec['channel'];
  readonly credentials: Readonly<Record<string, string>>;
  readonly logger?: Logger | undefined;
  readonly fetch?: FetchFunction | undefined;
}

/** One provider API endpoint, as the providers built on it use it. */
export class HttpEndpoint {
  readonly name: string;
  /** Where the answer carries the provider's id. */
  readonly idPath: JsonPath;
  readonly log: Logger;
  readonly #request: RequestTemplate;
  readonly #rules: AnswerRules;
  readonly #fetch: FetchFunction;
  readonly #stop = new AbortController();
  #lastError = '';

  /** Throws `HttpProviderConfigError` for a spec of another channel or missing credentials. */
  constructor(options: HttpEndpointOptions) {
    this.name = options.name;
    if (options.spec.channel !== options.channel) throw new HttpProviderConfigError(options.name, `spec channel must be ${options.channel}`);
    try {
      this.#request = new RequestTemplate(options.spec, options.credentials);
    } catch (error) {
      throw new HttpProviderConfigError(options.name, error instanceof Error ? error.message : 'invalid spec');
    }
    this.#rules = answerRules(options.spec);
    this.idPath = parseJsonPath(options.spec.messageIdPath);
    this.log = options.logger ?? silentLogger;
    this.#fetch = options.fetch ?? fetch;
  }

  /** HTTP providers hold no connection: ready at once, unless stopped. */
  start(): Promise<void> {
    if (this.#stop.signal.aborted) return Promise.reject(new ProviderError(`${this.name}: provider was stopped`, { retryable: false }));
    return Promise.resolve();
  }

  /** Refuses what cannot be sent at all: a stopped provider, a destination that is not E.164. */
  assertSendable(to: string): void {
    if (this.#stop.signal.aborted) throw new ProviderError(`${this.name}: provider was stopped`, { retryable: true, notConnected: true });
    if (!E164.test(to)) throw new ProviderError(`${this.name}: destination is not an E.164 number`, { retryable: false });
  }

  /**
   * Renders the request with `values` and exchanges it (see http-exchange.ts for when it is
   * repeated); resolves with the answer's body or rejects with the classified `ProviderError`.
   */
  async send(values: TemplateValues, logFields: Readonly<Record<string, unknown>>): Promise<unknown> {
    const request = this.#render(values);
    try {
      const { body } = await exchange(request, this.#rules, {
        providerName: this.name,
        fetch: this.#fetch,
        log: this.log,
        stopSignal: this.#stop.signal,
        idempotent: this.#request.idempotent,
        logFields,
      });
      this.#lastError = '';
      return body;
    } catch (error) {
      if (error instanceof ProviderError) {
        this.#lastError = error.message;
        this.log.info({ ...logFields, provider: this.name, providerCode: error.providerCode, retryable: error.retryable, outcomeUnknown: error.outcomeUnknown }, 'HTTP request failed');
      }
      throw error;
    }
  }

  /** Aborts requests in flight (they end as outcome unknown) and refuses new ones. */
  stop(): Promise<void> {
    this.#stop.abort();
    return Promise.resolve();
  }

  /** No connections to report; `lastError` is the last failed request's reason. */
  status(): ProviderStatus {
    return { connection: this.#stop.signal.aborted ? 'stopped' : 'ready', binds: [], lastError: this.#lastError };
  }

  /** A value that cannot go into the request is a permanent failure of this message. */
  #render(values: TemplateValues): RenderedRequest {
    try {
      return this.#request.render(values, new Date());
    } catch (error) {
      if (error instanceof TemplateError || error instanceof MissingValueError) {
        throw new ProviderError(`${this.name}: request cannot be built (${error.message})`, { retryable: false, cause: error });
      }
      throw error;
    }
  }
}
