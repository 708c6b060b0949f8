import { describe, expect, it } from 'vitest';
import { PriceLookup, validatePriceTable } from './price-table.js';
import type { PriceTable } from './routing-model.js';

function table(entries: PriceTable['entries'], overrides: Partial<PriceTable> = {}): PriceTable {
  return { provider: 'alpha', currency: 'EUR', entries, ...overrides };
}

describe('validatePriceTable', () => {
  it('accepts a valid table', () => {
    expect(validatePriceTable(table([{ country: 'DE', price: 0.05 }, { prefix: '4915', price: 0 }]))).toEqual([]);
  });

  it.each([
    { why: 'missing provider', t: table([], { provider: '' }), field: 'provider', reason: 'is required' },
    { why: 'bad currency', t: table([], { currency: 'EURO' }), field: 'currency', reason: '"EURO" is not an ISO 4217 currency code (e.g. EUR)' },
    { why: 'bad country code', t: table([{ country: 'DE', price: 1 }, { country: 'Germany', price: 1 }]), field: 'entries[1].country', reason: '"Germany" is not an ISO 3166-1 alpha-2 country code (e.g. DE)' },
    { why: 'unassigned country code', t: table([{ country: 'XX', price: 1 }]), field: 'entries[0].country', reason: '"XX" is not an ISO 3166-1 alpha-2 country code (e.g. DE)' },
    { why: 'non-digit prefix', t: table([{ prefix: '49-151', price: 1 }]), field: 'entries[0].prefix', reason: '"49-151" must be digits only (E.164 without "+")' },
    { why: 'too long prefix', t: table([{ prefix: '1234567890123456', price: 1 }]), field: 'entries[0].prefix', reason: 'must be at most 15 digits' },
    { why: 'negative price', t: table([{ country: 'DE', price: -0.01 }]), field: 'entries[0].price', reason: 'must be a non-negative number' },
    { why: 'NaN price', t: table([{ prefix: '49', price: Number.NaN }]), field: 'entries[0].price', reason: 'must be a non-negative number' },
    { why: 'duplicate prefix', t: table([{ prefix: '49', price: 1 }, { country: 'AT', price: 1 }, { prefix: '49', price: 2 }]), field: 'entries[2].prefix', reason: 'duplicates entries[0]' },
    { why: 'duplicate country', t: table([{ country: 'AT', price: 1 }, { country: 'AT', price: 2 }]), field: 'entries[1].country', reason: 'duplicates entries[0]' },
    { why: 'both country and prefix', t: table([{ country: 'DE', prefix: '49', price: 1 }]), field: 'entries[0]', reason: 'give a country or a prefix, not both' },
    { why: 'neither country nor prefix', t: table([{ price: 1 }]), field: 'entries[0]', reason: 'give a country or a prefix' },
  ])('names $why', ({ t, field, reason }) => {
    expect(validatePriceTable(t)).toContainEqual({ field, reason });
  });
});

describe('PriceLookup', () => {
  const lookup = new PriceLookup(
    table([
      { country: 'DE', price: 0.05 },
      { prefix: '49', price: 0.04 },
      { prefix: '4915', price: 0.02 },
      { prefix: '491512', price: 0.01 },
      { country: 'AT', price: 0.07 },
    ]),
    10,
  );

  it.each([
    { to: '+4915123456789', country: 'DE', price: 0.1, why: 'the longest matching prefix wins' },
    { to: '+4915223456789', country: 'DE', price: 0.2, why: 'a shorter prefix applies where the longer does not match' },
    { to: '+4930123456', country: 'DE', price: 0.4, why: 'the shortest prefix still beats the country entry' },
    { to: '+43664123456', country: 'AT', price: 0.7, why: 'the country entry applies without a prefix' },
    { to: '+33612345678', country: 'FR', price: undefined, why: 'no prefix and no country: no price' },
  ])('$why ($to)', ({ to, country, price }) => {
    // The rate of 10 scales every price: conversion happens once, when the lookup is built.
    const found = lookup.priceFor(to, 1, country);
    if (price === undefined) expect(found).toBeUndefined();
    else expect(found).toBeCloseTo(price, 12);
  });
});
