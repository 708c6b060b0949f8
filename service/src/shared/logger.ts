import { pino, type Logger as PinoLogger } from 'pino';
import { PinoPretty } from 'pino-pretty';

/**
 * What every component logs through: pino's call shape (fields first, then the message), so the
 * process logger or any child of it fits as is, and a test can hand in a recording one.
 * Message texts are never logged (they carry codes); numbers go through `maskPhoneNumber`.
 */
export interface Logger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** The process logger: a `Logger` that also makes children for components. */
export type ProcessLogger = PinoLogger;

/** A logger that drops everything, for when the caller passes none. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/**
 * The process logger. Known secret-bearing fields are redacted wherever they appear; phone
 * numbers are logged only through `maskPhoneNumber`, and texts (which hold codes) never.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream, format: 'json' | 'pretty' = 'json'): ProcessLogger {
  // Pretty lines are for a person at a terminal (`pnpm start`); written synchronously, in
  // process, so a line is never lost when the demo is stopped.
  const stream =
    format === 'pretty'
      ? PinoPretty({ destination: destination ?? process.stdout, colorize: destination === undefined && process.stdout.isTTY, sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' })
      : destination;
  return pino(
    {
      level,
      base: { service: 'switchboard' },
      redact: {
        paths: ['code', '*.code', 'text', '*.text', 'password', '*.password', 'apiKey', '*.apiKey', 'authorization', '*.authorization', 'credentials', '*.credentials'],
        censor: '[redacted]',
      },
    },
    stream as pino.DestinationStream | undefined,
  );
}
