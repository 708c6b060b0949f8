/**
 * Price tables: eager validation (every bad row named) and a compiled lookup where the longest
 * matching prefix wins over the country entry.
 */
import { isCountryCode, isCurrencyCode } from './iso-codes.js';
import { PrefixTrie } from './prefix-trie.js';
import type { PriceTable } from './routing-model.js';
import type { ValidationProblem } from '../shared/validation-problem.js';

/** E.164 allows at most 15 digits, so a longer prefix can never match. */
const MAX_PREFIX_DIGITS = 15;

/** Lists every problem of a price table; empty when it is valid. Fields are `entries[i].price` etc. */
export function validatePriceTable(table: PriceTable): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  if (table.provider.trim() === '') problems.push({ field: 'provider', reason: 'is required' });
  if (!isCurrencyCode(table.currency)) {
    problems.push({ field: 'currency', reason: `"${table.currency}" is not an ISO 4217 currency code (e.g. EUR)` });
  }
  const seenCountries = new Map<string, number>();
  const seenPrefixes = new Map<string, number>();
  table.entries.forEach((entry, index) => {
    const at = `entries[${index}]`;
    const hasCountry = entry.country !== undefined && entry.country !== '';
    const hasPrefix = entry.prefix !== undefined && entry.prefix !== '';
    if (hasCountry === hasPrefix) {
      problems.push({ field: at, reason: hasCountry ? 'give a country or a prefix, not both' : 'give a country or a prefix' });
    }
    if (hasCountry) {
      const country = entry.country ?? '';
      const first = seenCountries.get(country);
      if (!isCountryCode(country)) {
        problems.push({ field: `${at}.country`, reason: `"${country}" is not an ISO 3166-1 alpha-2 country code (e.g. DE)` });
      } else if (first !== undefined) {
        problems.push({ field: `${at}.country`, reason: `duplicates entries[${first}]` });
      } else {
        seenCountries.set(country, index);
      }
    }
    if (hasPrefix) {
      const prefix = entry.prefix ?? '';
      const first = seenPrefixes.get(prefix);
      if (!/^\d+$/.test(prefix)) {
        problems.push({ field: `${at}.prefix`, reason: `"${prefix}" must be digits only (E.164 without "+")` });
      } else if (prefix.length > MAX_PREFIX_DIGITS) {
        problems.push({ field: `${at}.prefix`, reason: `must be at most ${MAX_PREFIX_DIGITS} digits` });
      } else if (first !== undefined) {
        problems.push({ field: `${at}.prefix`, reason: `duplicates entries[${first}]` });
      } else {
        seenPrefixes.set(prefix, index);
      }
    }
    if (!Number.isFinite(entry.price) || entry.price < 0) {
      problems.push({ field: `${at}.price`, reason: 'must be a non-negative number' });
    }
  });
  return problems;
}

/** A price table ready for lookups, with prices already converted to the routing currency. */
export class PriceLookup {
  readonly #prefixes = new PrefixTrie<number>();
  readonly #countries = new Map<string, number>();

  /**
   * Builds the lookup; `rate` converts the table's currency into the routing currency. The table
   * must be valid ({@link validatePriceTable}).
   */
  constructor(table: PriceTable, rate: number) {
    for (const entry of table.entries) {
      if (entry.prefix !== undefined && entry.prefix !== '') this.#prefixes.set(entry.prefix, entry.price * rate);
      else if (entry.country !== undefined) this.#countries.set(entry.country, entry.price * rate);
    }
  }

  /**
   * Price of one part to `digits[start..]` (E.164 digits) in `country`: the longest prefix, else the
   * country entry, else `undefined`.
   */
  priceFor(digits: string, start: number, country: string): number | undefined {
    return this.#prefixes.longestMatch(digits, start) ?? this.#countries.get(country);
  }
}
