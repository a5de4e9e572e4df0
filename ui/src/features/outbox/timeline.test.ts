import { describe, expect, it } from 'vitest';
import type { Attempt, EventDetail } from '../../api/events';
import { countdown, formatDuration } from './format';
import { labelRows, layout, linearScale, mergePeriods, outcomeOf, tickStep, ticks } from './timeline';

const T0 = 1_700_000_000_000;

function attempt(n: number, startedAt: number, over: Partial<Attempt> = {}): Attempt {
  return {
    id: 100 + n,
    event_id: 1,
    number: n,
    state: 'finished',
    started_at: startedAt,
    finished_at: startedAt + 40,
    duration_ms: 40,
    request: { method: 'POST', url: 'http://127.0.0.1:9/hook', headers: [] },
    response: { status: 503, headers: [], body_base64: '', body_truncated: false },
    error_class: null,
    error: null,
    next: { kind: 'retry_at', at: startedAt + 1000, attempt: n + 1, delay: { real_ms: 1000, scaled_ms: 1000 }, because: '503 is retryable' },
    breaker: null,
    ...over,
  };
}

function detail(over: Partial<EventDetail> = {}): EventDetail {
  return {
    id: 1,
    destination_id: null,
    url: 'http://127.0.0.1:9/hook',
    method: 'POST',
    idempotency_key: 'msg_1',
    state: 'retrying',
    created_at: T0,
    updated_at: T0,
    next_attempt_at: null,
    attempt_count: 0,
    last_status: null,
    last_error: null,
    dead_reason: null,
    resent_from: null,
    body_size: 2,
    target_key: 'http://127.0.0.1:9',
    origin: 'send',
    headers: [],
    body_base64: 'e30=',
    exact: false,
    settings: { time_scale: 1 },
    first_attempt_at: T0,
    time_scale: 1,
    attempts: [],
    marks: [],
    plan: [],
    ...over,
  };
}

/** A plan of delays (ms, policy time) at a time scale, as the engine computes it. */
function plan(delays: number[], scale = 1) {
  let off = 0;
  return delays.map((d, i) => {
    off += i === 0 ? 0 : d;
    return { attempt: i + 1, offset: { real_ms: off, scaled_ms: Math.round(off / scale) }, at: T0 + Math.round(off / scale) };
  });
}

describe('durations as a schedule writes them', () => {
  it('uses at most two units, the larger first', () => {
    expect(formatDuration(0)).toBe('0');
    expect(formatDuration(750)).toBe('750ms');
    expect(formatDuration(1500)).toBe('1.5s');
    expect(formatDuration(5000)).toBe('5s');
    expect(formatDuration(90_000)).toBe('1m30s');
    expect(formatDuration(300_000)).toBe('5m');
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(3_600_000 + 5000)).toBe('1h');
    expect(formatDuration(2 * 86_400_000 + 3 * 3_600_000)).toBe('2d3h');
  });
  it('counts down to the next attempt in whole seconds', () => {
    expect(countdown(T0 + 4200, T0)).toBe('in 5s');
    expect(countdown(T0 + 130_000, T0)).toBe('in 2m10s');
    expect(countdown(T0 - 10, T0)).toBe('due now');
  });
});

describe('the time axis', () => {
  it('maps the origin to the left edge and the end to the right edge, linearly', () => {
    const x = linearScale(1000, 3000, 10, 200);
    expect(x(1000)).toBe(10);
    expect(x(3000)).toBe(210);
    expect(x(2000)).toBe(110);
  });

  it('picks the smallest round step that keeps the tick count within bounds', () => {
    expect(tickStep(10_000, 10)).toBe(1_000);
    expect(tickStep(60_000, 10)).toBe(10_000);
    expect(tickStep(3_600_000, 6)).toBe(600_000);
    expect(tickStep(3_600_000, 3)).toBe(1_800_000);
    expect(tickStep(3 * 86_400_000, 5)).toBe(86_400_000);
  });

  it('labels ticks in policy time and, at 60×, with the real time they take', () => {
    // 10 s of clock at 60× is 10 min of policy time.
    const x = linearScale(T0, T0 + 10_000, 0, 1000);
    const t = ticks(T0, T0 + 10_000, 60, x, 5);
    expect(t.map((k) => k.label)).toEqual(['0', '+2m', '+4m', '+6m', '+8m', '+10m']);
    expect(t[3].sub).toBe('6s real at 60×');
    expect(t[3].x).toBeCloseTo(600, 6);
    expect(t[0].sub).toBeNull();
  });

  it('has no real-time label at 1×', () => {
    const x = linearScale(T0, T0 + 60_000, 0, 600);
    const t = ticks(T0, T0 + 60_000, 1, x, 6);
    expect(t.map((k) => k.label)).toEqual(['0', '+10s', '+20s', '+30s', '+40s', '+50s', '+1m']);
    expect(t.every((k) => k.sub === null)).toBe(true);
  });
});

describe('marks on the timeline', () => {
  it('colours each attempt by what followed it', () => {
    expect(outcomeOf(attempt(1, T0))).toBe('retryable');
    expect(outcomeOf(attempt(1, T0, { response: { status: 200, headers: [], body_base64: '', body_truncated: false }, next: { kind: 'done' } }))).toBe('success');
    expect(outcomeOf(attempt(1, T0, { next: { kind: 'give_up', because: '400 is not retryable: dead letter' } }))).toBe('terminal');
    expect(outcomeOf(attempt(1, T0, { state: 'interrupted', next: null, response: null, error_class: 'interrupted' }))).toBe('interrupted');
    expect(outcomeOf(attempt(1, T0, { state: 'in_flight', next: null, response: null }))).toBe('in_flight');
  });

  it('places attempts and the planned ones after them from the next due time, keeping the plan gaps', () => {
    const d = detail({
      attempts: [attempt(1, T0), attempt(2, T0 + 1000)],
      attempt_count: 2,
      // Jitter made attempt 3 due 1.3 s after attempt 2, not the planned 1 s.
      next_attempt_at: T0 + 2300,
      plan: plan([0, 1000, 1000, 2000, 5000]),
    });
    const g = layout(d, { width: 1000, now: T0 + 1500, left: 0, right: 0 });
    expect(g.attempts.map((a) => a.number)).toEqual([1, 2]);
    expect(g.attempts[0].x).toBe(0);
    expect(g.planned.map((p) => p.number)).toEqual([3, 4, 5]);
    expect(g.planned.map((p) => p.at - T0)).toEqual([2300, 4300, 9300]);
    // The axis runs a little past the last planned attempt, so it is inside the picture.
    expect(g.end).toBeGreaterThan(T0 + 9300);
    expect(g.planned[2].x).toBeLessThan(1000);
    expect(g.planned[0].x).toBeCloseTo((2300 / (g.end - T0)) * 1000, 6);
    expect(g.nowX).toBeCloseTo((1500 / (g.end - T0)) * 1000, 6);
  });

  it('draws no planned attempts once the event is final', () => {
    const d = detail({
      state: 'delivered',
      attempts: [attempt(1, T0), attempt(2, T0 + 1000, { response: { status: 200, headers: [], body_base64: '', body_truncated: false }, next: { kind: 'done' } })],
      plan: plan([0, 1000, 1000]),
    });
    const g = layout(d, { width: 500, now: T0 + 60_000 });
    expect(g.planned).toEqual([]);
    expect(g.attempts.map((a) => a.outcome)).toEqual(['retryable', 'success']);
    // A final event's axis ends at its last attempt, not at "now" a minute later.
    expect(g.end - T0).toBeLessThan(2000);
  });

  it('counts far planned attempts instead of squeezing the near ones', () => {
    const d = detail({
      attempts: [attempt(1, T0)],
      next_attempt_at: T0 + 60_000,
      plan: plan([0, 60_000, 300_000, 1_800_000, 7_200_000]),
    });
    const g = layout(d, { width: 800, now: T0 + 1000 });
    expect(g.planned.map((p) => p.number)).toEqual([2]);
    expect(g.plannedBeyond).toBe(3);
    expect(g.lastPlannedOffsetMs).toBe(60_000 + 300_000 + 1_800_000 + 7_200_000);
  });

  it('shades the circuit open from each opening to its half-open time, and a deferral until the next attempt', () => {
    const d = detail({
      attempts: [
        attempt(1, T0),
        attempt(2, T0 + 1000, { breaker: { kind: 'opened', at: T0 + 1040, until: T0 + 4000, consecutive_failures: 2 } }),
        attempt(3, T0 + 6000),
      ],
      marks: [
        { at: T0 + 1040, kind: 'breaker_opened', text: 'circuit opened after 2 consecutive failures' },
        { at: T0 + 3000, kind: 'breaker_deferred', text: 'circuit open: deferred' },
      ],
      next_attempt_at: T0 + 8000,
      plan: plan([0, 1000, 1000, 1000]),
    });
    const g = layout(d, { width: 1000, now: T0 + 7000, left: 0, right: 0 });
    // [1040, 4000] and the deferral [3000, 6000] overlap: one period.
    expect(g.periods.map((p) => [p.from - T0, p.to - T0])).toEqual([[1040, 6000]]);
    expect(g.periods[0].x2).toBeGreaterThan(g.periods[0].x1);
    expect(g.marks.map((m) => m.kind)).toEqual(['breaker_opened']);
  });

  it('merges only periods that touch', () => {
    const m = mergePeriods([
      { from: 5, to: 8, title: 'b' },
      { from: 0, to: 2, title: 'a' },
      { from: 2, to: 3, title: 'c' },
    ]);
    expect(m.map((p) => [p.from, p.to])).toEqual([
      [0, 3],
      [5, 8],
    ]);
  });

  it('puts labels on a second row when two attempts are close, and none when both rows are taken', () => {
    expect(labelRows([0, 10, 20, 100], 50)).toEqual([0, 1, -1, 0]);
  });

  it('places plan offsets on the scaled clock at 60× and says both in the title', () => {
    const d = detail({
      settings: { time_scale: 60 },
      time_scale: 60,
      attempts: [attempt(1, T0)],
      next_attempt_at: T0 + 5000,
      plan: plan([0, 300_000, 600_000], 60),
    });
    const g = layout(d, { width: 600, now: T0 + 100 });
    expect(g.scale).toBe(60);
    expect(g.planned.map((p) => p.at - T0)).toEqual([5000, 15_000]);
    expect(g.planned[0].title).toContain('+5m from the first (5s real at 60×)');
    expect(g.ticks.some((t) => t.sub?.includes('real at 60×'))).toBe(true);
  });

  it('prefers the scale the engine says the event runs at (the global one) over its own 1×', () => {
    const d = detail({ time_scale: 3600, attempts: [attempt(1, T0)], next_attempt_at: T0 + 1000, plan: plan([0, 3_600_000], 3600) });
    expect(layout(d, { width: 600, now: T0 }).scale).toBe(3600);
  });
});
