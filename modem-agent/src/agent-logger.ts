// The agent's log: JSON lines on stdout, one object per event, which journald (or any shipper)
// keeps as they are. Parts of the agent log through small interfaces of their own (message,
// fields); this adapts pino to them. Nothing here masks: callers never pass a token or a text.
import { pino, type Logger as Pino } from 'pino';
import type { LogLevel } from './config.js';

export type LogFields = Readonly<Record<string, string | number | boolean | undefined>>;

/** What every part of the agent logs through. */
export interface AgentLogger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export function createAgentLogger(level: LogLevel, context: Readonly<Record<string, string>>, destination?: NodeJS.WritableStream): AgentLogger {
  const base: Pino = pino({ level, base: { ...context }, timestamp: pino.stdTimeFunctions.isoTime }, destination ?? pino.destination({ sync: false }));
  return {
    debug: (message, fields) => { base.debug(fields ?? {}, message); },
    info: (message, fields) => { base.info(fields ?? {}, message); },
    warn: (message, fields) => { base.warn(fields ?? {}, message); },
    error: (message, fields) => { base.error(fields ?? {}, message); },
  };
}
