import { describe, expect, it } from 'vitest';
import { PduError } from './pdu-error.js';
import { encodeRelativeValidity, relativeValidityMinutes } from './validity-period.js';

const HOUR = 60;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

describe('relative TP-VP (23.040 §9.2.3.12.1)', () => {
  // python-gsmmodem TestRelativeValidityPeriod (github.com/faucamp/python-gsmmodem), and
  // dreamfabric's SMS-SUBMIT example, whose TP-VP 0xAA is 4 days.
  it.each([
    [30, 5],
    [16 * HOUR, 151],
    [3 * DAY, 169],
    [4 * DAY, 0xaa],
    [5 * WEEK, 197],
  ])('encodes %i minutes as %i and reads it back', (minutes, tpVp) => {
    expect(encodeRelativeValidity(minutes)).toBe(tpVp);
    expect(relativeValidityMinutes(tpVp)).toBe(minutes);
  });

  it.each([
    [0, 5],
    [143, 12 * HOUR],
    [144, 12 * HOUR + 30],
    [167, DAY],
    [168, 2 * DAY],
    [196, 30 * DAY],
    [255, 63 * WEEK],
  ])('reads the range boundary %i as %i minutes', (tpVp, minutes) => {
    expect(relativeValidityMinutes(tpVp)).toBe(minutes);
  });

  it.each([
    ['7 minutes to 5', 7, 5],
    ['13 h 10 min to 13 h', 13 * HOUR + 10, 13 * HOUR],
    ['36 hours to 24 hours', 36 * HOUR, DAY],
    ['34 days to 30 days', 34 * DAY, 30 * DAY],
    ['a year to 52 weeks', 365 * DAY, 52 * WEEK],
    ['ten years to the 63-week maximum', 3650 * DAY, 63 * WEEK],
  ])('rounds %s, never outliving what was asked (or the maximum)', (_name, minutes, expected) => {
    expect(relativeValidityMinutes(encodeRelativeValidity(minutes))).toBe(expected);
  });

  it.each([4, 0, -1, Number.NaN])('rejects %d minutes, naming TP-VP', (minutes) => {
    expect(() => encodeRelativeValidity(minutes)).toThrow(PduError);
    expect(() => encodeRelativeValidity(minutes)).toThrow(/^TP-VP: validity must be at least 5 minutes/);
  });
});
