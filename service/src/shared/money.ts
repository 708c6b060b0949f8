/** Prices and costs travel as integer millionths of a currency unit, so sums never drift. */
export const MICROS = 1_000_000;
