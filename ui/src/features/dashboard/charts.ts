//! Chart geometry for the dashboard's small multiples: pure functions of (values, size), so the
//! maths is tested without a DOM. The SVG itself is drawn by Charts.tsx.

/** A linear map from [d0, d1] to [r0, r1]; a flat domain maps everything to r0. */
export function linearScale(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  const span = d1 - d0;
  if (!Number.isFinite(span) || span === 0) return () => r0;
  return (v) => r0 + ((v - d0) / span) * (r1 - r0);
}

/** The top of a y axis: the largest value, rounded up to 1, 2 or 5 × a power of ten; at least `min`. */
export function niceMax(values: readonly (number | null)[], min = 1): number {
  let m = 0;
  for (const v of values) if (v != null && Number.isFinite(v) && v > m) m = v;
  if (m <= min) return min;
  const p = 10 ** Math.floor(Math.log10(m));
  for (const f of [1, 2, 5, 10]) if (f * p >= m) return f * p;
  return 10 * p;
}

export interface Bar {
  /** The bucket's index in the series. */
  i: number;
  x: number;
  y: number;
  width: number;
  height: number;
  value: number;
}

/**
 * One bar per bucket, side by side across `width`, bottoms on the baseline (`height`). A bucket
 * with a value above zero gets at least 1 px so it is seen; zero draws nothing (no bar returned).
 */
export function bucketBars(values: readonly number[], width: number, height: number, max?: number, gap = 1): Bar[] {
  const n = values.length;
  if (n === 0 || width <= 0 || height <= 0) return [];
  const top = max ?? niceMax(values);
  const slot = width / n;
  const w = Math.max(slot - gap, Math.min(slot, 1));
  const y = linearScale(0, top, height, 0);
  const bars: Bar[] = [];
  values.forEach((v, i) => {
    if (!(v > 0)) return;
    const h = Math.max(1, Math.min(height, height - y(v)));
    bars.push({ i, x: i * slot, y: height - h, width: w, height: h, value: v });
  });
  return bars;
}

/** Stacked bars: `parts[k][i]` is part k of bucket i; each bucket's parts stack from the baseline up. */
export function stackedBars(parts: readonly (readonly number[])[], width: number, height: number, gap = 1): Bar[][] {
  const n = parts[0]?.length ?? 0;
  if (n === 0 || width <= 0 || height <= 0) return parts.map(() => []);
  const totals = Array.from({ length: n }, (_, i) => parts.reduce((a, p) => a + Math.max(0, p[i] ?? 0), 0));
  const top = niceMax(totals);
  const slot = width / n;
  const w = Math.max(slot - gap, Math.min(slot, 1));
  const base = new Array<number>(n).fill(0);
  return parts.map((p) => {
    const bars: Bar[] = [];
    for (let i = 0; i < n; i++) {
      const v = Math.max(0, p[i] ?? 0);
      if (v === 0) continue;
      const h = (v / top) * height;
      const yBottom = height - (base[i] / top) * height;
      bars.push({ i, x: i * slot, y: yBottom - h, width: w, height: h, value: v });
      base[i] += v;
    }
    return bars;
  });
}

/**
 * The SVG path of a line through the values (x at each bucket's centre); a `null` (no data in that
 * bucket) breaks the line. Empty when there is nothing to draw.
 */
export function sparklinePath(values: readonly (number | null)[], width: number, height: number, max?: number): string {
  const n = values.length;
  if (n === 0 || width <= 0 || height <= 0) return '';
  const top = max ?? niceMax(values);
  const slot = width / n;
  const y = linearScale(0, top, height - 1, 1);
  let d = '';
  let pen = false;
  values.forEach((v, i) => {
    if (v == null || !Number.isFinite(v)) {
      pen = false;
      return;
    }
    const x = i * slot + slot / 2;
    d += `${pen ? 'L' : 'M'}${round(x)},${round(Math.max(0, Math.min(height, y(v))))}`;
    pen = true;
  });
  return d;
}

/** The points of a sparkline (bucket centres), for dots: a lone bucket between gaps has no line to show it. */
export function sparklinePoints(values: readonly (number | null)[], width: number, height: number, max?: number): { i: number; x: number; y: number }[] {
  const n = values.length;
  if (n === 0 || width <= 0 || height <= 0) return [];
  const top = max ?? niceMax(values);
  const slot = width / n;
  const y = linearScale(0, top, height - 1, 1);
  const out: { i: number; x: number; y: number }[] = [];
  values.forEach((v, i) => {
    if (v == null || !Number.isFinite(v)) return;
    out.push({ i, x: round(i * slot + slot / 2), y: round(Math.max(0, Math.min(height, y(v)))) });
  });
  return out;
}

/** A rate (0..1) per bucket from two counts: `null` where the denominator is 0. */
export function ratioSeries(num: readonly number[], den: readonly number[]): (number | null)[] {
  return num.map((n, i) => (den[i] > 0 ? n / den[i] : null));
}

/** Whether a series has anything to draw. */
export function hasData(values: readonly (number | null)[]): boolean {
  return values.some((v) => v != null && v > 0);
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}
