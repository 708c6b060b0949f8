/**
 * The voice channel as the dispatcher sees it: an `ChannelProvider` whose submit places a call that
 * reads the verification code. The call provider (Twilio Calls, Plivo Call) fetches what to say
 * from `${publicBaseUrl}/voice/answer/<token>`, a URL signed for this one attempt, and reports the
 * call's progress to the provider's webhook with `?attempt=<attemptId>`; an answered call is a
 * delivered attempt, a busy, unanswered or failed one a failed attempt.
 */
import { ProviderError } from '../../shared/errors.js';
import type { HttpCallProvider } from '../http/http-call-provider.js';
import { callbackWithAttempt } from '../http/http-provider.js';
import type { WebhookConfig } from '../http/webhooks.js';
import type { OutboundSms, ProviderStatus, ChannelProvider, SubmitAccepted } from '../channel-provider.js';
import type { VoiceAnswerFormat } from './answer-document.js';
import { signAnswerToken } from './voice-answer-token.js';

/** An answer URL is never valid longer than this, even for a message valid longer. */
export const MAX_ANSWER_URL_LIFETIME_MS = 30 * 60_000;

/** How to build a `VoiceCallProvider`. */
export interface VoiceCallProviderOptions {
  readonly name: string;
  readonly call: HttpCallProvider;
  /** How the provider's status callbacks and answer fetches are verified. */
  readonly webhook: WebhookConfig | undefined;
  /** The dialect the provider reads answer documents in. */
  readonly answerFormat: VoiceAnswerFormat;
  /** The service's public URL without trailing slash (PUBLIC_BASE_URL). */
  readonly publicBaseUrl: string;
  /** Key answer URLs are signed with (`deriveAnswerTokenKey`). */
  readonly answerTokenKey: Buffer;
  readonly now?: () => Date;
}

/** Places one call per attempt; the code itself never leaves the service in the call request. */
export class VoiceCallProvider implements ChannelProvider {
  readonly name: string;
  readonly webhook: WebhookConfig | undefined;
  readonly answerFormat: VoiceAnswerFormat;
  readonly #options: VoiceCallProviderOptions;
  readonly #now: () => Date;

  constructor(options: VoiceCallProviderOptions) {
    this.name = options.name;
    this.webhook = options.webhook;
    this.answerFormat = options.answerFormat;
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
  }

  start(): Promise<void> {
    return this.#options.call.start();
  }

  async submit(message: OutboundSms): Promise<SubmitAccepted> {
    if (message.otp === undefined) throw new ProviderError(`${this.name}: a voice call can only read a verification code`, { retryable: false });
    const now = this.#now().getTime();
    // The URL dies with the code: whoever holds it hears the code.
    const expiresAt = new Date(Math.min(message.validUntil?.getTime() ?? Number.POSITIVE_INFINITY, now + MAX_ANSWER_URL_LIFETIME_MS));
    const token = signAnswerToken(message.attemptId, expiresAt, this.#options.answerTokenKey);
    const base = this.#options.publicBaseUrl;
    const placed = await this.#options.call.placeCall({
      messageId: message.messageId,
      attemptId: message.attemptId,
      to: message.to,
      // The app's SMS sender id is no caller id: the provider's configured number is used.
      from: '',
      answerUrl: `${base}/voice/answer/${token}`,
      statusCallbackUrl: callbackWithAttempt(webhookUrl(base, this.name), message.attemptId),
    });
    return { providerMessageId: placed.providerCallId, parts: 1 };
  }

  stop(): Promise<void> {
    return this.#options.call.stop();
  }

  status(): ProviderStatus {
    return this.#options.call.status();
  }
}

/** The public URL of a provider's webhook endpoint (delivery reports, call status). */
export function webhookUrl(publicBaseUrl: string, providerName: string): string {
  return `${publicBaseUrl}/webhooks/${encodeURIComponent(providerName)}`;
}
