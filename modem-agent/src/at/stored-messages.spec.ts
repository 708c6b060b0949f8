import { describe, expect, it } from 'vitest';
import { decodeReceivedPdu } from '../pdu/received-pdu.js';
import { AtProtocolError } from './at-errors.js';
import { readStoredMessages } from './stored-messages.js';

// dreamfabric's "hellohello" SMS-DELIVER and python-gsmmodem's status report (see pdu/ specs).
const DELIVER = '07917283010010F5040BC87238880900F10000993092516195800AE8329BFD4697D9EC37';
const REPORT = '0006D60B911326880736F4111011719551401110117195714000';

describe('readStoredMessages', () => {
  it('pairs each +CMGL header with the PDU on the next line', () => {
    const lines = ['+CMGL: 1,0,,28', DELIVER, '+CMGL: 4,1,"",25', REPORT];
    expect(readStoredMessages('AT+CMGL=4', lines)).toEqual([
      { index: 1, status: 'received-unread', tpduLength: 28, pdu: DELIVER },
      { index: 4, status: 'received-read', tpduLength: 25, pdu: REPORT },
    ]);
  });

  it('reads the +CMGR form, which has no index', () => {
    expect(readStoredMessages('AT+CMGR=1', ['+CMGR: 1,,28', DELIVER])).toEqual([
      { index: undefined, status: 'received-read', tpduLength: 28, pdu: DELIVER },
    ]);
  });

  it('gives lengths that decodeReceivedPdu accepts for the PDUs it pairs', () => {
    const [message] = readStoredMessages('AT+CMGR=1', ['+CMGR: 0,,28', DELIVER]);
    const decoded = message && decodeReceivedPdu(message.pdu, { tpduLength: message.tpduLength });
    expect(decoded?.tpdu.type).toBe('sms-deliver');
  });

  it('reads an empty store as no messages', () => {
    expect(readStoredMessages('AT+CMGL=4', [])).toEqual([]);
  });

  it('refuses a header whose PDU line is missing', () => {
    expect(() => readStoredMessages('AT+CMGL=4', ['+CMGL: 1,0,,28'])).toThrow(AtProtocolError);
    expect(() => readStoredMessages('AT+CMGL=4', ['+CMGL: 1,0,,28', '+CMGL: 2,0,,28'])).toThrow(/no PDU line after/);
  });

  it('refuses a header it cannot read', () => {
    expect(() => readStoredMessages('AT+CMGL=4', ['+CMGL: "REC UNREAD",0', DELIVER])).toThrow(/unreadable message header/);
  });
});
