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
import { applyLiveEvent, type CaptureListData } from './live';
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
  applyMetricsEvent(qc, event);
  switch (event.type) {
    case 'alert.fired':
    case 'alert.cleared':
    case 'sender.activity':
      return;
    case 'resync':
      // Back to the first page of each list: refetching every loaded page could be hundreds of calls.
      void qc.resetQueries({ queryKey: keys.captures });
      void qc.invalidateQueries({ queryKey: keys.endpoints });
      return;
    case 'endpoints.changed':
      void qc.invalidateQueries({ queryKey: keys.endpoints });
      return;
    case 'capture.deleted':
      qc.removeQueries({ queryKey: keys.capture(event.id) });
      break;
    case 'captures.cleared':
      qc.removeQueries({ queryKey: ['captures', 'one'] });
      break;
    case 'capture.created':
      if (event.capture.duplicate_of != null) {
        void qc.invalidateQueries({ queryKey: keys.capture(event.capture.duplicate_of) });
      }
      break;
  }
  for (const [key, data] of qc.getQueriesData<CaptureListData>({ queryKey: ['captures', 'list'] })) {
    const filter = (key[2] ?? {}) as CaptureFilter;
    if (filter.search && event.type === 'capture.created') {
      // Only the engine can tell whether it matches; don't cancel a refetch already on its way.
      void qc.invalidateQueries({ queryKey: key, exact: true }, { cancelRefetch: false });
      continue;
    }
    const next = applyLiveEvent(data, filter, event);
    if (next !== data) qc.setQueryData(key, next);
  }
}

/** Subscribes to the SSE stream while mounted; returns the connection status for the live indicator. */
export function useLiveUpdates(api: Api): StreamStatus {
  const qc = useQueryClient();
  const [status, setStatus] = useState<StreamStatus>('connecting');
  useEffect(() => openLiveStream(api, (e) => applyToCache(qc, e), setStatus), [api, qc]);
  return status;
}
