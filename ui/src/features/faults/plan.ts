//! The custom fault form as data, and the pure builder that turns it into a `FaultPlan` exactly as
//! `POST /api/endpoints/{id}/faults` takes it. The engine validates again (422); this only catches
//! what cannot even be sent, such as a number field holding words.
import type { Delay, FaultKind, FaultPlan } from '../../api/faults';

export type BaseKind = 'status' | 'latency' | 'timeout' | 'reset' | 'slow_body' | 'receiver_off';
export type Wrapper = 'none' | 'fail_first' | 'probability' | 'outage' | 'between';

export interface FaultForm {
  name: string;
  kind: BaseKind;
  // status
  status: string;
  retryAfter: 'none' | 'seconds' | 'http_date';
  retryAfterSecs: string;
  body: string;
  // latency
  latency: 'fixed' | 'uniform' | 'log_normal';
  fixedMs: string;
  minMs: string;
  maxMs: string;
  p50Ms: string;
  p99Ms: string;
  // timeout (hold)
  maxHoldMs: string;
  // slow body
  bytesPerSec: string;
  chunkBytes: string;
  // receiver off: empty = until switched off
  offForSecs: string;
  // wrapper
  wrap: Wrapper;
  firstN: string;
  perKey: boolean;
  p: string;
  seed: string;
  forSecs: string;
  /** `between`: local date-times as a `datetime-local` input gives them (`2026-11-29T10:00`). */
  fromAt: string;
  untilAt: string;
}

export const EMPTY_FAULT_FORM: FaultForm = {
  name: '',
  kind: 'status',
  status: '503',
  retryAfter: 'none',
  retryAfterSecs: '30',
  body: '',
  latency: 'fixed',
  fixedMs: '2000',
  minMs: '100',
  maxMs: '2000',
  p50Ms: '200',
  p99Ms: '5000',
  maxHoldMs: '30000',
  bytesPerSec: '64',
  chunkBytes: '16',
  offForSecs: '',
  wrap: 'none',
  firstN: '3',
  perKey: false,
  p: '0.3',
  seed: '1',
  forSecs: '120',
  fromAt: '',
  untilAt: '',
};

/** Field name → what is wrong with it. */
export type FaultFormErrors = Partial<Record<keyof FaultForm, string>>;

export type BuildResult = { ok: true; plan: FaultPlan } | { ok: false; errors: FaultFormErrors };

/** Builds the plan at `now` (unix ms): `activated_at`, the id and a `receiver_off` end come from it. */
export function buildPlan(form: FaultForm, now: number): BuildResult {
  const errors: FaultFormErrors = {};
  const int = (field: keyof FaultForm): number => {
    const text = String(form[field]).trim();
    if (!/^\d+$/.test(text)) {
      errors[field] = 'a whole number';
      return 0;
    }
    return Number(text);
  };

  let fault: FaultKind;
  switch (form.kind) {
    case 'status': {
      const status = int('status');
      const retry_after =
        form.retryAfter === 'seconds'
          ? { kind: 'seconds' as const, secs: int('retryAfterSecs') }
          : form.retryAfter === 'http_date'
            ? { kind: 'http_date' as const, in_secs: int('retryAfterSecs') }
            : null;
      fault = { kind: 'status', status, headers: [], body: form.body, retry_after };
      break;
    }
    case 'latency': {
      let distribution: Delay;
      if (form.latency === 'fixed') distribution = { kind: 'fixed', ms: int('fixedMs') };
      else if (form.latency === 'uniform') distribution = { kind: 'uniform', min_ms: int('minMs'), max_ms: int('maxMs') };
      else distribution = { kind: 'log_normal', p50_ms: int('p50Ms'), p99_ms: int('p99Ms') };
      fault = { kind: 'latency', distribution };
      break;
    }
    case 'timeout':
      fault = { kind: 'timeout', max_hold_ms: int('maxHoldMs') };
      break;
    case 'reset':
      fault = { kind: 'reset' };
      break;
    case 'slow_body':
      fault = { kind: 'slow_body', bytes_per_sec: int('bytesPerSec'), chunk_bytes: int('chunkBytes') };
      break;
    case 'receiver_off': {
      const secs = form.offForSecs.trim() === '' ? null : int('offForSecs');
      fault = { kind: 'receiver_off', until: secs === null ? null : now + secs * 1000 };
      if (form.wrap !== 'none') {
        errors.wrap = 'receiver off cannot be wrapped: give it a duration instead';
      }
      break;
    }
  }

  if (form.kind !== 'receiver_off') {
    switch (form.wrap) {
      case 'none':
        break;
      case 'fail_first':
        fault = {
          kind: 'fail_first',
          n: int('firstN'),
          per: form.perKey ? { kind: 'idempotency_key', source: null } : { kind: 'overall' },
          fault,
        };
        break;
      case 'probability': {
        const text = form.p.trim();
        const p = Number(text);
        if (text === '' || !Number.isFinite(p)) errors.p = 'a number from 0 to 1, e.g. 0.3';
        fault = { kind: 'probability', p, seed: int('seed'), fault };
        break;
      }
      case 'outage':
        fault = { kind: 'outage', window: { kind: 'next', secs: int('forSecs') }, fault };
        break;
      case 'between': {
        const start = Date.parse(form.fromAt);
        const end = Date.parse(form.untilAt);
        if (!Number.isFinite(start)) errors.fromAt = 'a date and time';
        if (!Number.isFinite(end)) errors.untilAt = 'a date and time';
        else if (Number.isFinite(start) && end <= start) errors.untilAt = 'after the start';
        fault = { kind: 'outage', window: { kind: 'between', start_at: start, end_at: end }, fault };
        break;
      }
    }
  }

  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const name = form.name.trim() || describeFault(fault);
  return { ok: true, plan: { id: planId(name, now), name, enabled: true, activated_at: now, fault } };
}

/** A plan id the engine accepts (1–64 of `[A-Za-z0-9._-]`), unique per moment. */
export function planId(name: string, now: number): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return `${slug || 'fault'}-${now.toString(36)}`;
}

function describeDelay(d: Delay): string {
  switch (d.kind) {
    case 'none':
      return 'no delay';
    case 'fixed':
      return `${d.ms} ms`;
    case 'uniform':
      return `${d.min_ms}–${d.max_ms} ms`;
    case 'log_normal':
      return `p50 ${d.p50_ms} ms, p99 ${d.p99_ms} ms`;
  }
}

/** A default name for a plan the user did not name: `429 with Retry-After 30 s, first 3 requests`. */
export function describeFault(f: FaultKind): string {
  switch (f.kind) {
    case 'status': {
      const ra = f.retry_after;
      if (!ra) return `${f.status}`;
      return ra.kind === 'seconds'
        ? `${f.status} with Retry-After ${ra.secs} s`
        : `${f.status} with Retry-After date +${ra.in_secs} s`;
    }
    case 'latency':
      return `latency ${describeDelay(f.distribution)}`;
    case 'timeout':
      return `hold up to ${f.max_hold_ms} ms`;
    case 'reset':
      return 'connection reset';
    case 'slow_body':
      return `slow body ${f.bytes_per_sec} B/s`;
    case 'receiver_off':
      return f.until == null ? 'receiver off' : 'receiver off for a while';
    case 'fail_first':
      return `${f.fault ? describeFault(f.fault) : '503'}, first ${f.n} requests${f.per?.kind === 'idempotency_key' ? ' per key' : ''}`;
    case 'probability':
      return `${f.fault ? describeFault(f.fault) : '503'}, ${Math.round(f.p * 1000) / 10}% of requests`;
    case 'outage':
      return `${f.fault ? describeFault(f.fault) : '503'}${f.window.kind === 'next' ? ` for ${f.window.secs} s` : ' in a window'}`;
  }
}

/** The list with one plan switched; switching on restarts it now (its window, counters, sequence). */
export function togglePlan(plans: FaultPlan[], id: string, now: number): FaultPlan[] {
  return plans.map((p) => {
    if (p.id !== id) return p;
    const on = p.enabled === false;
    return on ? { ...p, enabled: true, activated_at: now } : { ...p, enabled: false };
  });
}
