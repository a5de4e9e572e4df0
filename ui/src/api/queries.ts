//! Server state: TanStack Query hooks over the API client, and the SSE hook that keeps their cache
//! current. Features read through these hooks and never poll.
import { createContext, useContext, useEffect, useState } from 'react';
import {
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
  type QueryClient,
} from '@tanstack/react-query';
import type { Api } from './client';
import { applyLiveEvent, boundLiveList, type CaptureListData } from './live';
import { applyMetricsEvent } from './metrics';
import { openLiveStream, type StreamStatus } from './stream';
import type { CaptureFilter, EndpointInput, LiveEvent, SignInput, VerifyInput } from './types';

export const ApiContext = createContext<Api | null>(null);

export function useApi(): Api {
  const api = useContext(ApiContext);
  if (!api) throw new Error('useApi outside <ApiContext.Provider>');
  return api;
}

export const keys = {
  info: ['info'] as const,
  captures: ['captures'] as const,
  captureList: (f: CaptureFilter) => ['captures', 'list', f] as const,
  capture: (id: number) => ['captures', 'one', id] as const,
  endpoints: ['endpoints'] as const,
  schemes: ['schemes'] as const,
};

export const PAGE_SIZE = 200;

export function useInfo() {
  const api = useApi();
  return useQuery({ queryKey: keys.info, queryFn: () => api.info(), staleTime: Infinity });
}

export function useCaptureList(filter: CaptureFilter) {
  const api = useApi();
  return useInfiniteQuery({
    queryKey: keys.captureList(filter),
    queryFn: ({ pageParam }) => api.listCaptures(filter, pageParam, PAGE_SIZE),
    initialPageParam: undefined as number | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    // SSE keeps the list current; a refetch of 500 pages on focus would be wasted work.
    staleTime: Infinity,
    // Live updates already keep every unchanged row's object: comparing 5,000 rows deep on each
    // write (TanStack's structural sharing) was the Inbox's main cost under a flood.
    structuralSharing: false,
  });
}

export function useCapture(id: number | null) {
  const api = useApi();
  return useQuery({
    queryKey: keys.capture(id ?? -1),
    queryFn: () => api.capture(id as number),
    enabled: id !== null,
    staleTime: Infinity,
  });
}

export function useEndpoints() {
  const api = useApi();
  return useQuery({ queryKey: keys.endpoints, queryFn: () => api.endpoints(), staleTime: Infinity });
}

export function useSchemes() {
  const api = useApi();
  return useQuery({ queryKey: keys.schemes, queryFn: () => api.schemes(), staleTime: Infinity });
}

export function useDeleteCapture() {
  const api = useApi();
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => api.deleteCapture(id),
    onSuccess: (_r, id) => applyToCache(qc, { type: 'capture.deleted', id }),
  });
}

export function useClearCaptures() {
  const api = useApi();
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => api.clearCaptures(),
    onSuccess: () => applyToCache(qc, { type: 'captures.cleared' }),
  });
}

export function useSaveEndpoint() {
  const api = useApi();
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, input }: { id: number | null; input: EndpointInput }) =>
      id === null ? api.createEndpoint(input) : api.updateEndpoint(id, input),
    onSuccess: () => qc.invalidateQueries({ queryKey: keys.endpoints }),
    meta: { silent: true },
  });
}

export function useDeleteEndpoint() {
  const api = useApi();
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => api.deleteEndpoint(id),
    onSuccess: () => qc.invalidateQueries({ queryKey: keys.endpoints }),
  });
}

export function useVerify() {
  const api = useApi();
  return useMutation({ mutationFn: (input: VerifyInput) => api.verify(input) });
}

export function useSign() {
  const api = useApi();
  return useMutation({ mutationFn: (input: SignInput) => api.sign(input) });
}

/** Applies one live event to every cached capture list and detail. */
export function applyToCache(qc: QueryClient, event: LiveEvent): void {
  applyAllToCache(qc, [event]);
}

/**
 * Applies live events, in order, to every cached capture list and detail: each list is written
 * once per call, so a burst of captures costs one render, not one per capture.
 */
export function applyAllToCache(qc: QueryClient, events: readonly LiveEvent[]): void {
  const forLists = events.filter((e) => applyOutsideLists(qc, e));
  if (forLists.length === 0) return;
  const pending = pendingFor(qc);
  for (const query of qc.getQueryCache().findAll({ queryKey: ['captures', 'list'] })) {
    const key = query.queryKey;
    const filter = (key[2] ?? {}) as CaptureFilter;
    // The answer of a fetch on its way may have been read before these events: note them so they
    // are applied again when that answer lands, or a capture made during the first load never shows.
    const late = query.state.fetchStatus === 'fetching' ? notePending(pending, query.queryHash) : undefined;
    const data = query.state.data as CaptureListData | undefined;
    let next = data;
    let refetch = false;
    for (const event of forLists) {
      if (filter.search && event.type === 'capture.created') {
        // Only the engine can tell whether it matches: fetch again, after the fetch on its way if any.
        refetch = true;
        continue;
      }
      late?.events.push(event);
      next = applyLiveEvent(next, filter, event);
    }
    if (refetch && late) late.refetch = true;
    else if (refetch) void qc.invalidateQueries({ queryKey: key, exact: true });
    next = boundLiveList(next);
    if (next !== data) qc.setQueryData(key, next);
  }
}

/** The parts of a live event outside the capture lists; whether the lists must see it too. */
function applyOutsideLists(qc: QueryClient, event: LiveEvent): boolean {
  applyMetricsEvent(qc, event);
  switch (event.type) {
    case 'alert.fired':
    case 'alert.cleared':
    case 'sender.activity':
      return false;
    case 'resync':
      // Back to the first page of each list: refetching every loaded page could be hundreds of calls.
      void qc.resetQueries({ queryKey: keys.captures });
      void qc.invalidateQueries({ queryKey: keys.endpoints });
      return false;
    case 'endpoints.changed':
      void qc.invalidateQueries({ queryKey: keys.endpoints });
      return false;
    case 'capture.deleted':
      qc.removeQueries({ queryKey: keys.capture(event.id) });
      return true;
    case 'captures.cleared':
      qc.removeQueries({ queryKey: ['captures', 'one'] });
      return true;
    case 'capture.created':
      if (event.capture.duplicate_of != null) {
        void qc.invalidateQueries({ queryKey: keys.capture(event.capture.duplicate_of) });
      }
      return true;
    default:
      return true;
  }
}

/** What arrived while a capture list was fetching: events to apply again, or a refetch to make. */
interface Pending {
  events: LiveEvent[];
  refetch: boolean;
}

const pendingByClient = new WeakMap<QueryClient, Map<string, Pending>>();

function notePending(pending: Map<string, Pending>, hash: string): Pending {
  let entry = pending.get(hash);
  if (!entry) {
    entry = { events: [], refetch: false };
    pending.set(hash, entry);
  }
  return entry;
}

/** The client's pending map; the first call subscribes to the cache to settle it when fetches land. */
function pendingFor(qc: QueryClient): Map<string, Pending> {
  let pending = pendingByClient.get(qc);
  if (pending) return pending;
  const map = new Map<string, Pending>();
  pendingByClient.set(qc, map);
  qc.getQueryCache().subscribe((e) => {
    const entry = map.get(e.query.queryHash);
    if (!entry) return;
    if (e.type === 'removed') {
      map.delete(e.query.queryHash);
      return;
    }
    if (e.type !== 'updated' || (e.action.type !== 'success' && e.action.type !== 'error')) return;
    // A write of our own (setQueryData) is a "success" too, while the fetch is still on its way.
    if (e.query.state.fetchStatus === 'fetching') return;
    map.delete(e.query.queryHash);
    if (e.action.type === 'error') return;
    if (entry.refetch) {
      void qc.invalidateQueries({ queryKey: e.query.queryKey, exact: true });
      return;
    }
    const filter = (e.query.queryKey[2] ?? {}) as CaptureFilter;
    const data = e.query.state.data as CaptureListData | undefined;
    const next = boundLiveList(entry.events.reduce((d, ev) => applyLiveEvent(d, filter, ev), data));
    if (next !== data) qc.setQueryData(e.query.queryKey, next);
  });
  return map;
}

/** How long live events gather before they are applied together (at most this many renders a second: 20). */
export const LIVE_FLUSH_MS = 50;

/** Subscribes to the SSE stream while mounted; returns the connection status for the live indicator. */
export function useLiveUpdates(api: Api): StreamStatus {
  const qc = useQueryClient();
  const [status, setStatus] = useState<StreamStatus>('connecting');
  useEffect(() => {
    // 500 captures a second must not mean 500 renders a second: gather, then apply in one pass.
    let queue: LiveEvent[] = [];
    let timer: ReturnType<typeof setTimeout> | null = null;
    const flush = () => {
      timer = null;
      const batch = queue;
      queue = [];
      applyAllToCache(qc, batch);
    };
    const close = openLiveStream(
      api,
      (e) => {
        queue.push(e);
        timer ??= setTimeout(flush, LIVE_FLUSH_MS);
      },
      setStatus,
    );
    return () => {
      close();
      if (timer !== null) clearTimeout(timer);
    };
  }, [api, qc]);
  return status;
}
