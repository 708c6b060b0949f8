// The driver and the sender on a TCP line, as a modem behind ser2net or a serial terminal server
// is reached in the field, against the emulator on a real TCP port.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModemEmulator, TcpModemLink } from '@switchboard/simulators/modem';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ModemConfig } from '../src/config.js';
import { Journal, type JournalResult } from '../src/journal/index.js';
import { ModemDriver } from '../src/modem/modem-driver.js';
import { openSerialPort } from '../src/modem/serial-port-opener.js';
import { encodeSmsSubmit } from '../src/pdu/sms-submit-encoder.js';
import { ModemPool } from '../src/sending/modem-pool.js';

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('over TCP (ser2net)', () => {
  let dir: string;
  let modem: ModemEmulator;
  let link: TcpModemLink;
  const stops: (() => Promise<void>)[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'modem-tcp-'));
    modem = new ModemEmulator({ vendor: 'simcom', behaviour: { bootMs: 100, statusReportDelayMs: 50 } });
    link = await TcpModemLink.open(modem, { port: 0 });
  });

  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
    await link.close();
    modem.close();
    await rm(dir, { recursive: true, force: true });
  });

  const config = (): ModemConfig => ({ label: 'tcp-1', port: { kind: 'tcp', host: '127.0.0.1', port: link.port }, baudRate: 115200, maxPerMinute: 10 });

  it('initialises, sends a message and journals its status report', async () => {
    const journal = await Journal.open(join(dir, 'journal'));
    const driver = new ModemDriver({ config: config(), openLine: openSerialPort, timing: { registrationPollMs: 100, retryInitialMs: 100 } });
    const results: JournalResult[] = [];
    const pool = new ModemPool({ journal, modems: [driver], onResult: (result) => results.push(result) });
    stops.push(async () => {
      await pool.stop();
      await journal.close();
    });
    pool.start();
    const text = 'Votre code : 602214';
    await journal.append({ type: 'command-accepted', messageId: 'm-1', to: '+33612345678', text, parts: 1, validitySeconds: 0, statusReport: true, sendBefore: null, modems: [], acceptedAt: new Date().toISOString() });
    pool.enqueue('m-1');
    await until(() => results.some((result) => result.type === 'receipt'), 'the status report');
    expect(modem.sentMessages()).toMatchObject([{ to: '+33612345678', text, complete: true }]);
  });

  it('sees the server drop the line, and is ready again once the modem is back', async () => {
    const driver = new ModemDriver({ config: config(), openLine: openSerialPort, timing: { registrationPollMs: 100, retryInitialMs: 100, retryMaxMs: 200 } });
    stops.push(() => driver.stop());
    driver.start();
    await until(() => driver.state().health === 'ready', 'ready');
    modem.unplug();
    await until(() => driver.state().health !== 'ready', 'the line to be lost');
    modem.replug();
    await until(() => driver.state().health === 'ready', 'ready after the replug');
    const [pdu] = encodeSmsSubmit('+33612345678', 'back');
    if (pdu === undefined) throw new Error('no PDU');
    expect(await driver.submit(pdu)).toMatchObject({ kind: 'submitted' });
  });
});
