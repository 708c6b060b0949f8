import { describe, expect, it } from 'vitest';
import { classifyDeliveryStatus } from './delivery-status.js';

describe('classifyDeliveryStatus (23.040 §9.2.3.15)', () => {
  it.each([
    [0x00, 'delivered', 'short message received by the SME'],
    [0x01, 'delivered', 'forwarded by the SC to the SME but the SC is unable to confirm delivery'],
    [0x02, 'delivered', 'short message replaced by the SC'],
    [0x20, 'still-trying', 'congestion'],
    [0x25, 'still-trying', 'error in SME'],
    [0x40, 'failed-permanent', 'remote procedure error'],
    [0x41, 'failed-permanent', 'incompatible destination'],
    [0x46, 'failed-permanent', 'SM validity period expired'],
    [0x49, 'failed-permanent', 'SM does not exist'],
    [0x60, 'failed-temporary', 'congestion'],
    [0x63, 'failed-temporary', 'service rejected'],
    [0x65, 'failed-temporary', 'error in SME'],
  ])('reads status %i as %s: %s', (status, outcome, reason) => {
    expect(classifyDeliveryStatus(status)).toMatchObject({ status, outcome, reason });
  });

  it.each([
    [0x03, 'delivered', 'reserved status 0x03'],
    [0x1f, 'delivered', 'SC-specific status 0x1f'],
    [0x2a, 'still-trying', 'reserved status 0x2a'],
    [0x35, 'still-trying', 'SC-specific status 0x35'],
    [0x4f, 'failed-permanent', 'reserved status 0x4f'],
    [0x5a, 'failed-permanent', 'SC-specific status 0x5a'],
    [0x6b, 'failed-temporary', 'reserved status 0x6b'],
    [0x7f, 'failed-temporary', 'SC-specific status 0x7f'],
  ])('gives unlisted status %i the meaning of its group (%s)', (status, outcome, reason) => {
    expect(classifyDeliveryStatus(status)).toMatchObject({ outcome, reason });
  });

  it('treats the reserved upper half as a final failure', () => {
    expect(classifyDeliveryStatus(0x80)).toMatchObject({ outcome: 'failed-permanent', final: true });
  });

  it('says only a still-trying report leaves more to come', () => {
    const finals = [0x00, 0x21, 0x42, 0x62].map((status) => classifyDeliveryStatus(status).final);
    expect(finals).toEqual([true, false, true, true]);
  });
});
