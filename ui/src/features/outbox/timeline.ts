//! The geometry of an event's timeline, pure: the time → x scale, where each attempt, planned
//! attempt and mark sits, the shaded periods of an open circuit, the "now" line and the tick
//! labels in policy time and (at a time scale ≠ 1) in real time. Timeline.tsx only draws it.
import type { Attempt, EventDetail, EventState } from '../../api/events';
import { attemptResult, formatDuration, formatScale } from './format';

export type Outcome = 'success' | 'retryable' | 'terminal' | 'interrupted' | 'in_flight';

export interface AttemptMark {
  number: number;
  at: number;
  x: number;
  outcome: Outcome;
  /** Status or error class. */
  label: string;
  latencyMs: number | null;
  /** 0 or 1: the label row, so neighbours don't write over each other; -1: no room for a label. */
  row: number;
  title: string;
}

export interface PlannedMark {
  number: number;
  at: number;
  x: number;
  /** Offset from the first attempt as the policy means it, and as the clock waits it. */
  realOffsetMs: number;
  scaledOffsetMs: number;
  title: string;
}

export interface Period {
  from: number;
  to: number;
  x1: number;
  x2: number;
  title: string;
}

export interface PointMark {
  kind: string;
  at: number;
  x: number;
  title: string;
}

export interface Tick {
  x: number;
  /** Clock offset from the origin. */
  offsetMs: number;
  label: string;
  /** The real (wall clock) time the tick stands for, when the scale is not 1. */
  sub: string | null;
}

export interface Geometry {
  width: number;
  left: number;
  right: number;
  origin: number;
  end: number;
  scale: number;
  attempts: AttemptMark[];
  planned: PlannedMark[];
  /** Planned attempts past the right edge (a long schedule is not squeezed onto the axis). */
  plannedBeyond: number;
  lastPlannedOffsetMs: number | null;
  periods: Period[];
  marks: PointMark[];
  nowX: number | null;
  ticks: Tick[];
}

const FINAL: EventState[] = ['delivered', 'dead', 'cancelled'];

/** Policy-time steps a tick may take. */
const STEPS = [
  1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000,
  7_200_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000, 172_800_000, 432_000_000,
];

export function outcomeOf(a: Attempt): Outcome {
  if (a.state === 'in_flight') return 'in_flight';
  if (a.state === 'interrupted' || a.error_class === 'interrupted') return 'interrupted';
  switch (a.next?.kind) {
    case 'done':
      return 'success';
    case 'retry_at':
      return 'retryable';
    case 'give_up':
      return 'terminal';
  }
  if (a.response && a.response.status >= 200 && a.response.status < 300) return 'success';
  return 'terminal';
}

/** The linear map from clock time to x, inside [left, width - right]. */
export function linearScale(origin: number, end: number, left: number, inner: number): (t: number) => number {
  const span = Math.max(1, end - origin);
  return (t) => left + ((t - origin) / span) * inner;
}

/** The smallest step that keeps at most `maxTicks` ticks over `spanMs` of policy time. */
export function tickStep(spanMs: number, maxTicks: number): number {
  const n = Math.max(1, maxTicks);
  for (const s of STEPS) if (spanMs / s <= n) return s;
  return Math.ceil(spanMs / n / 86_400_000) * 86_400_000;
}

/**
 * Ticks from the origin: each a round step of policy time (`+5m`), drawn where the clock reaches
 * it (`5m / scale`), and labelled with the real time too when the scale is not 1.
 */
export function ticks(origin: number, end: number, scale: number, x: (t: number) => number, maxTicks: number): Tick[] {
  const spanPolicy = Math.max(0, end - origin) * scale;
  const step = tickStep(spanPolicy, maxTicks);
  const out: Tick[] = [];
  for (let k = 0; k * step <= spanPolicy + 1e-6 && out.length <= maxTicks + 1; k++) {
    const policy = k * step;
    const clock = policy / scale;
    out.push({
      x: x(origin + clock),
      offsetMs: clock,
      label: k === 0 ? '0' : `+${formatDuration(policy)}`,
      sub: scale === 1 || k === 0 ? null : `${formatDuration(clock)} real at ${formatScale(scale)}`,
    });
  }
  return out;
}

/** Overlapping or touching periods become one. */
export function mergePeriods<T extends { from: number; to: number; title: string }>(ps: T[]): T[] {
  const sorted = [...ps].sort((a, b) => a.from - b.from);
  const out: T[] = [];
  for (const p of sorted) {
    const last = out[out.length - 1];
    if (last && p.from <= last.to) {
      last.to = Math.max(last.to, p.to);
      if (!last.title.includes(p.title)) last.title += `\n${p.title}`;
    } else {
      out.push({ ...p });
    }
  }
  return out;
}

/** Greedy label rows: a label goes on the first of two rows where it keeps `gap` px from the last one. */
export function labelRows(xs: number[], gap: number): number[] {
  const lastX = [-Infinity, -Infinity];
  return xs.map((x) => {
    for (let r = 0; r < 2; r++) {
      if (x - lastX[r] >= gap) {
        lastX[r] = x;
        return r;
      }
    }
    return -1;
  });
}

export interface LayoutOptions {
  width: number;
  now: number;
  left?: number;
  right?: number;
  /** Pixels per label, for rows and tick density. */
  labelGap?: number;
  /** Draw the "now" line (not for a final event: its story is over). */
  showNow?: boolean;
}

/** Everything the timeline draws, in pixels. */
export function layout(d: EventDetail, opts: LayoutOptions): Geometry {
  const left = opts.left ?? 16;
  const right = opts.right ?? 24;
  const width = Math.max(opts.width, left + right + 40);
  const inner = width - left - right;
  const labelGap = opts.labelGap ?? 56;
  const now = opts.now;
  const scale = d.time_scale || d.settings.time_scale || 1;
  const origin = Math.min(d.created_at, ...d.attempts.map((a) => a.started_at));
  const final = FINAL.includes(d.state);
  const attempts = [...d.attempts].sort((a, b) => a.number - b.number);

  // Where the planned attempts land: the next due time is known exactly (jitter and Retry-After
  // included); the ones after it keep the plan's gaps from it.
  const lastNumber = attempts.length > 0 ? attempts[attempts.length - 1].number : 0;
  const plan = [...d.plan].sort((a, b) => a.attempt - b.attempt);
  const future = final ? [] : plan.filter((p) => p.attempt > lastNumber);
  let plannedAt: { p: (typeof plan)[number]; at: number }[] = [];
  if (future.length > 0) {
    const first = future[0];
    const lastAttempt = attempts[attempts.length - 1];
    let anchor: number;
    if (d.next_attempt_at != null) anchor = d.next_attempt_at;
    else if (lastAttempt) {
      const before = plan.find((p) => p.attempt === lastAttempt.number);
      anchor = lastAttempt.started_at + (first.offset.scaled_ms - (before?.offset.scaled_ms ?? 0));
    } else anchor = first.at;
    plannedAt = future.map((p) => ({ p, at: anchor + (p.offset.scaled_ms - first.offset.scaled_ms) }));
  }

  const lastActual = Math.max(
    origin,
    ...attempts.map((a) => a.finished_at ?? a.started_at),
    ...d.marks.map((m) => m.at),
  );
  const nextAt = plannedAt.length > 0 ? plannedAt[0].at : null;
  const core = Math.max(lastActual, final ? lastActual : now, nextAt ?? origin);
  // Planned attempts up to five times the span so far fit; the rest are counted, not squeezed in
  // (a 24 h retry would make the first seconds one pixel).
  const limit = origin + Math.max((core - origin) * 5, 1000);
  const shown = plannedAt.filter((x) => x.at <= limit);
  const rawEnd = Math.max(core, ...shown.map((x) => x.at));
  const end = rawEnd + Math.max((rawEnd - origin) * 0.04, 200);
  const x = linearScale(origin, end, left, inner);

  const rows = labelRows(
    attempts.map((a) => x(a.started_at)),
    labelGap,
  );
  const attemptMarks: AttemptMark[] = attempts.map((a, i) => {
    const outcome = outcomeOf(a);
    const label = attemptResult(a);
    const latency = a.duration_ms ?? null;
    const because = a.next && 'because' in a.next ? `\n${a.next.because}` : '';
    return {
      number: a.number,
      at: a.started_at,
      x: x(a.started_at),
      outcome,
      label,
      latencyMs: latency,
      row: rows[i],
      title: `attempt ${a.number}: ${label}${latency != null ? ` in ${latency} ms` : ''} at +${formatDuration((a.started_at - origin) * scale)}${because}`,
    };
  });

  const planned: PlannedMark[] = shown.map(({ p, at }) => ({
    number: p.attempt,
    at,
    x: x(at),
    realOffsetMs: p.offset.real_ms,
    scaledOffsetMs: p.offset.scaled_ms,
    title:
      `attempt ${p.attempt} planned at +${formatDuration(p.offset.real_ms)} from the first` +
      (scale !== 1 ? ` (${formatDuration(p.offset.scaled_ms)} real at ${formatScale(scale)})` : '') +
      (at > now ? `, in ${formatDuration(((at - now) / 1000 | 0) * 1000)}` : ''),
  }));

  // The circuit was open from each opening to its half-open time; a deferral by a circuit this
  // event did not open lasts until its next attempt.
  const raw: { from: number; to: number; title: string }[] = [];
  for (const a of attempts) {
    const t = a.breaker;
    if (t && (t.kind === 'opened' || t.kind === 'reopened')) {
      raw.push({ from: t.at, to: t.until, title: t.kind === 'opened' ? `circuit open after ${t.consecutive_failures} failures` : 'circuit re-opened after a failed probe' });
    }
  }
  for (const m of d.marks) {
    if (m.kind !== 'breaker_deferred') continue;
    const nextStart = attempts.find((a) => a.started_at >= m.at)?.started_at;
    const to = nextStart ?? d.next_attempt_at ?? (final ? m.at : now);
    raw.push({ from: m.at, to: Math.max(to, m.at), title: m.text });
  }
  const periods: Period[] = mergePeriods(raw).map((p) => ({
    ...p,
    x1: x(Math.max(origin, p.from)),
    x2: x(Math.min(end, p.to)),
  }));

  const marks: PointMark[] = d.marks
    .filter((m) => m.kind !== 'breaker_deferred')
    .map((m) => ({ kind: m.kind, at: m.at, x: x(m.at), title: m.text }));

  const maxTicks = Math.max(2, Math.floor(inner / (scale === 1 ? 70 : 120)));
  return {
    width,
    left,
    right,
    origin,
    end,
    scale,
    attempts: attemptMarks,
    planned,
    plannedBeyond: plannedAt.length - shown.length,
    lastPlannedOffsetMs: plannedAt.length > 0 ? plannedAt[plannedAt.length - 1].p.offset.real_ms : null,
    periods,
    marks,
    nowX: opts.showNow !== false && now >= origin && now <= end ? x(now) : null,
    ticks: ticks(origin, end, scale, x, maxTicks),
  };
}
