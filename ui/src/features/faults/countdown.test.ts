import { describe, expect, it } from 'vitest';
import { formatCountdown, nextExpiry, planStateLine, remainingAt } from './countdown';

describe('countdowns', () => {
  it('formats seconds, minutes, hours and days, rounding partial seconds up', () => {
    expect(formatCountdown(45_000)).toBe('0:45');
    expect(formatCountdown(44_001)).toBe('0:45'); // 44.001 s left is not yet 0:44
    expect(formatCountdown(119_998)).toBe('2:00');
    expect(formatCountdown(3_723_000)).toBe('1:02:03');
    expect(formatCountdown(2 * 86_400_000 + 3 * 3_600_000 + 4 * 60_000 + 5_000)).toBe('2d 03:04:05');
  });

  it('never shows a negative time', () => {
    expect(formatCountdown(0)).toBe('0:00');
    expect(formatCountdown(-5_000)).toBe('0:00');
  });

  it('counts down on the client clock from when the server measured', () => {
    expect(remainingAt(120_000, 1_000, 1_000)).toBe(120_000);
    expect(remainingAt(120_000, 1_000, 31_000)).toBe(90_000);
    expect(remainingAt(120_000, 1_000, 500_000)).toBe(0);
    // A clock that stepped back must not add time.
    expect(remainingAt(120_000, 1_000, 0)).toBe(120_000);
  });

  it('describes each plan state', () => {
    expect(planStateLine({ state: 'live', remaining_ms: null }, 0, 0)).toBe('live');
    expect(planStateLine({ state: 'live', remaining_ms: 120_000 }, 0, 1_000)).toBe('live · 1:59 left');
    expect(planStateLine({ state: 'scheduled', starts_in_ms: 30_000 }, 0, 0)).toBe('scheduled · starts in 0:30');
    expect(planStateLine({ state: 'expired' }, 0, 0)).toBe('expired');
    expect(planStateLine({ state: 'off' }, 0, 0)).toBe('off');
  });

  it('finds the soonest end among running windows, ignoring open-ended plans', () => {
    expect(nextExpiry([null, 50_000, 20_000, undefined], 0, 5_000)).toBe(15_000);
    expect(nextExpiry([null, undefined], 0, 0)).toBeNull();
  });
});
