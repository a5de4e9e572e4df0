//! Forwarding over the API: an endpoint's held forward events, releasing them (one, edited or
//! not, or all), and the live stream's sender events that keep the held queues and the captures'
//! forward states current. Nothing here polls.
import { useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { apiFetch, type Api } from './client';
import { openSenderStream, type EventSummary, type SenderLiveEvent } from './events';
import { keys, useApi } from './queries';

/** What a release may change first; left out stays as stored. The capture never changes. */
export interface ReleaseEdit {
  method?: string;
  url?: string;
  headers?: { name: string; value: string }[];
  body?: string;
  body_base64?: string;
  allow_invalid_json?: boolean;
}

export const forwardKeys = {
  all: ['forward'] as const,
  held: (endpoint: number) => ['forward', 'held', endpoint] as const,
};

export class ForwardApi {
  constructor(private readonly api: Pick<Api, 'conn'>) {}

  private async call<T>(path: string, init: RequestInit = {}): Promise<T> {
    const res = await apiFetch(this.api.conn, path, init);
    return (await res.json()) as T;
  }

  held(endpoint: number): Promise<EventSummary[]> {
    return this.call(`/api/endpoints/${endpoint}/held`);
  }
  release(id: number, edit?: ReleaseEdit): Promise<EventSummary> {
    return this.call(`/api/events/${id}/release`, { method: 'POST', ...(edit ? { body: JSON.stringify(edit) } : {}) });
  }
  releaseAll(endpoint: number): Promise<{ released: EventSummary[] }> {
    return this.call(`/api/endpoints/${endpoint}/release`, { method: 'POST' });
  }
}

export function useForwardApi(): ForwardApi {
  return new ForwardApi(useApi());
}

export function useHeld(endpoint: number) {
  const f = useForwardApi();
  return useQuery({ queryKey: forwardKeys.held(endpoint), queryFn: () => f.held(endpoint) });
}

export function useRelease() {
  const f = useForwardApi();
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, edit }: { id: number; edit?: ReleaseEdit }) => f.release(id, edit),
    onSuccess: () => qc.invalidateQueries({ queryKey: forwardKeys.all }),
    meta: { silent: true },
  });
}

export function useReleaseAll() {
  const f = useForwardApi();
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (endpoint: number) => f.releaseAll(endpoint),
    onSuccess: () => qc.invalidateQueries({ queryKey: forwardKeys.all }),
  });
}

/** Applies one sender event to the forward views: held queues, and the capture it forwards. */
export function applyForwardEvent(qc: QueryClient, ev: SenderLiveEvent): void {
  if (ev.type === 'resync') {
    void qc.invalidateQueries({ queryKey: forwardKeys.all });
    return;
  }
  if (ev.type !== 'event.created' && ev.type !== 'event.updated') return;
  if (ev.event.origin !== 'forward') return;
  void qc.invalidateQueries({ queryKey: forwardKeys.all });
  if (ev.event.capture_id != null) void qc.invalidateQueries({ queryKey: keys.capture(ev.event.capture_id) });
}

/** Keeps held queues and captures' forward states current while mounted. */
export function useForwardLive(): void {
  const api = useApi();
  const qc = useQueryClient();
  useEffect(() => openSenderStream(api, (e) => applyForwardEvent(qc, e)), [api, qc]);
}
