//! The SVG time axis of one event: attempts coloured by outcome (status or error and latency in
//! the label and the tooltip), planned attempts hollow, open-circuit periods shaded, other marks
//! as small diamonds, a "now" line; ticks in policy time and, when sped up, in real time.
import { useEffect, useRef, useState } from 'react';
import type { EventDetail } from '../../api/events';
import { formatDuration, formatScale } from './format';
import { layout, type Outcome } from './timeline';

const HEIGHT = 124;
const AXIS_Y = 70;
/** The lane of marks (circuit changes, manual retries, recoveries), under the tick labels. */
const MARKS_Y = AXIS_Y + 36;

const OUTCOME_WORDS: Record<Outcome, string> = {
  success: '2xx',
  retryable: 'retryable failure',
  terminal: 'terminal failure',
  interrupted: 'interrupted',
  in_flight: 'in flight',
};

function useWidth(): [React.RefObject<HTMLDivElement | null>, number] {
  const ref = useRef<HTMLDivElement>(null);
  const [w, setW] = useState(720);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => setW(Math.max(320, Math.floor(el.clientWidth || 720)));
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return [ref, w];
}

export function Timeline({ detail, now, onSelectAttempt }: { detail: EventDetail; now: number; onSelectAttempt?: (n: number) => void }) {
  const [ref, width] = useWidth();
  const [hover, setHover] = useState<{ x: number; text: string } | null>(null);
  const final = detail.state === 'delivered' || detail.state === 'dead' || detail.state === 'cancelled';
  const g = layout(detail, { width, now, left: 18, right: 28, labelGap: 74, showNow: !final });
  // Labels near an edge hang inwards instead of being cut off.
  const anchor = (x: number) => (x - g.left < 26 ? 'start' : g.width - g.right - x < 26 ? 'end' : 'middle');
  const nudge = (x: number) => (x - g.left < 26 ? x - 6 : g.width - g.right - x < 26 ? x + 6 : x);
  const labelY = (row: number) => AXIS_Y - 16 - row * 14;
  return (
    <div className="timeline" ref={ref} data-testid="timeline" data-attempts={g.attempts.length} data-planned={g.planned.length}>
      <svg width={g.width} height={HEIGHT} role="img" aria-label={`timeline of event ${detail.id}`}>
        {g.marks.length > 0 && <line className="tl-marks-lane" x1={g.left} x2={g.width - g.right} y1={MARKS_Y + 5} y2={MARKS_Y + 5} />}
        {g.periods.map((p, i) => (
          <rect key={`p${i}`} className="tl-open" x={p.x1} y={AXIS_Y - 44} width={Math.max(2, p.x2 - p.x1)} height={MARKS_Y + 14 - (AXIS_Y - 44)} data-testid="tl-breaker-open">
            <title>{p.title}</title>
          </rect>
        ))}
        <line className="tl-axis" x1={g.left} x2={g.width - g.right} y1={AXIS_Y} y2={AXIS_Y} />
        {g.ticks.map((t, i) => (
          <g key={`t${i}`} className="tl-tick">
            <line x1={t.x} x2={t.x} y1={AXIS_Y} y2={AXIS_Y + 5} />
            <text x={i === 0 ? t.x - 4 : t.x} y={AXIS_Y + 18} textAnchor={i === 0 ? 'start' : anchor(t.x)}>
              {t.label}
            </text>
            {t.sub && (
              <text className="tl-sub" x={t.x} y={AXIS_Y + 30} textAnchor={anchor(t.x)}>
                {t.sub}
              </text>
            )}
          </g>
        ))}
        {g.nowX !== null && (
          <g className="tl-now" data-testid="tl-now">
            <line x1={g.nowX} x2={g.nowX} y1={AXIS_Y - 48} y2={AXIS_Y + 8} />
            <text x={g.nowX} y={AXIS_Y - 50} textAnchor="middle">
              now
            </text>
          </g>
        )}
        {g.marks.map((m, i) => (
          <path key={`m${i}`} className={`tl-mark tl-mark-${m.kind}`} d={`M${m.x} ${MARKS_Y} l5 5 l-5 5 l-5 -5 z`} data-testid="tl-mark" data-kind={m.kind}>
            <title>{m.title}</title>
          </path>
        ))}
        {g.planned.map((p) => (
          <circle
            key={`f${p.number}`}
            className="tl-planned"
            cx={p.x}
            cy={AXIS_Y}
            r={5}
            data-testid="tl-planned"
            data-number={p.number}
            onMouseEnter={() => setHover({ x: p.x, text: p.title })}
            onMouseLeave={() => setHover(null)}
            aria-label={p.title}
          />
        ))}
        {g.attempts.map((a) => (
          <g
            key={`a${a.number}`}
            data-testid="tl-attempt"
            data-number={a.number}
            data-outcome={a.outcome}
            className="tl-hit"
            onMouseEnter={() => setHover({ x: a.x, text: `${a.title}\n(${OUTCOME_WORDS[a.outcome]}) — click for the attempt` })}
            onMouseLeave={() => setHover(null)}
            onClick={() => onSelectAttempt?.(a.number)}
          >
            <circle className={`tl-attempt tl-${a.outcome}`} cx={a.x} cy={AXIS_Y} r={6} aria-label={a.title} />
            {a.row >= 0 && (
              <text className="tl-label" x={nudge(a.x)} y={labelY(a.row)} textAnchor={anchor(a.x)}>
                {a.label}
                {a.latencyMs != null && <tspan className="tl-sub"> {a.latencyMs}ms</tspan>}
              </text>
            )}
          </g>
        ))}
      </svg>
      {hover && (
        <div className="tl-hover" style={{ left: Math.min(Math.max(8, hover.x - 150), g.width - 308) }} role="tooltip">
          {hover.text}
        </div>
      )}
      <div className="tl-legend small muted">
        <span>
          <i className="dot tl-success" /> 2xx
        </span>
        <span>
          <i className="dot tl-retryable" /> retryable
        </span>
        <span>
          <i className="dot tl-terminal" /> terminal
        </span>
        <span>
          <i className="dot tl-interrupted" /> interrupted
        </span>
        <span>
          <i className="dot tl-planned-dot" /> planned
        </span>
        <span>
          <i className="swatch tl-open" /> circuit open
        </span>
        {g.scale !== 1 && <span className="tl-scale">time scale {formatScale(g.scale)}: labels are policy time</span>}
        {g.plannedBeyond > 0 && (
          <span data-testid="tl-beyond">
            +{g.plannedBeyond} more planned, the last at +{formatDuration(g.lastPlannedOffsetMs ?? 0)}
          </span>
        )}
      </div>
    </div>
  );
}
