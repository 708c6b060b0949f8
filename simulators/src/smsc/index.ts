/**
 * `@switchboard/simulators/smsc`: the SMSC simulator (an SMPP 3.4 server with an inbox and an
 * HTTP control API) and the values tests drive it with. Its standalone process is
 * `@switchboard/simulators/smsc/main` (`pnpm --filter @switchboard/simulators smsc-simulator`).
 */
export * from './smsc.simulator.js';
export {
  DEFAULT_BEHAVIOUR,
  type CommandFailure,
  type LostResponses,
  type ReceiptMode,
  type ScheduledDisconnect,
  type SmscBehaviour,
  type SmscBehaviourPatch,
} from './smsc-behaviour.js';
export { INJECTION_KINDS } from './smsc-injection.js';
