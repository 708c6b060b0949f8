// Modem emulators behind serialport's mock binding, as the agent's driver opens them: each
// open makes a SerialPortMock joined to its emulator, an unplugged emulator's device is absent
// (open fails, and an open port fails its reads as the Linux binding does with EIO), and a
// replugged one can be opened again, at a new path if the test says so.
import { connectHost, ManualClock, ModemEmulator, type ModemEmulatorOptions } from '@switchboard/simulators/modem';
import { SerialPortMock } from 'serialport';
import type { ModemConfig } from '../../src/config.js';
import { Secret } from '../../src/config.js';
import type { AgentClock } from '../../src/modem/agent-clock.js';
import { openSerialPortLine, type ModemLineOpener, type SerialDeviceInfo } from '../../src/modem/serial-line.js';

let created = 0;

interface Device {
  readonly modem: ModemEmulator;
  path: string;
  readonly usbSerial: string;
}

/** The agent's clock on the emulator's ManualClock, so both move together. */
export function agentClockOf(clock: ManualClock): AgentClock {
  return {
    now: () => clock.now(),
    schedule: (delayMs, onTimeout) => {
      const cancel = clock.schedule(delayMs, onTimeout);
      return { cancel };
    },
  };
}

export class EmulatedModems {
  readonly clock = new ManualClock();
  readonly agentClock = agentClockOf(this.clock);
  readonly #devices: Device[] = [];
  /** Lines the agent opened. */
  opens = 0;
  /** Called with what the agent writes to a modem, before the modem reads it. */
  onHostWrite: ((modem: ModemEmulator, text: string) => void) | undefined;

  /** Adds an emulator (sharing the clock) and returns it with a config that reaches it. */
  add(label: string, options: ModemEmulatorOptions = {}, config: { simPin?: string; maxPerMinute?: number; byUsbSerial?: boolean } = {}): { modem: ModemEmulator; config: ModemConfig } {
    created += 1;
    const path = `/dev/ttyEMU${created}`;
    SerialPortMock.binding.createPort(path, { echo: false, record: false });
    const modem = new ModemEmulator({ name: label, imei: `3500000000000${String(created).padStart(2, '0')}`, ...options, behaviour: { statusReportDelayMs: 5_000, bootMs: 1_000, ...options.behaviour }, clock: this.clock });
    const device: Device = { modem, path, usbSerial: `EMU-${created}` };
    this.#devices.push(device);
    return {
      modem,
      config: {
        label,
        port: config.byUsbSerial === true ? { kind: 'usb-serial', usbSerial: device.usbSerial } : { kind: 'path', path },
        baudRate: 115200,
        maxPerMinute: config.maxPerMinute ?? 60,
        ...(config.simPin === undefined ? {} : { simPin: new Secret(config.simPin) }),
      },
    };
  }

  /** Moves a device to another path, as a USB stick replugged into another port is. */
  movePath(modem: ModemEmulator): string {
    const device = this.#device(modem);
    created += 1;
    device.path = `/dev/ttyEMU${created}`;
    SerialPortMock.binding.createPort(device.path, { echo: false, record: false });
    return device.path;
  }

  /** `SerialPort.list()` of the plugged devices. */
  readonly listDevices = (): Promise<SerialDeviceInfo[]> =>
    Promise.resolve(this.#devices.filter((device) => device.modem.state().plugged).map((device) => ({ path: device.path, serialNumber: device.usbSerial })));

  readonly openLine: ModemLineOpener = (path, baudRate, handlers) => {
    const device = this.#devices.find((candidate) => candidate.path === path);
    if (device === undefined || !device.modem.state().plugged) return Promise.reject(new Error(`ENOENT: no such file or directory, open '${path}'`));
    this.opens += 1;
    const port = new SerialPortMock({ path, baudRate, autoOpen: false });
    return openSerialPortLine(port, handlers, () => {
      const binding = port.port;
      if (binding === undefined) throw new Error('the mock port did not open');
      const { modem } = device;
      const link = connectHost(modem, (bytes) => {
        if (binding.isOpen) binding.emitData(bytes);
      });
      const write = binding.write.bind(binding);
      binding.write = async (buffer) => {
        await write(buffer);
        this.onHostWrite?.(modem, buffer.toString('latin1'));
        link.hostWrote(buffer);
      };
      let unplug: (error: Error) => void = () => undefined;
      const unplugged = new Promise<never>((_, reject) => {
        unplug = reject;
      });
      unplugged.catch(() => undefined);
      const read = binding.read.bind(binding);
      binding.read = (buffer, offset, length) => Promise.race([read(buffer, offset, length), unplugged]);
      const onUnplug = (): void => {
        link.disconnect();
        unplug(new Error('EIO: i/o error, read'));
      };
      modem.once('unplug', onUnplug);
      const close = binding.close.bind(binding);
      binding.close = async () => {
        link.disconnect();
        modem.off('unplug', onUnplug);
        await close();
      };
    });
  };

  close(): void {
    for (const device of this.#devices.splice(0)) device.modem.close();
  }

  #device(modem: ModemEmulator): Device {
    const device = this.#devices.find((candidate) => candidate.modem === modem);
    if (device === undefined) throw new Error('not one of these emulators');
    return device;
  }
}

/**
 * Runs the shared clock forward in small steps, letting real I/O (the mock port's ticks, the
 * journal's fsync) happen between them, until `condition` holds. Fails naming `what` when it
 * does not within `maxMs` of modem time: a test waits on behaviour, never on speed.
 */
export async function runUntil(clock: ManualClock, condition: () => boolean, what: string, maxMs = 600_000, stepMs = 50): Promise<void> {
  const until = clock.now() + maxMs;
  while (!condition()) {
    if (clock.now() >= until) throw new Error(`${what}: not reached within ${maxMs} ms of modem time`);
    await new Promise((resolve) => setTimeout(resolve, 1));
    if (condition()) return;
    clock.advance(stepMs);
  }
}

/** Runs the clock for `ms` of modem time, with I/O between steps. */
export async function runFor(clock: ManualClock, ms: number, stepMs = 50): Promise<void> {
  const until = clock.now() + ms;
  await runUntil(clock, () => clock.now() >= until, 'running the clock', ms + stepMs, stepMs);
}
