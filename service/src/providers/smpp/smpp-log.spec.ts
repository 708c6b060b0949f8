import { describe, expect, it } from 'vitest';
import { maskNumber } from './smpp-log.js';

describe('maskNumber', () => {
  it.each([
    ['+4915112345678', '+49151******78'],
    ['4915112345678', '49151******78'],
    ['+14155550123', '+14155****23'],
    ['+123456789', '+123****89'],
    ['12345', '12345'],
    ['Switchboard', 'Switchboard'],
  ])('masks %j as %j', (input, masked) => {
    expect(maskNumber(input)).toBe(masked);
  });
});
