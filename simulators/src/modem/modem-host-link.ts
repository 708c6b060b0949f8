/**
 * The emulator joined to any byte transport by two functions, for transports that are neither a
 * stream nor a pty. With serialport's MockBinding (`@serialport/binding-mock`):
 *
 * ```ts
 * MockBinding.createPort('/dev/ttyMODEM', { echo: false, record: false });
 * const port = new SerialPortStream({ binding: MockBinding, path: '/dev/ttyMODEM', baudRate: 115200 });
 * port.on('open', () => {
 *   const binding = port.port!; // the MockPortBinding
 *   const link = connectHost(modem, (bytes) => binding.emitData(bytes));
 *   const write = binding.write.bind(binding);
 *   binding.write = async (buffer) => { await write(buffer); link.hostWrote(buffer); };
 * });
 * ```
 *
 * The agent then talks to `port` as to a real modem; `modem.unplug()` is best paired with
 * `port.port.close()` there, as MockBinding has no notion of a device leaving.
 */
import type { ModemEmulator } from './modem.emulator.js';

export interface HostLink {
  /** Hand the modem what the host wrote. */
  hostWrote(bytes: Uint8Array): void;
  /** Stop forwarding the modem's output. */
  disconnect(): void;
}

/** Forwards everything the modem says to `onModemBytes`. */
export function connectHost(modem: ModemEmulator, onModemBytes: (bytes: Buffer) => void): HostLink {
  const forward = (bytes: Buffer): void => {
    onModemBytes(bytes);
  };
  modem.on('output', forward);
  return {
    hostWrote: (bytes) => {
      modem.write(bytes);
    },
    disconnect: () => {
      modem.off('output', forward);
    },
  };
}
