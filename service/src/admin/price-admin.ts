/** AdminService: a provider's price table, set whole, or imported and exported as CSV. */
import { MICROS } from '../shared/money.js';
import { formatPriceCsv, formatPriceCsvProblem, parsePriceCsv } from '../routing/price-csv.js';
import { validatePriceTable } from '../routing/price-table.js';
import type { ValidationProblem } from '../shared/validation-problem.js';
import { InvalidArgumentError } from '../shared/errors.js';
import { assertValid, invalidArgument, toProtoProblems } from './admin-problems.js';
import type { PriceCsv, PriceEntryMicros, PriceTableMicros } from './admin-model.js';
import type { AdminContext } from './admin-context.js';

/** Audit records keep whole price tables only up to this size; rate sheets can hold 100,000 rows. */
const AUDITED_PRICE_ENTRIES = 1_000;

/** Price tables as admins edit them (integer micros of the table's currency). */
export class PriceAdmin {
  readonly #ctx: AdminContext;

  constructor(ctx: AdminContext) {
    this.#ctx = ctx;
  }

  /** A provider's price table (no entries when none were set). */
  async get(provider: string): Promise<PriceTableMicros> {
    const reads = this.#ctx.read();
    const stored = await this.#ctx.provider(reads, provider, 'provider');
    return { provider, currency: stored.priceCurrency, entries: await reads.priceEntries(stored.id) };
  }

  /** Replaces a provider's price table. */
  async set(actor: string, table: PriceTableMicros): Promise<PriceTableMicros> {
    assertValid(toProtoProblems('price_table.', priceTableProblems(table)));
    return this.#store(actor, 'price_table.set', normalizeEntries(table), 'price_table.provider');
  }

  /**
   * Replaces a provider's price table from CSV; every problem names its line.
   * @returns the number of entries stored.
   */
  async importCsv(actor: string, input: { provider: string; currency: string; csv: string }): Promise<number> {
    if (input.provider === '') throw new InvalidArgumentError('provider', 'is required');
    const parsed = parsePriceCsv(input.csv, { provider: input.provider, currency: input.currency });
    if (!parsed.ok) {
      throw invalidArgument(
        parsed.problems.map((problem) => {
          // Line 0 is the separately given provider or currency (`currency: …`), not the file.
          const field = problem.line === 0 ? (/^(provider|currency):/.exec(problem.reason)?.[1] ?? 'csv') : 'csv';
          return { field, reason: problem.line === 0 ? problem.reason.replace(/^(provider|currency):\s*/, '') : formatPriceCsvProblem(problem) };
        }),
      );
    }
    const table: PriceTableMicros = {
      provider: input.provider,
      currency: input.currency,
      // Rate sheets give decimals; storage keeps integer micros (a millionth of the unit).
      entries: parsed.table.entries.map((entry) => ({ country: entry.country ?? null, prefix: entry.prefix ?? null, priceMicros: Math.round(entry.price * MICROS) })),
    };
    assertValid(toProtoProblems('', priceTableProblems(table)).map((problem) => ({ ...problem, field: problem.field.startsWith('entries') ? 'csv' : problem.field })));
    const stored = await this.#store(actor, 'price_table.import', table, 'provider');
    return stored.entries.length;
  }

  /** A provider's price table as CSV (`country,prefix,price`, prices as decimals). */
  async exportCsv(provider: string): Promise<PriceCsv> {
    const table = await this.get(provider);
    const csv = formatPriceCsv({
      provider,
      currency: table.currency,
      entries: table.entries.map((entry) => ({ ...(entry.prefix !== null ? { prefix: entry.prefix } : { country: entry.country ?? '' }), price: entry.priceMicros / MICROS })),
    });
    return { currency: table.currency, csv };
  }

  async #store(actor: string, action: string, table: PriceTableMicros, providerField: string): Promise<PriceTableMicros> {
    return this.#ctx.change(actor, async (change) => {
      const stored = await this.#ctx.provider(change, table.provider, providerField);
      const before = { currency: stored.priceCurrency, entries: await change.priceEntries(stored.id) };
      await change.replacePriceEntries(stored.id, table.entries);
      await change.updateProvider(stored.id, { priceCurrency: table.currency, updatedAt: this.#ctx.now() });
      await change.audit(action, table.provider, priceAudit(table.provider, before.currency, before.entries), priceAudit(table.provider, table.currency, table.entries));
      await change.announce(`${action} ${table.provider}`);
      return { provider: table.provider, currency: table.currency, entries: await change.priceEntries(stored.id) };
    });
  }
}

function priceAudit(provider: string, currency: string, entries: readonly PriceEntryMicros[]): object {
  if (entries.length > AUDITED_PRICE_ENTRIES) return { provider, currency, entryCount: entries.length, entriesOmitted: true };
  return { provider, currency, entryCount: entries.length, entries };
}

function priceTableProblems(table: PriceTableMicros): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  table.entries.forEach((entry, index) => {
    if (!Number.isSafeInteger(entry.priceMicros) || entry.priceMicros < 0) problems.push({ field: `entries[${index}].priceMicros`, reason: 'must be a whole number of micros, at least 0' });
  });
  const domain = {
    provider: table.provider,
    currency: table.currency,
    entries: table.entries.map((entry) => ({ country: entry.country ?? '', prefix: entry.prefix ?? '', price: entry.priceMicros / MICROS })),
  };
  // validatePriceTable names `price`; the API's field is `price_micros`, already checked above.
  problems.push(...validatePriceTable(domain).filter((problem) => !problem.field.endsWith('.price')));
  return problems.sort((a, b) => fieldOrder(a.field) - fieldOrder(b.field));
}

function fieldOrder(field: string): number {
  const entry = /^entries\[(\d+)\]/.exec(field);
  if (entry) return 2 + Number(entry[1]);
  return field === 'provider' ? 0 : 1;
}

function normalizeEntries(table: PriceTableMicros): PriceTableMicros {
  return {
    ...table,
    entries: table.entries.map((entry) => ({
      country: entry.country === '' ? null : entry.country,
      prefix: entry.prefix === '' ? null : entry.prefix,
      priceMicros: entry.priceMicros,
    })),
  };
}
