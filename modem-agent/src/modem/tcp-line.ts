// A modem reached over TCP, as ser2net or a serial terminal server (Moxa NPort, Lantronix) serves
// one: raw bytes both ways. The baud rate is the server's setting, not ours. Keepalive, so a box
// that lost power ends the line instead of leaving the driver waiting on a dead socket.
import { connect } from 'node:net';
import type { ModemLine, ModemLineHandlers } from './serial-line.js';

/** `tcp:host:port` as {@link resolveDevicePath} writes it; undefined for a device path. */
export function tcpAddressOf(path: string): { host: string; port: number } | undefined {
  const match = /^tcp:(\[[0-9a-fA-F:]+\]|[^:]+):(\d+)$/.exec(path);
  if (match?.[1] === undefined) return undefined;
  return { host: match[1].replace(/^\[|\]$/g, ''), port: Number(match[2]) };
}

export function openTcpLine(host: string, port: number, handlers: ModemLineHandlers, connectTimeoutMs = 10_000): Promise<ModemLine> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let open = false;
    let closing = false;
    const timer = setTimeout(() => {
      socket.destroy(new Error(`no TCP connection to ${host}:${port} within ${connectTimeoutMs} ms`));
    }, connectTimeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      open = true;
      socket.setNoDelay(true);
      socket.setKeepAlive(true, 10_000);
      resolve({
        write(data) {
          if (socket.destroyed) throw new Error(`the TCP line to ${host}:${port} is closed`);
          socket.write(data, 'latin1');
        },
        close() {
          closing = true;
          if (socket.destroyed) return Promise.resolve();
          return new Promise<void>((done) => {
            socket.once('close', () => { done(); });
            socket.destroy();
          });
        },
      });
    });
    socket.on('data', (chunk: Buffer) => { handlers.onData(chunk); });
    socket.on('error', (error) => {
      clearTimeout(timer);
      if (!open) reject(error);
    });
    socket.on('close', () => {
      if (open && !closing) handlers.onLost(`the TCP line to ${host}:${port} closed`);
    });
  });
}
