/**
 * The logger the SMPP provider accepts: pino's call shape, so a pino logger (or child) fits as is.
 * Message text is never logged (it carries verification codes); numbers are masked.
 */
export interface SmppLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** A logger that drops everything, for when the caller passes none. */
export const silentLogger: SmppLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/**
 * Masks a phone number for logs, keeping the country/area prefix and the last two digits
 * (`+4915112345678` → `+49151******78`). Short codes and alphanumeric senders are not personal
 * data and stay readable.
 */
export function maskNumber(address: string): string {
  const match = /^(\+?)(\d+)$/.exec(address);
  if (!match) return address;
  const [, plus = '', digits = ''] = match;
  if (digits.length <= 8) return address;
  const keep = Math.min(5, digits.length - 6);
  return `${plus}${digits.slice(0, keep)}${'*'.repeat(digits.length - keep - 2)}${digits.slice(-2)}`;
}
