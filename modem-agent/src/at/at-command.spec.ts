import { describe, expect, it } from 'vitest';
import { buildCmgsCommand, framePdu, tpduLength } from './at-command.js';

// "hellohello" to +46708251358 as an SMS-SUBMIT TPDU of 23 octets.
const TPDU = '11000B916407281553F80000AA0AE8329BFD4697D9EC37';

describe('buildCmgsCommand', () => {
  it('frames AT+CMGS with the TPDU length and a carriage return', () => {
    expect(buildCmgsCommand(23)).toBe('AT+CMGS=23\r');
  });

  it('accepts the longest possible SMS-SUBMIT TPDU', () => {
    expect(buildCmgsCommand(164)).toBe('AT+CMGS=164\r');
  });

  it.each([
    ['zero', 0],
    ['a negative length', -1],
    ['a fractional length', 23.5],
    ['NaN', Number.NaN],
    ['a length beyond one SMS-SUBMIT', 165],
  ])('rejects %s', (_name, length) => {
    expect(() => buildCmgsCommand(length)).toThrow(RangeError);
  });
});

describe('tpduLength', () => {
  it('does not count the single octet that selects the modem\'s stored SMSC', () => {
    expect(tpduLength(`00${TPDU}`)).toBe(23);
  });

  it('does not count an explicit SMSC address', () => {
    expect(tpduLength(`07917283010010F5${TPDU}`)).toBe(23);
  });

  it('accepts lower-case hex', () => {
    expect(tpduLength(`00${TPDU.toLowerCase()}`)).toBe(23);
  });

  it.each([
    ['an empty PDU', ''],
    ['an odd number of hex digits', `00${TPDU}0`],
    ['non-hex characters', `00${TPDU.slice(0, -2)}ZZ`],
    ['spaces between octets', '00 11 00'],
  ])('rejects %s', (_name, pdu) => {
    expect(() => tpduLength(pdu)).toThrow(/hex octets/);
  });

  it('rejects SMSC information that leaves no TPDU', () => {
    expect(() => tpduLength('07917283010010F5')).toThrow(/claims 8, leaving no TPDU/);
  });

  it('rejects an SMSC length octet that overruns the PDU', () => {
    expect(() => tpduLength('0F9172')).toThrow(/3 octets .* claims 16/);
  });
});

describe('framePdu', () => {
  it('ends the PDU with Ctrl-Z to submit it', () => {
    expect(framePdu(`00${TPDU}`)).toBe(`00${TPDU}\x1a`);
  });
});
