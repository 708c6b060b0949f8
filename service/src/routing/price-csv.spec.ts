import { describe, expect, it } from 'vitest';
import { formatPriceCsv, formatPriceCsvProblem, parsePriceCsv } from './price-csv.js';
import type { PriceTable } from './routing-model.js';

const meta = { provider: 'alpha', currency: 'EUR' };

describe('parsePriceCsv', () => {
  it('reads country and prefix rows', () => {
    expect(parsePriceCsv('country,prefix,price\nDE,,0.05\n,4915,0.021\n', meta)).toEqual({
      ok: true,
      table: { provider: 'alpha', currency: 'EUR', entries: [{ country: 'DE', price: 0.05 }, { prefix: '4915', price: 0.021 }] },
    });
  });

  it('accepts CRLF, a byte-order mark, blank lines, quotes, spaces and any column order', () => {
    const result = parsePriceCsv('\uFEFF Price , Prefix,COUNTRY\r\n\r\n"0.05",,"DE"\r\n 0.02 , 4915 ,\r\n', meta);
    expect(result).toEqual({ ok: true, table: { ...meta, entries: [{ country: 'DE', price: 0.05 }, { prefix: '4915', price: 0.02 }] } });
  });

  it.each([
    { separator: ';', text: 'country;prefix;price\nDE;;0,05\n;4915;0.021\n' },
    { separator: 'tab', text: 'country\tprefix\tprice\nDE\t\t0,05\n\t4915\t0.021\n' },
  ])('reads a sheet separated by $separator, with decimal commas', ({ text }) => {
    expect(parsePriceCsv(text, meta)).toEqual({ ok: true, table: { ...meta, entries: [{ country: 'DE', price: 0.05 }, { prefix: '4915', price: 0.021 }] } });
  });

  it('takes a quoted field over several lines as one field, and names the next record by its own line', () => {
    const result = parsePriceCsv('country,prefix,price\nDE,,0.05\n"A\nT",,1\nXX,,1\n', meta);
    expect(result.ok ? [] : result.problems.map((problem) => problem.line)).toEqual([4, 5]);
  });

  it.each([
    { why: 'a wrong header', text: 'land,prefix,price\nDE,,1\n', line: 1, column: null, reason: 'the header must be "country,prefix,price", found "land,prefix,price"' },
    { why: 'a decimal point typed twice in a ";" sheet', text: 'country;prefix;price\nDE;;0,0,5\n', line: 2, column: 'price', reason: '"0,0,5" is not a non-negative decimal number (use "." or "," as decimal point)' },
    { why: 'an empty file', text: '\n\n', line: 1, column: null, reason: 'the file is empty; expected the header first' },
    { why: 'a missing field', text: 'country,prefix,price\nDE,,1\nAT,2\n', line: 3, column: null, reason: 'expected 3 fields, found 2' },
    { why: 'neither country nor prefix', text: 'country,prefix,price\n,,0.1\n', line: 2, column: null, reason: 'give a country or a prefix' },
    { why: 'both country and prefix', text: 'country,prefix,price\nDE,49,0.1\n', line: 2, column: null, reason: 'give a country or a prefix, not both' },
    { why: 'a decimal comma', text: 'country,prefix,price\n\n"DE",,"0,05"\n', line: 3, column: 'price', reason: '"0,05" is not a non-negative decimal number (use "." as decimal point)' },
    { why: 'a negative price', text: 'country,prefix,price\nDE,,-1\n', line: 2, column: 'price', reason: '"-1" is not a non-negative decimal number (use "." as decimal point)' },
    { why: 'a bad country code', text: 'country,prefix,price\nDE,,1\nXX,,1\n', line: 3, column: 'country', reason: '"XX" is not an ISO 3166-1 alpha-2 country code (e.g. DE)' },
    { why: 'a non-digit prefix', text: 'country,prefix,price\n,+49,1\n', line: 2, column: 'prefix', reason: '"+49" must be digits only (E.164 without "+")' },
    { why: 'a duplicate prefix, naming the first line', text: 'country,prefix,price\n,49,1\nAT,,1\n,49,2\n', line: 4, column: 'prefix', reason: 'duplicates line 2' },
    { why: 'an unterminated quote', text: 'country,prefix,price\n"DE,,1\n', line: 2, column: null, reason: 'unterminated quoted field' },
  ])('reports $why with its line and column', ({ text, line, column, reason }) => {
    const result = parsePriceCsv(text, meta);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems).toContainEqual({ line, column, reason });
  });

  it('reports every bad row, in line order, and a bad currency at line 0', () => {
    const result = parsePriceCsv('country,prefix,price\nXX,,1\n,4a,1\nDE,,x\n', { provider: 'alpha', currency: 'eur' });
    expect(result.ok ? [] : result.problems.map(formatPriceCsvProblem)).toEqual([
      'line 0: currency: "eur" is not an ISO 4217 currency code (e.g. EUR)',
      'line 2, column country: "XX" is not an ISO 3166-1 alpha-2 country code (e.g. DE)',
      'line 3, column prefix: "4a" must be digits only (E.164 without "+")',
      'line 4, column price: "x" is not a non-negative decimal number (use "." as decimal point)',
    ]);
  });
});

describe('formatPriceCsv', () => {
  const table: PriceTable = {
    provider: 'alpha',
    currency: 'USD',
    entries: [
      { country: 'DE', price: 0.05 },
      { prefix: '4915', price: 0.021 },
      { country: 'US', price: 0.0079 },
      { prefix: '1201', price: 0 },
      { prefix: '44', price: 1e-7 },
      { prefix: '33', price: 0.1 + 0.2 },
    ],
  };

  it('writes the header and one row per entry', () => {
    expect(formatPriceCsv({ ...table, entries: table.entries.slice(0, 2) })).toBe('country,prefix,price\nDE,,0.05\n,4915,0.021\n');
  });

  it('round-trips through parsePriceCsv exactly, float noise and tiny prices included', () => {
    expect(parsePriceCsv(formatPriceCsv(table), { provider: table.provider, currency: table.currency })).toEqual({ ok: true, table });
  });
});
