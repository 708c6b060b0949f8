import { pino, type Logger as PinoLogger } from 'pino';

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
export function createLogger(level: string, destination?: NodeJS.WritableStream): ProcessLogger {
  return pino(
    {
      level,
      base: { service: 'switchboard' },
      redact: {
        paths: ['code', '*.code', 'text', '*.text', 'password', '*.password', 'apiKey', '*.apiKey', 'authorization', '*.authorization', 'credentials', '*.credentials'],
        censor: '[redacted]',
      },
    },
    destination as pino.DestinationStream | undefined,
  );
}
