import { describe, expect, it } from 'vitest';
import { captureCountLabel } from './count';

describe('captureCountLabel', () => {
  it('says an exact total as it is', () => {
    expect(captureCountLabel(0)).toBe('0 captures');
    expect(captureCountLabel(1)).toBe('1 capture');
    expect(captureCountLabel(650, false)).toBe('650 captures');
    expect(captureCountLabel(9999)).toBe(`${(9999).toLocaleString()} captures`);
  });

  it('says a capped total as "at least"', () => {
    expect(captureCountLabel(10000, true)).toBe(`${(10000).toLocaleString()}+ captures`);
    expect(captureCountLabel(1, true)).toBe('1+ captures');
  });
});
