import { describe, expect, it } from 'vitest';
import { OctetReader } from './octet-reader.js';
import { readTimestamp } from './timestamp.js';

const read = (hex: string) => readTimestamp(new OctetReader(Buffer.from(hex, 'hex')), 'TP-SCTS');

describe('readTimestamp', () => {
  it('reads dreamfabric\'s SCTS as 1999-03-29 15:16:59 at UTC+2', () => {
    expect(read('99309251619580')).toEqual({
      year: 1999,
      month: 3,
      day: 29,
      hour: 15,
      minute: 16,
      second: 59,
      utcOffsetMinutes: 120,
      epochMillis: Date.parse('1999-03-29T13:16:59Z'),
    });
  });

  // python-gsmmodem TestTimestamp (github.com/faucamp/python-gsmmodem, test/test_pdu.py).
  it.each([
    ['51117200000000', '2015-11-27T00:00:00Z', 0],
    ['51117200000080', '2015-11-26T22:00:00Z', 120],
    ['70402132522423', '2007-04-12T15:25:42Z', 480],
    ['7040213252242B', '2007-04-13T07:25:42Z', -480],
  ])('reads %s as %s with offset %i minutes', (hex, utc, offset) => {
    const timestamp = read(hex);
    expect(new Date(timestamp.epochMillis).toISOString()).toBe(utc.replace('Z', '.000Z'));
    expect(timestamp.utcOffsetMinutes).toBe(offset);
  });

  it('names the field and the octet of a digit that is not BCD', () => {
    expect(() => read('99A09251619580')).toThrow(/^TP-SCTS at octet 1: 0xa0 is not two BCD digits$/);
  });

  it('rejects a month of 13', () => {
    expect(() => read('99319251619580')).toThrow(/^TP-SCTS at octet 1: month 13 is out of range 1–12$/);
  });

  it('rejects a time stamp cut short', () => {
    expect(() => read('993092516195')).toThrow(/^TP-SCTS at octet 0: needs 7 octets but only 6 remain$/);
  });
});
