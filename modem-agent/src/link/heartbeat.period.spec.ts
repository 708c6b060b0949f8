import { describe, expect, it } from 'vitest';
import { heartbeatPeriodMs } from './heartbeat.period.js';

describe('heartbeatPeriodMs', () => {
  it('takes the welcome’s period', () => {
    expect(heartbeatPeriodMs(10, 15)).toBe(10_000);
  });

  it('falls back on the config when the welcome names none', () => {
    expect(heartbeatPeriodMs(0, 15)).toBe(15_000);
  });

  it('keeps a misconfigured service’s period within one second and one hour', () => {
    expect(heartbeatPeriodMs(4_000_000, 15)).toBe(3_600_000);
  });
});
