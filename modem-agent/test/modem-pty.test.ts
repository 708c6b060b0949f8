// The driver and the sender on a real pseudo-terminal through socat, with serialport's real Linux
// binding: the path a USB modem takes in the field, down to the tty layer and an unplug's EIO.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModemEmulator, PtyModemLink, socatAvailable } from '@switchboard/simulators/modem';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Secret, type ModemConfig } from '../src/config.js';
import { Journal, type JournalResult } from '../src/journal/index.js';
import { ModemDriver } from '../src/modem/modem-driver.js';
import { openSerialPort as openRealPort } from '../src/modem/serial-port-opener.js';
import { encodeSmsSubmit } from '../src/pdu/sms-submit-encoder.js';
import { ModemPool } from '../src/sending/modem-pool.js';

const HAS_SOCAT = socatAvailable();
if (!HAS_SOCAT) console.warn('modem-pty.test: socat is not installed (apt-get install -y socat), the pty tests are skipped');

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe.skipIf(!HAS_SOCAT)('over a socat pty with the real serial binding', () => {
  let dir: string;
  let modem: ModemEmulator | undefined;
  let link: PtyModemLink | undefined;
  const stops: (() => Promise<void>)[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'modem-pty-'));
  });

  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
    await link?.close();
    modem?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** An emulated Quectel on a pty; the config the agent would have for it. */
  async function plugIn(pin?: string): Promise<{ modem: ModemEmulator; config: ModemConfig }> {
    // Boot long enough for socat to be back before the chatter, as a real stick's tty reappears first.
    modem = new ModemEmulator({ vendor: 'quectel', pin: pin ?? null, behaviour: { bootMs: 300, statusReportDelayMs: 50 } });
    link = await PtyModemLink.open(modem, { hostPath: join(dir, 'ttyModem0') });
    const config: ModemConfig = { label: 'pty-1', port: { kind: 'path', path: link.hostPath }, baudRate: 115200, maxPerMinute: 10, ...(pin === undefined ? {} : { simPin: new Secret(pin) }) };
    return { modem, config };
  }

  it('initialises, sends a part and journals its receipt', async () => {
    const { modem, config } = await plugIn('2580');
    const journal = await Journal.open(join(dir, 'journal'));
    const driver = new ModemDriver({ config, openLine: openRealPort, timing: { registrationPollMs: 100, retryInitialMs: 100 } });
    const results: JournalResult[] = [];
    const pool = new ModemPool({ journal, modems: [driver], onResult: (result) => results.push(result) });
    stops.push(async () => {
      await pool.stop();
      await journal.close();
    });
    pool.start();
    const text = 'Dein Code: 602214. Gültig 10 Minuten.';
    await journal.append({ type: 'command-accepted', messageId: 'm-1', to: '+4915112345678', text, parts: encodeSmsSubmit('+4915112345678', text).length, validitySeconds: 0, statusReport: true, sendBefore: null, modems: [], acceptedAt: new Date().toISOString() });
    pool.enqueue('m-1');

    await until(() => results.some((result) => result.type === 'receipt'), 'the receipt');
    expect(modem.sentMessages()).toMatchObject([{ to: '+4915112345678', text, complete: true }]);
    expect(results.map((result) => result.type)).toEqual(['submitted', 'receipt']);
    expect(pool.modems()[0]).toMatchObject({ health: 'ready', operator: 'Switchboard Mobile', sentLastMinute: 1 });
  });

  it('sees the device go away on unplug and comes back ready when it returns', async () => {
    const { modem, config } = await plugIn();
    const driver = new ModemDriver({ config, openLine: openRealPort, timing: { registrationPollMs: 100, retryInitialMs: 100, retryMaxMs: 200 } });
    stops.push(() => driver.stop());
    driver.start();
    await until(() => driver.state().health === 'ready', 'ready');

    modem.unplug();
    await until(() => driver.state().health === 'unplugged', 'unplugged');
    modem.replug();
    await until(() => driver.state().health === 'ready', 'ready after the replug');
    const [pdu] = encodeSmsSubmit('+4915112345678', 'back');
    if (pdu === undefined) throw new Error('no PDU');
    expect(await driver.submit(pdu)).toMatchObject({ kind: 'submitted' });
  });
});
