// The modem driver against the modem emulator over serialport's mock binding: init, one part
// sent, reports and received SMS, resets and replugs, all on the emulator's manual clock.
import { afterEach, describe, expect, it } from 'vitest';
import type { ModemConfig } from '../src/config.js';
import type { InboundSms } from '../src/modem/inbound-assembler.js';
import { ModemDriver, type ModemReceiver, type ModemTiming } from '../src/modem/modem-driver.js';
import type { SubmitOutcome } from '../src/modem/submit-outcome.js';
import { encodeSmsSubmit } from '../src/pdu/sms-submit-encoder.js';
import type { SmsStatusReport } from '../src/pdu/status-report-decoder.js';
import { EmulatedModems, runFor, runUntil } from './support/emulated-modems.js';

const TIMING: Partial<ModemTiming> = { registrationTimeoutMs: 60_000, registrationPollMs: 1_000, refreshMs: 30_000 };

let rig: EmulatedModems;
const drivers: ModemDriver[] = [];

afterEach(async () => {
  await Promise.all(drivers.splice(0).map((driver) => driver.stop()));
  rig.close();
});

/** A receiver that records what it is given and journals at once (or when told to). */
class RecordingReceiver implements ModemReceiver {
  readonly reports: SmsStatusReport[] = [];
  readonly inbounds: InboundSms[] = [];
  hold: Promise<void> | undefined;

  async statusReport(report: SmsStatusReport): Promise<void> {
    await this.hold;
    this.reports.push(report);
  }

  async inbound(sms: InboundSms): Promise<void> {
    await this.hold;
    this.inbounds.push(sms);
  }
}

function startDriver(config: ModemConfig, logs: string[] = [], timing: Partial<ModemTiming> = {}): { driver: ModemDriver; receiver: RecordingReceiver } {
  const driver = new ModemDriver({
    config,
    openLine: rig.openLine,
    listDevices: rig.listDevices,
    clock: rig.agentClock,
    timing: { ...TIMING, ...timing },
    log: (_level, message) => logs.push(message),
  });
  const receiver = new RecordingReceiver();
  driver.attach(receiver);
  drivers.push(driver);
  driver.start();
  return { driver, receiver };
}

async function ready(driver: ModemDriver, what = 'ready'): Promise<void> {
  await runUntil(rig.clock, () => driver.state().health === 'ready', what);
}

function pduOf(text: string, to = '+4915112345678') {
  const [pdu] = encodeSmsSubmit(to, text);
  if (pdu === undefined) throw new Error('no PDU');
  return pdu;
}

async function submitted(driver: ModemDriver, text: string): Promise<SubmitOutcome> {
  let outcome: SubmitOutcome | undefined;
  void driver.submit(pduOf(text)).then((result) => (outcome = result));
  await runUntil(rig.clock, () => outcome !== undefined, 'the submit outcome');
  return outcome as SubmitOutcome;
}

describe('init', () => {
  it('enters the SIM PIN, waits out a slow registration and reports identity and signal', async () => {
    rig = new EmulatedModems();
    const { modem, config } = rig.add('orange-1', { pin: '4821', operatorName: 'Orange F', imsi: '208011234567890', behaviour: { registrationDelayMs: 20_000, signalQuality: 17 } }, { simPin: '4821' });
    const logs: string[] = [];
    const { driver } = startDriver(config, logs);

    await runFor(rig.clock, 10_000);
    expect(modem.state().registration).toBe(2);
    expect(driver.state().health).toBe('starting');
    await ready(driver);

    expect(driver.state()).toMatchObject({ label: 'orange-1', imsi: '208011234567890', operator: 'Orange F', signalQuality: 17, detail: '' });
    expect(driver.state().imei).toMatch(/^\d{15}$/);
    expect(modem.state().sim).toBe('READY');
    expect(modem.state().settings).toMatchObject({ echo: false, cmee: 1, messageFormat: 0, indication: { mt: 1, ds: 1 } });
    expect(logs.join('\n')).not.toContain('4821');
  });

  it('reports a refused PIN as a SIM problem and never tries it again', async () => {
    rig = new EmulatedModems();
    const { modem, config } = rig.add('orange-1', { pin: '4821' }, { simPin: '1111' });
    const logs: string[] = [];
    const { driver } = startDriver(config, logs);

    await runUntil(rig.clock, () => driver.state().health === 'sim-problem', 'sim-problem');
    // Three wrong PINs would lock the SIM by its PUK: minutes of retries must leave it at SIM PIN.
    await runFor(rig.clock, 600_000, 500);
    expect(modem.state().sim).toBe('SIM PIN');
    expect(driver.state().detail).toContain('refused the configured PIN');
    expect(logs.join('\n')).not.toContain('1111');
  });

  it('says why when the network never registers it', async () => {
    rig = new EmulatedModems();
    const { config } = rig.add('orange-1', { behaviour: { registration: 'denied' } });
    const { driver } = startDriver(config);

    await runUntil(rig.clock, () => driver.state().detail.includes('not registered'), 'the registration detail');
    expect(driver.state().health).toBe('starting');
    expect(driver.state().detail).toContain('registration denied');
  });
});

describe('sending one part', () => {
  it('answers with the reference the emulator gave, for a PDU the emulator decodes to the same text', async () => {
    rig = new EmulatedModems();
    const { modem, config } = rig.add('orange-1', { firstMessageReference: 41 });
    const { driver } = startDriver(config);
    await ready(driver);

    expect(await submitted(driver, 'Your code is 481516')).toEqual({ kind: 'submitted', reference: 41 });
    expect(modem.sentMessages()).toMatchObject([{ to: '+4915112345678', text: 'Your code is 481516', references: [41] }]);
  });

  it('keeps lines the modem says between the PDU and +CMGS out of the answer', async () => {
    rig = new EmulatedModems();
    const { modem, config } = rig.add('orange-1', { behaviour: { unsolicitedMidSend: { lines: ['RING', '^RSSI:9', '+CREG: 1'], sends: 1 } } });
    const { driver } = startDriver(config);
    await ready(driver);

    expect(await submitted(driver, 'Code 2718')).toEqual({ kind: 'submitted', reference: modem.sent()[0]?.reference });
    expect(driver.state().signalQuality).toBe(9);
  });

  it('reports a +CMS ERROR as not sent, with its disposition', async () => {
    rig = new EmulatedModems();
    const { modem, config } = rig.add('orange-1', { behaviour: { failSends: { code: 1, count: 1 } } });
    const { driver } = startDriver(config);
    await ready(driver);

    const outcome = await submitted(driver, 'Code 1');
    expect(outcome).toMatchObject({ kind: 'not-sent', disposition: 'permanent', promptSeen: true });
    expect(outcome.kind === 'not-sent' && outcome.reason).toContain('unassigned');
    expect(modem.sent()).toHaveLength(0);
  });
});

describe('status reports', () => {
  it('hands up an inline +CDS report (SIMCom)', async () => {
    rig = new EmulatedModems();
    const { modem, config } = rig.add('orange-1', { vendor: 'simcom', firstMessageReference: 7 });
    const { driver, receiver } = startDriver(config);
    await ready(driver);

    await submitted(driver, 'Code 3');
    await runUntil(rig.clock, () => receiver.reports.length === 1, 'the +CDS report');
    expect(receiver.reports[0]).toMatchObject({ messageReference: 7, status: { outcome: 'delivered' } });
    expect(modem.sent()[0]?.statusReport).toMatchObject({ state: 'sent', route: 'cds' });
  });

  it('reads a stored +CDSI report (Huawei), hands it up, then deletes it', async () => {
    rig = new EmulatedModems();
    const { modem, config } = rig.add('huawei-1', { vendor: 'huawei', firstMessageReference: 9, behaviour: { statusReportStatus: 0x41 } });
    const { driver, receiver } = startDriver(config);
    await ready(driver);

    await submitted(driver, 'Code 4');
    await runUntil(rig.clock, () => receiver.reports.length === 1, 'the +CDSI report');
    expect(receiver.reports[0]).toMatchObject({ messageReference: 9, status: { status: 0x41, outcome: 'failed-permanent' } });
    expect(modem.sent()[0]?.statusReport).toMatchObject({ route: 'cdsi' });
    await runUntil(rig.clock, () => modem.stored().length === 0, 'the report deleted');
  });
});

describe('received SMS', () => {
  it('joins a concatenated SMS and deletes its parts only once the receiver has it', async () => {
    rig = new EmulatedModems();
    const { modem, config } = rig.add('orange-1');
    const { driver, receiver } = startDriver(config);
    await ready(driver);
    let journalled: () => void = () => undefined;
    receiver.hold = new Promise((resolve) => (journalled = resolve));

    const text = 'Bonjour ! Voici une longue réponse qui ne tient pas dans un seul SMS, elle doit donc être découpée en plusieurs parties puis recollée.';
    expect(modem.receive({ from: '+33612345678', text })).toHaveLength(2);
    await runFor(rig.clock, 5_000);
    expect(modem.stored()).toHaveLength(2);

    journalled();
    await runUntil(rig.clock, () => receiver.inbounds.length === 1, 'the joined SMS');
    expect(receiver.inbounds[0]).toMatchObject({ from: '+33612345678', text, parts: 2, modem: 'orange-1' });
    await runUntil(rig.clock, () => modem.stored().length === 0, 'the parts deleted');
  });

  it('reads what was stored before it started, with the id a second read gives too', async () => {
    rig = new EmulatedModems();
    const { modem, config } = rig.add('orange-1');
    modem.receive({ from: '+33612345678', text: 'Stop', receivedAt: new Date('2026-01-02T03:00:00Z') });
    const first = startDriver(config);
    first.receiver.hold = new Promise(() => undefined); // never journalled: left on the SIM
    await runFor(rig.clock, 10_000);
    await first.driver.stop();
    expect(modem.stored()).toHaveLength(1);

    const { receiver } = startDriver(config);
    await runUntil(rig.clock, () => receiver.inbounds.length === 1, 'the stored SMS');
    expect(receiver.inbounds[0]).toMatchObject({ from: '+33612345678', text: 'Stop', receivedAt: Date.parse('2026-01-02T03:00:00Z') });
    expect(receiver.inbounds[0]?.id).toBe('orange-1/+33612345678/2026-01-02T03:00:00.000Z/single');
    await runUntil(rig.clock, () => modem.stored().length === 0, 'the SMS deleted');
  });
});

describe('a modem that stops answering', () => {
  it('gives up a part that got no prompt as not sent, resets the modem and is ready again', async () => {
    rig = new EmulatedModems();
    const { modem, config } = rig.add('orange-1');
    const { driver } = startDriver(config);
    await ready(driver);
    const opensBefore = rig.opens;

    modem.hang();
    expect(await submitted(driver, 'Code 5')).toMatchObject({ kind: 'not-sent', promptSeen: false, disposition: 'modem-fault' });
    expect(driver.state().health).toBe('resetting');
    // Hung, it ignores AT+CFUN=1,1 too: the driver reopens the port and keeps probing.
    await runUntil(rig.clock, () => rig.opens > opensBefore, 'the port reopened');
    modem.recover();
    await ready(driver, 'ready after recovery');
    expect(await submitted(driver, 'Code 6')).toMatchObject({ kind: 'submitted' });
    expect(modem.sentMessages().map((message) => message.text)).toEqual(['Code 6']);
  });

  it('reports a part whose PDU went out unanswered as unknown', async () => {
    rig = new EmulatedModems();
    const { config } = rig.add('orange-1', { behaviour: { hangAfterSends: 0 } });
    const { driver } = startDriver(config);
    await ready(driver);

    const outcome = await submitted(driver, 'Code 7');
    expect(outcome.kind).toBe('unknown');
    expect(outcome.kind === 'unknown' && outcome.reason).toContain('PDU was written');
  });

  it('resets with AT+CFUN=1,1 a modem that only missed one answer', async () => {
    rig = new EmulatedModems();
    const { modem, config } = rig.add('orange-1', { pin: '4821' }, { simPin: '4821' });
    const { driver } = startDriver(config);
    await ready(driver);
    const opensBefore = rig.opens;

    modem.hang();
    // It comes back the moment the driver gives up on the prompt, in time to hear AT+CFUN=1,1.
    driver.on('state', (state) => {
      if (state.health === 'resetting') modem.recover();
    });
    let rebooted = false;
    modem.on('output', (bytes) => (rebooted ||= bytes.toString('latin1').includes('RDY')));
    void driver.submit(pduOf('Code 8'));
    await runUntil(rig.clock, () => rebooted, 'the reboot chatter');
    await ready(driver, 'ready after the reset');
    expect(rig.opens).toBe(opensBefore);
    // The reboot locked the SIM again; init entered the PIN once more.
    expect(modem.state().sim).toBe('READY');
  });
});

describe('unplug', () => {
  it('goes unplugged when the device leaves and ready again when it is back at another path', async () => {
    rig = new EmulatedModems();
    const { modem, config } = rig.add('orange-1', {}, { byUsbSerial: true });
    const { driver } = startDriver(config);
    await ready(driver);

    modem.unplug();
    await runUntil(rig.clock, () => driver.state().health === 'unplugged', 'unplugged');
    await runFor(rig.clock, 30_000);
    expect(driver.state().health).toBe('unplugged');
    expect(driver.state().detail).toContain('USB serial');

    rig.movePath(modem);
    modem.replug();
    await ready(driver, 'ready after the replug');
    expect(await submitted(driver, 'Code 9')).toMatchObject({ kind: 'submitted' });
  });
});

describe('while ready', () => {
  it('refreshes signal and registration, and is not ready while the network is lost', async () => {
    rig = new EmulatedModems();
    const { modem, config } = rig.add('orange-1', { behaviour: { signalQuality: 20 } });
    const { driver } = startDriver(config);
    await ready(driver);

    modem.updateBehaviour({ signalQuality: 8 });
    await runUntil(rig.clock, () => driver.state().signalQuality === 8, 'the new signal');
    modem.setRegistration('none');
    await runUntil(rig.clock, () => driver.state().health === 'starting', 'registration lost');
    expect(driver.state().detail).toContain('lost network registration');
    modem.setRegistration('roaming');
    await ready(driver, 'ready again, roaming');
  });
});
