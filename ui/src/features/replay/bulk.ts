//! The Replays view's forms as pure functions: what the user chose (captures by filter or ids,
//! events by state/destination/time) → the `source` the engine takes, the bulk replay and export
//! request bodies, and how a bulk replay's progress reads.
import type { Batch, BatchInput, BatchSource, ExportFormat, ExportInput, ReplayMode, ReplayTarget } from '../../api/replay';

export interface SourceForm {
  kind: 'captures' | 'events';
  /** Ids typed or carried over ("3, 5-8, 12"); when given, the filters are not used. */
  ids: string;
  endpoint: string;
  method: string;
  verdict: '' | 'valid' | 'invalid';
  duplicate: '' | 'true' | 'false';
  q: string;
  state: string;
  destination: string;
  /** `datetime-local` values (local time), empty for no bound. */
  since: string;
  until: string;
}

export const EMPTY_SOURCE: SourceForm = {
  kind: 'captures',
  ids: '',
  endpoint: '',
  method: '',
  verdict: '',
  duplicate: '',
  q: '',
  state: 'dead',
  destination: '',
  since: '',
  until: '',
};

/** "3, 5-8 12" → [3, 5, 6, 7, 8, 12]; a part that is not a number or range is an error naming it. */
export function parseIds(text: string): number[] | { error: string } {
  const out: number[] = [];
  for (const part of text.split(/[\s,]+/).filter(Boolean)) {
    const range = /^(\d+)-(\d+)$/.exec(part);
    if (range) {
      const [a, b] = [Number(range[1]), Number(range[2])];
      if (b < a || b - a > 100_000) return { error: `'${part}' is not a range of ids` };
      for (let i = a; i <= b; i++) out.push(i);
    } else if (/^\d+$/.test(part)) out.push(Number(part));
    else return { error: `'${part}' is not an id` };
  }
  return [...new Set(out)];
}

/** A `datetime-local` value as unix ms, or `undefined` when empty or unreadable. */
export function localToMs(v: string): number | undefined {
  if (!v) return undefined;
  const t = new Date(v).getTime();
  return Number.isFinite(t) ? t : undefined;
}

/** The engine's `source` for a form: ids when given, else every filter that is set. */
export function buildSource(f: SourceForm): BatchSource | { error: string } {
  const since = localToMs(f.since);
  const until = localToMs(f.until);
  const time = { ...(since !== undefined ? { since } : {}), ...(until !== undefined ? { until } : {}) };
  if (f.ids.trim()) {
    const ids = parseIds(f.ids);
    if ('error' in ids) return ids;
    if (ids.length === 0) return { error: 'the selection is empty' };
    return { kind: f.kind, ids };
  }
  if (f.kind === 'captures') {
    return {
      kind: 'captures',
      ...(f.endpoint ? { endpoint: Number(f.endpoint) } : {}),
      ...(f.method ? { method: f.method } : {}),
      ...(f.verdict ? { verdict: f.verdict } : {}),
      ...(f.duplicate ? { duplicate: f.duplicate === 'true' } : {}),
      ...(f.q.trim() ? { q: f.q.trim() } : {}),
      ...time,
    };
  }
  return {
    kind: 'events',
    ...(f.state ? { state: f.state } : {}),
    ...(f.destination ? { destination: Number(f.destination) } : {}),
    ...time,
  };
}

export interface TargetForm {
  kind: 'url' | 'destination';
  url: string;
  destination: string;
  mode: ReplayMode;
  rate: string;
}

/** The bulk replay request; captures need a target, events go back to their own. */
export function buildBatchInput(source: SourceForm, target: TargetForm): BatchInput | { error: string } {
  const s = buildSource(source);
  if ('error' in s) return s;
  const rate = Number(target.rate);
  if (!Number.isFinite(rate) || rate <= 0 || rate > 1000) return { error: 'rate: between 0 and 1000 per second' };
  const input: BatchInput = { source: s, rate_per_sec: rate };
  if (s.kind === 'captures') {
    let to: ReplayTarget;
    if (target.kind === 'url') {
      if (!/^https?:\/\//i.test(target.url.trim())) return { error: 'to: give an http:// or https:// URL' };
      to = { url: target.url.trim() };
    } else {
      if (!target.destination) return { error: 'to: choose a destination' };
      to = { destination: Number(target.destination) };
    }
    input.to = to;
    input.mode = target.mode;
  }
  return input;
}

/** The export request: the same source, a format, and redaction (on unless turned off). */
export function buildExportInput(source: SourceForm, format: ExportFormat, redact: boolean, extraHeaders = ''): ExportInput | { error: string } {
  const s = buildSource(source);
  if ('error' in s) return s;
  const redact_headers = extraHeaders
    .split(/[\s,]+/)
    .map((h) => h.trim())
    .filter(Boolean);
  return { format, source: s, redact, ...(redact && redact_headers.length > 0 ? { redact_headers } : {}) };
}

/** Progress of a bulk replay in words and numbers. */
export function progressOf(b: Batch): { percent: number; finished: boolean; summary: string } {
  const percent = b.total > 0 ? Math.min(100, Math.round((b.done / b.total) * 100)) : 100;
  const settled = b.counts.in_progress === 0;
  const finished = (b.state === 'done' || b.state === 'cancelled') && settled;
  const parts = [`${b.counts.delivered} delivered`];
  if (b.counts.dead > 0) parts.push(`${b.counts.dead} dead`);
  if (b.counts.cancelled > 0) parts.push(`${b.counts.cancelled} cancelled`);
  if (b.skipped > 0) parts.push(`${b.skipped} skipped`);
  if (b.counts.in_progress > 0) parts.push(`${b.counts.in_progress} in progress`);
  const head =
    b.state === 'cancelled'
      ? `Cancelled after ${b.done} of ${b.total}`
      : b.state === 'done'
        ? settled
          ? `Finished: ${b.total} item${b.total === 1 ? '' : 's'}`
          : `All ${b.total} enqueued, waiting for deliveries`
        : b.state === 'paused'
          ? `Paused at ${b.done} of ${b.total}`
          : `${b.done} of ${b.total} enqueued`;
  return { percent, finished, summary: `${head} — ${parts.join(', ')}` };
}

/** A bulk replay's source in a few words, for the list of past ones. */
export function describeSource(s: BatchSource): string {
  if (s.ids) return `${s.ids.length} selected ${s.kind}`;
  const bits: string[] = [];
  if (s.kind === 'captures') {
    if (s.endpoint !== undefined && s.endpoint !== null) bits.push(`endpoint #${s.endpoint}`);
    if (s.method) bits.push(s.method);
    if (s.verdict) bits.push(`verdict ${s.verdict}`);
    if (s.duplicate !== undefined && s.duplicate !== null) bits.push(s.duplicate ? 'duplicates' : 'first copies');
    if (s.q) bits.push(`path contains "${s.q}"`);
  } else {
    if (s.state) bits.push(s.state);
    if (s.destination !== undefined && s.destination !== null) bits.push(`destination #${s.destination}`);
  }
  if (s.since) bits.push(`since ${new Date(s.since).toLocaleString()}`);
  if (s.until) bits.push(`until ${new Date(s.until).toLocaleString()}`);
  return `${s.kind}${bits.length ? ': ' + bits.join(', ') : ' (all)'}`;
}
