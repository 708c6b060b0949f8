import { beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from './modem-clock.js';
import { TestHost } from './modem-test-host.js';
import { ModemEmulator } from './modem.emulator.js';

// "hellohello" to +46708251358 (dreamfabric.com/sms) with TP-SRR set: first octet 0x31 instead of 0x11.
const SUBMIT_WITH_REPORT = '0031000B916407281553F80000AA0AE8329BFD4697D9EC37';

describe('ModemEmulator: a whole session as the host sees it', () => {
  let clock: ManualClock;
  let modem: ModemEmulator;
  let host: TestHost;

  beforeEach(() => {
    clock = new ManualClock(Date.UTC(2026, 0, 2, 3, 4, 5));
    modem = new ModemEmulator({ vendor: 'quectel', pin: '1234', clock, behaviour: { registrationDelayMs: 3000, statusReportDelayMs: 5000 } });
    host = new TestHost(modem);
  });

  it('initialises, unlocks the SIM, waits for registration, sends, and routes the status report as +CDS', () => {
    expect(host.command('AT')).toBe('AT\r\r\nOK\r\n');
    expect(host.command('ATE0')).toBe('ATE0\r\r\nOK\r\n');
    expect(host.command('AT+CMEE=1')).toBe('\r\nOK\r\n');
    expect(host.command('AT+CGMI;+CGMM')).toBe('\r\nQuectel\r\nEC25\r\n\r\nOK\r\n');
    expect(host.command('AT+CGSN')).toBe('\r\n867322035431459\r\n\r\nOK\r\n');
    expect(host.command('AT+CPIN?')).toBe('\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n');
    expect(host.command('AT+CIMI')).toBe('\r\n+CME ERROR: 11\r\n');
    expect(host.command('AT+CPIN="1234"')).toBe('\r\nOK\r\n\r\n+CPIN: READY\r\n+QUSIM: 1\r\n+QIND: SMS DONE\r\n+QIND: PB DONE\r\n');
    expect(host.command('AT+CIMI')).toBe('\r\n262019876543210\r\n\r\nOK\r\n');
    expect(host.command('AT+CREG=1')).toBe('\r\nOK\r\n');
    expect(host.command('AT+CREG?')).toBe('\r\n+CREG: 1,2\r\n\r\nOK\r\n');

    clock.advance(3000);
    expect(host.take()).toBe('\r\n+CREG: 1\r\n');
    expect(host.command('AT+COPS?')).toBe('\r\n+COPS: 0,0,"Switchboard Mobile"\r\n\r\nOK\r\n');
    expect(host.command('AT+CSQ')).toBe('\r\n+CSQ: 20,99\r\n\r\nOK\r\n');
    expect(host.command('AT+CMGF=0')).toBe('\r\nOK\r\n');
    expect(host.command('AT+CSCA?')).toBe('\r\n+CSCA: "+491710760000",145\r\n\r\nOK\r\n');
    expect(host.command('AT+CNMI=2,1,0,1,0')).toBe('\r\nOK\r\n');

    expect(host.command('AT+CMGS=23')).toBe('\r\n> ');
    expect(host.pdu(SUBMIT_WITH_REPORT)).toBe('\r\n+CMGS: 0\r\n\r\nOK\r\n');
    expect(modem.sentMessages()).toEqual([
      { to: '+46708251358', text: 'hellohello', parts: 1, totalParts: 1, complete: true, references: [0], at: clock.now(), problems: [] },
    ]);

    clock.advance(5000);
    // 25-octet TPDU after the SMSC address: MR 00, recipient, SCTS 03:04:08 (the send), DT
    // 03:04:13 (5 s later), TP-ST 00 delivered.
    expect(host.take()).toBe('\r\n+CDS: 25\r\n0791947101670000' + '0600' + '0B916407281553F8' + '62102030408000' + '62102030403100' + '00\r\n');
    expect(modem.sent()[0]?.statusReport).toEqual({ state: 'sent', status: 0, at: clock.now(), route: 'cds' });
  });
});

describe('ModemEmulator: V.250 line handling', () => {
  let modem: ModemEmulator;
  let host: TestHost;

  beforeEach(() => {
    modem = new ModemEmulator({ clock: new ManualClock() });
    host = new TestHost(modem);
    host.command('ATE0');
  });

  it('answers ERROR to an unknown command and runs nothing after it', () => {
    expect(host.command('AT+CMEE=2;+FOO;+CMEE=1')).toBe('\r\nERROR\r\n');
    expect(host.command('AT+CMEE?')).toBe('\r\n+CMEE: 2\r\n\r\nOK\r\n');
  });

  it('ignores a line that does not start with AT, and LF after CR', () => {
    expect(host.command('hello')).toBe('');
    host.type('AT\r\n');
    expect(host.take()).toBe('\r\nOK\r\n');
  });

  it('takes back a character on backspace', () => {
    host.type('AT+CSX\bQ\r');
    expect(host.take()).toBe('\r\n+CSQ: 20,99\r\n\r\nOK\r\n');
  });

  it('repeats the last line on A/', () => {
    host.command('AT+CSQ');
    host.type('A/');
    expect(host.take()).toBe('\r\n+CSQ: 20,99\r\n\r\nOK\r\n');
  });

  it('takes commands split over several writes and several in one write', () => {
    host.type('AT+CG');
    host.type('MI\rAT+CGMR\r');
    expect(host.take()).toBe('\r\nSIMCOM_Ltd\r\n\r\nOK\r\n\r\nRevision:1418B05SIM800L24\r\n\r\nOK\r\n');
  });

  it('brings echo back and text mode to PDU mode on ATZ', () => {
    host.command('AT+CMGF=1');
    expect(host.command('ATZ')).toBe('\r\nOK\r\n');
    expect(host.command('AT+CMGF?')).toBe('AT+CMGF?\r\r\n+CMGF: 0\r\n\r\nOK\r\n');
  });

  it('gives +CME errors as ERROR, numbers or words as AT+CMEE says', () => {
    const locked = new ModemEmulator({ clock: new ManualClock(), pin: '0000' });
    const lockedHost = new TestHost(locked);
    lockedHost.command('ATE0');
    expect(lockedHost.command('AT+CIMI')).toBe('\r\nERROR\r\n');
    lockedHost.command('AT+CMEE=1');
    expect(lockedHost.command('AT+CIMI')).toBe('\r\n+CME ERROR: 11\r\n');
    lockedHost.command('AT+CMEE=2');
    expect(lockedHost.command('AT+CIMI')).toBe('\r\n+CME ERROR: SIM PIN required\r\n');
  });

  it('answers ATI with the vendor identification', () => {
    expect(host.command('ATI')).toBe('\r\nSIM800 R14.18\r\n\r\nOK\r\n');
  });
});

describe('ModemEmulator: sending', () => {
  let modem: ModemEmulator;
  let host: TestHost;

  beforeEach(() => {
    modem = new ModemEmulator({ clock: new ManualClock() });
    host = new TestHost(modem);
    host.command('ATE0');
  });

  it('echoes the PDU when echo is on', () => {
    host.command('ATE1');
    expect(host.command('AT+CMGS=23')).toBe('AT+CMGS=23\r\r\n> ');
    expect(host.pdu('0011000B916407281553F80000AA0AE8329BFD4697D9EC37')).toBe('0011000B916407281553F80000AA0AE8329BFD4697D9EC37\r\n+CMGS: 0\r\n\r\nOK\r\n');
  });

  it('counts message references up and wraps from 255 to 0', () => {
    const wrapping = new ModemEmulator({ clock: new ManualClock(), firstMessageReference: 254 });
    const wrappingHost = new TestHost(wrapping);
    wrappingHost.command('ATE0');
    const references = [1, 2, 3].map(() => {
      wrappingHost.command('AT+CMGS=23');
      return wrappingHost.pdu('0011000B916407281553F80000AA0AE8329BFD4697D9EC37');
    });
    expect(references).toEqual(['\r\n+CMGS: 254\r\n\r\nOK\r\n', '\r\n+CMGS: 255\r\n\r\nOK\r\n', '\r\n+CMGS: 0\r\n\r\nOK\r\n']);
  });

  it('answers +CMS ERROR: 304 to a PDU whose TPDU is not the announced length', () => {
    host.command('AT+CMGS=24');
    expect(host.pdu('0011000B916407281553F80000AA0AE8329BFD4697D9EC37')).toBe('\r\n+CMS ERROR: 304\r\n');
    expect(modem.sent()).toEqual([]);
  });

  it('answers +CMS ERROR: 304 to a PDU that is not an SMS-SUBMIT', () => {
    host.command('AT+CMGS=3');
    expect(host.pdu('00000000')).toBe('\r\n+CMS ERROR: 304\r\n');
  });

  it('sends nothing and answers OK when ESC abandons the PDU', () => {
    host.command('AT+CMGS=23');
    host.type('0011000B91\x1b');
    expect(host.take()).toBe('\r\nOK\r\n');
    expect(modem.sent()).toEqual([]);
    expect(host.command('AT')).toBe('\r\nOK\r\n');
  });

  it('refuses AT+CMGS in text mode with +CMS ERROR: 302', () => {
    host.command('AT+CMGF=1');
    expect(host.command('AT+CMGS="+4915112345678"')).toBe('\r\n+CMS ERROR: 302\r\n');
  });

  it('refuses a send while not registered with +CMS ERROR: 331', () => {
    modem.setRegistration('searching');
    host.command('AT+CMGS=23');
    expect(host.pdu('0011000B916407281553F80000AA0AE8329BFD4697D9EC37')).toBe('\r\n+CMS ERROR: 331\r\n');
  });

  it('joins the parts of a concatenated UCS-2 message and keeps each part\'s reference', () => {
    // Two parts, reference 0x2A: "Hi" + " there", UCS-2, hand-assembled per 23.040 §9.2.2.2.
    const part = (sequence: number, ucs2: string): string => {
      const udl = (6 + ucs2.length / 2).toString(16).padStart(2, '0').toUpperCase();
      return `0041000B916407281553F80008${udl}0500032A020${sequence}${ucs2}`;
    };
    for (const pdu of [part(2, '002000740068006500720065'), part(1, '00480069')]) {
      host.command(`AT+CMGS=${pdu.length / 2 - 1}`);
      host.pdu(pdu);
    }
    expect(modem.sentMessages()).toMatchObject([{ to: '+46708251358', text: 'Hi there', parts: 2, totalParts: 2, complete: true, references: [1, 0] }]);
  });
});

describe('ModemEmulator: received messages', () => {
  let clock: ManualClock;
  let modem: ModemEmulator;
  let host: TestHost;

  beforeEach(() => {
    clock = new ManualClock(Date.UTC(2026, 0, 2, 3, 4, 5));
    modem = new ModemEmulator({ clock });
    host = new TestHost(modem);
    host.command('ATE0');
  });

  it('announces a stored SMS with +CMTI, lists it with AT+CMGL=4 and marks it read', () => {
    host.command('AT+CNMI=2,1,0,0,0');
    expect(modem.receive({ from: '+31641600986', text: 'How are you?' })).toEqual([1]);
    expect(host.take()).toBe('\r\n+CMTI: "SM",1\r\n');

    const deliver = '0791947101670000040B911346610089F60000' + '62102030405000' + '0CC8F71D14969741F977FD07';
    expect(host.command('AT+CMGL=4')).toBe(`\r\n+CMGL: 1,0,,${deliver.length / 2 - 8}\r\n${deliver}\r\n\r\nOK\r\n`);
    expect(host.command('AT+CMGL=0')).toBe('\r\nOK\r\n');
    expect(host.command('AT+CMGR=1')).toBe(`\r\n+CMGR: 1,,${deliver.length / 2 - 8}\r\n${deliver}\r\n\r\nOK\r\n`);
  });

  it('stores a long UCS-2 text as concatenated parts at consecutive indices', () => {
    expect(modem.receive({ from: '+4915112345678', text: 'Ж'.repeat(71) })).toEqual([1, 2]);
    expect(host.take()).toBe('\r\n+CMTI: "SM",1\r\n\r\n+CMTI: "SM",2\r\n');
    const [first, second] = modem.stored();
    expect(first?.pdu.hex).toContain('0500030002010416');
    expect(second?.pdu.hex).toContain('0500030002020416');
  });

  it('shows the SMS at once with +CMT when AT+CNMI <mt> is 2, storing nothing', () => {
    host.command('AT+CNMI=2,2,0,0,0');
    modem.receive({ from: '+31641600986', text: 'How are you?' });
    expect(host.take()).toMatch(/^\r\n\+CMT: ,30\r\n0791947101670000040B91/);
    expect(modem.stored()).toEqual([]);
  });

  it('answers +CMS ERROR: 321 for an empty index and deletes by index and by flag', () => {
    modem.receive({ from: '+31641600986', text: 'one' });
    modem.receive({ from: '+31641600986', text: 'two' });
    host.command('AT+CMGR=1');
    expect(host.command('AT+CMGR=3')).toBe('\r\n+CMS ERROR: 321\r\n');
    expect(host.command('AT+CMGD=1,1')).toBe('\r\nOK\r\n');
    expect(modem.stored().map((message) => message.index)).toEqual([2]);
    host.command('AT+CMGD=2');
    expect(modem.stored()).toEqual([]);
  });

  it('reports storage use with AT+CPMS', () => {
    modem.receive({ from: '+31641600986', text: 'one' });
    expect(host.command('AT+CPMS?')).toBe('\r\n+CPMS: "SM",1,30,"SM",1,30,"SM",1,30\r\n\r\nOK\r\n');
    expect(host.command('AT+CPMS="SM","SM","SM"')).toBe('\r\n+CPMS: 1,30,1,30,1,30\r\n\r\nOK\r\n');
  });

  it('holds an unsolicited line while a command is being answered and says it after the result', () => {
    host.command('AT+CMGS=23');
    modem.receive({ from: '+31641600986', text: 'mid-prompt' });
    expect(host.take()).toBe('');
    expect(host.pdu('0011000B916407281553F80000AA0AE8329BFD4697D9EC37')).toBe('\r\n+CMGS: 0\r\n\r\nOK\r\n\r\n+CMTI: "SM",1\r\n');
  });
});
