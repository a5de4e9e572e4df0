//! The retry policy as a form (a preset, a list of delays, or exponential) and back, plus the
//! splitting of the engine's 422 messages into per-field errors. Shared by the destination form
//! and the composer.
import type { RetryPolicy, RetryPreset } from '../../api/events';

export interface PolicyForm {
  mode: 'preset' | 'delays' | 'exponential';
  preset: string;
  /** `0, 30s, 2m, 10m, 1h` */
  delays: string;
  initial: string;
  factor: string;
  cap: string;
  /** '' = until max total. */
  maxAttempts: string;
  /** '' = no bound. */
  maxTotal: string;
  jitter: string;
  connectionErrors: boolean;
  timeouts: boolean;
  /** `5xx, 429, 408` */
  statuses: string;
  retryAfterMax: string;
}

export function emptyPolicyForm(preset = 'standard'): PolicyForm {
  return {
    mode: 'preset',
    preset,
    delays: '0, 30s, 2m, 10m, 1h',
    initial: '30s',
    factor: '2',
    cap: '1h',
    maxAttempts: '8',
    maxTotal: '',
    jitter: '20',
    connectionErrors: true,
    timeouts: true,
    statuses: '5xx, 429, 408',
    retryAfterMax: '1h',
  };
}

const DURATION = /^(0+|(\d+(ms|s|m|h|d))+)$/i;

/** Checks a duration as the engine writes it (`0`, `500ms`, `30s`, `2m`, `1h30m`, `3d`). */
export function durationProblem(text: string): string | null {
  const t = text.replace(/\s+/g, '');
  if (t === '') return 'empty; write e.g. 0, 30s, 2m, 1h';
  return DURATION.test(t) ? null : `'${text.trim()}' is not a duration; write e.g. 0, 500ms, 30s, 2m, 1h30m, 3d`;
}

export function splitList(text: string): string[] {
  return text
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The form for a stored policy: the preset it equals, else its custom fields. */
export function policyFormFrom(p: RetryPolicy | null | undefined, presets: RetryPreset[]): PolicyForm {
  const f = emptyPolicyForm();
  if (!p) return f;
  const preset = presets.find((x) => sameJson(normalise(x.policy), normalise(p)));
  if (preset) {
    f.preset = preset.id;
    return f;
  }
  const s = p.schedule;
  if (s.kind === 'delays') {
    f.mode = 'delays';
    f.delays = s.list.join(', ');
  } else {
    f.mode = 'exponential';
    f.initial = s.initial;
    f.factor = String(s.factor);
    f.cap = s.cap;
    f.maxAttempts = s.max_attempts != null ? String(s.max_attempts) : '';
  }
  f.maxTotal = p.max_total ?? '';
  f.jitter = String(p.jitter_pct ?? 20);
  f.connectionErrors = p.retry_on?.connection_errors ?? true;
  f.timeouts = p.retry_on?.timeouts ?? true;
  f.statuses = (p.retry_on?.statuses ?? ['5xx', '429', '408']).join(', ');
  f.retryAfterMax = p.retry_after_max ?? '1h';
  return f;
}

/** Defaults written out, so a stored policy and a preset compare equal. */
function normalise(p: RetryPolicy): RetryPolicy {
  return {
    schedule: p.schedule.kind === 'exponential' ? { ...p.schedule, max_attempts: p.schedule.max_attempts ?? null } : p.schedule,
    max_total: p.max_total ?? null,
    jitter_pct: p.jitter_pct ?? 20,
    retry_on: {
      connection_errors: p.retry_on?.connection_errors ?? true,
      timeouts: p.retry_on?.timeouts ?? true,
      statuses: p.retry_on?.statuses ?? ['5xx', '429', '408'],
    },
    retry_after_max: p.retry_after_max ?? '1h',
  };
}

export type PolicyValue = RetryPolicy | { preset: string };

/**
 * The policy to send, or the problems found before sending (keyed like the engine's fields under
 * `prefix`, e.g. `retry.schedule.list`), so they show next to the same inputs as a 422 would.
 */
export function toPolicy(f: PolicyForm, prefix: string): { value: PolicyValue } | { problems: Record<string, string> } {
  if (f.mode === 'preset') return { value: { preset: f.preset } };
  const problems: Record<string, string> = {};
  const dur = (field: string, text: string) => {
    const p = durationProblem(text);
    if (p) problems[`${prefix}.${field}`] = p;
    return text.replace(/\s+/g, '');
  };
  const int = (field: string, text: string, min: number, max: number): number => {
    const n = Number(text.trim());
    if (text.trim() === '' || !Number.isInteger(n) || n < min || n > max) problems[`${prefix}.${field}`] = `'${text}' must be a whole number from ${min} to ${max}`;
    return n;
  };
  let schedule: RetryPolicy['schedule'];
  if (f.mode === 'delays') {
    const list = splitList(f.delays);
    if (list.length === 0) problems[`${prefix}.schedule.list`] = 'give at least one delay (0 for an immediate first attempt)';
    const bad = list.map(durationProblem).find((p) => p !== null);
    if (bad) problems[`${prefix}.schedule.list`] = bad;
    schedule = { kind: 'delays', list: list.map((d) => d.replace(/\s+/g, '')) };
  } else {
    const factor = Number(f.factor.trim());
    if (!Number.isFinite(factor) || factor < 1) problems[`${prefix}.schedule.factor`] = `'${f.factor}' must be a number of at least 1 (2 doubles each delay)`;
    schedule = {
      kind: 'exponential',
      initial: dur('schedule.initial', f.initial),
      factor,
      cap: dur('schedule.cap', f.cap),
      max_attempts: f.maxAttempts.trim() === '' ? null : int('schedule.max_attempts', f.maxAttempts, 1, 1000),
    };
  }
  const value: RetryPolicy = {
    schedule,
    max_total: f.maxTotal.trim() === '' ? null : dur('max_total', f.maxTotal),
    jitter_pct: int('jitter_pct', f.jitter, 0, 100),
    retry_on: { connection_errors: f.connectionErrors, timeouts: f.timeouts, statuses: splitList(f.statuses) },
    retry_after_max: dur('retry_after_max', f.retryAfterMax),
  };
  return Object.keys(problems).length > 0 ? { problems } : { value };
}

/** "8 attempts: 0, 5s, 5m, …" — a policy in a line. */
export function describePolicy(p: RetryPolicy): string {
  const s = p.schedule;
  if (s.kind === 'delays') {
    const n = s.list.length;
    return `${n} attempt${n === 1 ? '' : 's'}: ${s.list.join(', ')}`;
  }
  const n = s.max_attempts != null ? `${s.max_attempts} attempts` : 'attempts';
  const total = p.max_total ? `, for at most ${p.max_total}` : '';
  return `${n}: exponential from ${s.initial} ×${s.factor}, at most ${s.cap} apart${total}`;
}

export interface FieldErrors {
  /** By the engine's field path: `name`, `headers[0].name`, `retry.schedule.list`, … */
  fields: Record<string, string>;
  /** Parts of the message that name no field. */
  general: string[];
}

const FIELD = String.raw`[a-z_]+(?:\[\d+\])?(?:\.[a-z_]+(?:\[\d+\])?)*`;

/** Splits the engine's 422 message, `field: what; field2: what`, into per-field errors. */
export function splitProblems(message: string): FieldErrors {
  const out: FieldErrors = { fields: {}, general: [] };
  for (const part of message.split(new RegExp(String.raw`;\s+(?=${FIELD}:\s)`))) {
    const m = new RegExp(String.raw`^(${FIELD}):\s(.*)$`, 's').exec(part.trim());
    if (m) out.fields[m[1]] = out.fields[m[1]] ? `${out.fields[m[1]]}; ${m[2]}` : m[2];
    else if (part.trim()) out.general.push(part.trim());
  }
  return out;
}

/** The errors of fields at or under any of `paths` (`headers` takes `headers[2].name`), as lines. */
export function errorsAt(errors: FieldErrors | null, ...paths: string[]): string[] {
  if (!errors) return [];
  return Object.entries(errors.fields)
    .filter(([k]) => paths.some((p) => k === p || k.startsWith(p + '.') || k.startsWith(p + '[')))
    .map(([k, v]) => (paths.includes(k) ? v : `${k}: ${v}`));
}

/** Adds problems found before sending to the errors shown. */
export function withProblems(problems: Record<string, string>): FieldErrors {
  return { fields: { ...problems }, general: [] };
}

