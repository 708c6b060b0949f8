import { describe, expect, it } from 'vitest';
import { readUnsolicited } from './unsolicited-result.js';

describe('readUnsolicited', () => {
  it.each([
    ['+CMTI: "SM",3', { kind: 'message-stored', storage: 'SM', index: 3 }],
    ['+CMTI: "ME",12', { kind: 'message-stored', storage: 'ME', index: 12 }],
    ['+CDSI: "SR",0', { kind: 'status-report-stored', storage: 'SR', index: 0 }],
    ['RING', { kind: 'ring' }],
    ['+CLIP: "+46708251358",145,,,,0', { kind: 'caller-id', number: '+46708251358' }],
    ['^RSSI: 17', { kind: 'signal', rssi: 17 }],
    ['+CREG: 1', { kind: 'registration', domain: 'circuit', state: 'home', registered: true }],
    ['+CREG: 5,"00C3","0010",7', { kind: 'registration', domain: 'circuit', state: 'roaming', registered: true }],
    ['+CGREG: 2', { kind: 'registration', domain: 'packet', state: 'searching', registered: false }],
    ['+CEREG: 3', { kind: 'registration', domain: 'eps', state: 'denied', registered: false }],
    ['+CUSD: 0,"Your balance is 5,00",15', { kind: 'ussd', status: 0, text: 'Your balance is 5,00' }],
    ['+CUSD: 2', { kind: 'ussd', status: 2, text: undefined }],
    ['+CPIN: READY', { kind: 'sim-status', status: 'READY' }],
    ['^BOOT:20211434,0,0,0,75', { kind: 'notice', name: '^BOOT' }],
    ['^MODE: 5,4', { kind: 'notice', name: '^MODE' }],
    ['RDY', { kind: 'notice', name: 'RDY' }],
    ['+CFUN: 1', { kind: 'notice', name: '+CFUN' }],
    ['SMS Ready', { kind: 'notice', name: 'SMS READY' }],
  ])('reads %s', (line, expected) => {
    expect(readUnsolicited(line)).toEqual({ ...expected, line });
  });

  it('reads the query-answer form of +CREG by its second field when it arrives unasked', () => {
    expect(readUnsolicited('+CREG: 2,1,"00C3","0010"')).toMatchObject({ state: 'home' });
  });

  it.each([
    ['+CMTI: "SM"'],
    ['+CMTI: ,3'],
    ['^RSSI: strong'],
    ['+CREG: yes'],
    ['+CDS: 6,46,"+4670",145,"21/11/25,10:00:00+04","21/11/25,10:00:05+04",0'],
  ])('keeps malformed or text-mode %s as unrecognised', (line) => {
    expect(readUnsolicited(line)).toEqual({ kind: 'unrecognised', line });
  });

  it.each([
    ['+CMT: ,24', { kind: 'message', tpduLength: 24 }],
    ['+CMT: "Alice",24', { kind: 'message', tpduLength: 24 }],
    ['+CDS: 25', { kind: 'status-report', tpduLength: 25 }],
    ['+CBM: 88', { kind: 'cell-broadcast', length: 88 }],
  ])('announces that %s is followed by its PDU', (line, expected) => {
    const header = readUnsolicited(line);
    expect(header.kind).toBe('pdu-follows');
    if (header.kind === 'pdu-follows') expect(header.withPdu('00AB')).toEqual({ ...expected, pdu: '00AB', line });
  });
});
