import { connect, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TcpModemLink } from './modem-tcp.js';
import { ModemEmulator } from './modem.emulator.js';

/** A host on the modem's TCP port, as an agent reaching it through ser2net would be. */
class TcpHost {
  readonly socket: Socket;
  #heard = '';
  #closed = false;

  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.on('data', (chunk: Buffer) => {
      this.#heard += chunk.toString('latin1');
    });
    this.socket.on('error', () => undefined);
    this.socket.on('close', () => {
      this.#closed = true;
    });
  }

  write(text: string): void {
    this.socket.write(text);
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

  async closedByPeer(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.#closed) {
      if (Date.now() > deadline) throw new Error('the link did not close the connection');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

describe('TcpModemLink', () => {
  let modem: ModemEmulator;
  let link: TcpModemLink;
  const hosts: TcpHost[] = [];
  const host = () => {
    const created = new TcpHost(link.port);
    hosts.push(created);
    return created;
  };

  beforeEach(async () => {
    modem = new ModemEmulator({ vendor: 'simcom', behaviour: { bootMs: 50 } });
    link = await TcpModemLink.open(modem, { port: 0 });
  });

  afterEach(async () => {
    for (const created of hosts.splice(0)) created.socket.destroy();
    await link.close();
    modem.close();
  });

  it('carries AT commands and a PDU both ways, byte for byte', async () => {
    const agent = host();
    agent.write('ATE0\r');
    expect(await agent.waitFor(/OK\r\n$/)).toBe('ATE0\r\r\nOK\r\n');
    agent.write('AT+CMGS=23\r');
    expect(await agent.waitFor(/> $/)).toBe('\r\n> ');
    agent.write('0011000B916407281553F80000AA0AE8329BFD4697D9EC37\x1a');
    expect(await agent.waitFor(/OK\r\n$/)).toBe('\r\n+CMGS: 0\r\n\r\nOK\r\n');
    expect(modem.sentMessages()[0]?.text).toBe('hellohello');
    expect(link.address).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('serves one host at a time, as ser2net does', async () => {
    const first = host();
    first.write('AT\r');
    await first.waitFor(/OK\r\n$/);
    const second = host();
    await second.closedByPeer();
    first.write('AT\r');
    expect(await first.waitFor(/OK\r\n$/)).toBe('AT\r\r\nOK\r\n');
  });

  it('drops the connection on unplug, refuses new ones until the replug, then answers again', async () => {
    const first = host();
    first.write('AT\r');
    await first.waitFor(/OK\r\n$/);
    modem.unplug();
    await first.closedByPeer();
    await host().closedByPeer();
    modem.replug();
    const again = host();
    await again.waitFor(/SMS Ready\r\n$|PB DONE\r\n$|\+CPIN: READY\r\n$/);
    again.write('AT\r');
    expect(await again.waitFor(/OK\r\n$/)).toContain('OK');
  });
});
