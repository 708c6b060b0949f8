/**
 * The types the HTTP provider simulator's parts share: the accounts it accepts, what it records,
 * the faults tests inject, and the `SimCore` each provider's routes work against.
 */
import type { VonageSignatureMethod } from './webhook-signing.js';
import type { SimRequest, SimResponse } from './sim-http.js';

/** The provider APIs the simulator speaks. */
export const SIM_PRESETS = ['twilio', 'plivo', 'vonage', 'auron'] as const;
/** One of `SIM_PRESETS`. */
export type SimPreset = (typeof SIM_PRESETS)[number];

/** The accounts the simulator accepts, and how it sends reports. */
export interface SimAccounts {
  readonly twilio: { readonly accountSid: string; readonly authToken: string };
  readonly plivo: { readonly authId: string; readonly authToken: string };
  readonly vonage: {
    readonly apiKey: string;
    readonly apiSecret: string;
    /** Signs delivery receipts when set (Vonage signed webhooks). */
    readonly signatureSecret: string | undefined;
    readonly signatureMethod: VonageSignatureMethod;
    /** How receipts are sent, as the Vonage dashboard offers. */
    readonly webhookMethod: 'GET' | 'POST' | 'POST-JSON';
  };
  readonly auron: {
    /** The channel's API key; undefined: IP authentication (no key checked). */
    readonly apiKey: string | undefined;
    /** The channel id in the base path (`/HTTP_API1`). */
    readonly channel: string;
    /** Where the delivery-report trigger posts; undefined sends none. */
    readonly webhookUrl: string | undefined;
    /** Signs reports (generic HMAC scheme) when set. */
    readonly webhookSecret: string | undefined;
  };
}

/**
 * A fault for the next requests to one provider:
 * - `status`: answer with this HTTP status and the provider's error body; `accept: true` stores
 *   (sends) the message first, the ambiguous 5xx.
 * - `refuse`: the provider's own refusal with `code` (Twilio 400 with code, Vonage 200 with
 *   messages[0].status, Auron LastError, Plivo 400 error text).
 * - `delay`: store the message, answer `ms` later (a client timeout leaves the message sent).
 * - `drop`: read the request, then close the connection without answering; `accept` stores first.
 */
export type SimFault =
  | { readonly kind: 'status'; readonly status: number; readonly code?: string | undefined; readonly message?: string | undefined; readonly retryAfterSeconds?: number | undefined; readonly accept?: boolean | undefined }
  | { readonly kind: 'refuse'; readonly code: string; readonly message?: string | undefined }
  | { readonly kind: 'delay'; readonly ms: number }
  | { readonly kind: 'drop'; readonly accept?: boolean | undefined };

/** Which final report a delivered message gets; `none` sends no report. */
export type SmsOutcome = 'delivered' | 'failed' | 'undelivered' | 'none';
/** How a placed call ends. */
export type CallOutcome = 'completed' | 'busy' | 'no-answer' | 'failed';

/** What happens after a message or call was taken. */
export interface SimBehaviour {
  /** Delay before the final report; an intermediate "sent" report comes after half of it. */
  readonly receiptDelayMs: number;
  readonly smsOutcome: SmsOutcome;
  /** Per destination (E.164 with +), overriding `smsOutcome`. */
  readonly smsOutcomeByDestination: Readonly<Record<string, SmsOutcome>>;
  readonly callOutcome: CallOutcome;
  /** Delay between the steps of a call (ringing, answer, hangup). */
  readonly callStepDelayMs: number;
}

/** One request the simulator received, for assertions on its shape. */
export interface RecordedRequest {
  readonly seq: number;
  readonly preset: SimPreset | 'unknown';
  readonly route: string;
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly contentType: string;
  readonly body: string;
  readonly at: string;
  /** The fault applied to it, if any (`status:503`, `delay:2000`, `drop`). */
  fault: string | undefined;
  /** The status answered; undefined when the connection was dropped. */
  responseStatus: number | undefined;
}

/** A message the simulator took (it would go to the network now). */
export interface SimMessage {
  readonly preset: SimPreset;
  /** The id answered to the client (the first part's for multi-part Vonage messages). */
  readonly id: string;
  /** One id per part, for APIs that answer per part (Vonage). */
  readonly partIds: readonly string[];
  readonly to: string;
  readonly from: string;
  readonly text: string;
  readonly parts: number;
  readonly callbackUrl: string | undefined;
  /** The client's reference echoed in reports (Vonage client-ref, Auron LocalID). */
  readonly reference: string | undefined;
  /** Vonage: a non-GSM text sent without type=unicode arrives garbled. */
  readonly garbled: boolean;
  readonly at: string;
}

/** What a call's answer URL returned when the simulated callee picked up. */
export type AnswerFetch =
  | { readonly status: number; readonly contentType: string; readonly body: string }
  | { readonly error: string };

/** A call the simulator placed. */
export interface SimCall {
  readonly preset: 'twilio' | 'plivo';
  readonly id: string;
  readonly to: string;
  readonly from: string;
  readonly answerUrl: string;
  /** How the answer URL is fetched (Twilio Method, Plivo answer_method). */
  readonly answerMethod: 'GET' | 'POST';
  readonly statusCallbackUrl: string | undefined;
  /** Progress events asked for (Twilio StatusCallbackEvent). */
  readonly events: readonly string[];
  status: string;
  answer: AnswerFetch | undefined;
  readonly at: string;
}

/** A webhook the simulator sent (receipt, call status, answer fetch). */
export interface WebhookDelivery {
  readonly preset: SimPreset;
  readonly kind: 'sms-status' | 'call-status' | 'answer';
  readonly url: string;
  readonly method: string;
  readonly params: Readonly<Record<string, string | readonly string[]>>;
  status: number | undefined;
  error: string | undefined;
  readonly at: string;
}

/** A request to send from the simulator to the service. */
export interface OutgoingWebhook {
  readonly preset: SimPreset;
  readonly kind: WebhookDelivery['kind'];
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
  /** What it carries, for the record. */
  readonly params: Readonly<Record<string, string | readonly string[]>>;
}

/** What provider routes use of the simulator. */
export interface SimCore {
  readonly accounts: SimAccounts;
  behaviour(): SimBehaviour;
  now(): Date;
  addMessage(message: SimMessage): void;
  addCall(call: SimCall): void;
  /** The stored answer for an idempotency token (Twilio), if one was taken before. */
  idempotentAnswer(preset: SimPreset, token: string): SimResponse | undefined;
  rememberIdempotentAnswer(preset: SimPreset, token: string, response: SimResponse): void;
  /** Runs `task` after `ms` unless the simulator stops first. */
  schedule(ms: number, task: () => Promise<void>): void;
  /** Sends a webhook and records it; resolves with the answer, undefined when it failed. */
  deliver(webhook: OutgoingWebhook): Promise<AnswerFetch>;
  /** The outcome for a message to `to`. */
  smsOutcomeFor(to: string): SmsOutcome;
}

/** One provider API of the simulator. */
export interface SimProviderRoutes {
  readonly preset: SimPreset;
  /** The route key of a request this API serves (`messages`, `calls`), else undefined. */
  route(request: SimRequest): string | undefined;
  /** Checks and processes a request the way the real API does. */
  handle(core: SimCore, request: SimRequest, route: string): Promise<SimResponse>;
  /** The API's answer for an HTTP-level error (`status` fault). */
  errorResponse(status: number, code: string | undefined, message: string | undefined, retryAfterSeconds: number | undefined): SimResponse;
  /** The API's own refusal of a message with `code` (`refuse` fault). */
  refusal(code: string, message: string | undefined): SimResponse;
  /** Sends the report `outcome` for `message` now (control API and scheduled receipts). */
  sendReceipt(core: SimCore, message: SimMessage, outcome: Exclude<SmsOutcome, 'none'> | 'sent'): Promise<void>;
}
