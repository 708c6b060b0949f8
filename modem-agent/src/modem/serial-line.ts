// The byte line to one modem. The driver sees only this interface, so the same driver runs on a
// real serial device (serialport's Linux binding, a socat pty) and on serialport's mock binding
// joined to the modem emulator in tests.
import type { ModemPort } from '../config.js';

/** An open line to a modem. */
export interface ModemLine {
  /** Writes bytes (AT commands and PDUs are ASCII). Throws when the line is already closed. */
  write(data: string): void;
  /** Closes the line; resolves once closed. Safe to call twice. */
  close(): Promise<void>;
}

/** What the line reports while open. */
export interface ModemLineHandlers {
  readonly onData: (chunk: Buffer) => void;
  /** The line closed without `close()` being asked for: the device went away (unplug, EIO). */
  readonly onLost: (reason: string) => void;
}

/** Opens the line to the device at `path`. Rejects when the device is not there. */
export type ModemLineOpener = (path: string, baudRate: number, handlers: ModemLineHandlers) => Promise<ModemLine>;

/** A device as `SerialPort.list()` describes it. */
export interface SerialDeviceInfo {
  readonly path: string;
  readonly serialNumber?: string | undefined;
}

/** Lists serial devices; `SerialPort.list` in production. */
export type SerialDeviceLister = () => Promise<readonly SerialDeviceInfo[]>;

/**
 * The device path of a configured port, looked up afresh each time: a USB modem can come back
 * as another /dev/ttyUSBn after a replug, its adapter's serial number does not change.
 *
 * @throws {Error} when no device has that serial number (it is unplugged).
 */
export async function resolveDevicePath(port: ModemPort, list: SerialDeviceLister | undefined): Promise<string> {
  if (port.kind === 'path') return port.path;
  if (port.kind === 'tcp') return `tcp:${port.host}:${port.port}`;
  if (list === undefined) throw new Error(`no device lister to find USB serial ${port.usbSerial}`);
  const device = (await list()).find((info) => info.serialNumber === port.usbSerial);
  if (device === undefined) throw new Error(`no serial device with USB serial number ${port.usbSerial} is plugged in`);
  return device.path;
}

/** The part of serialport's `SerialPort` / `SerialPortMock` (a `SerialPortStream`) the line uses. */
export interface SerialPortStream {
  readonly isOpen: boolean;
  open(callback: (error: Error | null) => void): void;
  write(data: Buffer): boolean;
  close(callback: (error?: Error | null) => void): void;
  on(event: 'data', listener: (chunk: Buffer) => void): this;
  on(event: 'close', listener: (lost: Error | null) => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
}

/**
 * Opens a serialport stream (created with `autoOpen: false`) as a {@link ModemLine}; `prepare`
 * runs once it is open, before any byte is read (the tests join the emulator to it there).
 */
export function openSerialPortLine(port: SerialPortStream, handlers: ModemLineHandlers, prepare?: (port: SerialPortStream) => void): Promise<ModemLine> {
  return new Promise((resolve, reject) => {
    let closing = false;
    port.open((error) => {
      if (error !== null) {
        reject(error);
        return;
      }
      prepare?.(port);
      port.on('data', (chunk: Buffer) => {
        handlers.onData(chunk);
      });
      port.on('close', (lost: Error | null) => {
        if (!closing) handlers.onLost(lost?.message ?? 'the port closed');
      });
      // Write errors also reach 'close' through serialport's disconnect handling.
      port.on('error', () => undefined);
      resolve({
        write: (data) => {
          if (!port.isOpen) throw new Error('the port is closed');
          port.write(Buffer.from(data, 'latin1'));
        },
        close: () =>
          new Promise((done) => {
            if (closing || !port.isOpen) {
              done();
              return;
            }
            closing = true;
            port.close(() => {
              done();
            });
          }),
      });
    });
  });
}
