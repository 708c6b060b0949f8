// The field's serial line: serialport's native binding (a USB modem's /dev/ttyUSBn, or a pty), or
// TCP to a modem behind ser2net.
import { SerialPort } from 'serialport';
import { openSerialPortLine, type ModemLineOpener, type SerialDeviceLister } from './serial-line.js';
import { openTcpLine, tcpAddressOf } from './tcp-line.js';

/** Opens a device with serialport's native binding, or a `tcp:host:port` line (ser2net). */
export const openSerialPort: ModemLineOpener = (path, baudRate, handlers) => {
  const tcp = tcpAddressOf(path);
  if (tcp !== undefined) return openTcpLine(tcp.host, tcp.port, handlers);
  return openSerialPortLine(new SerialPort({ path, baudRate, autoOpen: false }), handlers);
};

/** `SerialPort.list()`: the devices udev knows, with their USB serial numbers (needs `udevadm`). */
export const listSerialDevices: SerialDeviceLister = () => SerialPort.list();
