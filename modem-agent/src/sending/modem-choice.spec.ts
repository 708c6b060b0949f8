import { describe, expect, it } from 'vitest';
import { chooseModem, type ModemCandidate } from './modem-choice.js';

const modem = (label: string, sentLastMinute: number, maxPerMinute = 6, available = true): ModemCandidate => ({ label, available, sentLastMinute, maxPerMinute });

describe('chooseModem', () => {
  it('picks the modem with the most room left in its minute', () => {
    expect(chooseModem([modem('a', 4), modem('b', 1), modem('c', 3)], [])).toBe('b');
  });

  it('measures room against each modem’s own limit', () => {
    expect(chooseModem([modem('a', 0, 2), modem('b', 5, 10)], [])).toBe('b');
  });

  it('keeps config order on a tie', () => {
    expect(chooseModem([modem('a', 2), modem('b', 2)], [])).toBe('a');
  });

  it('skips modems that are busy, not ready or quarantined, and those at their limit', () => {
    expect(chooseModem([modem('a', 0, 6, false), modem('b', 6), modem('c', 5)], [])).toBe('c');
    expect(chooseModem([modem('a', 0, 6, false), modem('b', 6)], [])).toBeUndefined();
  });

  it('uses only the modems the command allows', () => {
    expect(chooseModem([modem('a', 0), modem('b', 3)], ['b'])).toBe('b');
    expect(chooseModem([modem('a', 0)], ['z'])).toBeUndefined();
  });

  it('keeps a message on the modem that sent its first parts', () => {
    expect(chooseModem([modem('a', 0), modem('b', 3)], [], 'b')).toBe('b');
    expect(chooseModem([modem('a', 0), modem('b', 3, 6, false)], [], 'b')).toBeUndefined();
  });
});
