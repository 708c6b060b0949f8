/**
 * Checks of ISO country and currency codes against the ICU data Node ships, so a typo like `GE`
 * for Germany still passes (it is Georgia) but `XX` or `EUROS` do not.
 */

const regionNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
// CLDR names these, but no phone number belongs to them.
const NOT_COUNTRIES = new Set(['EU', 'EZ', 'UN', 'QO', 'ZZ']);
const knownCountries = new Map<string, boolean>();
const currencies = new Set(Intl.supportedValuesOf('currency'));

/** Whether `code` is an ISO 3166-1 alpha-2 code a phone number can belong to (upper case). */
export function isCountryCode(code: string): boolean {
  const known = knownCountries.get(code);
  if (known !== undefined) return known;
  const valid = /^[A-Z]{2}$/.test(code) && !NOT_COUNTRIES.has(code) && regionNames.of(code) !== undefined;
  knownCountries.set(code, valid);
  return valid;
}

/** Whether `code` is an ISO 4217 currency code (upper case) that ICU knows. */
export function isCurrencyCode(code: string): boolean {
  return /^[A-Z]{3}$/.test(code) && currencies.has(code);
}
