import { describe, expect, it } from 'vitest';
import { octetsToHex } from './hex-octets.js';
import { decodeUserDataHeader, encodeConcatenationHeader } from './user-data-header.js';

const decode = (hex: string) => decodeUserDataHeader(Buffer.from(hex, 'hex'), 0);

describe('encodeConcatenationHeader', () => {
  it('writes length, IEI 0x00, IEDL 3, reference, total, sequence', () => {
    expect(octetsToHex(encodeConcatenationHeader(0x17, 3, 1))).toBe('050003170301');
  });
});

describe('decodeUserDataHeader', () => {
  // The elements come from python-gsmmodem's TestUdhConcatenation (github.com/faucamp/python-gsmmodem).
  it('reads an 8-bit-reference concatenation element', () => {
    expect(decode('050003170301').concatenation).toEqual({ reference: 23, referenceBits: 8, totalParts: 3, sequence: 1 });
  });

  it('reads a 16-bit-reference concatenation element', () => {
    expect(decode('06080401800402').concatenation).toEqual({ reference: 384, referenceBits: 16, totalParts: 4, sequence: 2 });
  });

  it('keeps other elements raw beside the concatenation', () => {
    // Application port addressing, 16-bit (IEI 0x05), then concatenation.
    const header = decode('0B0504158115810003C30201');
    expect(header.elements.map((element) => element.identifier)).toEqual([0x05, 0x00]);
    expect(header.concatenation).toMatchObject({ reference: 0xc3, totalParts: 2, sequence: 1 });
  });

  it.each([
    ['a sequence of zero', '050003170300'],
    ['a total of zero', '050003170001'],
    ['a sequence past the total', '050003170203'],
    ['a wrong element length', '0400021703'],
  ])('ignores a concatenation element with %s (23.040 §9.2.3.24.1)', (_name, hex) => {
    expect(decode(hex).concatenation).toBeUndefined();
  });

  it('takes the last of two concatenation elements', () => {
    expect(decode('0A00031703010003180202').concatenation).toMatchObject({ reference: 0x18, sequence: 2 });
  });

  it('ignores the whole header when an element overruns it', () => {
    expect(decode('050005170301')).toEqual({ elements: [], concatenation: undefined });
  });

  it('throws when the header overruns the user data', () => {
    expect(() => decodeUserDataHeader(Buffer.from('0500031703', 'hex'), 40)).toThrow(
      /^TP-UDH at octet 40: header length 5 overruns the 4 octets of user data$/,
    );
  });
});
