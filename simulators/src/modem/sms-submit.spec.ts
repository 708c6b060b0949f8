import { describe, expect, it } from 'vitest';
import { PduDecodeError } from './pdu-errors.js';
import { decodeSubmitPdu, relativeValiditySeconds } from './sms-submit.js';

// Published SMS-SUBMIT PDUs, each decoded by the emulator's own codec.
describe('decodeSubmitPdu against published vectors', () => {
  it('reads the "hellohello" SUBMIT of dreamfabric.com/sms ("SMS messages and the PDU format")', () => {
    const submit = decodeSubmitPdu('0011000B916407281553F80000AA0AE8329BFD4697D9EC37', 23);

    expect(submit.serviceCentre).toBeNull();
    expect(submit.destination).toEqual({ address: '+46708251358', typeOfAddress: 0x91 });
    expect(submit.messageReference).toBe(0);
    expect(submit.validity).toEqual({ format: 'relative', seconds: 4 * 86_400 }); // AA: 4 days
    expect(submit.dataCoding).toEqual({ alphabet: 'gsm7', messageClass: null });
    expect(submit.text).toBe('hellohello');
    expect(submit.statusReportRequested).toBe(false);
    expect(submit.tpduLength).toBe(23);
  });

  it('reads a SUBMIT with an SMSC address and no validity period (developershome.com SMS tutorial, "It is easy to send text messages.")', () => {
    const submit = decodeSubmitPdu('0001000B915892214365F7000021493A283D0795C3F33C88FE06CDCB6E32885EC6D341EDF27C1E3E97E72E');

    expect(submit.destination.address).toBe('+85291234567');
    expect(submit.validity).toEqual({ format: 'none' });
    expect(submit.text).toBe('It is easy to send text messages.');
  });

  it('reads the oFono unit/test-sms.c "This is testing !" SUBMIT with its SMSC address', () => {
    const submit = decodeSubmitPdu('079153485002020911000C915348870420140000A71154747A0E4ACF41F4F29C9E769F4121');

    expect(submit.serviceCentre).toBe('+358405202090');
    expect(submit.destination.address).toBe('+358478400241');
    expect(submit.validity).toEqual({ format: 'relative', seconds: 24 * 3600 }); // A7: 12 h + 24 × 30 min
    expect(submit.text).toBe('This is testing !');
  });

  it('reads the HeboTech ATLib SUBMIT with national numbers for SMSC and destination', () => {
    const submit = decodeSubmitPdu('058178563412110008812143658700000B2B54741914AFA7C76B9058FEBEBB41E6371EA4AEB7E173D0DB5E9683E8E832881DD6E741E4F719');

    expect(submit.serviceCentre).toBe('87654321');
    expect(submit.destination).toEqual({ address: '12345678', typeOfAddress: 0x81 });
    expect(submit.validity).toEqual({ format: 'relative', seconds: 3600 }); // 0B: 12 × 5 min
    expect(submit.text).toBe('The quick brown fox jumps over the lazy dog');
  });

  it('reads GSM-7 text after a user data header, skipping the fill bits (oFono unit/test-sms.c header_test, EMS formatting)', () => {
    const hex =
      '0041000B915121551532F40000631A0A031906200A032104100A03270504' +
      '0A032E05080A043807002B8ACD29A85D9ECFC3E7F21C340EBB41E3B79B1' +
      'E4EBB41697A989D1EB340E2379BCC02B1C3F27399059AB7C36C3628EC2683C6' +
      '6FF65B5E2683E8653C1D';

    const submit = decodeSubmitPdu(hex, 100);

    expect(submit.header.map((element) => element.id)).toEqual([0x0a, 0x0a, 0x0a, 0x0a, 0x0a]);
    expect(submit.concatenation).toBeNull();
    expect(submit.text).toBe('EMS messages can contain italic, bold, large, small and colored text');
  });
});

// Assembled field by field from 23.040 §9.2.2.2 where no published vector covers the case.
describe('decodeSubmitPdu on hand-assembled SUBMITs', () => {
  it('reads part 1 of 2 of a UCS-2 text with status report requested and an 8-bit concatenation header', () => {
    const hex =
      '00' + // no SMSC address
      '71' + // SUBMIT, VPF relative, SRR, UDHI
      '00' + // TP-MR
      '0D91' + '945111325476F8' + // +4915112345678: 13 digits, swapped in pairs, F filler
      '00' + '08' + 'A7' + // PID, DCS UCS-2, VP 24 h
      '0A' + '0500032A0201' + '00480069'; // UDL 10: header (ref 0x2A, 2 parts, part 1) + "Hi"

    const submit = decodeSubmitPdu(hex);

    expect(submit.destination.address).toBe('+4915112345678');
    expect(submit.statusReportRequested).toBe(true);
    expect(submit.dataCoding.alphabet).toBe('ucs2');
    expect(submit.concatenation).toEqual({ reference: 0x2a, total: 2, sequence: 1 });
    expect(submit.text).toBe('Hi');
  });

  it('reads a 16-bit concatenation reference and 8-bit data', () => {
    const hex = '00' + '41' + '07' + '0491' + '2143' + '00' + '04' + '09' + '060804BEEF0302' + 'CAFE';

    const submit = decodeSubmitPdu(hex);

    expect(submit.messageReference).toBe(7);
    expect(submit.concatenation).toEqual({ reference: 0xbeef, total: 3, sequence: 2 });
    expect(submit.dataCoding.alphabet).toBe('8bit');
    expect(submit.payload.toString('hex')).toBe('cafe');
  });
});

describe('decodeSubmitPdu refusals', () => {
  const expectProblem = (hex: string, problem: string, length?: number): void => {
    const decode = (): unknown => decodeSubmitPdu(hex, length);
    expect(decode).toThrow(PduDecodeError);
    try {
      decode();
    } catch (error) {
      expect((error as PduDecodeError).problem).toBe(problem);
    }
  };

  it('refuses a length that counts the SMSC octet', () => {
    expectProblem('0011000B916407281553F80000AA0AE8329BFD4697D9EC37', 'length-mismatch', 24);
  });

  it('refuses a PDU that is not hex', () => {
    expectProblem('0011000B91640728155XF8', 'not-hex');
  });

  it('refuses a DELIVER handed to AT+CMGS', () => {
    expectProblem('0004' + '0B916407281553F8' + '0000' + '99309251619580' + '00', 'not-submit');
  });

  it('refuses user data shorter than TP-UDL says', () => {
    expectProblem('0011000B916407281553F80000AA0BE8329BFD4697D9EC37', 'truncated');
  });

  it('refuses octets after the user data', () => {
    expectProblem('0011000B916407281553F80000AA0AE8329BFD4697D9EC3700', 'trailing-octets');
  });

  it('refuses a concatenation header that says part 3 of 2', () => {
    expectProblem('0041000B916407281553F80008' + '08' + '050003010203' + '0048', 'bad-user-data');
  });
});

describe('relativeValiditySeconds (23.040 §9.2.3.12.1)', () => {
  it('covers the four ranges of the relative TP-VP octet', () => {
    expect(relativeValiditySeconds(0)).toBe(5 * 60);
    expect(relativeValiditySeconds(143)).toBe(12 * 3600);
    expect(relativeValiditySeconds(167)).toBe(24 * 3600);
    expect(relativeValiditySeconds(168)).toBe(2 * 86_400);
    expect(relativeValiditySeconds(255)).toBe(63 * 7 * 86_400);
  });
});
