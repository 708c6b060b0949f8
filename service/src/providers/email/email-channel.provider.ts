/**
 * The e-mail channel as the dispatcher sees it: an `ChannelProvider` whose submit renders the
 * verification e-mail (or wraps a plain text) and hands it to an `EmailProvider`. SMTP has no
 * delivery reports, so an accepted e-mail is final for its attempt (`final: true`).
 */
import { ProviderError } from '../../shared/errors.js';
import type { OutboundSms, ProviderStatus, ChannelProvider, SubmitAccepted } from '../channel-provider.js';
import { InvalidEmailAddressError, type EmailProvider } from './email-provider.js';
import { escapeHtml, renderVerificationEmail } from '../../verification/email-template.js';

/** Sends one e-mail per attempt to the message's e-mail address. */
export class EmailChannelProvider implements ChannelProvider {
  readonly name: string;
  readonly #email: EmailProvider;
  #lastError = '';

  constructor(email: EmailProvider) {
    this.name = email.name;
    this.#email = email;
  }

  start(): Promise<void> {
    return this.#email.start();
  }

  async submit(message: OutboundSms): Promise<SubmitAccepted> {
    // The dispatcher skips e-mail steps without an address; this guards a direct caller.
    if (message.email === undefined || message.email === '') throw new ProviderError(`${this.name}: the message has no e-mail address`, { retryable: false });
    const rendered =
      message.otp === undefined
        ? { subject: `Message from ${message.from}`, text: `${message.text}\n`, html: `<p>${escapeHtml(message.text).replaceAll('\n', '<br>')}</p>\n` }
        : renderVerificationEmail({
            templates: message.otp.emailTemplates,
            locale: message.otp.locale,
            defaultLocale: message.otp.defaultLocale,
            code: message.otp.code,
            brand: message.otp.brand,
            ttlSeconds: message.otp.ttlSeconds,
          });
    try {
      const accepted = await this.#email.send({
        messageId: message.messageId,
        attemptId: message.attemptId,
        to: message.email,
        subject: rendered.subject,
        text: rendered.text,
        html: rendered.html,
      });
      this.#lastError = '';
      return { providerMessageId: accepted.providerMessageId, parts: 1, final: true };
    } catch (error) {
      // One message's bad address says nothing about the provider; health shows only the rest.
      if (error instanceof Error && !(error instanceof InvalidEmailAddressError)) this.#lastError = error.message;
      throw error;
    }
  }

  stop(): Promise<void> {
    return this.#email.stop();
  }

  status(): ProviderStatus {
    return { connection: 'ready', binds: [], lastError: this.#lastError };
  }
}
