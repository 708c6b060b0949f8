import { describe, expect, it } from 'vitest';
import { ModemQuarantine } from './modem-quarantine.js';

describe('ModemQuarantine', () => {
  it('quarantines after the threshold of consecutive faults, for its duration, saying why', () => {
    const quarantine = new ModemQuarantine(3, 60_000);
    expect(quarantine.fault(0, 'ME failure')).toBe(false);
    expect(quarantine.fault(0, 'ME failure')).toBe(false);
    expect(quarantine.fault(1_000, 'no prompt')).toBe(true);
    expect(quarantine.isQuarantined(60_999)).toBe(true);
    expect(quarantine.isQuarantined(61_000)).toBe(false);
    expect(quarantine.reason).toContain('3 consecutive failures, last: no prompt');
  });

  it('starts counting again after an attempt that worked', () => {
    const quarantine = new ModemQuarantine(2, 60_000);
    quarantine.fault(0, 'x');
    quarantine.worked();
    expect(quarantine.fault(0, 'x')).toBe(false);
    expect(quarantine.isQuarantined(0)).toBe(false);
  });
});
