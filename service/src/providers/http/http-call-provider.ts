/**
 * Voice calls over an HTTP call API (Twilio Calls, Plivo Call) on the same machinery as SMS: the
 * provider places the call, fetches the answer document (TwiML / Plivo XML) the service serves
 * at `answerUrl`, and reports the call's end to `statusCallbackUrl`. The same retry rules hold:
 * a call whose request may have been taken is never placed again, it is followed instead.
 */
import { ProviderError } from '../../shared/errors.js';
import { maskPhoneNumber } from '../../shared/masking.js';
import { normaliseProviderMessageId, type ProviderStatus } from '../channel-provider.js';
import { HttpEndpoint } from './http-endpoint.js';
import type { FetchFunction } from './http-exchange.js';
import type { HttpProviderSpec } from './http-provider-spec.js';
import { readText } from './json-path.js';
import type { Logger } from '../../shared/logger.js';

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
  readonly logger?: Logger | undefined;
  readonly fetch?: FetchFunction | undefined;
}

/** Places calls through a provider's HTTP call API. */
export class HttpCallProvider {
  readonly name: string;
  readonly #endpoint: HttpEndpoint;
  readonly #options: HttpCallProviderOptions;

  /** Throws `HttpProviderConfigError` for an SMS spec or missing credentials. */
  constructor(options: HttpCallProviderOptions) {
    this.name = options.name;
    this.#endpoint = new HttpEndpoint({ ...options, channel: 'voice' });
    this.#options = options;
  }

  /** Ready at once unless stopped. */
  start(): Promise<void> {
    return this.#endpoint.start();
  }

  /** Asks the provider to place the call; rejects with `ProviderError` like an SMS submit. */
  async placeCall(call: OutboundCall): Promise<CallPlaced> {
    this.#endpoint.assertSendable(call.to);
    const from = call.from.trim() === '' ? (this.#options.defaultFrom ?? '') : call.from;
    const logFields = { messageId: call.messageId, attemptId: call.attemptId, to: maskPhoneNumber(call.to), channel: 'voice' };
    const body = await this.#endpoint.send(
      {
        to: call.to,
        toDigits: call.to.slice(1),
        from,
        fromDigits: from.replace(/^\+/, ''),
        messageId: call.messageId,
        attemptId: call.attemptId,
        answerUrl: call.answerUrl,
        statusCallbackUrl: call.statusCallbackUrl,
      },
      logFields,
    );
    const id = readText(body, this.#endpoint.idPath)?.trim();
    if (id === undefined || id === '') {
      throw new ProviderError(`${this.name}: call accepted without an id at ${this.#endpoint.idPath.source}`, { retryable: false, outcomeUnknown: true });
    }
    const providerCallId = normaliseProviderMessageId(id);
    this.#endpoint.log.debug({ ...logFields, provider: this.name, providerCallId }, 'call placed');
    return { providerCallId };
  }

  /** Aborts requests in flight and refuses new ones. */
  stop(): Promise<void> {
    return this.#endpoint.stop();
  }

  /** No connections; `lastError` is the last failed request's reason. */
  status(): ProviderStatus {
    return this.#endpoint.status();
  }
}
