import { describe, expect, it } from 'vitest';
import type { TimeWindow } from './routing-model.js';
import { CompiledTimeWindow, ZoneClock, parseClockTime, validateTimeWindow } from './time-window.js';

function window(overrides: Partial<TimeWindow> = {}): CompiledTimeWindow {
  const spec: TimeWindow = { days: [], start: '09:00', end: '17:00', timeZone: 'UTC', ...overrides };
  return new CompiledTimeWindow(spec, new ZoneClock(spec.timeZone));
}

/** 2024-06-14 is a Friday. */
const utc = (day: number, hour: number, minute = 0) => Date.UTC(2024, 5, day, hour, minute);

describe('CompiledTimeWindow', () => {
  it.each([
    { why: 'the start minute is inside', at: utc(14, 9, 0), inside: true },
    { why: 'the minute before the start is outside', at: utc(14, 8, 59), inside: false },
    { why: 'the last minute is inside', at: utc(14, 16, 59), inside: true },
    { why: 'the end minute is outside (end is exclusive)', at: utc(14, 17, 0), inside: false },
  ])('same-day window: $why', ({ at, inside }) => {
    expect(window().contains(at)).toBe(inside);
  });

  it.each([
    { why: 'a listed day inside hours', at: utc(14, 12), inside: true }, // Friday
    { why: 'an unlisted day inside hours', at: utc(15, 12), inside: false }, // Saturday
  ])('day filter: $why', ({ at, inside }) => {
    expect(window({ days: [1, 2, 3, 4, 5] }).contains(at)).toBe(inside);
  });

  // Friday 22:00 – Saturday 06:00, listed on Friday only: the night belongs to the day it starts.
  it.each([
    { why: 'Friday 23:00 is inside', at: utc(14, 23), inside: true },
    { why: 'Saturday 03:00 (after midnight of Friday night) is inside', at: utc(15, 3), inside: true },
    { why: 'Saturday 06:00 (the end) is outside', at: utc(15, 6), inside: false },
    { why: 'Saturday 22:30 (Saturday is not listed) is outside', at: utc(15, 22, 30), inside: false },
    { why: 'Friday 05:00 (Thursday night is not listed) is outside', at: utc(14, 5), inside: false },
    { why: 'Friday 12:00 (between end and start) is outside', at: utc(14, 12), inside: false },
  ])('window spanning midnight: $why', ({ at, inside }) => {
    expect(window({ days: [5], start: '22:00', end: '06:00' }).contains(at)).toBe(inside);
  });

  it('treats equal start and end as 24 hours from the start', () => {
    const allDay = window({ days: [5], start: '00:00', end: '00:00' });
    expect(allDay.contains(utc(14, 0))).toBe(true);
    expect(allDay.contains(utc(14, 23, 59))).toBe(true);
    expect(allDay.contains(utc(15, 0))).toBe(false);
  });

  it.each([
    // Berlin: CET (UTC+1) until 31 March 2024 01:00 UTC, then CEST (UTC+2).
    { why: 'winter 08:30 UTC is 09:30 CET, inside', at: Date.UTC(2024, 2, 29, 8, 30), inside: true },
    { why: 'winter 07:30 UTC is 08:30 CET, outside', at: Date.UTC(2024, 2, 29, 7, 30), inside: false },
    { why: 'summer 07:30 UTC is 09:30 CEST, inside', at: Date.UTC(2024, 3, 2, 7, 30), inside: true },
    { why: 'summer 15:30 UTC is 17:30 CEST, outside', at: Date.UTC(2024, 3, 2, 15, 30), inside: false },
  ])('follows daylight saving time in Europe/Berlin: $why', ({ at, inside }) => {
    expect(window({ timeZone: 'Europe/Berlin' }).contains(at)).toBe(inside);
  });

  it('switches offset at the exact minute of the change, within the day', () => {
    // Sunday 31 March 2024, 03:00–04:00 local; clocks jump 02:00 CET → 03:00 CEST at 01:00 UTC.
    const early = window({ days: [0], start: '03:00', end: '04:00', timeZone: 'Europe/Berlin' });
    expect(early.contains(Date.UTC(2024, 2, 31, 0, 59))).toBe(false); // 01:59 CET
    expect(early.contains(Date.UTC(2024, 2, 31, 1, 0))).toBe(true); // 03:00 CEST
    expect(early.contains(Date.UTC(2024, 2, 31, 1, 59))).toBe(true); // 03:59 CEST
    expect(early.contains(Date.UTC(2024, 2, 31, 2, 0))).toBe(false); // 04:00 CEST
  });

  it('handles a zone with a half-hour offset and the southern hemisphere', () => {
    expect(window({ timeZone: 'Asia/Kolkata' }).contains(Date.UTC(2024, 5, 14, 3, 30))).toBe(true); // 09:00 IST
    expect(window({ timeZone: 'Asia/Kolkata' }).contains(Date.UTC(2024, 5, 14, 3, 29))).toBe(false);
    // Sydney is UTC+11 in January (daylight time), UTC+10 in June.
    expect(window({ timeZone: 'Australia/Sydney' }).contains(Date.UTC(2024, 0, 10, 22, 0))).toBe(true); // 09:00 AEDT
    expect(window({ timeZone: 'Australia/Sydney' }).contains(Date.UTC(2024, 5, 10, 22, 0))).toBe(false); // 08:00 AEST
  });
});

describe('ZoneClock', () => {
  it.each([
    { zone: 'Europe/Berlin', at: Date.UTC(2024, 0, 15), offset: 60 },
    { zone: 'Europe/Berlin', at: Date.UTC(2024, 6, 15), offset: 120 },
    { zone: 'America/New_York', at: Date.UTC(2024, 10, 3, 5, 59), offset: -240 },
    { zone: 'America/New_York', at: Date.UTC(2024, 10, 3, 6, 0), offset: -300 },
    { zone: 'Asia/Kathmandu', at: Date.UTC(2024, 0, 1), offset: 345 },
  ])('$zone is $offset minutes from UTC at $at', ({ zone, at, offset }) => {
    expect(new ZoneClock(zone).offsetMinutes(at)).toBe(offset);
  });
});

describe('validateTimeWindow / parseClockTime', () => {
  it.each([
    ['00:00', 0],
    ['23:59', 1439],
    ['24:00', null],
    ['9:00', null],
    ['12:60', null],
  ])('parses %s as %s', (text, minutes) => {
    expect(parseClockTime(text)).toBe(minutes);
  });

  it('names every bad field', () => {
    expect(validateTimeWindow({ days: [1, 7, 1], start: '25:00', end: '8am', timeZone: 'Mars/Olympus' })).toEqual([
      { field: 'days[1]', reason: 'must be 0 (Sunday) to 6 (Saturday)' },
      { field: 'days[2]', reason: 'is listed twice' },
      { field: 'start', reason: '"25:00" must be HH:MM, 00:00 to 23:59' },
      { field: 'end', reason: '"8am" must be HH:MM, 00:00 to 23:59' },
      { field: 'timeZone', reason: '"Mars/Olympus" is not an IANA time zone (e.g. Europe/Berlin)' },
    ]);
  });

  it('accepts a valid window', () => {
    expect(validateTimeWindow({ days: [0, 6], start: '22:00', end: '06:00', timeZone: 'Europe/Berlin' })).toEqual([]);
  });
});
