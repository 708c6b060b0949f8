/**
 * Voice calls over an HTTP call API (Twilio Calls, Plivo Call) on the same machinery as SMS: the
 * provider places the call, fetches the answer document (TwiML / Plivo XML) the service serves
 * at `answerUrl`, and reports the call's end to `statusCallbackUrl`. The same retry rules hold:
 * a call whose request may have been taken is never placed again, it is followed instead.
 */
import { ProviderError } from '../../shared/errors.js';
import { maskNumber, silentLogger } from '../smpp/smpp-log.js';
import { normaliseProviderMessageId, type ProviderStatus } from '../sms-provider.js';
import { answerRules, exchange, type AnswerRules, type FetchFunction, type HttpLogger } from './http-exchange.js';
import { buildRequestTemplate, HttpProviderConfigError, renderOrFail } from './http-provider.js';
import type { HttpProviderSpec } from './http-provider-spec.js';
import type { RequestTemplate } from './http-request.js';
import { parseJsonPath, readText, type JsonPath } from './json-path.js';

/** One call to place for one attempt. */
export interface OutboundCall {
  /** Switchboard's message id, for logs. */
  readonly messageId: string;
  /** The attempt; used as the idempotency key where the provider has one. */
  readonly attemptId: string;
  /** Destination in E.164. */
  readonly to: string;
  /** Caller id in E.164 (a number the account owns). */
  readonly from: string;
  /** Where the provider fetches what to say (TwiML / Plivo XML), served by the service. */
  readonly answerUrl: string;
  /** Where the provider reports the call's progress and end (handled by `handleWebhook`). */
  readonly statusCallbackUrl: string;
}

/** The provider took the call request; its status callbacks carry `providerCallId`. */
export interface CallPlaced {
  /** Normalised (see `normaliseProviderMessageId`): Twilio CallSid, Plivo request_uuid. */
  readonly providerCallId: string;
}

/** How to build an `HttpCallProvider`. */
export interface HttpCallProviderOptions {
  readonly name: string;
  /** A validated spec whose `channel` is `voice`. */
  readonly spec: HttpProviderSpec;
  readonly credentials: Readonly<Record<string, string>>;
  /** Caller id for calls that name none. */
  readonly defaultFrom?: string | undefined;
  readonly logger?: HttpLogger | undefined;
  readonly fetch?: FetchFunction | undefined;
}

const E164 = /^\+[1-9]\d{5,14}$/;

/** Places calls through a provider's HTTP call API. */
export class HttpCallProvider {
  readonly name: string;
  readonly #request: RequestTemplate;
  readonly #rules: AnswerRules;
  readonly #idPath: JsonPath;
  readonly #options: HttpCallProviderOptions;
  readonly #log: HttpLogger;
  readonly #fetch: FetchFunction;
  readonly #stop = new AbortController();
  #lastError = '';

  /** Throws `HttpProviderConfigError` for an SMS spec or missing credentials. */
  constructor(options: HttpCallProviderOptions) {
    this.name = options.name;
    if (options.spec.channel !== 'voice') throw new HttpProviderConfigError(options.name, 'spec channel must be voice');
    this.#request = buildRequestTemplate(options.name, options.spec, options.credentials);
    this.#rules = answerRules(options.spec);
    this.#idPath = parseJsonPath(options.spec.messageIdPath);
    this.#options = options;
    this.#log = options.logger ?? silentLogger;
    this.#fetch = options.fetch ?? fetch;
  }

  /** Ready at once unless stopped. */
  start(): Promise<void> {
    if (this.#stop.signal.aborted) return Promise.reject(new ProviderError(`${this.name}: provider was stopped`, { retryable: false }));
    return Promise.resolve();
  }

  /** Asks the provider to place the call; rejects with `ProviderError` like an SMS submit. */
  async placeCall(call: OutboundCall): Promise<CallPlaced> {
    if (this.#stop.signal.aborted) throw new ProviderError(`${this.name}: provider was stopped`, { retryable: true, notConnected: true });
    if (!E164.test(call.to)) throw new ProviderError(`${this.name}: destination is not an E.164 number`, { retryable: false });
    const from = call.from.trim() === '' ? (this.#options.defaultFrom ?? '') : call.from;
    const request = renderOrFail(this.name, this.#request, {
      to: call.to,
      toDigits: call.to.slice(1),
      from,
      fromDigits: from.replace(/^\+/, ''),
      messageId: call.messageId,
      attemptId: call.attemptId,
      answerUrl: call.answerUrl,
      statusCallbackUrl: call.statusCallbackUrl,
    });
    const logFields = { messageId: call.messageId, attemptId: call.attemptId, to: maskNumber(call.to), channel: 'voice' };
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
      if (error instanceof ProviderError) this.#lastError = error.message;
      throw error;
    }
    this.#lastError = '';
    const id = readText(body, this.#idPath)?.trim();
    if (id === undefined || id === '') {
      throw new ProviderError(`${this.name}: call accepted without an id at ${this.#idPath.source}`, { retryable: false, outcomeUnknown: true });
    }
    const providerCallId = normaliseProviderMessageId(id);
    this.#log.debug({ ...logFields, provider: this.name, providerCallId }, 'call placed');
    return { providerCallId };
  }

  /** Aborts requests in flight and refuses new ones. */
  stop(): Promise<void> {
    this.#stop.abort();
    return Promise.resolve();
  }

  /** No connections; `lastError` is the last failed request's reason. */
  status(): ProviderStatus {
    return { connection: this.#stop.signal.aborted ? 'stopped' : 'ready', binds: [], lastError: this.#lastError };
  }
}
