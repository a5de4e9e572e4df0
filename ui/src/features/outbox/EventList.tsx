//! The outbox list: newest first, paged by cursor, state chips and a destination filter; each row
//! its state, id, target, attempts, last status or error and a countdown to the next attempt.
//! The live stream keeps it current (api/events.ts); nothing here polls.
import { useEffect } from 'react';
import { EVENT_STATES, useDestinations, useEventList, type EventFilter, type EventState, type EventSummary } from '../../api/events';
import { useNav } from '../../nav';
import { useTicker } from './clock';
import { countdown, formatDateTime } from './format';

function Row({
  e,
  name,
  selected,
  now,
  onSelect,
}: {
  e: EventSummary;
  name: string | null;
  selected: boolean;
  now: number;
  onSelect: () => void;
}) {
  const last = e.last_status != null ? String(e.last_status) : e.last_error ?? '';
  return (
    <div
      className={`ev-row ${selected ? 'row-on' : ''}`}
      data-testid="event-row"
      data-event-id={e.id}
      data-state={e.state}
      title={`created ${formatDateTime(e.created_at)}`}
      onClick={onSelect}
      role="button"
      tabIndex={0}
      onKeyDown={(k) => (k.key === 'Enter' ? onSelect() : undefined)}
    >
      <span className={`state state-${e.state}`} data-testid="event-row-state">
        {e.state}
      </span>
      <span className="mono muted">#{e.id}</span>
      <span className="ev-target" title={e.url}>
        {e.origin !== 'send' && <span className="ev-origin">{e.origin}</span>}
        {name ? <strong>{name}</strong> : <span className="mono">{e.url}</span>}
      </span>
      <span className="small muted" title="attempts">
        {e.attempt_count}×
      </span>
      <span className={`small ev-last ${e.last_status != null && e.last_status >= 200 && e.last_status < 300 ? 'ok' : 'bad'}`} title={e.last_error ?? ''}>
        {last}
      </span>
      <span className="small muted ev-next" data-testid="event-row-next">
        {e.next_attempt_at != null && (e.state === 'retrying' || e.state === 'pending') ? countdown(e.next_attempt_at, now) : ''}
      </span>
    </div>
  );
}

export function EventList({
  filter,
  setFilter,
  selectedId,
  onSelect,
}: {
  filter: EventFilter;
  setFilter: (f: EventFilter) => void;
  selectedId: number | null;
  onSelect: (id: number) => void;
}) {
  const list = useEventList(filter);
  const destinations = useDestinations();
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  const waiting = items.some((e) => e.next_attempt_at != null && (e.state === 'retrying' || e.state === 'pending'));
  const now = useTicker(waiting, 1000);
  const names = new Map((destinations.data ?? []).map((d) => [d.id, d.name]));
  const shown = useNav().view === 'outbox';

  // j/k or ↓/↑ move the selection, as in the Inbox.
  useEffect(() => {
    if (!shown) return;
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      const typing = !!t && (['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName) || t.isContentEditable);
      if (typing || e.metaKey || e.ctrlKey || e.altKey || items.length === 0) return;
      const i = selectedId === null ? -1 : items.findIndex((x) => x.id === selectedId);
      let next: number | null = null;
      if (e.key === 'j' || e.key === 'ArrowDown') next = Math.min(items.length - 1, i + 1);
      else if (e.key === 'k' || e.key === 'ArrowUp') next = Math.max(0, i - 1);
      if (next === null) return;
      e.preventDefault();
      onSelect(items[next].id);
      document.querySelector(`[data-testid=event-row][data-event-id="${items[next].id}"]`)?.scrollIntoView?.({ block: 'nearest' });
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [shown, items, selectedId, onSelect]);
  const chip = (s: EventState | undefined, label: string) => (
    <button
      key={label}
      type="button"
      className={`chip ${filter.state === s ? 'chip-on' : ''}`}
      data-testid={`state-chip-${s ?? 'all'}`}
      aria-pressed={filter.state === s}
      onClick={() => setFilter({ ...filter, state: s })}
    >
      {label}
    </button>
  );
  return (
    <div className="pane-list">
      <div className="filters ev-filters">
        <div className="chips">
          {chip(undefined, 'all')}
          {EVENT_STATES.map((s) => chip(s, s))}
        </div>
        <select
          value={filter.destination ?? ''}
          onChange={(e) => setFilter({ ...filter, destination: e.target.value === '' ? undefined : Number(e.target.value) })}
          data-testid="destination-filter"
          aria-label="destination"
        >
          <option value="">Every destination</option>
          {(destinations.data ?? []).map((d) => (
            <option key={d.id} value={d.id}>
              {d.name}
            </option>
          ))}
        </select>
      </div>
      <div className="list" data-testid="event-list">
        {list.isError && <div className="pad form-errors">{list.error.message}</div>}
        {list.isSuccess && items.length === 0 && (
          <div className="pad muted" data-testid="event-list-empty">
            {filter.state || filter.destination !== undefined ? 'No events match.' : 'No events yet. Send one from Send.'}
          </div>
        )}
        {items.map((e) => (
          <Row key={e.id} e={e} name={e.destination_id != null ? names.get(e.destination_id) ?? null : null} selected={e.id === selectedId} now={now} onSelect={() => onSelect(e.id)} />
        ))}
        {list.hasNextPage && (
          <div className="row-more pad">
            <button type="button" className="btn" data-testid="event-more" disabled={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>
              {list.isFetchingNextPage ? 'Loading…' : 'Older events'}
            </button>
          </div>
        )}
      </div>
    </div>
  );
}
