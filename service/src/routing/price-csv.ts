/**
 * Price tables as CSV, the format carriers send their rate sheets in: header `country,prefix,price`
 * (any column order on import), one row per country or prefix, the currency given separately
 * because rate sheets put it in the file name or the e-mail, not in a column. Reading is
 * csv-parse's (RFC 4180 quoting, byte-order marks); a sheet saved by a European spreadsheet,
 * separated by ";" or tabs with decimal commas, is read as well.
 */
import { CsvError, parse } from 'csv-parse/sync';
import { validatePriceTable } from './price-table.js';
import type { PriceEntry, PriceTable } from './routing-model.js';

/** The columns, in the order export writes them. */
export const PRICE_CSV_COLUMNS = ['country', 'prefix', 'price'] as const;

/** A column of the price CSV. */
export type PriceCsvColumn = (typeof PRICE_CSV_COLUMNS)[number];

/**
 * Something wrong in the file, at a 1-based line (the header is line 1) and, if known, a column.
 * Line 0 means the separately given provider or currency, not a line of the file.
 */
export interface PriceCsvProblem {
  readonly line: number;
  readonly column: PriceCsvColumn | null;
  readonly reason: string;
}

/** The outcome of parsing: a valid table, or every problem found. */
export type PriceCsvResult = { readonly ok: true; readonly table: PriceTable } | { readonly ok: false; readonly problems: readonly PriceCsvProblem[] };

/** `line 3, column price: must be …`. */
export function formatPriceCsvProblem(problem: PriceCsvProblem): string {
  return `line ${problem.line}${problem.column ? `, column ${problem.column}` : ''}: ${problem.reason}`;
}

/**
 * Parses a price CSV for `provider` in `currency`. Blank lines are ignored; quoted fields are
 * accepted because spreadsheets quote freely. All problems are reported, not just the first, so an
 * admin can fix a rate sheet in one go.
 */
export function parsePriceCsv(text: string, meta: { readonly provider: string; readonly currency: string }): PriceCsvResult {
  const problems: PriceCsvProblem[] = [];
  let columnIndex: Record<PriceCsvColumn, number> | null = null;
  const entries: PriceEntry[] = [];
  const entryLines: number[] = [];
  const delimiter = delimiterOf(text);
  // With "," between fields a decimal comma cannot be told from a separator; with ";" or a tab it can.
  const decimal = delimiter === ',' ? /^\d+(\.\d+)?([eE][-+]?\d+)?$/ : /^\d+([.,]\d+)?([eE][-+]?\d+)?$/;

  for (const { record: fields, line } of readRecords(text, delimiter, problems)) {
    if (columnIndex === null) {
      columnIndex = readHeader(fields, line, problems);
      if (columnIndex === null) break;
      continue;
    }
    if (fields.length !== PRICE_CSV_COLUMNS.length) {
      problems.push({ line, column: null, reason: `expected ${PRICE_CSV_COLUMNS.length} fields, found ${fields.length}` });
      continue;
    }
    const country = (fields[columnIndex.country] ?? '').trim();
    const prefix = (fields[columnIndex.prefix] ?? '').trim();
    const priceText = (fields[columnIndex.price] ?? '').trim();
    if (country === '' && prefix === '') {
      problems.push({ line, column: null, reason: 'give a country or a prefix' });
      continue;
    }
    if (country !== '' && prefix !== '') {
      problems.push({ line, column: null, reason: 'give a country or a prefix, not both' });
      continue;
    }
    if (!decimal.test(priceText)) {
      const point = delimiter === ',' ? 'use "." as decimal point' : 'use "." or "," as decimal point';
      problems.push({ line, column: 'price', reason: `"${priceText}" is not a non-negative decimal number (${point})` });
      continue;
    }
    const price = Number(priceText.replace(',', '.'));
    entries.push(country !== '' ? { country, price } : { prefix, price });
    entryLines.push(line);
  }
  if (columnIndex === null && problems.length === 0) problems.push({ line: 1, column: null, reason: 'the file is empty; expected the header first' });

  const table: PriceTable = { provider: meta.provider, currency: meta.currency, entries };
  // Row-level rules (country codes, digits, duplicates) live in validatePriceTable; map its
  // `entries[i].column` fields back to file lines.
  for (const problem of validatePriceTable(table)) {
    const row = /^entries\[(\d+)\](?:\.(\w+))?$/.exec(problem.field);
    if (row === null) {
      problems.push({ line: 0, column: null, reason: `${problem.field}: ${problem.reason}` });
      continue;
    }
    const entryIndex = Number(row[1]);
    const column = PRICE_CSV_COLUMNS.find((name) => name === row[2]) ?? null;
    const reason = problem.reason.replace(/entries\[(\d+)\]/g, (_match, other: string) => `line ${entryLines[Number(other)] ?? '?'}`);
    problems.push({ line: entryLines[entryIndex] ?? 0, column, reason });
  }
  if (problems.length > 0) return { ok: false, problems: problems.sort((a, b) => a.line - b.line) };
  return { ok: true, table };
}

/** Writes a price table as CSV (header, rows in table order, `\n` line ends). */
export function formatPriceCsv(table: PriceTable): string {
  const rows = table.entries.map((entry) => `${entry.country ?? ''},${entry.prefix ?? ''},${String(entry.price)}`);
  return [PRICE_CSV_COLUMNS.join(','), ...rows].join('\n') + '\n';
}

function readHeader(fields: readonly string[], line: number, problems: PriceCsvProblem[]): Record<PriceCsvColumn, number> | null {
  const names = fields.map((field) => field.trim().toLowerCase());
  const index = { country: names.indexOf('country'), prefix: names.indexOf('prefix'), price: names.indexOf('price') };
  const missing = PRICE_CSV_COLUMNS.filter((column) => index[column] === -1);
  const extra = names.filter((name) => !(PRICE_CSV_COLUMNS as readonly string[]).includes(name));
  if (missing.length > 0 || extra.length > 0 || names.length !== PRICE_CSV_COLUMNS.length) {
    problems.push({ line, column: null, reason: `the header must be "${PRICE_CSV_COLUMNS.join(',')}", found "${fields.join(',')}"` });
    return null;
  }
  return index;
}

/**
 * The separator the header uses: ",", or ";" or a tab as spreadsheets in many locales save CSV.
 * Decided on the header alone, so a decimal comma further down cannot change it.
 */
function delimiterOf(text: string): ',' | ';' | '\t' {
  const header = text.replace(/^\uFEFF/, '').split(/\r?\n/).find((line) => line.trim() !== '') ?? '';
  const unquoted = header.replace(/"[^"]*"/g, '');
  const count = (separator: string) => unquoted.split(separator).length - 1;
  if (count(',') === 0 && count(';') > 0) return ';';
  if (count(',') === 0 && count('\t') > 0) return '\t';
  return ',';
}

/** Each non-blank record with the line it is on; a quote never closed is a problem at its line. */
function readRecords(text: string, delimiter: string, problems: PriceCsvProblem[]): { record: string[]; line: number }[] {
  const records: { record: string[]; line: number }[] = [];
  try {
    parse(text, {
      bom: true,
      delimiter,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
      on_record: (record, context) => {
        records.push({ record, line: context.lines });
        return record;
      },
    });
    return records;
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    // csv-parse stops at the end of the input; the quote opened on the line after the last record.
    const line = (records.at(-1)?.line ?? 0) + 1;
    problems.push({ line, column: null, reason: error.code === 'CSV_QUOTE_NOT_CLOSED' ? 'unterminated quoted field' : error.message });
    return [];
  }
}
