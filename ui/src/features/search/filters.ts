//! The Inbox's filter set as the user sets it (text fields, a time range) and what it becomes: the
//! query of `GET /api/captures`, the words to highlight, and saved filters (named sets) kept by the host.
import type { CaptureFilter } from '../../api/types';
import { readSavedFilters, writeSavedFilters } from '../../platform/savedFilters';

export type TimeRange = '' | '15m' | '1h' | '24h' | 'custom';
export const RANGE_MS: Record<'15m' | '1h' | '24h', number> = { '15m': 15 * 60_000, '1h': 3_600_000, '24h': 86_400_000 };

export interface FilterSet {
  /** Full-text (`search=`). */
  search: string;
  /** Path or query substring (`q=`). */
  q: string;
  method: string;
  /** The answered status, as typed. */
  status: string;
  /** An endpoint id, or ''. */
  endpoint: string;
  verdict: '' | 'valid' | 'invalid';
  duplicate: '' | 'true' | 'false';
  range: TimeRange;
  /** For a custom range: `datetime-local` values (local time), either may be empty. */
  from: string;
  to: string;
}

export const EMPTY_FILTERS: FilterSet = {
  search: '',
  q: '',
  method: '',
  status: '',
  endpoint: '',
  verdict: '',
  duplicate: '',
  range: '',
  from: '',
  to: '',
};

/**
 * The API filter for a set; `now` fixes a relative range ("last hour") when the set is applied, so the
 * query key stays the same while the list is shown (live captures still arrive, they are newer).
 */
export function toCaptureFilter(f: FilterSet, now: number): CaptureFilter {
  const out: CaptureFilter = {};
  if (f.search.trim()) out.search = f.search.trim();
  if (f.q.trim()) out.q = f.q.trim();
  if (f.method) out.method = f.method;
  const status = f.status.trim();
  if (/^\d{1,3}$/.test(status)) out.status = Number(status);
  if (f.endpoint && /^\d+$/.test(f.endpoint)) out.endpoint = Number(f.endpoint);
  if (f.verdict) out.verdict = f.verdict;
  if (f.duplicate) out.duplicate = f.duplicate === 'true';
  if (f.range === '15m' || f.range === '1h' || f.range === '24h') {
    out.since = now - RANGE_MS[f.range];
  } else if (f.range === 'custom') {
    const from = f.from ? Date.parse(f.from) : NaN;
    const to = f.to ? Date.parse(f.to) : NaN;
    if (Number.isFinite(from)) out.since = from;
    if (Number.isFinite(to)) out.until = to;
  }
  return out;
}

/** The set that shows an API filter (an alert's link arrives as one). */
export function fromCaptureFilter(c: CaptureFilter): FilterSet {
  return {
    ...EMPTY_FILTERS,
    search: c.search ?? '',
    q: c.q ?? '',
    method: c.method ?? '',
    status: c.status !== undefined ? String(c.status) : '',
    endpoint: c.endpoint !== undefined ? String(c.endpoint) : '',
    verdict: c.verdict ?? '',
    duplicate: c.duplicate === undefined ? '' : c.duplicate ? 'true' : 'false',
  };
}

/** What is wrong with a field, if anything (shown next to it; the filter skips it meanwhile). */
export function statusProblem(f: FilterSet): string | null {
  const s = f.status.trim();
  if (s === '' || /^\d{1,3}$/.test(s)) return null;
  return 'a status is a number, e.g. 200 (0: no answer)';
}

export function isEmpty(f: FilterSet): boolean {
  return (Object.keys(EMPTY_FILTERS) as (keyof FilterSet)[]).every((k) => f[k] === EMPTY_FILTERS[k]);
}

/**
 * The words of a full-text search to highlight, as the engine reads them: quoted phrases kept whole,
 * other words split on spaces; lower-cased, empty ones dropped.
 */
export function searchTerms(search: string): string[] {
  const terms: string[] = [];
  const re = /"([^"]*)"?|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(search)) !== null) {
    const t = (m[1] ?? m[2] ?? '').trim().toLowerCase();
    if (t) terms.push(t);
  }
  return terms;
}

/** `text` cut into plain and matched parts (case-insensitive; each term a substring). */
export function highlightParts(text: string, terms: readonly string[]): { text: string; hit: boolean }[] {
  if (terms.length === 0 || !text) return [{ text, hit: false }];
  const lower = text.toLowerCase();
  const hits: [number, number][] = [];
  for (const t of terms) {
    let i = lower.indexOf(t);
    while (i >= 0) {
      hits.push([i, i + t.length]);
      i = lower.indexOf(t, i + t.length);
    }
  }
  if (hits.length === 0) return [{ text, hit: false }];
  hits.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const h of hits) {
    const last = merged[merged.length - 1];
    if (last && h[0] <= last[1]) last[1] = Math.max(last[1], h[1]);
    else merged.push([h[0], h[1]]);
  }
  const parts: { text: string; hit: boolean }[] = [];
  let at = 0;
  for (const [s, e] of merged) {
    if (s > at) parts.push({ text: text.slice(at, s), hit: false });
    parts.push({ text: text.slice(s, e), hit: true });
    at = e;
  }
  if (at < text.length) parts.push({ text: text.slice(at), hit: false });
  return parts;
}

// ---- saved filters ----

export interface SavedFilter {
  name: string;
  filters: FilterSet;
}

/** The saved filters in `raw`, each checked field by field (unknown or bad values are dropped). */
export function parseSaved(raw: unknown): SavedFilter[] {
  if (!Array.isArray(raw)) return [];
  const out: SavedFilter[] = [];
  for (const item of raw) {
    if (!item || typeof item !== 'object') continue;
    const { name, filters } = item as { name?: unknown; filters?: unknown };
    if (typeof name !== 'string' || !name.trim() || !filters || typeof filters !== 'object') continue;
    const f: FilterSet = { ...EMPTY_FILTERS };
    for (const k of Object.keys(EMPTY_FILTERS) as (keyof FilterSet)[]) {
      const v = (filters as Record<string, unknown>)[k];
      if (typeof v === 'string') (f as unknown as Record<string, string>)[k] = v;
    }
    if (!['', 'valid', 'invalid'].includes(f.verdict)) f.verdict = '';
    if (!['', 'true', 'false'].includes(f.duplicate)) f.duplicate = '';
    if (!['', '15m', '1h', '24h', 'custom'].includes(f.range)) f.range = '';
    out.push({ name: name.trim(), filters: f });
  }
  return out;
}

/** The list with `entry` added, replacing a saved filter of the same name. */
export function withSaved(list: readonly SavedFilter[], entry: SavedFilter): SavedFilter[] {
  return [...list.filter((s) => s.name !== entry.name), entry].sort((a, b) => a.name.localeCompare(b.name));
}

export async function loadSavedFilters(desktop: boolean): Promise<SavedFilter[]> {
  return parseSaved(await readSavedFilters(desktop));
}

export async function storeSavedFilters(desktop: boolean, list: readonly SavedFilter[]): Promise<void> {
  await writeSavedFilters(desktop, list);
}
