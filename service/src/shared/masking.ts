/**
 * Hides the middle of a phone number for logs and errors: `+4915123456789` → `+491********89`.
 * One rule for every number the service logs (recipients, SMPP addresses, numbers inside a
 * provider's response): formatting is dropped, the start and the last two digits stay, and at
 * least one digit is always hidden, however short the number. Alphanumeric sender ids (`Acme`)
 * are not personal data and stay readable.
 */
export function maskPhoneNumber(number: string): string {
  if (/[a-z]/i.test(number)) return number;
  const compact = number.replace(/[^\d+]/g, '');
  const keepStart = Math.min(5, Math.floor(compact.length / 3));
  const keepEnd = Math.min(2, Math.max(0, compact.length - keepStart - 1));
  return compact.slice(0, keepStart) + '*'.repeat(compact.length - keepStart - keepEnd) + compact.slice(compact.length - keepEnd);
}
