import { describe, expect, it } from 'vitest';
import { bucketBars, hasData, linearScale, niceMax, ratioSeries, sparklinePath, sparklinePoints, stackedBars } from './charts';
import { bytes, ms, pct, perMin } from './format';

describe('chart scales', () => {
  it('maps a domain onto a range linearly, and a flat domain onto its start', () => {
    const y = linearScale(0, 10, 36, 0);
    expect(y(0)).toBe(36);
    expect(y(10)).toBe(0);
    expect(y(5)).toBe(18);
    expect(linearScale(3, 3, 36, 0)(3)).toBe(36); // no division by zero
  });

  it('rounds the top of an axis up to 1, 2 or 5 times a power of ten, never below the minimum', () => {
    expect(niceMax([3, 7, 4])).toBe(10);
    expect(niceMax([12])).toBe(20);
    expect(niceMax([41])).toBe(50);
    expect(niceMax([100])).toBe(100);
    expect(niceMax([0.3], 1)).toBe(1); // rates under 1 keep a 0..1 axis
    expect(niceMax([], 1)).toBe(1);
    expect(niceMax([null, 230, null])).toBe(500);
  });
});

describe('bucket bars', () => {
  it('puts one bar per non-empty bucket side by side, scaled to the axis top, bottoms on the baseline', () => {
    const bars = bucketBars([0, 5, 10, 0], 100, 40);
    expect(bars.map((b) => b.i)).toEqual([1, 2]); // empty buckets draw nothing
    expect(bars[0].x).toBe(25);
    expect(bars[1].x).toBe(50);
    expect(bars[0].width).toBe(24); // 25 px slot less a 1 px gap
    expect(bars[1].height).toBe(40); // 10 of a 10 axis: full height
    expect(bars[0].height).toBe(20);
    for (const b of bars) expect(b.y + b.height).toBe(40);
  });

  it('gives a tiny value at least one pixel so it is seen', () => {
    const [bar] = bucketBars([1, 1000], 100, 40).filter((b) => b.i === 0);
    expect(bar.height).toBe(1);
  });

  it('draws nothing for an empty series or no room', () => {
    expect(bucketBars([], 100, 40)).toEqual([]);
    expect(bucketBars([0, 0, 0], 100, 40)).toEqual([]);
    expect(bucketBars([1], 0, 40)).toEqual([]);
  });

  it('stacks parts of a bucket on each other up to the bucket total', () => {
    const [ok, failed] = stackedBars([[3, 0], [2, 4]], 100, 50);
    // Totals 5 and 4: the axis top is 5.
    expect(ok).toHaveLength(1);
    expect(ok[0]).toMatchObject({ i: 0, height: 30, y: 20 });
    expect(failed.map((b) => b.i)).toEqual([0, 1]);
    expect(failed[0]).toMatchObject({ height: 20, y: 0 }); // on top of the 3 ok
    expect(failed[1]).toMatchObject({ height: 40, y: 10 });
    expect(stackedBars([[], []], 100, 50)).toEqual([[], []]);
  });
});

describe('sparklines', () => {
  it('draws through bucket centres and breaks the line where a bucket has no data', () => {
    const d = sparklinePath([10, 5, null, 10], 40, 22, 10);
    // Slots of 10 px: centres at 5, 15, (25 missing), 35; y from 21 (0) to 1 (10).
    expect(d).toBe('M5,1L15,11M35,1');
  });

  it('is empty for an empty series', () => {
    expect(sparklinePath([], 100, 30)).toBe('');
    expect(sparklinePath([null, null], 100, 30)).toBe('');
    expect(hasData([null, 0])).toBe(false);
    expect(hasData([null, 2])).toBe(true);
  });

  it('computes a rate per bucket, none where nothing was counted', () => {
    expect(ratioSeries([1, 0, 3], [4, 0, 3])).toEqual([0.25, null, 1]);
  });
});

describe('figures', () => {
  it('writes a missing figure as a dash, never as zero', () => {
    expect(pct(null)).toBe('—');
    expect(pct(0.958)).toBe('95.8 %');
    expect(pct(1)).toBe('100 %');
    expect(ms(null)).toBe('—');
    expect(ms(80)).toBe('80 ms');
    expect(ms(5200)).toBe('5.20 s');
    expect(perMin(2.666)).toBe('2.67/min');
    expect(bytes(1536)).toBe('1.50 KiB');
  });
});

describe('sparkline dots', () => {
  it('marks every bucket with data, so a lone one between gaps is seen', () => {
    expect(sparklinePoints([null, 10, null], 30, 22, 10)).toEqual([{ i: 1, x: 15, y: 1 }]);
    expect(sparklinePoints([], 30, 22)).toEqual([]);
  });
});
