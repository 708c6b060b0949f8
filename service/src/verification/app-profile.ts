import type { EmailTemplateSet } from './email-template.js';
import type { TemplateSet } from './message-template.js';

/**
 * The calling app as the services that send for it see it (verification, plain messages): who it
 * is, how its texts look, where it may send. Found by its API key on every call.
 */
export interface AppProfile {
  readonly id: string;
  readonly name: string;
  /** Domain for the origin-bound last line (`@example.com #123456`); null when the app has none. */
  readonly domain: string | null;
  readonly defaultLocale: string;
  /** Sender shown on the phone: alphanumeric id, short code or E.164 number. */
  readonly senderId: string;
  readonly templates: TemplateSet;
  /** E-mails carrying a code, by locale; empty: the built-in ones. */
  readonly emailTemplates: EmailTemplateSet;
  /** ISO 3166-1 alpha-2 countries the app may send to; empty means all. */
  readonly allowedCountries: readonly string[];
  readonly defaultCodeLength: number;
}

/** Finds the app an API key belongs to: a port the gRPC layer asks on every call. */
export interface AppAuthenticator {
  findByApiKey(key: string): Promise<AppProfile | null>;
}
