/**
 * An HTTP SMS provider together with the webhook its delivery reports arrive on, as the provider
 * pool runs it: the service's `/webhooks/<name>` endpoint finds the config here.
 */
import type { OutboundSms, ProviderStatus, SmsProvider, SubmitAccepted } from '../sms-provider.js';
import type { HttpSmsProvider } from './http-provider.js';
import type { WebhookConfig } from './webhooks.js';

/** `HttpSmsProvider` plus its webhook config. */
export class HttpSmsRoute implements SmsProvider {
  readonly name: string;
  readonly webhook: WebhookConfig | undefined;
  readonly #sms: HttpSmsProvider;

  constructor(sms: HttpSmsProvider, webhook: WebhookConfig | undefined) {
    this.name = sms.name;
    this.webhook = webhook;
    this.#sms = sms;
  }

  start(): Promise<void> {
    return this.#sms.start();
  }

  submit(message: OutboundSms): Promise<SubmitAccepted> {
    return this.#sms.submit(message);
  }

  stop(): Promise<void> {
    return this.#sms.stop();
  }

  status(): ProviderStatus {
    return this.#sms.status();
  }
}
