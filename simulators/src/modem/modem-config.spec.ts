import { describe, expect, it } from 'vitest';
import { parseModemEmulatorConfig } from './modem-config.js';

const noFile = (): string => {
  throw new Error('no such file');
};

describe('parseModemEmulatorConfig', () => {
  it('makes one modem per --link with the shared flags', () => {
    const result = parseModemEmulatorConfig(['--link', '/tmp/a', '--link', '/tmp/b', '--vendor', 'huawei', '--sms-per-minute', '8'], {}, noFile);

    expect(result).toEqual({
      ok: true,
      modems: [
        { link: '/tmp/a', vendor: 'huawei', pin: null, behaviour: { smsPerMinute: 8 } },
        { link: '/tmp/b', vendor: 'huawei', pin: null, behaviour: { smsPerMinute: 8 } },
      ],
    });
  });

  it('reads the environment for flags not given', () => {
    const result = parseModemEmulatorConfig([], { MODEM_EMU_LINKS: '/tmp/a, /tmp/b', MODEM_EMU_PIN: '1234' }, noFile);

    expect(result.ok && result.modems.map((modem) => [modem.link, modem.pin])).toEqual([
      ['/tmp/a', '1234'],
      ['/tmp/b', '1234'],
    ]);
  });

  it('adds the modems of a JSON file with behaviours of their own', () => {
    const file = JSON.stringify({ modems: [{ link: '/tmp/c', vendor: 'quectel', behaviour: { statusReportMissingFraction: 0.1 } }] });

    const result = parseModemEmulatorConfig(['--config', 'modems.json'], {}, () => file);

    expect(result).toEqual({ ok: true, modems: [{ link: '/tmp/c', vendor: 'quectel', pin: null, behaviour: { statusReportMissingFraction: 0.1 } }] });
  });

  it('lists every problem at once', () => {
    const file = JSON.stringify({ modems: [{ link: '/tmp/a', behaviour: { smsPerMinute: -1 } }] });

    const result = parseModemEmulatorConfig(['--link', '/tmp/a', '--vendor', 'nokia', '--pin', '12', '--bogus', 'x', '--config', 'm.json'], {}, () => file);

    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors).toEqual([
      'unknown argument "--bogus" (known: --link, --vendor, --pin, --sms-per-minute, --registration-delay-ms, --status-report-delay-ms, --config)',
      'vendor: expected one of simcom, quectel, huawei, got "nokia"',
      'pin: expected 4 to 8 digits',
      'config m.json modems[0]: smsPerMinute: expected null or a number in (0, 60000], got -1',
    ]);
  });

  it('refuses a start without any modem', () => {
    expect(parseModemEmulatorConfig([], {}, noFile)).toEqual({ ok: false, errors: ['no modem: give --link <path> (or MODEM_EMU_LINKS, or --config with "modems")'] });
  });
});
