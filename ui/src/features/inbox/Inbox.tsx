//! The Inbox: search and filters, the live list and the selected capture's detail; j/k and ↓/↑ move, Delete deletes.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Virtualizer } from '@tanstack/react-virtual';
import { flattenPages } from '../../api/live';
import { useCaptureList, useDeleteCapture, useEndpoints } from '../../api/queries';
import type { CaptureFilter } from '../../api/types';
import { useToast } from '../../components/Toast';
import { useNav } from '../../nav';
import { EMPTY_FILTERS, fromCaptureFilter, searchTerms, toCaptureFilter, type FilterSet } from '../search/filters';
import { SearchBar } from '../search/SearchBar';
import { ShortcutsLink } from '../shortcuts/Shortcuts';
import { CaptureDetail, type DetailSlots } from './CaptureDetail';
import { CaptureList } from './CaptureList';
import { EmptyState } from './EmptyState';

function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el) return false;
  const tag = el.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || el.isContentEditable;
}

export function Inbox({
  receiverUrl,
  active,
  selectedId,
  setSelectedId,
  slots,
}: {
  receiverUrl: string;
  active: boolean;
  selectedId: number | null;
  setSelectedId: (id: number | null) => void;
  slots?: DetailSlots;
}) {
  const toast = useToast();
  const [filters, setFilters] = useState<FilterSet>(EMPTY_FILTERS);
  const endpoints = useEndpoints();
  const nav = useNav();
  // An alert's link or a dashboard card asks for these filters (once per request).
  const [takenFilter, setTakenFilter] = useState(0);
  if (nav.inboxFilter && nav.inboxFilter.seq !== takenFilter) {
    setTakenFilter(nav.inboxFilter.seq);
    setFilters(fromCaptureFilter(nav.inboxFilter.filter));
  }

  // A relative range ("last hour") is fixed when the filters change, so the list keeps its query.
  const filter = useMemo<CaptureFilter>(() => toCaptureFilter(filters, Date.now()), [filters]);
  const terms = useMemo(() => searchTerms(filter.search ?? ''), [filter.search]);
  const filtered = Object.keys(filter).length > 0;

  const list = useCaptureList(filter);
  const items = useMemo(() => flattenPages(list.data), [list.data]);
  const virtualizer = useRef<Virtualizer<HTMLDivElement, Element> | null>(null);
  const del = useDeleteCapture();
  const { fetchNextPage, hasNextPage, isFetchingNextPage } = list;
  const loadMore = useCallback(() => void fetchNextPage(), [fetchNextPage]);

  const selectIndex = useCallback(
    (i: number) => {
      if (i < 0 || i >= items.length) return;
      setSelectedId(items[i].id);
      virtualizer.current?.scrollToIndex(i, { align: 'auto' });
    },
    [items, setSelectedId],
  );

  const deleteCapture = useCallback(
    (id: number) => {
      const i = items.findIndex((c) => c.id === id);
      const next = i >= 0 ? (items[i + 1] ?? items[i - 1] ?? null) : null;
      del.mutate(id, {
        onSuccess: () => {
          if (selectedId === id) setSelectedId(next ? next.id : null);
        },
      });
    },
    [items, del, selectedId, setSelectedId],
  );

  useEffect(() => {
    if (!active) return;
    const onKey = (e: KeyboardEvent) => {
      if (isTyping(e.target) || e.metaKey || e.ctrlKey || e.altKey) return;
      const i = selectedId === null ? -1 : items.findIndex((c) => c.id === selectedId);
      if (e.key === 'j' || e.key === 'ArrowDown') {
        e.preventDefault();
        selectIndex(i + 1);
      } else if (e.key === 'k' || e.key === 'ArrowUp') {
        e.preventDefault();
        selectIndex(i < 0 ? 0 : i - 1);
      } else if (e.key === 'Delete' && selectedId !== null) {
        e.preventDefault();
        deleteCapture(selectedId);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [active, items, selectedId, selectIndex, deleteCapture]);

  useEffect(() => {
    if (list.isError) toast.show(list.error.message, 'error');
  }, [list.isError, list.error, toast]);

  return (
    <div className="inbox" hidden={!active}>
      <div className="pane-list">
        <SearchBar filters={filters} onChange={setFilters} endpoints={endpoints.data ?? []} />
        {list.isPending ? (
          <div className="muted pad">Loading…</div>
        ) : items.length === 0 ? (
          <EmptyState receiverUrl={receiverUrl} filtered={filtered} />
        ) : (
          <CaptureList
            items={items}
            selectedId={selectedId}
            onSelect={setSelectedId}
            hasMore={!!hasNextPage}
            loadingMore={isFetchingNextPage}
            loadMore={loadMore}
            virtualizerRef={virtualizer}
            highlight={terms}
          />
        )}
      </div>
      <div className="pane-detail">
        {selectedId !== null ? (
          <CaptureDetail id={selectedId} receiverUrl={receiverUrl} onDelete={deleteCapture} slots={slots} />
        ) : items.length > 0 ? (
          <div className="muted pad center">
            Select a capture (j/k or ↓/↑ to move, Delete to delete). <ShortcutsLink />
          </div>
        ) : null}
      </div>
    </div>
  );
}
