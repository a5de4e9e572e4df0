//! Small SVG charts (bars per bucket, stacked bars, a sparkline): light, no chart library. Each
//! bucket's bar carries a <title> with its time and value, so hovering tells what it is.
import { bucketBars, hasData, niceMax, sparklinePath, sparklinePoints, stackedBars } from './charts';

export const CHART_W = 220;
export const CHART_H = 36;

function bucketTime(t: number): string {
  return new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function BarChart({
  label,
  times,
  values,
  tone = 'accent',
  format = String,
  testId,
}: {
  label: string;
  times: readonly number[];
  values: readonly number[];
  tone?: 'accent' | 'bad' | 'warn' | 'ok';
  format?: (v: number) => string;
  testId?: string;
}) {
  const bars = bucketBars(values, CHART_W, CHART_H);
  const top = niceMax(values);
  return (
    <figure className="chart" data-testid={testId} data-points={bars.length}>
      <figcaption className="chart-label">
        {label} <span className="muted">max {format(top)}</span>
      </figcaption>
      <svg viewBox={`0 0 ${CHART_W} ${CHART_H}`} width={CHART_W} height={CHART_H} role="img" aria-label={label}>
        <line className="chart-base" x1={0} x2={CHART_W} y1={CHART_H - 0.5} y2={CHART_H - 0.5} />
        {bars.map((b) => (
          <rect key={b.i} className={`bar bar-${tone}`} x={b.x} y={b.y} width={b.width} height={b.height} data-value={b.value}>
            <title>{`${bucketTime(times[b.i])}: ${format(b.value)}`}</title>
          </rect>
        ))}
      </svg>
    </figure>
  );
}

/** Two parts per bucket stacked (e.g. delivered below, failures above). */
export function StackedChart({
  label,
  times,
  parts,
  testId,
}: {
  label: string;
  times: readonly number[];
  parts: { name: string; tone: 'ok' | 'bad' | 'warn' | 'accent'; values: readonly number[] }[];
  testId?: string;
}) {
  const stacks = stackedBars(
    parts.map((p) => p.values),
    CHART_W,
    CHART_H,
  );
  const count = stacks.reduce((a, s) => a + s.length, 0);
  return (
    <figure className="chart" data-testid={testId} data-points={count}>
      <figcaption className="chart-label">
        {label}{' '}
        {parts.map((p) => (
          <span key={p.name} className={`legend legend-${p.tone}`}>
            {p.name}
          </span>
        ))}
      </figcaption>
      <svg viewBox={`0 0 ${CHART_W} ${CHART_H}`} width={CHART_W} height={CHART_H} role="img" aria-label={label}>
        <line className="chart-base" x1={0} x2={CHART_W} y1={CHART_H - 0.5} y2={CHART_H - 0.5} />
        {stacks.map((bars, k) =>
          bars.map((b) => (
            <rect key={`${k}-${b.i}`} className={`bar bar-${parts[k].tone}`} x={b.x} y={b.y} width={b.width} height={b.height} data-value={b.value}>
              <title>{`${bucketTime(times[b.i])}: ${b.value} ${parts[k].name}`}</title>
            </rect>
          )),
        )}
      </svg>
    </figure>
  );
}

export function Sparkline({
  label,
  values,
  format = String,
  testId,
}: {
  label: string;
  values: readonly (number | null)[];
  format?: (v: number) => string;
  testId?: string;
}) {
  const top = niceMax(values);
  const d = sparklinePath(values, CHART_W, CHART_H, top);
  const points = sparklinePoints(values, CHART_W, CHART_H, top);
  return (
    <figure className="chart" data-testid={testId} data-points={hasData(values) ? values.filter((v) => v != null).length : 0}>
      <figcaption className="chart-label">
        {label} <span className="muted">max {format(top)}</span>
      </figcaption>
      <svg viewBox={`0 0 ${CHART_W} ${CHART_H}`} width={CHART_W} height={CHART_H} role="img" aria-label={label}>
        <line className="chart-base" x1={0} x2={CHART_W} y1={CHART_H - 0.5} y2={CHART_H - 0.5} />
        {d && <path className="spark" d={d} />}
        {points.map((p) => (
          <circle key={p.i} className="spark-dot" cx={p.x} cy={p.y} r={1.6}>
            <title>{format(values[p.i] ?? 0)}</title>
          </circle>
        ))}
      </svg>
    </figure>
  );
}
