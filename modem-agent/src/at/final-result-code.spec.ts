import { describe, expect, it } from 'vitest';
import { describeFinalResultCode, parseFinalResultCode } from './final-result-code.js';

describe('parseFinalResultCode', () => {
  it.each([
    ['OK', { kind: 'ok' }],
    ['ERROR', { kind: 'error' }],
    ['+CMS ERROR: 330', { kind: 'cms-error', code: 330, text: '330' }],
    ['+CMS ERROR:500', { kind: 'cms-error', code: 500, text: '500' }],
    ['+CME ERROR: 10', { kind: 'cme-error', code: 10, text: '10' }],
    ['+CMS ERROR: SMSC address unknown', { kind: 'cms-error', code: null, text: 'SMSC address unknown' }],
    ['+CME ERROR: SIM not inserted', { kind: 'cme-error', code: null, text: 'SIM not inserted' }],
    ['NO CARRIER', { kind: 'call-failure', text: 'NO CARRIER' }],
    ['BUSY', { kind: 'call-failure', text: 'BUSY' }],
    ['NO ANSWER', { kind: 'call-failure', text: 'NO ANSWER' }],
    ['NO DIALTONE', { kind: 'call-failure', text: 'NO DIALTONE' }],
    ['COMMAND NOT SUPPORT', { kind: 'vendor-error', text: 'COMMAND NOT SUPPORT' }],
  ])('recognises %s', (line, expected) => {
    expect(parseFinalResultCode(line)).toEqual(expected);
  });

  it.each([
    ['information text', '+CMGS: 12'],
    ['an unsolicited new-message indication', '+CMTI: "SM",3'],
    ['a command echo', 'AT+CMGF=0'],
    ['lower-case ok', 'ok'],
    ['OK with trailing text', 'OK then'],
    ['RING, which is unsolicited', 'RING'],
  ])('does not treat %s as final', (_name, line) => {
    expect(parseFinalResultCode(line)).toBeUndefined();
  });
});

describe('describeFinalResultCode', () => {
  it.each(['OK', 'ERROR', '+CMS ERROR: 304', '+CME ERROR: SIM PIN required', 'NO CARRIER', 'TOO MANY PARAMETERS'])(
    'gives %s back as the modem wrote it',
    (line) => {
      const result = parseFinalResultCode(line);
      expect(result && describeFinalResultCode(result)).toBe(line);
    },
  );
});
