//! The capture list: virtualized (only the visible rows exist in the DOM), so 100,000 captures
//! scroll like 10; older pages load as the end comes into view.
import { memo, useEffect, useLayoutEffect, useRef, useState, type RefObject } from 'react';
import { useVirtualizer, type Virtualizer } from '@tanstack/react-virtual';
import type { CaptureSummary } from '../../api/types';
import { Badge, MethodBadge, VerdictBadge } from '../../components/Badge';
import { useNow } from '../../components/useNow';
import { exactTime, formatSize, relativeTime } from './format';
import { SelectBox, SelectionBar } from '../replay/selection';
import { Highlight } from '../search/Highlight';

export const ROW_HEIGHT = 36;
const NO_TERMS: readonly string[] = [];

/** One row; unchanged rows skip rendering when live captures arrive above them. */
export const CaptureRow = memo(function CaptureRow({
  c,
  selected,
  now,
  onSelect,
  highlight = NO_TERMS,
}: {
  c: CaptureSummary;
  selected: boolean;
  now: number;
  onSelect: (id: number) => void;
  /** Searched words to mark in the path. */
  highlight?: readonly string[];
}) {
  return (
    <div
      role="option"
      aria-selected={selected}
      className={`row ${selected ? 'row-on' : ''}`}
      data-testid="capture-row"
      data-capture-id={c.id}
      onClick={() => onSelect(c.id)}
    >
      <MethodBadge method={c.method} />
      <span className="row-path" title={c.query != null ? `${c.path}?${c.query}` : c.path}>
        <SelectBox id={c.id} />
        <Highlight text={c.path} terms={highlight} />
        {c.query != null && <span className="muted">?{c.query}</span>}
      </span>
      <span className="row-badges">
        <VerdictBadge valid={c.verdict_valid} />
        {c.duplicate_of != null && (
          <Badge tone="warn" title={`duplicate of #${c.duplicate_of}`} testId="dup-badge">
            dup
          </Badge>
        )}
        {c.duplicate_count > 0 && (
          <Badge tone="muted" title={`${c.duplicate_count} duplicates arrived after this one`} testId="dup-count">
            ×{c.duplicate_count + 1}
          </Badge>
        )}
        {!c.body_stored && (
          <Badge tone="bad" title="over the size limit, not stored">
            {c.response_status}
          </Badge>
        )}
      </span>
      <span className="row-ct muted">{c.content_type ?? ''}</span>
      <span className="row-size muted">{formatSize(c.body_size)}</span>
      <span className="row-time muted" title={exactTime(c.received_at)}>
        {relativeTime(c.received_at, now)}
      </span>
    </div>
  );
});

export function CaptureList({
  items,
  selectedId,
  onSelect,
  hasMore,
  loadingMore,
  loadMore,
  virtualizerRef,
  highlight,
}: {
  items: CaptureSummary[];
  selectedId: number | null;
  onSelect: (id: number) => void;
  hasMore: boolean;
  loadingMore: boolean;
  loadMore: () => void;
  virtualizerRef: RefObject<Virtualizer<HTMLDivElement, Element> | null>;
  highlight?: readonly string[];
}) {
  const parent = useRef<HTMLDivElement>(null);
  const now = useNow();
  const count = items.length + (hasMore ? 1 : 0);
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => parent.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    getItemKey: (i) => (i < items.length ? items[i].id : 'more'),
  });
  virtualizerRef.current = virtualizer;
  const virtualItems = virtualizer.getVirtualItems();
  const last = virtualItems.length > 0 ? virtualItems[virtualItems.length - 1].index : -1;

  useEffect(() => {
    if (hasMore && !loadingMore && last >= items.length - 20) loadMore();
  }, [last, items.length, hasMore, loadingMore, loadMore]);

  // Live captures go on top. At the top the list follows them; scrolled down, the first row in
  // view stays where it is, whatever lands above it, and a button counts the rows that did.
  const [newAbove, setNewAbove] = useState(0);
  const anchor = useRef<{ id: number; index: number } | null>(null);
  const noteAnchor = () => {
    const el = parent.current;
    const index = el ? Math.floor(el.scrollTop / ROW_HEIGHT) : 0;
    anchor.current = index < items.length ? { id: items[index].id, index } : null;
  };
  useLayoutEffect(() => {
    const el = parent.current;
    const before = anchor.current;
    if (el && before && el.scrollTop > 0) {
      // Rows only arrive above an anchor (newer) or go away below it: look near where it was.
      let index = -1;
      for (let i = before.index; i < items.length; i++) {
        if (items[i].id === before.id) {
          index = i;
          break;
        }
        if (items[i].id < before.id) break;
      }
      if (index > before.index) {
        el.scrollTop += (index - before.index) * ROW_HEIGHT;
        setNewAbove((n) => n + index - before.index);
      }
    }
    noteAnchor();
  }, [items]);
  const onScroll = () => {
    noteAnchor();
    if (newAbove > 0 && (parent.current?.scrollTop ?? 0) <= 0) setNewAbove(0);
  };

  return (
    <div ref={parent} className="list" role="listbox" aria-label="Captures" data-testid="capture-list" onScroll={onScroll}>
      {newAbove > 0 && (
        <div className="new-above">
          <button
            type="button"
            className="btn"
            data-testid="new-above"
            onClick={() => {
              parent.current?.scrollTo({ top: 0 });
              setNewAbove(0);
            }}
          >
            ↑ {newAbove.toLocaleString()} new
          </button>
        </div>
      )}
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {virtualItems.map((v) => (
          <div
            key={v.key}
            className="row-slot"
            style={{ height: ROW_HEIGHT, transform: `translateY(${v.start}px)` }}
          >
            {v.index < items.length ? (
              <CaptureRow c={items[v.index]} selected={items[v.index].id === selectedId} now={now} onSelect={onSelect} highlight={highlight} />
            ) : (
              <div className="row row-more muted">Loading older captures…</div>
            )}
          </div>
        ))}
      </div>
      <SelectionBar />
    </div>
  );
}
