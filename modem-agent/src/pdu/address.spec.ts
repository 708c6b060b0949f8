import { describe, expect, it } from 'vitest';
import { encodeAddress, readAddress, readSmscAddress } from './address.js';
import { octetsToHex } from './hex-octets.js';
import { OctetReader } from './octet-reader.js';
import { PduError } from './pdu-error.js';

const reader = (hex: string) => new OctetReader(Buffer.from(hex, 'hex'));

describe('encodeAddress', () => {
  // dreamfabric's SMS-SUBMIT example (+46708251358) and python-gsmmodem's
  // TestSmsPduAddressFields (github.com/faucamp/python-gsmmodem, test/test_pdu.py).
  it.each([
    ['+46708251358', '0B916407281553F8'],
    ['+27829135934', '0B917228195339F4'],
    ['+9876543210', '0A918967452301'],
    ['+987654321', '099189674523F1'],
  ])('encodes %s as an international number', (number, hex) => {
    expect(octetsToHex(encodeAddress(number))).toBe(hex);
  });

  it('encodes digits without "+" as a number of unknown type (short codes)', () => {
    expect(octetsToHex(encodeAddress('12345'))).toBe('05812143F5');
  });

  it.each([
    ['an empty number', ''],
    ['a bare "+"', '+'],
    ['a number with spaces', '+46 70 825 13 58'],
    ['a number longer than E.164 allows', '+1234567890123456'],
    ['letters', 'SWITCHBOARD'],
  ])('rejects %s, naming TP-DA', (_name, number) => {
    expect(() => encodeAddress(number)).toThrow(PduError);
    expect(() => encodeAddress(number)).toThrow(/^TP-DA: /);
  });
});

describe('readAddress', () => {
  // python-gsmmodem TestSmsPduAddressFields.
  it.each([
    ['0B917228195339F4', 'international', '+27829135934'],
    ['099189674523F1000000', 'international', '+987654321'],
    ['0AA11092997856', 'national', '0129998765'],
    ['06D061F118', 'alphanumeric', 'abc'],
    ['0ED04669D0397C26A7', 'alphanumeric', 'FRANCOIS'],
    ['14D0E10D6FE3DBA036A94D19', 'alphanumeric', 'a[]{}€'],
  ])('reads %s as %s %j', (hex, kind, value) => {
    expect(readAddress(reader(hex), 'TP-OA')).toMatchObject({ kind, value });
  });

  it('keeps the type-of-address octet and reads dreamfabric\'s subscriber number', () => {
    expect(readAddress(reader('0BC87238880900F1'), 'TP-OA')).toEqual({
      kind: 'subscriber',
      value: '27838890001',
      typeOfAddress: 0xc8,
    });
  });

  it('stops after the address, leaving the next field to read', () => {
    const octets = reader('099189674523F1AB');
    readAddress(octets, 'TP-OA');
    expect(octets.readOctet('next')).toBe(0xab);
  });

  it('names the field and offset when the address is cut short', () => {
    expect(() => readAddress(reader('0B917228'), 'TP-OA')).toThrow(/^TP-OA at octet 2: needs 6 octets but only 2 remain$/);
  });

  it('rejects a length beyond 20 semi-octets', () => {
    expect(() => readAddress(reader('1591'), 'TP-RA')).toThrow(/^TP-RA at octet 0: length 21 exceeds/);
  });

  it('reads a length that counted the final filler as the digits before it', () => {
    // python-gsmmodem's "invalid UDL" SUBMIT announces 12 digits for +60164355246F.
    expect(readAddress(reader('0C910661345542F6'), 'TP-DA').value).toBe('+60164355246');
  });

  it('rejects a filler semi-octet inside the number', () => {
    expect(() => readAddress(reader('0491F121'), 'TP-OA')).toThrow(/^TP-OA at octet 2: semi-octet 2 of 4 is 0xF/);
  });
});

describe('readSmscAddress', () => {
  it('reads "00" as the modem\'s stored SMSC', () => {
    expect(readSmscAddress(reader('00'))).toBeUndefined();
  });

  // dreamfabric's SMS-DELIVER and python-gsmmodem's TestSmsPduSmscFields.
  it.each([
    ['07917283010010F5', '+27381000015'],
    ['06918967452301', '+9876543210'],
    ['069189674523F1', '+987654321'],
  ])('reads %s, whose length counts octets, as %s', (hex, value) => {
    expect(readSmscAddress(reader(hex))).toMatchObject({ kind: 'international', value });
  });
});
