/**
 * What the simulators log through: pino's call shape (fields first, then the message), so the
 * standalone mains hand in a pino logger and an embedding process (the demo, a test) its own, or
 * none. The simulators never log message texts, which carry codes.
 */
export interface Logger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** A logger that drops everything, for when the caller passes none. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
