/**
 * `@switchboard/simulators/modem`: a GSM modem emulator speaking AT commands and SMS PDU mode,
 * with scripted faults, for the modem agent's tests; on a socat pty or any byte transport. Its
 * standalone process is `@switchboard/simulators/modem/main` (`pnpm --filter
 * @switchboard/simulators modem-emulator -- --link /tmp/ttyModem0`).
 */
export { ModemEmulator, ModemUnpluggedError, type IncomingSms, type ModemEmulatorOptions, type ModemEvents, type ModemState } from './modem.emulator.js';
export { ModemPort } from './modem-port.js';
export { connectHost, type HostLink } from './modem-host-link.js';
export { PtyLinkError, PtyModemLink, socatAvailable, type PtyLinkOptions } from './modem-pty.js';
export { TcpModemLink, type TcpLinkOptions } from './modem-tcp.js';
export {
  DEFAULT_MODEM_BEHAVIOUR,
  type MidSendLines,
  type ModemBehaviour,
  type ModemBehaviourPatch,
  type RegistrationOutcome,
  type SendFailure,
} from './modem-behaviour.js';
export { ManualClock, systemClock, type CancelTimer, type ModemClock } from './modem-clock.js';
export { VENDOR_IDS, VENDOR_PROFILES, type NewMessageIndication, type VendorId, type VendorProfile } from './modem-profile.js';
export type { SentMessage, SentPart, StatusReportFate } from './modem-sent-log.js';
export type { StoredMessage } from './modem-storage.js';
export { CME_ERRORS, CMS_ERRORS } from './at-errors.js';
export { STATUS as STATUS_REPORT_STATUS } from './sms-status-report.js';
export { decodeSubmitPdu, type SmsSubmit, type ValidityPeriod } from './sms-submit.js';
export { PduDecodeError, type PduProblem } from './pdu-errors.js';
