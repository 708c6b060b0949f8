// The field's serial line: serialport's native binding (a USB modem's /dev/ttyUSBn, or a pty).
import { SerialPort } from 'serialport';
import { openSerialPortLine, type ModemLineOpener, type SerialDeviceLister } from './serial-line.js';

/** Opens a device with serialport's native binding. */
export const openSerialPort: ModemLineOpener = (path, baudRate, handlers) => openSerialPortLine(new SerialPort({ path, baudRate, autoOpen: false }), handlers);

/** `SerialPort.list()`: the devices udev knows, with their USB serial numbers (needs `udevadm`). */
export const listSerialDevices: SerialDeviceLister = () => SerialPort.list();
