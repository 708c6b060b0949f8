import { encodeGsm7 } from '@switchboard/sms-encoding';
import { describe, expect, it } from 'vitest';
import { octetsToHex } from './hex-octets.js';
import { fillBitsAfterHeader, headerSeptets, packSeptets, packedLength, unpackSeptets } from './septet-packing.js';

// Packed forms published for these texts. "hellohello": L. Pettersson, "SMS messages and the PDU
// format" (dreamfabric.com/sms, the classic PDU tutorial). The others: python-gsmmodem's
// test/test_pdu.py, TestGsm7 (github.com/faucamp/python-gsmmodem), written as hex here.
const PUBLISHED = [
  ['hellohello', 'E8329BFD4697D9EC37'],
  ['Hello World!', 'C8329BFD065DDF72363904'],
  ['12345678', '31D98C56B3DD70'],
  ['123456789', '31D98C56B3DD7039'],
  ['[{abc}]~', '1BDE0615168F37A98D6FD303'],
] as const;

describe('packSeptets', () => {
  it.each(PUBLISHED)('packs %j as published', (text, packed) => {
    expect(octetsToHex(packSeptets(encodeGsm7(text)))).toBe(packed);
  });

  it('leaves the fill bits zero and starts the first septet after them', () => {
    // One fill bit: "A" (0x41) shifted left by one.
    expect(Array.from(packSeptets(Uint8Array.of(0x41), 1))).toEqual([0x82]);
  });

  it('packs nothing into nothing', () => {
    expect(packSeptets(new Uint8Array(0)).length).toBe(0);
  });
});

describe('unpackSeptets', () => {
  it.each(PUBLISHED)('unpacks the published form of %j', (text, packed) => {
    const septets = encodeGsm7(text);
    expect(Buffer.from(unpackSeptets(Buffer.from(packed, 'hex'), septets.length))).toEqual(septets);
  });

  it.each([0, 1, 3, 6])('reads back what was packed after %i fill bits', (fill) => {
    const septets = encodeGsm7('a message of some length, 0123456789');
    const packed = packSeptets(septets, fill);
    expect(Buffer.from(unpackSeptets(packed, septets.length, fill))).toEqual(septets);
  });

  it('does not invent an eighth septet from the spare bits of a full octet run', () => {
    // Seven septets fill 49 bits: 7 octets hold 56, and the spare 7 bits are not a character.
    expect(unpackSeptets(Buffer.from('31D98C56B3DD70', 'hex'), 7)).toHaveLength(7);
  });
});

describe('header arithmetic (23.040 §9.2.3.24)', () => {
  it('pads the 6-octet concatenation header with one fill bit to 7 septets', () => {
    expect(fillBitsAfterHeader(6)).toBe(1);
    expect(headerSeptets(6)).toBe(7);
  });

  it('needs no fill bits after a 7-octet header, which is exactly 8 septets', () => {
    expect(fillBitsAfterHeader(7)).toBe(0);
    expect(headerSeptets(7)).toBe(8);
  });

  it('fits 153 septets after the concatenation header into the 140 octets of user data', () => {
    expect(6 + packedLength(153, fillBitsAfterHeader(6))).toBe(140);
  });
});
