import { describe, expect, it } from 'vitest';
import { EMPTY_FAULT_FORM, buildPlan, planId, togglePlan, type FaultForm } from './plan';
import type { FaultPlan } from '../../api/faults';

const NOW = 1_795_940_360_430;

function build(over: Partial<FaultForm>) {
  const r = buildPlan({ ...EMPTY_FAULT_FORM, ...over }, NOW);
  if (!r.ok) throw new Error(`expected a plan, got ${JSON.stringify(r.errors)}`);
  return r.plan;
}

describe('the fault plan builder', () => {
  it('builds a status with Retry-After in seconds, stamped now and switched on', () => {
    const plan = build({ name: 'Slow down', status: '429', retryAfter: 'seconds', retryAfterSecs: '30', body: '{"e":1}' });
    expect(plan).toEqual({
      id: `slow-down-${NOW.toString(36)}`,
      name: 'Slow down',
      enabled: true,
      activated_at: NOW,
      fault: { kind: 'status', status: 429, headers: [], body: '{"e":1}', retry_after: { kind: 'seconds', secs: 30 } },
    });
  });

  it('builds Retry-After as an HTTP date some seconds ahead, and none at all', () => {
    expect(build({ status: '503', retryAfter: 'http_date', retryAfterSecs: '120' }).fault).toEqual({
      kind: 'status', status: 503, headers: [], body: '', retry_after: { kind: 'http_date', in_secs: 120 },
    });
    expect(build({ status: '410' }).fault).toMatchObject({ kind: 'status', status: 410, retry_after: null });
  });

  it('builds each latency distribution', () => {
    expect(build({ kind: 'latency', latency: 'fixed', fixedMs: '5000' }).fault).toEqual({
      kind: 'latency', distribution: { kind: 'fixed', ms: 5000 },
    });
    expect(build({ kind: 'latency', latency: 'uniform', minMs: '100', maxMs: '900' }).fault).toEqual({
      kind: 'latency', distribution: { kind: 'uniform', min_ms: 100, max_ms: 900 },
    });
    expect(build({ kind: 'latency', latency: 'log_normal', p50Ms: '200', p99Ms: '8000' }).fault).toEqual({
      kind: 'latency', distribution: { kind: 'log_normal', p50_ms: 200, p99_ms: 8000 },
    });
  });

  it('builds hold, reset and slow body', () => {
    expect(build({ kind: 'timeout', maxHoldMs: '60000' }).fault).toEqual({ kind: 'timeout', max_hold_ms: 60000 });
    expect(build({ kind: 'reset' }).fault).toEqual({ kind: 'reset' });
    expect(build({ kind: 'slow_body', bytesPerSec: '10', chunkBytes: '2' }).fault).toEqual({
      kind: 'slow_body', bytes_per_sec: 10, chunk_bytes: 2,
    });
  });

  it('builds receiver off until switched off, or until a moment from now', () => {
    expect(build({ kind: 'receiver_off' }).fault).toEqual({ kind: 'receiver_off', until: null });
    expect(build({ kind: 'receiver_off', offForSecs: '90' }).fault).toEqual({ kind: 'receiver_off', until: NOW + 90_000 });
  });

  it('refuses to wrap receiver off, which the engine would reject', () => {
    const r = buildPlan({ ...EMPTY_FAULT_FORM, kind: 'receiver_off', wrap: 'outage' }, NOW);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors.wrap).toMatch(/duration/);
  });

  it('wraps in "only the first N requests", overall or per idempotency key', () => {
    expect(build({ kind: 'reset', wrap: 'fail_first', firstN: '3' }).fault).toEqual({
      kind: 'fail_first', n: 3, per: { kind: 'overall' }, fault: { kind: 'reset' },
    });
    expect(build({ kind: 'reset', wrap: 'fail_first', firstN: '2', perKey: true }).fault).toEqual({
      kind: 'fail_first', n: 2, per: { kind: 'idempotency_key', source: null }, fault: { kind: 'reset' },
    });
  });

  it('wraps in "with probability p", keeping the seed for a replay', () => {
    expect(build({ kind: 'timeout', maxHoldMs: '1000', wrap: 'probability', p: '0.25', seed: '7' }).fault).toEqual({
      kind: 'probability', p: 0.25, seed: 7, fault: { kind: 'timeout', max_hold_ms: 1000 },
    });
  });

  it('wraps in "only for the next X seconds" as an outage window', () => {
    const plan = build({ status: '503', wrap: 'outage', forSecs: '120' });
    expect(plan.fault).toEqual({
      kind: 'outage',
      window: { kind: 'next', secs: 120 },
      fault: { kind: 'status', status: 503, headers: [], body: '', retry_after: null },
    });
    expect(plan.name).toBe('503 for 120 s');
  });

  it('wraps in "only between two times" as an outage window with both ends', () => {
    const fromAt = '2026-11-29T10:00';
    const untilAt = '2026-11-29T10:30';
    const plan = build({ status: '502', wrap: 'between', fromAt, untilAt });
    expect(plan.fault).toEqual({
      kind: 'outage',
      window: { kind: 'between', start_at: Date.parse(fromAt), end_at: Date.parse(untilAt) },
      fault: { kind: 'status', status: 502, headers: [], body: '', retry_after: null },
    });
    const backwards = buildPlan({ ...EMPTY_FAULT_FORM, wrap: 'between', fromAt: untilAt, untilAt: fromAt }, NOW);
    expect(backwards.ok ? {} : backwards.errors).toEqual({ untilAt: 'after the start' });
    const empty = buildPlan({ ...EMPTY_FAULT_FORM, wrap: 'between' }, NOW);
    expect(empty.ok ? {} : empty.errors).toEqual({ fromAt: 'a date and time', untilAt: 'a date and time' });
  });

  it('names an unnamed plan from what it does', () => {
    expect(build({ status: '429', retryAfter: 'seconds', retryAfterSecs: '30', wrap: 'fail_first', firstN: '3' }).name).toBe(
      '429 with Retry-After 30 s, first 3 requests',
    );
  });

  it('points at every number field that is not a number', () => {
    const r = buildPlan({ ...EMPTY_FAULT_FORM, status: 'abc', retryAfter: 'seconds', retryAfterSecs: '-1', wrap: 'probability', p: 'lots' }, NOW);
    expect(r.ok).toBe(false);
    expect(!r.ok && Object.keys(r.errors).sort()).toEqual(['p', 'retryAfterSecs', 'status']);
  });

  it('makes ids the engine accepts from any name', () => {
    const id = planId('  Ünïcode / 50% off!! ', NOW);
    expect(id).toMatch(/^[A-Za-z0-9._-]{1,64}$/);
    expect(planId('', NOW)).toBe(`fault-${NOW.toString(36)}`);
    expect(planId('x'.repeat(200), NOW).length).toBeLessThanOrEqual(64);
  });

  it('switches one plan off, and back on restarted from now', () => {
    const plans: FaultPlan[] = [
      { id: 'a', name: 'A', enabled: true, activated_at: 1, fault: { kind: 'reset' } },
      { id: 'b', name: 'B', enabled: true, activated_at: 2, fault: { kind: 'reset' } },
    ];
    const off = togglePlan(plans, 'a', NOW);
    expect(off).toEqual([{ ...plans[0], enabled: false }, plans[1]]);
    expect(togglePlan(off, 'a', NOW)).toEqual([{ ...plans[0], activated_at: NOW }, plans[1]]);
  });
});
