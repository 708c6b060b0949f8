import { describe, expect, it } from 'vitest';
import { SendRateWindow } from './send-rate-window.js';

describe('SendRateWindow', () => {
  it('counts the parts of the last 60 seconds only', () => {
    const window = new SendRateWindow();
    window.record(0);
    window.record(30_000);
    expect(window.count(59_999)).toBe(2);
    expect(window.count(60_000)).toBe(1);
    expect(window.count(90_000)).toBe(0);
  });

  it('says when the window next has room under a limit', () => {
    const window = new SendRateWindow();
    window.record(1_000);
    window.record(2_000);
    expect(window.nextRoomAt(5_000, 3)).toBe(5_000);
    expect(window.nextRoomAt(5_000, 2)).toBe(61_000);
    expect(window.nextRoomAt(5_000, 1)).toBe(62_000);
  });
});
