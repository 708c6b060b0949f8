import { describe, expect, it } from 'vitest';
import {
  buildCmgsCommand,
  endsWithPduPrompt,
  framePdu,
  parseFinalResultCode,
  parseResponse,
  tpduLength,
} from './at-command.js';

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

describe('endsWithPduPrompt', () => {
  it('sees the prompt after the echoed command', () => {
    expect(endsWithPduPrompt('AT+CMGS=23\r\r\n> ')).toBe(true);
  });

  it('sees a prompt without the trailing space', () => {
    expect(endsWithPduPrompt('\r\n>')).toBe(true);
  });

  it('does not see a prompt before the modem has sent one', () => {
    expect(endsWithPduPrompt('AT+CMGS=23\r')).toBe(false);
  });

  it('does not mistake a ">" inside a line for the prompt', () => {
    expect(endsWithPduPrompt('\r\n+CMGL: 1,"REC READ",,"a>')).toBe(false);
  });
});

describe('parseFinalResultCode', () => {
  it.each([
    ['OK', { kind: 'ok' }],
    ['ERROR', { kind: 'error' }],
    ['+CMS ERROR: 330', { kind: 'cms-error', code: 330, text: '330' }],
    ['+CME ERROR: 10', { kind: 'cme-error', code: 10, text: '10' }],
    [
      '+CMS ERROR: SMSC address unknown',
      { kind: 'cms-error', code: null, text: 'SMSC address unknown' },
    ],
    ['+CME ERROR: SIM not inserted', { kind: 'cme-error', code: null, text: 'SIM not inserted' }],
  ])('recognises %s', (line, expected) => {
    expect(parseFinalResultCode(line)).toEqual(expected);
  });

  it.each([
    ['information text', '+CMGS: 12'],
    ['an unsolicited new-message indication', '+CMTI: "SM",3'],
    ['a command echo', 'AT+CMGF=0'],
    ['lower-case ok', 'ok'],
    ['OK with trailing text', 'OK then'],
  ])('does not treat %s as final', (_name, line) => {
    expect(parseFinalResultCode(line)).toBeUndefined();
  });
});

describe('parseResponse', () => {
  it('returns OK with the information text before it', () => {
    const buffer = '\r\n+CMGS: 12\r\n\r\nOK\r\n';
    expect(parseResponse(buffer)).toEqual({
      final: { kind: 'ok' },
      lines: ['+CMGS: 12'],
      length: buffer.length,
    });
  });

  it('keeps a command echo as the first line', () => {
    expect(parseResponse('AT+CMGF=0\r\r\nOK\r\n')?.lines).toEqual(['AT+CMGF=0']);
  });

  it('parses a numeric +CMS ERROR after a PDU was submitted', () => {
    expect(parseResponse(`00${TPDU}\x1a\r\n+CMS ERROR: 38\r\n`)?.final).toEqual({
      kind: 'cms-error',
      code: 38,
      text: '38',
    });
  });

  it('parses a +CME ERROR', () => {
    expect(parseResponse('\r\n+CME ERROR: 11\r\n')?.final).toEqual({
      kind: 'cme-error',
      code: 11,
      text: '11',
    });
  });

  it('parses a plain ERROR', () => {
    expect(parseResponse('\r\nERROR\r\n')?.final).toEqual({ kind: 'error' });
  });

  it('accepts LF-only line ends', () => {
    expect(parseResponse('+CSQ: 17,99\nOK\n')).toEqual({
      final: { kind: 'ok' },
      lines: ['+CSQ: 17,99'],
      length: 15,
    });
  });

  it('waits while no final result code has arrived', () => {
    expect(parseResponse('\r\n+CMGS: 12\r\n')).toBeUndefined();
  });

  it('waits for the line end before taking a final result code', () => {
    expect(parseResponse('\r\nOK')).toBeUndefined();
    expect(parseResponse('\r\nOK\r')).toBeUndefined();
  });

  it('waits while the modem is still prompting for a PDU', () => {
    expect(parseResponse('AT+CMGS=23\r\r\n> ')).toBeUndefined();
  });

  it('stops at the first final result code and reports how much it used', () => {
    const first = '\r\nOK\r\n';
    const next = '\r\n+CMTI: "SM",3\r\n';
    const response = parseResponse(first + next);
    expect(response?.length).toBe(first.length);
    expect(response?.lines).toEqual([]);
  });

  it('returns nothing for an empty buffer', () => {
    expect(parseResponse('')).toBeUndefined();
  });
});
