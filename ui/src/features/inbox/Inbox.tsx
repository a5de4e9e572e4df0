//! The Inbox: filters, the live list and the selected capture's detail; j/k and ↓/↑ move, Delete deletes.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Virtualizer } from '@tanstack/react-virtual';
import { flattenPages } from '../../api/live';
import { useCaptureList, useDeleteCapture, useEndpoints } from '../../api/queries';
import type { CaptureFilter } from '../../api/types';
import { useToast } from '../../components/Toast';
import { CaptureDetail, type DetailSlots } from './CaptureDetail';
import { CaptureList } from './CaptureList';
import { EmptyState } from './EmptyState';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

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
  const [q, setQ] = useState('');
  const [method, setMethod] = useState('');
  const [endpoint, setEndpoint] = useState('');
  const [verdict, setVerdict] = useState('');
  const [duplicate, setDuplicate] = useState('');
  const endpoints = useEndpoints();

  const filter = useMemo<CaptureFilter>(() => {
    const f: CaptureFilter = {};
    if (q.trim()) f.q = q.trim();
    if (method) f.method = method;
    if (endpoint) f.endpoint = Number(endpoint);
    if (verdict === 'valid' || verdict === 'invalid') f.verdict = verdict;
    if (duplicate) f.duplicate = duplicate === 'true';
    return f;
  }, [q, method, endpoint, verdict, duplicate]);
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

  const endpointList = endpoints.data ?? [];

  return (
    <div className="inbox" hidden={!active}>
      <div className="pane-list">
        <div className="filters">
          <input
            type="search"
            placeholder="Filter by path or query"
            value={q}
            onChange={(e) => setQ(e.target.value)}
            aria-label="Filter by path or query"
            data-testid="filter-q"
          />
          <select value={method} onChange={(e) => setMethod(e.target.value)} aria-label="Method" data-testid="filter-method">
            <option value="">Any method</option>
            {METHODS.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
          <select value={endpoint} onChange={(e) => setEndpoint(e.target.value)} aria-label="Endpoint">
            <option value="">Any endpoint</option>
            {endpointList.map((ep) => (
              <option key={ep.id} value={ep.id}>
                {ep.name}
              </option>
            ))}
          </select>
          <select value={verdict} onChange={(e) => setVerdict(e.target.value)} aria-label="Verdict">
            <option value="">Any verdict</option>
            <option value="valid">Valid signature</option>
            <option value="invalid">Invalid signature</option>
          </select>
          <select value={duplicate} onChange={(e) => setDuplicate(e.target.value)} aria-label="Duplicates">
            <option value="">Firsts and duplicates</option>
            <option value="false">First copies only</option>
            <option value="true">Duplicates only</option>
          </select>
        </div>
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
          />
        )}
      </div>
      <div className="pane-detail">
        {selectedId !== null ? (
          <CaptureDetail id={selectedId} receiverUrl={receiverUrl} onDelete={deleteCapture} slots={slots} />
        ) : items.length > 0 ? (
          <div className="muted pad center">Select a capture (j/k or ↓/↑ to move, Delete to delete).</div>
        ) : null}
      </div>
    </div>
  );
}
