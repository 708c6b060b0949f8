// The link logs through this small interface so the entry point picks the logger (pino, console)
// and tests can record what was said. Fields are plain values; the link never puts the agent's
// token or an SMS text in them.

/** Structured context for a log line: ids, counts, codes. */
export type LogFields = Readonly<Record<string, string | number | boolean | undefined>>;

/** Where the link reports what it does and what went wrong. */
export interface LinkLogger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}
