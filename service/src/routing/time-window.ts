/**
 * Local-time windows for route rules. `Intl` knows every zone's DST rules but costs microseconds
 * per call, far more than a whole routing decision may take; so a zone's UTC offset is computed
 * once per UTC day (and the instant of a change, if the day has one) and then reused.
 */
import type { TimeWindow } from './routing-model.js';
import type { ValidationProblem } from '../shared/validation-problem.js';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** 1970-01-01 was a Thursday. */
const EPOCH_WEEKDAY = 4;
/** Enough days for years of uptime; cleared rather than evicted, since time moves forward. */
const MAX_CACHED_DAYS = 4096;

/** Minutes after midnight for `HH:MM` (00:00–23:59), or `null` when malformed. */
export function parseClockTime(text: string): number | null {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  if (match === null) return null;
  return Number(match[1]) * 60 + Number(match[2]);
}

/** Whether `timeZone` is an IANA zone `Intl` knows. */
export function isTimeZone(timeZone: string): boolean {
  if (timeZone.trim() === '') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** Lists the problems of a time window; fields are relative to the window (`start`, `days[1]`). */
export function validateTimeWindow(window: TimeWindow): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const seen = new Set<number>();
  window.days.forEach((day, index) => {
    if (!Number.isInteger(day) || day < 0 || day > 6) problems.push({ field: `days[${index}]`, reason: 'must be 0 (Sunday) to 6 (Saturday)' });
    else if (seen.has(day)) problems.push({ field: `days[${index}]`, reason: 'is listed twice' });
    seen.add(day);
  });
  if (parseClockTime(window.start) === null) problems.push({ field: 'start', reason: `"${window.start}" must be HH:MM, 00:00 to 23:59` });
  if (parseClockTime(window.end) === null) problems.push({ field: 'end', reason: `"${window.end}" must be HH:MM, 00:00 to 23:59` });
  if (!isTimeZone(window.timeZone)) problems.push({ field: 'timeZone', reason: `"${window.timeZone}" is not an IANA time zone (e.g. Europe/Berlin)` });
  return problems;
}

interface DayOffsets {
  /** Offset (minutes east of UTC) from the start of the UTC day. */
  readonly before: number;
  /** When the offset changes within the day; `Infinity` when it does not. */
  readonly changeAt: number;
  readonly after: number;
}

/** A zone's UTC offset at any instant, memoized per UTC day. */
export class ZoneClock {
  readonly timeZone: string;
  readonly #format: Intl.DateTimeFormat;
  readonly #days = new Map<number, DayOffsets>();

  constructor(timeZone: string) {
    this.timeZone = timeZone;
    this.#format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  /** Minutes east of UTC at `epochMs`. */
  offsetMinutes(epochMs: number): number {
    const day = Math.floor(epochMs / DAY_MS);
    let offsets = this.#days.get(day);
    if (offsets === undefined) {
      offsets = this.#computeDay(day);
      if (this.#days.size >= MAX_CACHED_DAYS) this.#days.clear();
      this.#days.set(day, offsets);
    }
    return epochMs < offsets.changeAt ? offsets.before : offsets.after;
  }

  // Assumes at most one offset change per UTC day, which holds for every zone in the tz database
  // since 1970 (changes are months apart).
  #computeDay(day: number): DayOffsets {
    const start = day * DAY_MS;
    const end = start + DAY_MS;
    const before = this.#intlOffset(start);
    const after = this.#intlOffset(end);
    if (before === after) return { before, changeAt: Infinity, after };
    // Bisect to the minute: changes happen on whole minutes.
    let low = start; // offset === before
    let high = end; // offset === after
    while (high - low > MINUTE_MS) {
      const middle = low + Math.floor((high - low) / 2 / MINUTE_MS) * MINUTE_MS;
      if (this.#intlOffset(middle) === before) low = middle;
      else high = middle;
    }
    return { before, changeAt: high, after };
  }

  #intlOffset(epochMs: number): number {
    const parts: Record<string, number> = {};
    for (const part of this.#format.formatToParts(epochMs)) {
      if (part.type !== 'literal') parts[part.type] = Number(part.value);
    }
    const asUtc = Date.UTC(parts.year ?? 1970, (parts.month ?? 1) - 1, parts.day ?? 1, parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0);
    return Math.round((asUtc - Math.floor(epochMs / 1000) * 1000) / MINUTE_MS);
  }
}

/** A validated window, ready to answer "does it contain this instant?" without `Intl`. */
export class CompiledTimeWindow {
  readonly #clock: ZoneClock;
  /** Bit d set: the window starts on weekday d. */
  readonly #dayMask: number;
  readonly #start: number;
  readonly #end: number;

  /** `clock` must be for `window.timeZone`; share one per zone. The window must be valid. */
  constructor(window: TimeWindow, clock: ZoneClock) {
    this.#clock = clock;
    this.#dayMask = window.days.length === 0 ? 0b1111111 : window.days.reduce((mask, day) => mask | (1 << day), 0);
    this.#start = parseClockTime(window.start) ?? 0;
    this.#end = parseClockTime(window.end) ?? 0;
  }

  /** Whether the local time at `epochMs` falls in the window. */
  contains(epochMs: number): boolean {
    const local = epochMs + this.#clock.offsetMinutes(epochMs) * MINUTE_MS;
    const days = Math.floor(local / DAY_MS);
    const weekday = (((days + EPOCH_WEEKDAY) % 7) + 7) % 7;
    const minute = Math.floor((local - days * DAY_MS) / MINUTE_MS);
    if (this.#start < this.#end) return ((this.#dayMask >> weekday) & 1) === 1 && minute >= this.#start && minute < this.#end;
    // Spans midnight (or, with start === end, a full 24 hours): the part before midnight belongs to
    // today, the part after it to yesterday's window.
    const yesterday = (weekday + 6) % 7;
    return (((this.#dayMask >> weekday) & 1) === 1 && minute >= this.#start) || (((this.#dayMask >> yesterday) & 1) === 1 && minute < this.#end);
  }
}
