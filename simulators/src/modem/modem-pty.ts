/**
 * An emulated modem on a real pseudo-terminal, so a modem agent opens it with serialport like a
 * USB stick's /dev/ttyUSB0. `socat` makes a linked pair of ptys (`socat -d -d
 * pty,raw,echo=0,link=<modem side> pty,raw,echo=0,link=<host side>`); the emulator holds one end,
 * the agent opens the other path. Unplugging stops socat, so the host's device goes away (socat
 * removes its links); replugging starts it again on the same paths.
 *
 * socat must be installed (Debian: `apt-get install -y socat`); CI scripts that run the pty specs
 * or `modem-emulator` must install it first.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, lstatSync, openSync, unlinkSync } from 'node:fs';
import { ReadStream } from 'node:tty';
import { silentLogger, type Logger } from '../shared/logger.js';
import type { ModemEmulator } from './modem.emulator.js';

export interface PtyLinkOptions {
  /** The device path the host (the agent) opens, e.g. /tmp/ttyModem0. */
  readonly hostPath: string;
  /** The emulator's end; default `<hostPath>.modem`. */
  readonly modemPath?: string;
  /** The socat binary; default `socat` from PATH. */
  readonly socat?: string;
  /** How long socat may take to create both links; default 5 s. */
  readonly startTimeoutMs?: number;
  readonly logger?: Logger;
}

/** socat is missing, failed, or did not create its links in time. */
export class PtyLinkError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PtyLinkError';
  }
}

/** Whether `socat` (or the given binary) can be run. */
export function socatAvailable(socat = 'socat'): boolean {
  return spawnSync(socat, ['-V'], { stdio: 'ignore' }).status === 0;
}

export class PtyModemLink {
  readonly hostPath: string;
  readonly modemPath: string;
  readonly #modem: ModemEmulator;
  readonly #socat: string;
  readonly #startTimeoutMs: number;
  readonly #log: Logger;
  #process: ChildProcess | undefined;
  #stream: ReadStream | undefined;
  /** Unplug and replug arrive as events; their starts and stops run one after another. */
  #transition: Promise<void> = Promise.resolve();
  #closed = false;
  readonly #onOutput = (bytes: Buffer): void => {
    this.#stream?.write(bytes);
  };
  readonly #onUnplug = (): void => {
    this.#queue(() => this.#stop());
  };
  readonly #onReplug = (): void => {
    this.#queue(() => this.#start());
  };

  private constructor(modem: ModemEmulator, options: PtyLinkOptions) {
    this.#modem = modem;
    this.hostPath = options.hostPath;
    this.modemPath = options.modemPath ?? `${options.hostPath}.modem`;
    this.#socat = options.socat ?? 'socat';
    this.#startTimeoutMs = options.startTimeoutMs ?? 5000;
    this.#log = options.logger ?? silentLogger;
  }

  /** Creates the pty pair and attaches `modem`; resolves once `hostPath` can be opened. */
  static async open(modem: ModemEmulator, options: PtyLinkOptions): Promise<PtyModemLink> {
    const link = new PtyModemLink(modem, options);
    await link.#start();
    modem.on('output', link.#onOutput);
    modem.on('unplug', link.#onUnplug);
    modem.on('replug', link.#onReplug);
    return link;
  }

  /** Detaches from the modem and removes the device. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#modem.off('output', this.#onOutput);
    this.#modem.off('unplug', this.#onUnplug);
    this.#modem.off('replug', this.#onReplug);
    await this.#transition;
    await this.#stop();
  }

  #queue(step: () => Promise<void>): void {
    this.#transition = this.#transition.then(step).catch((error: unknown) => {
      this.#log.error({ err: error, hostPath: this.hostPath }, 'pty link step failed');
    });
  }

  async #start(): Promise<void> {
    if (this.#closed || this.#process) return;
    for (const path of [this.hostPath, this.modemPath]) removeStaleLink(path);
    const child = spawn(this.#socat, ['-d', '-d', `pty,raw,echo=0,link=${this.modemPath}`, `pty,raw,echo=0,link=${this.hostPath}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2000);
    });
    const failed = new Promise<never>((_, reject) => {
      child.once('error', (error) => {
        reject(new PtyLinkError(`cannot run ${this.#socat} (is socat installed? apt-get install -y socat)`, { cause: error }));
      });
      child.once('exit', (code) => {
        reject(new PtyLinkError(`socat exited with ${String(code)} before creating ${this.hostPath}: ${stderr.trim()}`));
      });
    });
    failed.catch(() => undefined);
    this.#process = child;
    try {
      await Promise.race([waitForPaths([this.hostPath, this.modemPath], this.#startTimeoutMs), failed]);
    } catch (error) {
      child.kill();
      this.#process = undefined;
      throw error;
    }
    child.removeAllListeners('exit');
    child.once('exit', () => {
      if (this.#process === child) this.#process = undefined;
    });
    // A TTY stream reads without tying up libuv's thread pool, as an fs stream on a tty would.
    const stream = new ReadStream(openSync(this.modemPath, 'r+'));
    stream.on('data', (bytes: Buffer) => {
      this.#modem.write(bytes);
    });
    // EIO when socat goes away under us: the link is being stopped anyway.
    stream.on('error', (error) => {
      this.#log.debug({ err: error, hostPath: this.hostPath }, 'pty stream error');
    });
    this.#stream = stream;
    this.#log.info({ hostPath: this.hostPath }, 'modem on pty');
  }

  async #stop(): Promise<void> {
    const child = this.#process;
    this.#process = undefined;
    this.#stream?.destroy();
    this.#stream = undefined;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => {
      child.once('exit', () => {
        resolve();
      });
    });
    child.kill('SIGTERM');
    await exited;
  }
}

function removeStaleLink(path: string): void {
  try {
    if (lstatSync(path).isSymbolicLink()) unlinkSync(path);
  } catch {
    // Not there: nothing to remove.
  }
}

async function waitForPaths(paths: readonly string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!paths.every((path) => existsSync(path))) {
    if (Date.now() > deadline) throw new PtyLinkError(`socat did not create ${paths.join(' and ')} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
