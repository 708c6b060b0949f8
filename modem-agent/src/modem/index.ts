// The modem driver's public face, for the agent's composition root and the sender.
export { systemClock, type AgentClock } from './agent-clock.js';
export type { InboundSms } from './inbound-assembler.js';
export { ModemInitError } from './modem-init.js';
export {
  DEFAULT_MODEM_TIMING,
  ModemDriver,
  type DriverHealth,
  type ModemDriverEvents,
  type ModemDriverOptions,
  type ModemDriverState,
  type ModemLog,
  type ModemReceiver,
  type ModemTiming,
} from './modem-driver.js';
export { openSerialPort, listSerialDevices } from './serial-port-opener.js';
export { openSerialPortLine, resolveDevicePath, type ModemLine, type ModemLineHandlers, type ModemLineOpener, type SerialDeviceInfo, type SerialDeviceLister } from './serial-line.js';
export type { SubmitOutcome } from './submit-outcome.js';
