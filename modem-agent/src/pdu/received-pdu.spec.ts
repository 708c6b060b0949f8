import { describe, expect, it } from 'vitest';
import { PduError } from './pdu-error.js';
import { decodeReceivedPdu, type ReceivedTpdu } from './received-pdu.js';
import type { SmsDeliver } from './sms-deliver-decoder.js';
import type { SmsStatusReport } from './status-report-decoder.js';
import type { SmsSubmit } from './sms-submit-decoder.js';

function tpduOf<T extends ReceivedTpdu['type']>(hex: string, type: T, tpduLength?: number): Extract<ReceivedTpdu, { type: T }> {
  const { tpdu } = decodeReceivedPdu(hex, tpduLength === undefined ? {} : { tpduLength });
  if (tpdu.type !== type) throw new Error(`expected ${type}, got ${tpdu.type}`);
  return tpdu as Extract<ReceivedTpdu, { type: T }>;
}

const deliver = (hex: string): SmsDeliver => tpduOf(hex, 'sms-deliver');
const submit = (hex: string): SmsSubmit => tpduOf(hex, 'sms-submit');
const report = (hex: string, tpduLength?: number): SmsStatusReport => tpduOf(hex, 'sms-status-report', tpduLength);
const iso = (epochMillis: number) => new Date(epochMillis).toISOString();

function textOf(tpdu: SmsDeliver | SmsSubmit): string {
  const { body } = tpdu.userData;
  if (body.kind !== 'text') throw new Error('expected text');
  return body.text;
}

// python-gsmmodem vectors: github.com/faucamp/python-gsmmodem, test/test_pdu.py, TestSmsPdu.test_decode.
const GSMMODEM = {
  test2: '06917228195339040B917228214365F700003130805120618005D4F29C2E03',
  easy: '07915892000000F0040B915892214365F700007040213252242331493A283D0795C3F33C88FE06C9CB6132885EC6D341EDF27C1E3E97E7207B3A0C0A5241E377BB1D7693E72E',
  escapes: '06917228195339040B917228214365F70000313062315352800A800D8A5E98D337A910',
  submitRelative: '07911326040000F0310D0B911326880736F40000A90FF7FBDD454E87CDE1B0DB357EB701',
  statusReport: '0006D60B911326880736F4111011719551401110117195714000',
  concatenated:
    '0591721891F1400781721881F800003160526104848059050003C30101916536FB1DCABEEB2074D85E064941B19CAB060319A5C522289C96D3D3ED32286C0FA7D96131BBEC024941B19CAB0603DDD36C36A88C87A7E565D0DB0D82C55EB0DB4B068BCD5C20',
  ucs2Submit: '07914346466554F601000B914316565811F9000806304253F68449',
  udlTooLong: '0041010C910661345542F60008A0050003000301306F3044',
  eightBit: '0591721891F101000B917228214365F700040C48656C6C6F20776F726C6421',
  absoluteValidity: '0019000B917228001011F100003170013193008017D474BB3CA787DB70903DCC4E93D3F43C885E9ED301',
  reservedType: '0043010C910661345542F60008A0050003000301306F3044',
};

describe('decodeReceivedPdu: SMS-DELIVER', () => {
  it('reads dreamfabric\'s "hellohello" SMS-DELIVER field by field', () => {
    // L. Pettersson, "SMS messages and the PDU format" (dreamfabric.com/sms).
    const { smsc, tpdu } = decodeReceivedPdu('07917283010010F5040BC87238880900F10000993092516195800AE8329BFD4697D9EC37');
    expect(smsc).toEqual({ kind: 'international', value: '+27381000015', typeOfAddress: 0x91 });
    expect(tpdu).toMatchObject({
      type: 'sms-deliver',
      moreMessagesWaiting: false,
      originator: { kind: 'subscriber', value: '27838890001' },
      protocolIdentifier: 0,
      dataCoding: { alphabet: 'gsm7', messageClass: undefined },
      serviceCentreTimestamp: { year: 1999, month: 3, day: 29, hour: 15, minute: 16, second: 59, utcOffsetMinutes: 120 },
      userData: { header: undefined, body: { kind: 'text', text: 'hellohello' } },
    });
  });

  it('reads python-gsmmodem\'s "Test2" with its sender, SMSC and time', () => {
    const { smsc, tpdu } = decodeReceivedPdu(GSMMODEM.test2);
    expect(smsc?.value).toBe('+2782913593');
    const message = tpdu as SmsDeliver;
    expect(message.originator.value).toBe('+27821234567');
    expect(iso(message.serviceCentreTimestamp.epochMillis)).toBe('2013-03-08T13:02:16.000Z');
    expect(textOf(message)).toBe('Test2');
  });

  it('reads a UTC+8 time stamp and a 49-character text', () => {
    const message = deliver(GSMMODEM.easy);
    expect(message.serviceCentreTimestamp.utcOffsetMinutes).toBe(480);
    expect(textOf(message)).toBe('It is easy to read text messages via AT commands.');
  });

  it('reads extension-table characters and é', () => {
    expect(textOf(deliver(GSMMODEM.escapes))).toBe('@{tést}!');
  });

  it('reads the text after a concatenation header and its fill bit', () => {
    const message = deliver(GSMMODEM.concatenated);
    expect(message.originator).toEqual({ kind: 'unknown', value: '2781188', typeOfAddress: 0x81 });
    expect(message.userData.header?.concatenation).toEqual({ reference: 0xc3, referenceBits: 8, totalParts: 1, sequence: 1 });
    expect(textOf(message)).toBe('Hello!You have R 19.50 FREE airtime available. R 19.50 will expire on 01/07/2013. ');
  });

  it('reads an alphanumeric sender (type 0xD0)', () => {
    // The dreamfabric DELIVER with its originator replaced by python-gsmmodem's "FRANCOIS" address.
    const message = deliver('07917283010010F5040ED04669D0397C26A70000993092516195800' + '5C8329BFD06');
    expect(message.originator).toEqual({ kind: 'alphanumeric', value: 'FRANCOIS', typeOfAddress: 0xd0 });
    expect(textOf(message)).toBe('Hello');
  });

  it('reads a UCS-2 message with a 16-bit-reference concatenation header', () => {
    // Built from the vectors above: header 06 08 04 0180 03 02 (reference 384, part 2 of 3),
    // then "はい" in UTF-16BE as in python-gsmmodem's UCS-2 vector.
    const hex = '00' + '44' + '0B917228214365F7' + '00' + '08' + '31308051206180' + '0B' + '06080401800302' + '306F3044';
    const message = deliver(hex);
    expect(message.userData.header?.concatenation).toEqual({ reference: 384, referenceBits: 16, totalParts: 3, sequence: 2 });
    expect(textOf(message)).toBe('はい');
  });

  it('hands 8-bit data on as octets', () => {
    const { tpdu } = decodeReceivedPdu(GSMMODEM.eightBit);
    expect(tpdu.type === 'sms-submit' && tpdu.userData.body).toEqual({
      kind: 'binary',
      octets: Uint8Array.from(Buffer.from('Hello world!')),
    });
  });
});

describe('decodeReceivedPdu: SMS-SUBMIT (stored messages)', () => {
  it('reads python-gsmmodem\'s SUBMIT with a 3-day relative validity and a status report request', () => {
    const message = submit(GSMMODEM.submitRelative);
    expect(message).toMatchObject({
      messageReference: 0x0d,
      statusReportRequested: true,
      destination: { kind: 'international', value: '+31628870634' },
      validityPeriod: { format: 'relative', minutes: 3 * 24 * 60 },
    });
    expect(textOf(message)).toBe('www.diafaan.com');
  });

  it('reads a UCS-2 SUBMIT', () => {
    expect(textOf(submit(GSMMODEM.ucs2Submit))).toBe('あ叶葉');
  });

  it('reads an absolute validity period as a time stamp', () => {
    const message = submit(GSMMODEM.absoluteValidity);
    expect(message.validityPeriod?.format).toBe('absolute');
    const expires = message.validityPeriod?.format === 'absolute' ? message.validityPeriod.expires : undefined;
    expect(expires && iso(expires.epochMillis)).toBe('2013-07-10T11:39:00.000Z');
    expect(textOf(message)).toBe('Timestamp validity test');
  });
});

describe('decodeReceivedPdu: SMS-STATUS-REPORT', () => {
  it('reads python-gsmmodem\'s report: reference 214, recipient, times, delivered', () => {
    const received = report(GSMMODEM.statusReport);
    expect(received).toMatchObject({
      messageReference: 214,
      recipient: { kind: 'international', value: '+31628870634' },
      status: { status: 0, outcome: 'delivered', final: true },
      moreMessagesWaiting: false,
      userData: undefined,
    });
    expect(iso(received.serviceCentreTimestamp.epochMillis)).toBe('2011-01-11T16:59:15.000Z');
    expect(iso(received.dischargeTime.epochMillis)).toBe('2011-01-11T16:59:17.000Z');
  });

  it('reads a +CDS PDU that carries no SMSC information when the announced length says so', () => {
    const tpdu = GSMMODEM.statusReport.slice(2);
    expect(report(tpdu, tpdu.length / 2).messageReference).toBe(214);
  });

  it('reads the same PDU with its SMSC octet when the announced length counts the TPDU alone', () => {
    expect(report(GSMMODEM.statusReport, GSMMODEM.statusReport.length / 2 - 1).messageReference).toBe(214);
  });

  it('refuses a PDU whose length fits neither reading', () => {
    expect(() => decodeReceivedPdu(GSMMODEM.statusReport, { tpduLength: 40 })).toThrow(/announced a 40-octet TPDU but the PDU has 26 octets/);
  });

  it.each([
    ['46', 'failed-permanent', 'SM validity period expired'],
    ['21', 'still-trying', 'SME busy'],
    ['62', 'failed-temporary', 'no response from SME'],
  ])('classifies TP-ST 0x%s as %s', (status, outcome, reason) => {
    const hex = GSMMODEM.statusReport.slice(0, -2) + status;
    expect(report(hex).status).toMatchObject({ outcome, reason });
  });

  it('reads the optional fields TP-PI announces', () => {
    // TP-PI 0x07: PID 00, DCS 00, then 2 septets of user data ("OK").
    const hex = GSMMODEM.statusReport + '07' + '00' + '00' + '02CF25';
    const received = report(hex);
    expect(received.protocolIdentifier).toBe(0);
    expect(received.userData?.body).toEqual({ kind: 'text', text: 'OK' });
  });
});

describe('decodeReceivedPdu refusals', () => {
  it('names TP-UDL when the length exceeds one SMS (python-gsmmodem\'s "invalid UDL" PDU)', () => {
    const error = (() => {
      try {
        decodeReceivedPdu(GSMMODEM.udlTooLong);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(PduError);
    expect(error).toMatchObject({ field: 'TP-UDL', offset: 13, code: 'PDU_INVALID' });
    expect(error).toHaveProperty('message', 'TP-UDL at octet 13: 160 octets exceeds the 140 one SMS holds');
  });

  it('names TP-MTI for the reserved message type', () => {
    expect(() => decodeReceivedPdu(GSMMODEM.reservedType)).toThrow(/^TP-MTI at octet 1: message type 11 is reserved$/);
  });

  it('names the character that is not hex', () => {
    expect(() => decodeReceivedPdu('AFSDSDF')).toThrow(/^PDU: not a hex digit: "S" at character 2$/);
  });

  it('names an odd number of hex digits', () => {
    expect(() => decodeReceivedPdu('000')).toThrow(/^PDU: odd number of hex digits \(3\)$/);
  });

  it('says which field a cut-short PDU ends in', () => {
    expect(() => decodeReceivedPdu(GSMMODEM.test2.slice(0, 40))).toThrow(/^TP-SCTS at octet 18: needs 7 octets but only 2 remain$/);
  });

  it('refuses octets after the user data', () => {
    expect(() => decodeReceivedPdu(GSMMODEM.test2 + '00')).toThrow(/^TP-UD at octet 31: 1 unexpected octet/);
  });

  it('refuses an SMSC octet with no TPDU after it', () => {
    expect(() => decodeReceivedPdu('00')).toThrow(/^first octet at octet 1: PDU ends before the TPDU$/);
  });
});
