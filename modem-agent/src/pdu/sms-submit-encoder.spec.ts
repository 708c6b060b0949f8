import { describe, expect, it } from 'vitest';
import { tpduLength } from '../at/at-command.js';
import { PduError } from './pdu-error.js';
import { decodeReceivedPdu } from './received-pdu.js';
import type { SmsSubmit } from './sms-submit-decoder.js';
import { encodeSmsSubmit, type SmsSubmitPdu } from './sms-submit-encoder.js';

const DAY = 24 * 60;
const WEEK = 7 * DAY;

function decodeSubmit(pdu: SmsSubmitPdu): SmsSubmit {
  const { tpdu } = decodeReceivedPdu(pdu.hex);
  if (tpdu.type !== 'sms-submit') throw new Error(`expected an SMS-SUBMIT, got ${tpdu.type}`);
  return tpdu;
}

function textOf(pdu: SmsSubmitPdu): string {
  const { body } = decodeSubmit(pdu).userData;
  if (body.kind !== 'text') throw new Error('expected text');
  return body.text;
}

const withoutSmsc = (pdu: SmsSubmitPdu) => pdu.hex.slice(2);

describe('encodeSmsSubmit against published PDUs', () => {
  it('matches dreamfabric\'s "hellohello" SMS-SUBMIT byte for byte', () => {
    // L. Pettersson, "SMS messages and the PDU format" (dreamfabric.com/sms): 4 days validity,
    // no status report.
    const [pdu] = encodeSmsSubmit('+46708251358', 'hellohello', { requestStatusReport: false, validityMinutes: 4 * DAY });
    expect(pdu).toEqual({ hex: '0011000B916407281553F80000AA0AE8329BFD4697D9EC37', tpduLength: 23, sequence: 1, totalParts: 1 });
  });

  it('matches python-gsmmodem\'s "Hello World!" PDU without a validity period', () => {
    // github.com/faucamp/python-gsmmodem test/test_pdu.py, test_encodeSmsSubmit.
    const [pdu] = encodeSmsSubmit('+27820001111', 'Hello World!', { requestStatusReport: false });
    expect(pdu?.hex).toBe('0001000B917228001011F100000CC8329BFD065DDF72363904');
  });

  it('matches python-gsmmodem\'s UCS-2 TPDU for "世界您好！" valid 52 weeks', () => {
    // Same test; the published PDU names an SMSC (07914400000000F0) where ours says "00".
    const [pdu] = encodeSmsSubmit('+123456789', '世界您好！', { requestStatusReport: false, validityMinutes: 52 * WEEK });
    expect(pdu && withoutSmsc(pdu)).toBe('1100099121436587F90008F40A4E16754C60A8597DFF01');
  });

  it('matches python-gsmmodem\'s three concatenated GSM-7 parts, fill bit included', () => {
    // test_encodeSmsSubmit_concatenated: reference 0, TP-RD set, no status report, no validity.
    const text =
      'Lorem ipsum dolor sit amet, consectetur adipisicing elit, sed do eiusmod tempor incididunt ut labore et dolore ' +
      'magna aliqua.Ut enim ad minim veniam, quinostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo ' +
      'consequat.Duis aute irure dolor in reprehenderit in voluptate velit esse cillum doloe eu fugiat nulla ' +
      'pariatur.Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia deserunt mollit anim id est laborum';
    const pdus = encodeSmsSubmit('+15125551234', text, {
      requestStatusReport: false,
      rejectDuplicates: true,
      concatenationReference: 0,
    });
    expect(pdus.map(withoutSmsc)).toEqual([
      '45000B915121551532F40000A0050003000301986F79B90D4AC3E7F53688FC66BFE5A0799A0E0AB7CB741668FC76CFCB637A995E9783C2E4343C3D4F8FD3EE33A8CC4ED359A079990C22BF41E5747DDE7E9341F4721BFE9683D2EE719A9C26D7DD74509D0E6287C56F791954A683C86FF65B5E06B5C36777181466A7E3F5B0AB4A0795DDE936284C06B5D3EE741B642FBBD3E1360B14AFA7DD',
      '45000B915121551532F40000A0050003000302DE73BABC4E0695F165F9384D0FD3D36F37A8CE6687DBE337881D16BFE5E939C89D9EA741753A28CC4EC7EB6938A88C0795C3A0F1BBDD7E93DFA0F1DB3D2FC7EB61BA8B584FCF41E13ABD0C4ACBEBF23288FC66BFE5A0B41B242FC3E56574D94D2ECBD37450DA0DB2BFD975383D4C2F83EC65769A0E2ACFE765D038CD66D7DB20F29BFD2E83CA',
      '45000B915121551532F400008C050003000303EA2073FD9C0ED341EE3A9B1D06C1C3F274985E97BB8AF871194E2FD7E5A079DA4D07BDC7E370791CA683C675789A1CA687E920F7DB0D82CBDF6972D94D6781E675371D947683C675363C0C8AD7D3A0B7D99C1EA7C32072795E96D7DD7450FBCD66A7E9A0B03BDD06A5C9A0F29C0E6287C56F79BD0D',
    ]);
  });
});

describe('encodeSmsSubmit header fields', () => {
  it('asks for a status report unless told not to', () => {
    const [pdu] = encodeSmsSubmit('+46708251358', 'hi');
    expect(pdu?.hex.slice(0, 4)).toBe('0021');
    expect(pdu && decodeSubmit(pdu).statusReportRequested).toBe(true);
  });

  it('leaves TP-MR zero for the modem to assign and reports the TPDU length AT+CMGS needs', () => {
    for (const pdu of encodeSmsSubmit('+46708251358', 'x'.repeat(400), { concatenationReference: 9 })) {
      expect(decodeSubmit(pdu).messageReference).toBe(0);
      expect(pdu.tpduLength).toBe(tpduLength(pdu.hex));
    }
  });

  it('writes a relative validity period that reads back rounded down', () => {
    const [pdu] = encodeSmsSubmit('+46708251358', 'code 123456', { validityMinutes: 10 });
    expect(pdu && decodeSubmit(pdu).validityPeriod).toEqual({ format: 'relative', minutes: 10 });
  });

  it('sends digits without "+" to a short code as a number of unknown type', () => {
    const [pdu] = encodeSmsSubmit('72555', 'STOP');
    expect(pdu && decodeSubmit(pdu).destination).toEqual({ kind: 'unknown', value: '72555', typeOfAddress: 0x81 });
  });
});

describe('encodeSmsSubmit parts (the limits sms-encoding counts)', () => {
  const to = '+46708251358';
  const many = { concatenationReference: 0x42 };

  it('sends 160 GSM-7 characters in one PDU of 140 octets of user data', () => {
    const pdus = encodeSmsSubmit(to, 'a'.repeat(160));
    expect(pdus).toHaveLength(1);
    expect(pdus[0] && textOf(pdus[0])).toBe('a'.repeat(160));
    expect(pdus[0]?.hex.slice(-282, -280)).toBe('A0');
  });

  it('splits 161 GSM-7 characters into 153 + 8, each part numbered under one reference', () => {
    const pdus = encodeSmsSubmit(to, 'b'.repeat(161), many);
    expect(pdus.map(textOf)).toEqual(['b'.repeat(153), 'b'.repeat(8)]);
    expect(pdus.map((pdu) => decodeSubmit(pdu).userData.header?.concatenation)).toEqual([
      { reference: 0x42, referenceBits: 8, totalParts: 2, sequence: 1 },
      { reference: 0x42, referenceBits: 8, totalParts: 2, sequence: 2 },
    ]);
  });

  it('counts the euro sign as two septets: 80 of them fill one PDU, 81 need two', () => {
    expect(encodeSmsSubmit(to, '€'.repeat(80))).toHaveLength(1);
    expect(encodeSmsSubmit(to, '€'.repeat(81), many)).toHaveLength(2);
  });

  it('never splits an escape pair: a part that would end on one holds 152 septets', () => {
    const text = 'c'.repeat(152) + '€' + 'd'.repeat(10);
    const pdus = encodeSmsSubmit(to, text, many);
    expect(pdus.map(textOf)).toEqual(['c'.repeat(152), '€' + 'd'.repeat(10)]);
  });

  it('sends 70 UCS-2 characters in one PDU, 71 in parts of 67', () => {
    expect(encodeSmsSubmit(to, 'Ж'.repeat(70))).toHaveLength(1);
    const pdus = encodeSmsSubmit(to, 'Ж'.repeat(71), many);
    expect(pdus.map(textOf)).toEqual(['Ж'.repeat(67), 'Ж'.repeat(4)]);
    expect(pdus.every((pdu) => decodeSubmit(pdu).dataCoding.alphabet === 'ucs2')).toBe(true);
  });

  it('never splits an emoji\'s surrogate pair across UCS-2 parts', () => {
    // 66 + 2 + 5 = 73 UTF-16 units: more than 70, and the pair would end at unit 68 of 67.
    const text = 'Ж'.repeat(66) + '😀' + 'Ж'.repeat(5);
    const pdus = encodeSmsSubmit(to, text, many);
    expect(pdus.map(textOf)).toEqual(['Ж'.repeat(66), '😀' + 'Ж'.repeat(5)]);
  });

  it('switches the whole message to UCS-2 for one character outside GSM-7', () => {
    const [pdu] = encodeSmsSubmit(to, 'Your code is 1234 ✓');
    expect(pdu && decodeSubmit(pdu).dataCoding.value).toBe(0x08);
    expect(pdu && textOf(pdu)).toBe('Your code is 1234 ✓');
  });

  it('encodes an empty text as one PDU with no user data', () => {
    const [pdu] = encodeSmsSubmit(to, '');
    expect(pdu?.hex.slice(-2)).toBe('00');
    expect(pdu && textOf(pdu)).toBe('');
  });
});

describe('encodeSmsSubmit round trips', () => {
  it.each([
    ['GSM-7 with extension characters', 'Price: €5 [incl. {tax}] ~ ^ | \\'],
    ['UCS-2 with an emoji', 'Привет 👋 мир'],
    ['a concatenated GSM-7 message', 'The quick brown fox. '.repeat(20)],
    ['a concatenated UCS-2 message', 'Ελληνικά κείμενα 😀 '.repeat(12)],
  ])('reads %s back as the text it was given', (_name, text) => {
    const pdus = encodeSmsSubmit('+306912345678', text, { concatenationReference: 200 });
    expect(pdus.map(textOf).join('')).toBe(text);
    expect(pdus.every((pdu) => pdu.totalParts === pdus.length)).toBe(true);
  });
});

describe('encodeSmsSubmit refusals', () => {
  it('needs a concatenation reference when the text takes several parts', () => {
    expect(() => encodeSmsSubmit('+46708251358', 'e'.repeat(161))).toThrow(
      /^concatenationReference: text needs 2 parts; pass a reference from 0 to 255/,
    );
  });

  it.each([256, -1, 1.5])('rejects concatenation reference %d', (reference) => {
    expect(() => encodeSmsSubmit('+46708251358', 'e'.repeat(161), { concatenationReference: reference })).toThrow(PduError);
  });

  it('names TP-DA for a destination that is not a number', () => {
    expect(() => encodeSmsSubmit('+46 70 825', 'hi')).toThrow(/^TP-DA: /);
  });

  it('names TP-VP for a validity below five minutes', () => {
    expect(() => encodeSmsSubmit('+46708251358', 'hi', { validityMinutes: 1 })).toThrow(/^TP-VP: /);
  });
});
