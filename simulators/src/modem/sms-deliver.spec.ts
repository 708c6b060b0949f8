import { describe, expect, it } from 'vitest';
import { encodeDeliverParts } from './sms-deliver.js';

describe('encodeDeliverParts', () => {
  it('writes the "hellohello" DELIVER of dreamfabric.com/sms byte for byte (sender type 0xC8 as in the example)', () => {
    // SCTS 99 03 29 15:16:59 at +02:00 (zone 80: 8 quarter hours).
    const [part, ...rest] = encodeDeliverParts({
      from: '27838890001',
      fromTypeOfAddress: 0xc8,
      text: 'hellohello',
      serviceCentre: '+27381000015',
      receivedAt: new Date('1999-03-29T15:16:59+02:00'),
      zoneQuarterHours: 8,
      reference: 0,
    });

    expect(rest).toEqual([]);
    expect(part?.hex).toBe('07917283010010F5040BC87238880900F10000993092516195800AE8329BFD4697D9EC37');
    expect(part?.tpduLength).toBe(28);
  });

  it('writes the HeboTech ATLib "How are you?" DELIVER from an international sender', () => {
    const [part] = encodeDeliverParts({
      from: '+31641600986',
      text: 'How are you?',
      serviceCentre: '+31624000000',
      receivedAt: new Date('2002-08-26T19:37:41+02:00'),
      zoneQuarterHours: 8,
      reference: 0,
    });

    expect(part?.hex).toBe('07911326040000F0040B911346610089F60000208062917314800CC8F71D14969741F977FD07');
  });

  it('splits a 71-character Cyrillic text (one more than fits in one part) into UCS-2 parts of 67 and 4 characters with one concatenation reference', () => {
    const parts = encodeDeliverParts({
      from: '+4915112345678',
      text: 'Ж'.repeat(71),
      serviceCentre: '+491710760000',
      receivedAt: new Date('2026-01-02T03:04:05Z'),
      zoneQuarterHours: 0,
      reference: 0x2a,
    });

    // 23.040 §9.2.2.1 field by field: SMSC, first octet 44 (UDHI, no more messages), OA, PID 00,
    // DCS 08, SCTS 26-01-02 03:04:05 +00, UDL, header 05 00 03 2A <total> <seq>, UTF-16BE.
    const prefix = '0791947101670000' + '44' + '0D91945111325476F8' + '0008' + '62102030405000';
    expect(parts.map((part) => part.hex)).toEqual([
      prefix + '8C' + '0500032A0201' + '0416'.repeat(67),
      prefix + '0E' + '0500032A0202' + '0416'.repeat(4),
    ]);
    // TPDU: first octet, 9-octet OA, PID, DCS, 7-octet SCTS, UDL = 20 octets before the user data.
    expect(parts.map((part) => part.tpduLength)).toEqual([20 + 140, 20 + 14]);
  });

  it('keeps a surrogate pair in one UCS-2 part', () => {
    const parts = encodeDeliverParts({
      from: '+4915112345678',
      text: 'a'.repeat(66) + '😀' + 'b'.repeat(10) + 'é' + '€',
      alphabet: 'ucs2',
      serviceCentre: '+491710760000',
      receivedAt: new Date('2026-01-02T03:04:05Z'),
      zoneQuarterHours: 0,
      reference: 1,
    });

    // 66 units + a 2-unit pair would be 68 > 67: the pair opens part 2.
    expect(parts[0]?.hex.endsWith('0061'.repeat(66))).toBe(true);
    expect(parts[1]?.hex).toContain('0500030102' + '02' + 'D83DDE00');
  });

  it('splits GSM-7 at 153 septets without separating an escape from its character', () => {
    const parts = encodeDeliverParts({
      from: 'Acme',
      text: 'x'.repeat(152) + '€' + 'y'.repeat(10),
      serviceCentre: '+491710760000',
      receivedAt: new Date('2026-01-02T03:04:05Z'),
      zoneQuarterHours: 0,
      reference: 9,
    });

    expect(parts).toHaveLength(2);
    // Alphanumeric sender (23.040 §9.1.2.5): 7 useful semi-octets, type D0, then A c m e
    // (41 63 6D 65) packed: 41|63<<7 = C1, 63>>1|6D<<6 = 71, 6D>>2|65<<5 = BB, 65>>3 = 0C.
    expect(parts[0]?.hex.slice(18, 30)).toBe('07D0C171BB0C');
    // Part 1 holds 7 header septets + 152 'x' = 159 septets (0x9F); '€' (2 septets) moved on.
    expect(parts[0]?.hex.slice(48, 50)).toBe('9F');
  });
});
