/**
 * An emulated modem on a TCP port, as a modem behind ser2net or a serial terminal server (Moxa
 * NPort, Lantronix) appears on a field site's network: raw bytes both ways, one host at a time.
 * A second connection while one is open is refused, as ser2net does by default. Unplugging closes
 * the connection and refuses new ones until the replug.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { silentLogger, type Logger } from '../shared/logger.js';
import type { ModemEmulator } from './modem.emulator.js';

export interface TcpLinkOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** 0: any free port (read it from `port`). */
  readonly port: number;
  readonly logger?: Logger;
}

export class TcpModemLink {
  readonly #modem: ModemEmulator;
  readonly #server: Server;
  readonly #log: Logger;
  #socket: Socket | undefined;
  #plugged = true;
  readonly #onOutput = (bytes: Buffer): void => {
    this.#socket?.write(bytes);
  };
  readonly #onUnplug = (): void => {
    this.#plugged = false;
    this.#socket?.destroy();
  };
  readonly #onReplug = (): void => {
    this.#plugged = true;
  };

  private constructor(modem: ModemEmulator, server: Server, logger: Logger) {
    this.#modem = modem;
    this.#server = server;
    this.#log = logger;
  }

  /** Listens and attaches `modem`; resolves once the port accepts connections. */
  static async open(modem: ModemEmulator, options: TcpLinkOptions): Promise<TcpModemLink> {
    const server = createServer();
    const link = new TcpModemLink(modem, server, options.logger ?? silentLogger);
    server.on('connection', (socket) => { link.#accept(socket); });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    modem.on('output', link.#onOutput);
    modem.on('unplug', link.#onUnplug);
    modem.on('replug', link.#onReplug);
    return link;
  }

  /** The bound port. */
  get port(): number {
    const address = this.#server.address();
    return typeof address === 'object' && address !== null ? address.port : 0;
  }

  /** `host:port` as an agent's config names it. */
  get address(): string {
    const address = this.#server.address();
    return typeof address === 'object' && address !== null ? `${address.address}:${address.port}` : '';
  }

  async close(): Promise<void> {
    this.#modem.off('output', this.#onOutput);
    this.#modem.off('unplug', this.#onUnplug);
    this.#modem.off('replug', this.#onReplug);
    this.#socket?.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => { resolve(); }));
  }

  #accept(socket: Socket): void {
    if (!this.#plugged || this.#socket !== undefined) {
      this.#log.info({ modem: this.#modem.name, plugged: this.#plugged }, 'tcp modem link: connection refused');
      socket.destroy();
      return;
    }
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (bytes: Buffer) => { this.#modem.write(bytes); });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (this.#socket === socket) this.#socket = undefined;
    });
  }
}
