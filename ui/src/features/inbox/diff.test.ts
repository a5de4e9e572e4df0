import { describe, expect, it } from 'vitest';
import { diffLines, hasChanges } from './diff';

const show = (a: string[], b: string[]) =>
  diffLines(a, b).map((l) => (l.op === 'same' ? ' ' : l.op === 'removed' ? '-' : '+') + l.text);

describe('diffLines', () => {
  it('finds nothing between equal inputs', () => {
    const d = diffLines(['a', 'b'], ['a', 'b']);
    expect(hasChanges(d)).toBe(false);
    expect(d).toHaveLength(2);
  });
  it('aligns on the longest common subsequence', () => {
    expect(show(['a', 'b', 'c', 'd'], ['a', 'c', 'x', 'd'])).toEqual([' a', '-b', ' c', '+x', ' d']);
  });
  it('handles one side empty', () => {
    expect(show([], ['x', 'y'])).toEqual(['+x', '+y']);
    expect(show(['x'], [])).toEqual(['-x']);
  });
  it('keeps a common head and tail around a changed middle', () => {
    const a = ['h1', 'h2', 'old', 't1'];
    const b = ['h1', 'h2', 'new', 'extra', 't1'];
    expect(show(a, b)).toEqual([' h1', ' h2', '-old', '+new', '+extra', ' t1']);
  });
  it('stays correct on repeated lines', () => {
    const d = diffLines(['x', 'x', 'y'], ['x', 'y', 'x']);
    expect(d.filter((l) => l.op === 'same').length).toBe(2);
    const rebuiltB = d.filter((l) => l.op !== 'removed').map((l) => l.text);
    const rebuiltA = d.filter((l) => l.op !== 'added').map((l) => l.text);
    expect(rebuiltA).toEqual(['x', 'x', 'y']);
    expect(rebuiltB).toEqual(['x', 'y', 'x']);
  });
});
