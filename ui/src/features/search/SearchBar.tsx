//! The Inbox's filter bar: full-text search (debounced, results as you type), path, method, status,
//! endpoint, verdict, duplicates, a time range, and saved filters. `/` focuses the search box.
import { useContext, useEffect, useState } from 'react';
import type { Endpoint } from '../../api/types';
import { PlatformContext } from '../../components/platformContext';
import { useToast } from '../../components/Toast';
import {
  EMPTY_FILTERS,
  isEmpty,
  loadSavedFilters,
  statusProblem,
  storeSavedFilters,
  withSaved,
  type FilterSet,
  type SavedFilter,
  type TimeRange,
} from './filters';
import './search.css';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];
/** How long typing may pause before the list is asked again. */
export const DEBOUNCE_MS = 200;

/** A text input that reports its value once typing pauses (at once on Enter); follows `value` from outside. */
function TypedInput({
  value,
  onCommit,
  ...rest
}: { value: string; onCommit: (v: string) => void } & Omit<React.InputHTMLAttributes<HTMLInputElement>, 'value' | 'onChange'>) {
  const [text, setText] = useState(value);
  const [seen, setSeen] = useState(value);
  if (value !== seen) {
    setSeen(value);
    setText(value);
  }
  useEffect(() => {
    if (text === value) return;
    const t = setTimeout(() => onCommit(text), DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [text, value, onCommit]);
  return (
    <input
      {...rest}
      value={text}
      onChange={(e) => setText(e.target.value)}
      onKeyDown={(e) => {
        if (e.key === 'Enter') onCommit(text);
        if (e.key === 'Escape') (e.target as HTMLInputElement).blur();
      }}
    />
  );
}

function SavedFilters({ filters, onApply }: { filters: FilterSet; onApply: (f: FilterSet) => void }) {
  const { desktop } = useContext(PlatformContext);
  const toast = useToast();
  const [saved, setSaved] = useState<SavedFilter[]>([]);
  const [naming, setNaming] = useState<string | null>(null);
  const [current, setCurrent] = useState('');
  useEffect(() => {
    let live = true;
    loadSavedFilters(desktop)
      .then((l) => live && setSaved(l))
      .catch(() => {});
    return () => {
      live = false;
    };
  }, [desktop]);
  const store = (next: SavedFilter[]) => {
    setSaved(next);
    storeSavedFilters(desktop, next).catch((e: unknown) =>
      toast.show(`Could not keep the saved filters: ${e instanceof Error ? e.message : String(e)}`, 'error'),
    );
  };
  if (naming !== null) {
    return (
      <form
        className="saved-name"
        onSubmit={(e) => {
          e.preventDefault();
          const name = naming.trim();
          if (!name) return;
          store(withSaved(saved, { name, filters }));
          setCurrent(name);
          setNaming(null);
        }}
      >
        <input autoFocus placeholder="Name these filters" value={naming} onChange={(e) => setNaming(e.target.value)} data-testid="saved-name" aria-label="Name" />
        <button type="submit" className="btn small" data-testid="saved-confirm" disabled={!naming.trim()}>
          Save
        </button>
        <button type="button" className="btn small" onClick={() => setNaming(null)}>
          Cancel
        </button>
      </form>
    );
  }
  return (
    <span className="saved">
      <select
        aria-label="Saved filters"
        data-testid="saved-filters"
        value={current}
        onChange={(e) => {
          const s = saved.find((x) => x.name === e.target.value);
          setCurrent(e.target.value);
          if (s) onApply(s.filters);
        }}
      >
        <option value="">{saved.length === 0 ? 'No saved filters' : 'Saved filters…'}</option>
        {saved.map((s) => (
          <option key={s.name} value={s.name}>
            {s.name}
          </option>
        ))}
      </select>
      <button type="button" className="btn small" data-testid="saved-save" disabled={isEmpty(filters)} onClick={() => setNaming(current)} title="Save these filters under a name">
        Save
      </button>
      {current && (
        <button
          type="button"
          className="btn small"
          data-testid="saved-delete"
          title={`Forget "${current}"`}
          onClick={() => {
            store(saved.filter((s) => s.name !== current));
            setCurrent('');
          }}
        >
          Forget
        </button>
      )}
    </span>
  );
}

export function SearchBar({
  filters,
  onChange,
  endpoints,
}: {
  filters: FilterSet;
  onChange: (f: FilterSet) => void;
  endpoints: readonly Endpoint[];
}) {
  const set = <K extends keyof FilterSet>(k: K, v: FilterSet[K]) => onChange({ ...filters, [k]: v });
  const statusError = statusProblem(filters);
  return (
    <div className="filters search-bar">
      <TypedInput
        type="search"
        className="search-box"
        placeholder="Search bodies, headers, paths  ( / )"
        value={filters.search}
        onCommit={(v) => set('search', v)}
        aria-label="Search"
        data-testid="filter-search"
        data-search-box=""
      />
      <TypedInput
        type="search"
        placeholder="Filter by path or query"
        value={filters.q}
        onCommit={(v) => set('q', v)}
        aria-label="Filter by path or query"
        data-testid="filter-q"
      />
      <select value={filters.method} onChange={(e) => set('method', e.target.value)} aria-label="Method" data-testid="filter-method">
        <option value="">Any method</option>
        {METHODS.map((m) => (
          <option key={m} value={m}>
            {m}
          </option>
        ))}
      </select>
      <TypedInput
        className={`status-box ${statusError ? 'input-bad' : ''}`}
        inputMode="numeric"
        placeholder="Status"
        title={statusError ?? 'the status the receiver answered (0: none)'}
        value={filters.status}
        onCommit={(v) => set('status', v)}
        aria-label="Status"
        aria-invalid={statusError ? true : undefined}
        data-testid="filter-status"
      />
      <select value={filters.endpoint} onChange={(e) => set('endpoint', e.target.value)} aria-label="Endpoint" data-testid="filter-endpoint">
        <option value="">Any endpoint</option>
        {endpoints.map((ep) => (
          <option key={ep.id} value={ep.id}>
            {ep.name}
          </option>
        ))}
      </select>
      <select value={filters.verdict} onChange={(e) => set('verdict', e.target.value as FilterSet['verdict'])} aria-label="Verdict" data-testid="filter-verdict">
        <option value="">Any verdict</option>
        <option value="valid">Valid signature</option>
        <option value="invalid">Invalid signature</option>
      </select>
      <select value={filters.duplicate} onChange={(e) => set('duplicate', e.target.value as FilterSet['duplicate'])} aria-label="Duplicates">
        <option value="">Firsts and duplicates</option>
        <option value="false">First copies only</option>
        <option value="true">Duplicates only</option>
      </select>
      <select value={filters.range} onChange={(e) => set('range', e.target.value as TimeRange)} aria-label="Time range" data-testid="filter-range">
        <option value="">Any time</option>
        <option value="15m">Last 15 min</option>
        <option value="1h">Last hour</option>
        <option value="24h">Last 24 hours</option>
        <option value="custom">Custom…</option>
      </select>
      {filters.range === 'custom' && (
        <>
          <input type="datetime-local" aria-label="From" value={filters.from} onChange={(e) => set('from', e.target.value)} data-testid="filter-from" />
          <input type="datetime-local" aria-label="To" value={filters.to} onChange={(e) => set('to', e.target.value)} data-testid="filter-to" />
        </>
      )}
      {!isEmpty(filters) && (
        <button type="button" className="btn small" data-testid="filters-clear" onClick={() => onChange(EMPTY_FILTERS)}>
          Clear
        </button>
      )}
      <SavedFilters filters={filters} onApply={onChange} />
    </div>
  );
}
