import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { InvalidArgumentError } from '../shared/errors.js';
import { maskPhoneNumber } from '../shared/masking.js';

/** A destination that passed validation: E.164 text and the country it belongs to. */
export interface PhoneNumber {
  /** `+` and digits only, e.g. `+4915123456789`. */
  readonly e164: string;
  /** ISO 3166-1 alpha-2 country of the number, e.g. `DE`. */
  readonly country: string;
}

const MAX_INPUT_LENGTH = 32;

/**
 * Validates a destination given in E.164. Numbers must carry their `+` and country code: a
 * national number is ambiguous, and guessing a country sends codes to the wrong person.
 * `field` names the request field in the error.
 */
export function parsePhoneNumber(raw: string, field: string): PhoneNumber {
  const input = raw.trim();
  if (input === '') throw new InvalidArgumentError(field, 'is required (E.164, e.g. +4915123456789)');
  if (input.length > MAX_INPUT_LENGTH) throw new InvalidArgumentError(field, `is longer than ${MAX_INPUT_LENGTH} characters`);
  if (!input.startsWith('+')) {
    throw new InvalidArgumentError(field, 'must be in E.164 form: "+", country code, number (e.g. +4915123456789)');
  }
  if (!/^\+[\d\s\-().]+$/.test(input)) throw new InvalidArgumentError(field, 'may hold only "+" and digits');
  const parsed = parsePhoneNumberFromString(input);
  if (!parsed?.country || !parsed.isValid()) {
    throw new InvalidArgumentError(field, `"${maskPhoneNumber(input)}" is not a valid phone number`);
  }
  return { e164: parsed.number, country: parsed.country };
}
