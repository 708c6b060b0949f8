/**
 * The HTTP endpoints providers call: `/webhooks/<provider>` for delivery reports and call status
 * (signed; a bad signature is 403 and changes nothing), and `/voice/answer/<token>` where a voice
 * provider fetches what to say when the callee picks up. Thin: verification and parsing live in
 * providers/http, the attempt state machine in dispatch.
 */
import type { ProviderEndpoints } from '../providers/provider-kind.js';
import type { DeliveryReceipt, LateAcceptance, OtpContent } from '../providers/channel-provider.js';
import { handleWebhook, verifyWebhookRequest, type WebhookRequest } from '../providers/http/webhooks.js';
import { renderVoiceAnswer, VOICE_ANSWER_CONTENT_TYPE } from '../providers/voice/answer-document.js';
import { verifyAnswerToken } from '../providers/voice/voice-answer-token.js';
import { isUuid } from '../shared/request-rules.js';
import type { HttpHandler, HttpRequest, HttpResponse } from './http-server.js';
import type { Logger } from '../shared/logger.js';

/** What the endpoints need of the running service. */
export interface ProviderWebhookDeps {
  /** The endpoints of each running provider, by name (the pool's live map). */
  readonly endpoints: ReadonlyMap<string, ProviderEndpoints>;
  /** The dispatcher's receipt and late-acceptance entry points. */
  readonly onReceipt: (provider: string, receipt: DeliveryReceipt) => Promise<void>;
  readonly onLateAcceptance: (provider: string, acceptance: LateAcceptance) => Promise<void>;
  readonly loadAnswer: (attemptId: string) => Promise<{ provider: string; otp: OtpContent | null } | null>;
  readonly answerTokenKey: Buffer;
  /** PUBLIC_BASE_URL without trailing slash: providers sign the URL they called, as configured. */
  readonly publicBaseUrl: string;
  readonly logger: Logger;
  readonly now?: () => Date;
}

const NOT_FOUND: HttpResponse = { status: 404, body: 'not found\n' };

function asWebhookRequest(deps: ProviderWebhookDeps, request: HttpRequest): WebhookRequest {
  return { method: request.method, url: `${deps.publicBaseUrl}${request.url}`, headers: request.headers, rawBody: request.body };
}

/**
 * `GET|POST /webhooks/:provider`. Correlations go first, so a report for an attempt whose submit
 * answer was lost finds it; then every receipt lands on the attempt state machine, which takes
 * duplicates, late and unknown reports without change.
 */
export function webhookHandler(deps: ProviderWebhookDeps): HttpHandler {
  const now = deps.now ?? (() => new Date());
  return async (request) => {
    const name = request.params.provider ?? '';
    const config = deps.endpoints.get(name)?.webhook;
    if (config === undefined) return NOT_FOUND;
    const result = handleWebhook(config, asWebhookRequest(deps, request), now());
    if (result.status >= 400) deps.logger.warn({ provider: name, status: result.status, note: result.note }, 'webhook refused');
    for (const correlation of result.correlations) {
      // The attempt id comes back from the provider as we sent it; anything else (a callback URL
      // edited by hand) correlates nothing, and the receipts below must still be applied.
      if (!isUuid(correlation.attemptId)) {
        deps.logger.warn({ provider: name, attempt: correlation.attemptId.slice(0, 64) }, 'webhook names no attempt id; not correlated');
        continue;
      }
      await deps.onLateAcceptance(name, { attemptId: correlation.attemptId, part: 1, parts: 1, providerMessageId: correlation.providerMessageId });
    }
    for (const receipt of result.receipts) await deps.onReceipt(name, receipt);
    return { status: result.status, body: result.body, contentType: result.contentType };
  };
}

/**
 * `GET|POST /voice/answer/:token`. Every refusal is the same 404 (the reason is logged), so the
 * URL tells a prober nothing; the document is served only to the provider the call was placed
 * with, on its signed request, while the attempt is open.
 */
export function voiceAnswerHandler(deps: ProviderWebhookDeps): HttpHandler {
  const now = deps.now ?? (() => new Date());
  return async (request) => {
    const refuse = (reason: string, fields: object = {}): HttpResponse => {
      deps.logger.warn({ ...fields, reason }, 'voice answer refused');
      return NOT_FOUND;
    };
    const token = verifyAnswerToken(request.params.token ?? '', deps.answerTokenKey, now());
    if (!token.ok) return refuse(`token ${token.reason}`);
    if (!isUuid(token.attemptId)) return refuse('token names no attempt');
    const source = await deps.loadAnswer(token.attemptId);
    if (source === null) return refuse('attempt not open', { attemptId: token.attemptId });
    const endpoints = deps.endpoints.get(source.provider);
    const config = endpoints?.webhook;
    const format = endpoints?.answerFormat;
    if (config === undefined || format === undefined) return refuse('provider not running here', { attemptId: token.attemptId, provider: source.provider });
    const signed = verifyWebhookRequest(config, asWebhookRequest(deps, request), now());
    if (!signed.ok) return refuse(signed.reason, { attemptId: token.attemptId, provider: source.provider });
    if (source.otp === null) return refuse('no code stored for the message', { attemptId: token.attemptId });
    let answer: ReturnType<typeof renderVoiceAnswer>;
    try {
      answer = renderVoiceAnswer({ format, code: source.otp.code, locale: source.otp.locale, defaultLocale: source.otp.defaultLocale, brand: source.otp.brand });
    } catch (error) {
      // Unreachable with generated codes; still a refusal like every other, never a 500.
      return refuse(`answer not renderable: ${error instanceof Error ? error.message : String(error)}`, { attemptId: token.attemptId });
    }
    deps.logger.info({ attemptId: token.attemptId, provider: source.provider, locale: answer.locale }, 'voice answer served');
    return { status: 200, body: answer.xml, contentType: VOICE_ANSWER_CONTENT_TYPE };
  };
}
