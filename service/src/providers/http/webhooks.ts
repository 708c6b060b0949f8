/**
 * Delivery-report and call-status webhooks of HTTP providers: one entry point the service's HTTP
 * server calls per provider endpoint. It verifies the provider's signature (bad or missing → 403
 * and nothing taken), refuses signed reports outside the replay window where the scheme signs a
 * time, and turns the report into receipts for the same attempt state machine SMPP receipts
 * feed. Pure apart from the clock it is given: no I/O, nothing remembered between requests.
 */
import type { HttpWebhookSpec } from './http-provider-spec.js';
import { genericRefusal, genericWebhook, handleGenericWebhook, type GenericWebhook } from './presets/generic.js';
import { handlePlivoWebhook, plivoRefusal } from './presets/plivo.js';
import { handleTwilioWebhook, twilioRefusal } from './presets/twilio.js';
import { handleVonageWebhook, vonageRefusal, type VonageWebhookSecrets } from './presets/vonage.js';
import type { WebhookRequest, WebhookResult } from './webhook-request.js';

export type { WebhookCorrelation, WebhookRequest, WebhookResult } from './webhook-request.js';

/** Which scheme a provider's webhook speaks, with the secrets to verify it. */
export type WebhookConfig =
  | { readonly kind: 'twilio'; readonly authToken: string }
  | { readonly kind: 'plivo'; readonly authToken: string }
  | ({ readonly kind: 'vonage' } & VonageWebhookSecrets)
  | { readonly kind: 'generic'; readonly webhook: GenericWebhook };

/** A generic spec's webhook config, its signing secret taken from `credentials`. */
export function genericWebhookConfig(spec: HttpWebhookSpec, credentials: Readonly<Record<string, string>>): WebhookConfig {
  return { kind: 'generic', webhook: genericWebhook(spec, credentials) };
}

/**
 * Handles one webhook request. `now` is when it arrived (for replay windows). Never throws for
 * anything a client sends.
 */
export function handleWebhook(config: WebhookConfig, request: WebhookRequest, now: Date): WebhookResult {
  switch (config.kind) {
    case 'twilio':
      return handleTwilioWebhook(config.authToken, request);
    case 'plivo':
      return handlePlivoWebhook(config.authToken, request);
    case 'vonage':
      return handleVonageWebhook(config, request, now);
    case 'generic':
      return handleGenericWebhook(config.webhook, request, now);
  }
}

/**
 * Checks only that a request really comes from the provider, for requests that are not reports:
 * the provider fetching a call's answer document (Twilio and Plivo sign those too). Serve the
 * document only when `ok`.
 */
export function verifyWebhookRequest(config: WebhookConfig, request: WebhookRequest, now: Date): { readonly ok: true } | { readonly ok: false; readonly reason: string } {
  let reason: string | undefined;
  switch (config.kind) {
    case 'twilio':
      reason = twilioRefusal(config.authToken, request);
      break;
    case 'plivo':
      reason = plivoRefusal(config.authToken, request);
      break;
    case 'vonage':
      reason = vonageRefusal(config, request, now);
      break;
    case 'generic':
      reason = genericRefusal(config.webhook, request, now);
      break;
  }
  return reason === undefined ? { ok: true } : { ok: false, reason };
}
