/**
 * `@switchboard/simulators/http`: one HTTP server answering like Twilio, Plivo, Vonage and an
 * Auron SMS Server, with the accounts it accepts by default and the records tests assert on. Its
 * standalone process is `@switchboard/simulators/http/main` (`pnpm --filter
 * @switchboard/simulators http-simulator`).
 */
export { DEFAULT_SIM_ACCOUNTS, DEFAULT_SIM_BEHAVIOUR, HttpProviderSimulator, type HttpProviderSimulatorOptions, type RequestFilter } from './http-provider.simulator.js';
export {
  SIM_PRESETS,
  type AnswerFetch,
  type CallOutcome,
  type RecordedRequest,
  type SimAccounts,
  type SimBehaviour,
  type SimCall,
  type SimFault,
  type SimMessage,
  type SimPreset,
  type SmsOutcome,
  type WebhookDelivery,
} from './sim-core.js';
export { VONAGE_SIGNATURE_METHODS, type VonageSignatureMethod } from './webhook-signing.js';
