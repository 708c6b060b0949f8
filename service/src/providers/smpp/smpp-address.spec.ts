import { describe, expect, it } from 'vitest';
import { destinationAddress, InvalidAddressError, sourceAddress, type AddressProblem, type SourceAddressOverrides } from './smpp-address.js';

describe('sourceAddress', () => {
  it.each([
    ['Switchboard', { kind: 'alphanumeric', ton: 5, npi: 0, addr: 'Switchboard' }],
    ['ACME 24', { kind: 'alphanumeric', ton: 5, npi: 0, addr: 'ACME 24' }],
    ['Shop@Home_1', { kind: 'alphanumeric', ton: 5, npi: 0, addr: 'Shop@Home_1' }],
    ['[ACME 24]', { kind: 'alphanumeric', ton: 5, npi: 0, addr: '[ACME 24]' }], // 9 characters, 11 septets
    ['123', { kind: 'short-code', ton: 3, npi: 0, addr: '123' }],
    ['12345', { kind: 'short-code', ton: 3, npi: 0, addr: '12345' }],
    ['12345678', { kind: 'short-code', ton: 3, npi: 0, addr: '12345678' }],
    ['+4915112345678', { kind: 'international', ton: 1, npi: 1, addr: '4915112345678' }],
    ['4915112345678', { kind: 'international', ton: 1, npi: 1, addr: '4915112345678' }],
    ['491511234', { kind: 'international', ton: 1, npi: 1, addr: '491511234' }],
    [' +14155550123 ', { kind: 'international', ton: 1, npi: 1, addr: '14155550123' }],
  ])('classifies %j', (sender, expected) => {
    expect(sourceAddress(sender)).toEqual(expected);
  });

  it.each<{ name: string; sender: string; overrides: SourceAddressOverrides; ton: number; npi: number }>([
    { name: 'short code as TON unknown', sender: '4711', overrides: { 'short-code': { ton: 0 } }, ton: 0, npi: 0 },
    { name: 'short code as TON unknown, NPI ISDN', sender: '4711', overrides: { 'short-code': { ton: 0, npi: 1 } }, ton: 0, npi: 1 },
    { name: 'international override', sender: '+4915112345678', overrides: { international: { npi: 0 } }, ton: 1, npi: 0 },
    { name: 'alphanumeric untouched by a short-code override', sender: 'Switchboard', overrides: { 'short-code': { ton: 0 } }, ton: 5, npi: 0 },
    { name: 'international untouched by an alphanumeric override', sender: '+4915112345678', overrides: { alphanumeric: { ton: 0 } }, ton: 1, npi: 1 },
  ])('applies overrides per sender kind: $name', ({ sender, overrides, ton, npi }) => {
    expect(sourceAddress(sender, overrides)).toMatchObject({ ton, npi });
  });

  it.each<[string, AddressProblem, RegExp]>([
    ['', 'empty', /sender is empty/],
    ['   ', 'empty', /sender is empty/],
    ['TwelveChars!', 'too-long', /12 GSM-7 septets.*allows 11/],
    ['[ACME 24!]', 'too-long', /12 GSM-7 septets \(\[ \] .* take 2\)/],
    ['Bäckerei', 'not-ascii', /"ä" \(U\+00E4\).*printable ASCII/],
    ['ACME\t24', 'not-ascii', /U\+0009/],
    ['`quoted`', 'not-gsm7', /"`" \(U\+0060\).*GSM 7-bit/],
    ['12', 'too-short', /2 digits; a short code has 3-8/],
    ['1234567890123456', 'too-long', /16 digits; E\.164 allows at most 15/],
    ['015112345678', 'national-number', /starts with 0.*country code/],
    ['+123', 'not-e164', /international sender is not \+ and 6-15 digits/],
    ['+0123456789', 'not-e164', /international sender/],
    ['+49 151 1234567', 'not-e164', /international sender/],
  ])('refuses %j as %s', (sender, problem, message) => {
    const attempt = (): unknown => sourceAddress(sender);

    expect(attempt).toThrow(InvalidAddressError);
    expect(attempt).toThrow(message);
    expect(attempt).toThrow(expect.objectContaining({ problem }) as Error);
  });

  it.each<[SourceAddressOverrides, RegExp]>([
    [{ 'short-code': { ton: 7 } }, /short-code sender TON override 7 .*0-6/],
    [{ 'short-code': { ton: -1 } }, /TON override -1/],
    [{ 'short-code': { npi: 2 } }, /short-code sender NPI override 2 .*numbering plan/],
  ])('refuses a TON/NPI override SMPP does not define: %j', (overrides, message) => {
    expect(() => sourceAddress('4711', overrides)).toThrow(message);
    expect(() => sourceAddress('4711', overrides)).toThrow(expect.objectContaining({ problem: 'invalid-ton-npi' }) as Error);
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
    expect(() => destinationAddress(to)).toThrow(/destination is not \+ and 6-15 digits/);
  });
});
