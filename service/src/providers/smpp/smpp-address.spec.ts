import { describe, expect, it } from 'vitest';
import { destinationAddress, InvalidAddressError, sourceAddress } from './smpp-address.js';

describe('sourceAddress', () => {
  it.each([
    ['Switchboard', { ton: 5, npi: 0, addr: 'Switchboard' }],
    ['ACME 24', { ton: 5, npi: 0, addr: 'ACME 24' }],
    ['12345', { ton: 3, npi: 0, addr: '12345' }],
    ['12345678', { ton: 3, npi: 0, addr: '12345678' }],
    ['+4915112345678', { ton: 1, npi: 1, addr: '4915112345678' }],
    ['4915112345678', { ton: 1, npi: 1, addr: '4915112345678' }],
    [' +14155550123 ', { ton: 1, npi: 1, addr: '14155550123' }],
  ])('classifies %j', (sender, expected) => {
    expect(sourceAddress(sender)).toEqual(expected);
  });

  it.each(['', '   ', 'TwelveChars!', 'Bäckerei'])('refuses %j', (sender) => {
    expect(() => sourceAddress(sender)).toThrow(InvalidAddressError);
  });
});

describe('destinationAddress', () => {
  it.each([
    ['+4915112345678', '4915112345678'],
    ['4915112345678', '4915112345678'],
  ])('sends %j as international %s', (to, addr) => {
    expect(destinationAddress(to)).toEqual({ ton: 1, npi: 1, addr });
  });

  it.each(['', '+', '+0123456789', '+49 151 1234', '+1234567890123456', 'abc'])('refuses %j', (to) => {
    expect(() => destinationAddress(to)).toThrow(InvalidAddressError);
  });
});
