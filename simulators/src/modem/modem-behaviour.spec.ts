import { beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from './modem-clock.js';
import { TestHost } from './modem-test-host.js';
import { ModemEmulator, type ModemEmulatorOptions } from './modem.emulator.js';

const HELLO = '0011000B916407281553F80000AA0AE8329BFD4697D9EC37';
const HELLO_WITH_REPORT = '0031000B916407281553F80000AA0AE8329BFD4697D9EC37';

function setUp(options: ModemEmulatorOptions = {}): { clock: ManualClock; modem: ModemEmulator; host: TestHost } {
  const clock = new ManualClock(Date.UTC(2026, 0, 2, 3, 4, 5));
  const modem = new ModemEmulator({ clock, ...options });
  const host = new TestHost(modem);
  host.command('ATE0');
  return { clock, modem, host };
}

function send(host: TestHost, pdu = HELLO): string {
  host.command(`AT+CMGS=${pdu.length / 2 - 1}`);
  return host.pdu(pdu);
}

describe('slow registration', () => {
  it('stays searching for the delay, then registers and says +CREG when asked to', () => {
    const { clock, host } = setUp({ behaviour: { registrationDelayMs: 20_000, registration: 'roaming' } });
    host.command('AT+CREG=2');
    clock.advance(19_999);
    expect(host.command('AT+CREG?')).toBe('\r\n+CREG: 2,2\r\n\r\nOK\r\n');
    clock.advance(1);
    expect(host.take()).toBe('\r\n+CREG: 5,"1A2B","0001C3D4"\r\n');
  });

  it('never registers when the outcome is "searching", so sends fail with +CMS ERROR: 331', () => {
    const { clock, host } = setUp({ behaviour: { registration: 'searching' } });
    clock.advance(600_000);
    expect(send(host)).toBe('\r\n+CMS ERROR: 331\r\n');
  });

  it('loses the network on command and sends +CREG: 0', () => {
    const { modem, host } = setUp();
    host.command('AT+CREG=1');
    modem.setRegistration('none');
    expect(host.take()).toBe('\r\n+CREG: 0\r\n');
  });
});

describe('failing sends', () => {
  it('fails the next N sends with the given +CMS ERROR, then sends again', () => {
    const { modem, host } = setUp();
    modem.failNextSends(2, 38);
    expect([send(host), send(host), send(host)]).toEqual(['\r\n+CMS ERROR: 38\r\n', '\r\n+CMS ERROR: 38\r\n', '\r\n+CMGS: 0\r\n\r\nOK\r\n']);
    expect(modem.sent()).toHaveLength(1);
  });

  it('fails every send until told to accept again, words under AT+CMEE=2', () => {
    const { modem, host } = setUp();
    modem.failAllSends(42);
    host.command('AT+CMEE=2');
    expect(send(host)).toBe('\r\n+CMS ERROR: congestion\r\n');
    expect(send(host)).toBe('\r\n+CMS ERROR: congestion\r\n');
    modem.acceptSends();
    expect(send(host)).toBe('\r\n+CMGS: 0\r\n\r\nOK\r\n');
  });
});

describe('status reports', () => {
  it('comes after the configured delay, not before', () => {
    const { clock, modem, host } = setUp({ behaviour: { statusReportDelayMs: 30_000 } });
    host.command('AT+CNMI=2,1,0,1,0');
    send(host, HELLO_WITH_REPORT);
    clock.advance(29_999);
    expect(host.take()).toBe('');
    expect(modem.sent()[0]?.statusReport).toEqual({ state: 'pending', dueAt: clock.now() + 1 });
    clock.advance(1);
    expect(host.take()).toMatch(/^\r\n\+CDS: 25\r\n0600/);
  });

  it('goes missing for the configured share, spread evenly', () => {
    const { clock, modem, host } = setUp({ behaviour: { statusReportMissingFraction: 0.5, statusReportDelayMs: 10 } });
    host.command('AT+CNMI=2,1,0,1,0');
    for (let i = 0; i < 4; i += 1) send(host, HELLO_WITH_REPORT);
    clock.advance(10);
    expect(modem.sent().map((part) => part.statusReport.state)).toEqual(['sent', 'missing', 'sent', 'missing']);
    expect(host.take().match(/\+CDS: /g)).toHaveLength(2);
  });

  it('carries a failed TP-ST when scripted (0x41, permanent remote procedure error)', () => {
    const { clock, host } = setUp({ behaviour: { statusReportStatus: 0x41, statusReportDelayMs: 10 } });
    host.command('AT+CNMI=2,1,0,1,0');
    send(host, HELLO_WITH_REPORT);
    clock.advance(10);
    expect(host.take()).toMatch(/41\r\n$/);
  });

  it('is not sent when the host did not set TP-SRR, nor routed when AT+CNMI ds is 0', () => {
    const { clock, modem, host } = setUp({ behaviour: { statusReportDelayMs: 10 } });
    send(host, HELLO);
    host.command('AT+CNMI=2,1,0,0,0');
    send(host, HELLO_WITH_REPORT);
    clock.advance(10);
    expect(host.take()).toBe('');
    expect(modem.sent().map((part) => part.statusReport)).toEqual([
      { state: 'not-requested' },
      { state: 'sent', status: 0, at: clock.now(), route: 'dropped' },
    ]);
  });

  it('is stored and announced with +CDSI by a Huawei profile even when ds asks for +CDS, and read back with AT+CMGR', () => {
    const { clock, host } = setUp({ vendor: 'huawei', behaviour: { statusReportDelayMs: 10 } });
    host.command('AT+CNMI=2,1,0,1,0');
    send(host, HELLO_WITH_REPORT);
    clock.advance(10);
    expect(host.take()).toBe('\r\n+CDSI: "SM",1\r\n');
    expect(host.command('AT+CMGR=1')).toMatch(/^\r\n\+CMGR: 0,,25\r\n07919471016700000600/);
  });

  it('leaves the SMSC address out of +CDS for the SIMCom profile', () => {
    const { clock, host } = setUp({ vendor: 'simcom', behaviour: { statusReportDelayMs: 10 } });
    host.command('AT+CNMI=2,1,0,1,0');
    send(host, HELLO_WITH_REPORT);
    clock.advance(10);
    expect(host.take()).toMatch(/^\r\n\+CDS: 25\r\n06000B91/);
  });
});

describe('unsolicited lines in the middle of a send', () => {
  it('says the scripted lines between the PDU and +CMGS, for the given number of sends', () => {
    const { host } = setUp({ behaviour: { unsolicitedMidSend: { lines: ['RING', '^RSSI:12', '+CMTI: "SM",3'], sends: 1 } } });
    expect(host.command('AT+CMGS=23')).toBe('\r\n> ');
    expect(host.pdu(HELLO)).toBe('\r\nRING\r\n\r\n^RSSI:12\r\n\r\n+CMTI: "SM",3\r\n\r\n+CMGS: 0\r\n\r\nOK\r\n');
    expect(send(host)).toBe('\r\n+CMGS: 1\r\n\r\nOK\r\n');
  });
});

describe('hanging', () => {
  it('answers nothing once hung and answers again after recover()', () => {
    const { modem, host } = setUp();
    modem.hang();
    expect(host.command('AT')).toBe('');
    modem.recover();
    expect(host.command('AT')).toBe('\r\nOK\r\n');
  });

  it('hangs on the send after the scripted number of answered sends, only once', () => {
    const { modem, host } = setUp({ behaviour: { hangAfterSends: 1 } });
    expect(send(host)).toBe('\r\n+CMGS: 0\r\n\r\nOK\r\n');
    expect(send(host)).toBe('');
    expect(modem.state().hung).toBe(true);
    modem.recover();
    expect(send(host)).toBe('\r\n+CMGS: 1\r\n\r\nOK\r\n');
  });
});

describe('unplug and replug', () => {
  it('ends the port on unplug, hears nothing, and boots with vendor chatter after replug', async () => {
    const { clock, modem, host } = setUp({ vendor: 'simcom', pin: '1234', behaviour: { bootMs: 2000 } });
    host.command('AT+CPIN="1234"');
    const port = modem.port;
    const closed = new Promise((resolve) => port.once('close', resolve));
    port.resume();
    modem.unplug();
    await closed;
    expect(host.command('AT')).toBe('');
    expect(() => modem.port).toThrow(/unplugged/);

    modem.replug();
    expect(host.command('AT')).toBe('');
    clock.advance(2000);
    expect(host.take()).toBe('\r\nRDY\r\n+CFUN: 1\r\n+CPIN: SIM PIN\r\n');
    expect(modem.port).not.toBe(port);
    expect(host.command('AT')).toBe('AT\r\r\nOK\r\n');
  });

  it('unplugs on the scripted send and comes back after replugAfterMs', () => {
    const { clock, modem, host } = setUp({ behaviour: { unplugAfterSends: { sends: 0, replugAfterMs: 5000 }, bootMs: 100 } });
    const events: string[] = [];
    modem.on('unplug', () => events.push('unplug'));
    modem.on('replug', () => events.push('replug'));
    expect(send(host)).toBe('');
    clock.advance(5100);
    expect(events).toEqual(['unplug', 'replug']);
    expect(host.take()).toBe('\r\nRDY\r\n+CFUN: 1\r\n+CPIN: READY\r\nCall Ready\r\nSMS Ready\r\n');
    host.command('ATE0');
    expect(send(host)).toBe('\r\n+CMGS: 0\r\n\r\nOK\r\n');
  });
});

describe('pace', () => {
  it('tells when it took a PDU, before the send is answered: the window a host may die in', () => {
    const { clock, modem, host } = setUp({ behaviour: { smsPerMinute: 6 } });
    const events: string[] = [];
    modem.on('submitting', (submit) => events.push(`submitting ${submit.text}`));
    modem.on('sent', (part) => events.push(`sent ${part.text}`));
    host.command('AT+CMGS=23');
    host.pdu(HELLO);
    expect(events).toEqual(['submitting hellohello']);
    expect(modem.sentMessages()).toEqual([]);
    clock.advance(10_000);
    expect(events).toEqual(['submitting hellohello', 'sent hellohello']);
  });

  it('answers a send after 60/rate seconds and reads no command meanwhile', () => {
    const { clock, host } = setUp({ behaviour: { smsPerMinute: 6 } });
    host.command('AT+CMGS=23');
    expect(host.pdu(HELLO)).toBe('');
    host.type('AT+CSQ\r');
    clock.advance(9_999);
    expect(host.take()).toBe('');
    clock.advance(1);
    expect(host.take()).toBe('\r\n+CMGS: 0\r\n\r\nOK\r\n\r\n+CSQ: 20,99\r\n\r\nOK\r\n');
  });
});

describe('power and SIM', () => {
  let clock: ManualClock;
  let modem: ModemEmulator;
  let host: TestHost;

  beforeEach(() => {
    ({ clock, modem, host } = setUp({ vendor: 'quectel', pin: '1234', puk: '87654321', behaviour: { bootMs: 1000 } }));
    host.command('AT+CMEE=1');
  });

  it('locks to SIM PUK after three wrong PINs and opens with the PUK and a new PIN', () => {
    expect(host.command('AT+CPIN="0000"')).toBe('\r\n+CME ERROR: 16\r\n');
    host.command('AT+CPIN="0000"');
    host.command('AT+CPIN="0000"');
    expect(host.command('AT+CPIN?')).toBe('\r\n+CPIN: SIM PUK\r\n\r\nOK\r\n');
    expect(host.command('AT+CPIN="1234"')).toBe('\r\n+CME ERROR: 12\r\n');
    expect(host.command('AT+CPIN="87654321","4321"')).toMatch(/^\r\nOK\r\n\r\n\+CPIN: READY\r\n/);
    expect(modem.state().sim).toBe('READY');
  });

  it('reboots on AT+CFUN=1,1: OK, deaf for bootMs, chatter, settings back to defaults, SIM locked again', () => {
    host.command('AT+CPIN="1234"');
    expect(host.command('AT+CFUN=1,1')).toBe('\r\nOK\r\n');
    expect(host.command('AT')).toBe('');
    clock.advance(1000);
    expect(host.take()).toBe('\r\nRDY\r\n+CFUN: 1\r\n+CPIN: SIM PIN\r\n');
    expect(host.command('AT+CMEE?')).toBe('AT+CMEE?\r\r\n+CMEE: 0\r\n\r\nOK\r\n');
  });

  it('deregisters on AT+CFUN=0 and registers again on AT+CFUN=1', () => {
    host.command('AT+CPIN="1234"');
    host.command('AT+CFUN=0');
    expect(host.command('AT+CREG?')).toBe('\r\n+CREG: 0,0\r\n\r\nOK\r\n');
    host.command('AT+CFUN=1');
    expect(host.command('AT+CREG?')).toBe('\r\n+CREG: 0,1\r\n\r\nOK\r\n');
  });
});

describe('behaviour changes', () => {
  it('refuses a bad value with a RangeError naming the field', () => {
    const { modem } = setUp();
    expect(() => modem.updateBehaviour({ statusReportMissingFraction: 2 })).toThrow(/statusReportMissingFraction/);
    expect(() => modem.updateBehaviour({ signalQuality: 40 })).toThrow(/signalQuality/);
  });

  it('goes back to the constructor behaviour on resetBehaviour()', () => {
    const { modem } = setUp({ behaviour: { signalQuality: 9 } });
    modem.updateBehaviour({ signalQuality: 30 });
    expect(modem.resetBehaviour().signalQuality).toBe(9);
  });
});
