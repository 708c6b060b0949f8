import type { Logger } from './logger.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** One call a recording logger received. */
export interface LogEntry {
  readonly level: LogLevel;
  readonly obj: object;
  readonly msg: string;
}

/** A logger for tests that remembers every call, in order; `at(level)` picks one level's. */
export function recordingLogger(): Logger & { readonly entries: LogEntry[]; at(level: LogLevel): { obj: object; msg: string }[] } {
  const entries: LogEntry[] = [];
  const record = (level: LogLevel) => (obj: object, msg: string) => {
    entries.push({ level, obj, msg });
  };
  return {
    entries,
    at: (level) => entries.filter((entry) => entry.level === level).map(({ obj, msg }) => ({ obj, msg })),
    debug: record('debug'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
  };
}
