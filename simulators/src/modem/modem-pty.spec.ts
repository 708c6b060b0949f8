import { createReadStream, createWriteStream, existsSync, mkdtempSync, rmSync, type ReadStream, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PtyModemLink, socatAvailable } from './modem-pty.js';
import { ModemEmulator } from './modem.emulator.js';

const HAS_SOCAT = socatAvailable();
if (!HAS_SOCAT) console.warn('modem-pty.spec: socat is not installed (apt-get install -y socat), the pty specs are skipped');

/** The agent's side, opened with plain fs streams as any program would open /dev/ttyUSB0. */
class FsHost {
  readonly #reader: ReadStream;
  readonly #writer: WriteStream;
  #heard = '';

  constructor(path: string) {
    this.#reader = createReadStream(path);
    this.#writer = createWriteStream(path);
    this.#reader.on('data', (chunk) => {
      this.#heard += chunk.toString();
    });
    // EIO once socat goes away: the device was unplugged.
    this.#reader.on('error', () => undefined);
    this.#writer.on('error', () => undefined);
  }

  write(text: string): void {
    this.#writer.write(text);
  }

  async waitFor(pattern: RegExp, timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.#heard)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${String(pattern)}, heard ${JSON.stringify(this.#heard)}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const heard = this.#heard;
    this.#heard = '';
    return heard;
  }

  get ended(): boolean {
    return this.#reader.destroyed;
  }

  close(): void {
    this.#reader.destroy();
    this.#writer.destroy();
  }
}

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe.skipIf(!HAS_SOCAT)('PtyModemLink over a socat pty pair', () => {
  let dir: string;
  let modem: ModemEmulator;
  let link: PtyModemLink;
  const hosts: FsHost[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'modem-pty-'));
    // Boot long enough for socat to be back before the chatter, as a real stick's tty reappears before it talks.
    modem = new ModemEmulator({ vendor: 'quectel', behaviour: { bootMs: 300 } });
    link = await PtyModemLink.open(modem, { hostPath: join(dir, 'ttyModem0') });
  });

  afterEach(async () => {
    await link.close();
    modem.close();
    for (const host of hosts.splice(0)) host.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers AT commands and takes a PDU written to the device path', async () => {
    const host = new FsHost(link.hostPath);
    hosts.push(host);

    host.write('ATE0\r');
    expect(await host.waitFor(/OK\r\n$/)).toBe('ATE0\r\r\nOK\r\n');
    host.write('AT+CMGS=23\r');
    expect(await host.waitFor(/> $/)).toBe('\r\n> ');
    host.write('0011000B916407281553F80000AA0AE8329BFD4697D9EC37\x1a');
    expect(await host.waitFor(/OK\r\n$/)).toBe('\r\n+CMGS: 0\r\n\r\nOK\r\n');
    expect(modem.sentMessages()[0]?.text).toBe('hellohello');
  });

  it('removes the device on unplug and brings it back, with boot chatter, on replug', async () => {
    const first = new FsHost(link.hostPath);
    hosts.push(first);
    first.write('AT\r');
    await first.waitFor(/OK\r\n$/);

    modem.unplug();
    await until(() => !existsSync(link.hostPath) && first.ended);

    modem.replug();
    await until(() => existsSync(link.hostPath));
    const second = new FsHost(link.hostPath);
    hosts.push(second);
    expect(await second.waitFor(/PB DONE\r\n$/)).toBe('\r\nRDY\r\n+CFUN: 1\r\n+CPIN: READY\r\n+QUSIM: 1\r\n+QIND: SMS DONE\r\n+QIND: PB DONE\r\n');
    second.write('AT\r');
    expect(await second.waitFor(/OK\r\n$/)).toBe('AT\r\r\nOK\r\n');
  });
});
