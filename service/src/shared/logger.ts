import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * The process logger. Known secret-bearing fields are redacted wherever they appear; phone
 * numbers are logged only through `maskPhoneNumber`, and texts (which hold codes) never.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
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
