/**
 * Phone numbers in the simulators' logs: only the first digits (country and network) and the
 * last two stay readable, `+4915112345678` → `+4915*******78`. Names used as sender ids (`Acme`)
 * are no personal data and stay as they are.
 */
export function maskNumber(value: string): string {
  if (!/^\+?[\d\s()./-]+$/.test(value)) return value;
  const digits = value.replace(/[^\d]/g, '');
  const plus = value.trimStart().startsWith('+') ? '+' : '';
  // Short codes and short numbers still hide at least half their digits.
  const shown = Math.min(4, Math.floor(digits.length / 3));
  const tail = digits.length > 6 ? 2 : 0;
  return plus + digits.slice(0, shown) + '*'.repeat(digits.length - shown - tail) + digits.slice(digits.length - tail);
}
