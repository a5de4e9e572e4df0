//! The sender over the API: destinations, events (the outbox), their timelines, dead letters, retry
//! presets and the global settings; the TanStack Query hooks the Outbox view reads through, and
//! the live stream of sender events that keeps their cache current (pure reducers, tested
//! without a socket). Nothing here polls.
import {
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
  type InfiniteData,
  type QueryClient,
} from '@tanstack/react-query';
import { useEffect } from 'react';
import { ApiError, apiFetch, type Api } from './client';
import { useApi } from './queries';
import type { components } from './schema';

type S = components['schemas'];

export type Destination = S['Destination'];
export type DestinationInput = S['DestinationInput'];
export type DeliverySettings = S['DeliverySettings'];
export type EventSummary = S['EventSummary'];
export type EventState = S['EventState'];
export type SenderEvent = S['Event'];
export type EventInput = S['EventInput'];
export type EventPage = S['EventPage'];
export type Attempt = S['Attempt'];
export type AttemptResponse = S['AttemptResponse'];
export type TimelineMark = S['TimelineMark'];
export type PlannedAttempt = S['PlannedAttempt'];
export type NextStep = S['NextStep'];
export type Transition = S['Transition'];
export type RetryPolicy = S['RetryPolicy'];
export type Schedule = S['Schedule'];
export type RetryOn = S['RetryOn'];
export type BreakerConfig = S['BreakerConfig'];
export type DeliveryLimits = S['DeliveryLimits'];
export type RetryPreset = S['Preset'];
export type DeadLetters = S['DeadLetters'];
export type ErrorClass = S['ErrorClass'];
/** `time_scale` is the scale the event runs at now: its own, or the global one when its own is 1×. */
export type EventDetail = S['EventDetail'];
/** The engine's global settings (`GET/PUT /api/settings`). */
export type SenderSettings = S['Settings'];
export type SettingsPatch = S['SettingsPatch'];

export const EVENT_STATES: EventState[] = ['pending', 'delivering', 'retrying', 'delivered', 'dead', 'cancelled', 'held'];
export const TIME_SCALES = [1, 10, 60, 3600];

/** Filters of the outbox list; each maps to a query parameter of `GET /api/events`. */
export interface EventFilter {
  state?: EventState;
  destination?: number;
}

export const senderKeys = {
  all: ['sender'] as const,
  destinations: ['sender', 'destinations'] as const,
  presets: ['sender', 'retry-presets'] as const,
  settings: ['sender', 'settings'] as const,
  lists: ['sender', 'events'] as const,
  list: (f: EventFilter) => ['sender', 'events', f] as const,
  details: ['sender', 'event'] as const,
  detail: (id: number) => ['sender', 'event', id] as const,
  dead: ['sender', 'dead-letters'] as const,
};

export const EVENT_PAGE_SIZE = 50;

export function eventListQuery(filter: EventFilter, before?: number, limit = EVENT_PAGE_SIZE): string {
  const p = new URLSearchParams();
  p.set('limit', String(limit));
  if (before !== undefined) p.set('before', String(before));
  if (filter.state) p.set('state', filter.state);
  if (filter.destination !== undefined) p.set('destination', String(filter.destination));
  return p.toString();
}

/** The sender's calls, on the connection of the app's `Api` (same token, same errors). */
export class SenderApi {
  constructor(private readonly api: Pick<Api, 'conn'>) {}

  private async call<T>(path: string, init: RequestInit = {}): Promise<T> {
    const res = await apiFetch(this.api.conn, path, init);
    if (res.status === 204) return null as T;
    return (await res.json()) as T;
  }

  destinations(): Promise<Destination[]> {
    return this.call('/api/destinations');
  }
  createDestination(input: DestinationInput): Promise<Destination> {
    return this.call('/api/destinations', { method: 'POST', body: JSON.stringify(input) });
  }
  updateDestination(id: number, input: DestinationInput): Promise<Destination> {
    return this.call(`/api/destinations/${id}`, { method: 'PUT', body: JSON.stringify(input) });
  }
  deleteDestination(id: number): Promise<null> {
    return this.call(`/api/destinations/${id}`, { method: 'DELETE' });
  }
  presets(): Promise<RetryPreset[]> {
    return this.call('/api/retry-presets');
  }
  events(filter: EventFilter, before?: number, limit?: number): Promise<EventPage> {
    return this.call(`/api/events?${eventListQuery(filter, before, limit)}`);
  }
  event(id: number): Promise<EventDetail> {
    return this.call(`/api/events/${id}`);
  }
  send(input: EventInput): Promise<SenderEvent> {
    return this.call('/api/events', { method: 'POST', body: JSON.stringify(input) });
  }
  retry(id: number): Promise<EventSummary> {
    return this.call(`/api/events/${id}/retry`, { method: 'POST' });
  }
  cancel(id: number): Promise<EventSummary> {
    return this.call(`/api/events/${id}/cancel`, { method: 'POST' });
  }
  /** A new event with the same payload; `edit` changes what it sends (`{method?, url?, headers?, body? | body_base64?}`). */
  resend(id: number, edit?: Record<string, unknown>): Promise<SenderEvent> {
    return this.call(`/api/events/${id}/resend`, { method: 'POST', ...(edit ? { body: JSON.stringify({ edit }) } : {}) });
  }
  deadLetters(before?: number, limit = EVENT_PAGE_SIZE): Promise<DeadLetters> {
    return this.call(`/api/dead-letters?${eventListQuery({}, before, limit)}`);
  }
  settings(): Promise<SenderSettings> {
    return this.call('/api/settings');
  }
  saveSettings(patch: SettingsPatch): Promise<SenderSettings> {
    return this.call('/api/settings', { method: 'PUT', body: JSON.stringify(patch) });
  }
}

export function useSenderApi(): SenderApi {
  return new SenderApi(useApi());
}

export function useDestinations() {
  const s = useSenderApi();
  return useQuery({ queryKey: senderKeys.destinations, queryFn: () => s.destinations(), staleTime: Infinity });
}

export function useRetryPresets() {
  const s = useSenderApi();
  return useQuery({ queryKey: senderKeys.presets, queryFn: () => s.presets(), staleTime: Infinity });
}

/** The global settings; `null` data when this engine has no `/api/settings` yet (404). */
export function useSenderSettings() {
  const s = useSenderApi();
  return useQuery({
    queryKey: senderKeys.settings,
    queryFn: async () => {
      try {
        return await s.settings();
      } catch (e) {
        if (e instanceof ApiError && (e.status === 404 || e.status === 405)) return null;
        throw e;
      }
    },
    staleTime: Infinity,
  });
}

export function useSaveSettings() {
  const s = useSenderApi();
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (patch: SettingsPatch) => s.saveSettings(patch),
    onSuccess: () => {
      // Refetched, not set from this answer: a later change (from another client, announced by
      // settings.changed) may already be in the cache, and this answer must not overwrite it.
      void qc.invalidateQueries({ queryKey: senderKeys.settings });
      // Plans and scaled times of open timelines change with the global scale.
      void qc.invalidateQueries({ queryKey: senderKeys.details });
    },
  });
}

export function useEventList(filter: EventFilter) {
  const s = useSenderApi();
  return useInfiniteQuery({
    queryKey: senderKeys.list(filter),
    queryFn: ({ pageParam }) => s.events(filter, pageParam, EVENT_PAGE_SIZE),
    initialPageParam: undefined as number | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    staleTime: Infinity,
  });
}

export function useEventDetail(id: number | null) {
  const s = useSenderApi();
  return useQuery({
    queryKey: senderKeys.detail(id ?? -1),
    queryFn: () => s.event(id as number),
    enabled: id !== null,
    staleTime: Infinity,
  });
}

export function useDeadLetters() {
  const s = useSenderApi();
  return useInfiniteQuery({
    queryKey: senderKeys.dead,
    queryFn: ({ pageParam }) => s.deadLetters(pageParam),
    initialPageParam: undefined as number | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    staleTime: Infinity,
  });
}

/** Silent: the form shows the engine's 422 next to its fields. */
export function useSaveDestination() {
  const s = useSenderApi();
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, input }: { id: number | null; input: DestinationInput }) =>
      id === null ? s.createDestination(input) : s.updateDestination(id, input),
    onSuccess: () => qc.invalidateQueries({ queryKey: senderKeys.destinations }),
    meta: { silent: true },
  });
}

export function useDeleteDestination() {
  const s = useSenderApi();
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => s.deleteDestination(id),
    onSuccess: () => qc.invalidateQueries({ queryKey: senderKeys.destinations }),
  });
}

/** Silent: the composer shows the engine's 422 next to its fields. */
export function useSendEvent() {
  const s = useSenderApi();
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: EventInput) => s.send(input),
    onSuccess: (e) => applySenderEvent(qc, { type: 'event.created', event: e }),
    meta: { silent: true },
  });
}

/** Retry now, cancel or resend; the result lands in the cache at once (SSE confirms it). */
export function useEventAction() {
  const s = useSenderApi();
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async ({
      id,
      action,
    }: {
      id: number;
      action: 'retry' | 'cancel' | 'resend';
    }): Promise<{ created: SenderEvent } | { updated: EventSummary }> => {
      if (action === 'resend') return { created: await s.resend(id) };
      return { updated: action === 'retry' ? await s.retry(id) : await s.cancel(id) };
    },
    onSuccess: (r) => {
      if ('created' in r) applySenderEvent(qc, { type: 'event.created', event: r.created });
      else applySenderEvent(qc, { type: 'event.updated', event: r.updated });
    },
  });
}

// ---- live updates ----

/** The sender's events of `GET /api/stream`. */
export type SenderLiveEvent =
  | { type: 'event.created'; event: EventSummary }
  | { type: 'event.updated'; event: EventSummary }
  | { type: 'attempt.started'; attempt: Attempt }
  | { type: 'attempt.finished'; attempt: Attempt }
  | { type: 'destinations.changed' }
  | { type: 'settings.changed'; settings: SenderSettings }
  | { type: 'resync' };

export type EventListData = InfiniteData<EventPage, unknown>;

export function matchesEventFilter(e: EventSummary, f: EventFilter): boolean {
  if (f.state && e.state !== f.state) return false;
  if (f.destination !== undefined && e.destination_id !== f.destination) return false;
  return true;
}

/** Only the summary's fields: an `Event` or `EventDetail` carries more that lists don't keep. */
export function toSummary(e: EventSummary): EventSummary {
  const { headers, body_base64, settings, first_attempt_at, exact, attempts, marks, plan, time_scale, ...summary } =
    e as EventSummary & Partial<EventDetail>;
  void [headers, body_base64, settings, first_attempt_at, exact, attempts, marks, plan, time_scale];
  return summary;
}

/**
 * A cached list after a created or updated event; the same object when nothing changed. Lists are
 * newest first by id: an event that now matches is put in its place if that place is within the
 * loaded pages (or the list is complete), one that no longer matches leaves, others are replaced.
 */
export function applyToEventList(
  data: EventListData | undefined,
  filter: EventFilter,
  incoming: EventSummary,
): EventListData | undefined {
  if (!data || data.pages.length === 0) return data;
  const e = toSummary(incoming);
  const present = data.pages.some((p) => p.items.some((i) => i.id === e.id));
  const matches = matchesEventFilter(e, filter);
  if (present) {
    if (matches) {
      const stale = data.pages.some((p) => p.items.some((i) => i.id === e.id && i.updated_at > e.updated_at));
      if (stale) return data; // an older update arriving after a newer fetch
      return { ...data, pages: data.pages.map((p) => ({ ...p, items: p.items.map((i) => (i.id === e.id ? e : i)) })) };
    }
    return { ...data, pages: data.pages.map((p) => ({ ...p, items: p.items.filter((i) => i.id !== e.id) })) };
  }
  if (!matches) return data;
  const last = data.pages[data.pages.length - 1];
  const oldestLoaded = last.items.length > 0 ? last.items[last.items.length - 1].id : Infinity;
  const complete = last.next_cursor == null;
  if (e.id < oldestLoaded && !complete) return data; // belongs to a page not loaded yet
  let placed = false;
  const pages = data.pages.map((p, pi) => {
    if (placed) return p;
    const idx = p.items.findIndex((i) => i.id < e.id);
    if (idx >= 0) {
      placed = true;
      return { ...p, items: [...p.items.slice(0, idx), e, ...p.items.slice(idx)] };
    }
    if (pi === data.pages.length - 1) {
      placed = true;
      return { ...p, items: [...p.items, e] };
    }
    return p;
  });
  return { ...data, pages };
}

/** A cached detail after a live event about it; the same object when it is not about this one. */
export function applyToDetail(d: EventDetail | undefined, ev: SenderLiveEvent): EventDetail | undefined {
  if (!d) return d;
  switch (ev.type) {
    case 'event.updated':
    case 'event.created': {
      if (ev.event.id !== d.id || ev.event.updated_at < d.updated_at) return d;
      return { ...d, ...toSummary(ev.event) };
    }
    case 'attempt.started':
    case 'attempt.finished': {
      const a = ev.attempt;
      if (a.event_id !== d.id) return d;
      const i = d.attempts.findIndex((x) => x.id === a.id);
      const attempts = i >= 0 ? d.attempts.map((x) => (x.id === a.id ? a : x)) : [...d.attempts, a];
      attempts.sort((x, y) => x.number - y.number);
      const first: number = d.first_attempt_at ?? a.started_at;
      return { ...d, attempts, first_attempt_at: first, attempt_count: Math.max(d.attempt_count, a.number) };
    }
    default:
      return d;
  }
}

/**
 * Fetches a query again so that its answer is read after now. A refetch cancels one in flight only
 * when the query has data; a first fetch in flight would be joined, and its answer may predate
 * the event that asked, so that one is cancelled here first.
 */
function askAgain(qc: QueryClient, key: readonly unknown[]): void {
  const state = qc.getQueryState(key);
  if (state?.fetchStatus === 'fetching' && state.data === undefined) {
    void qc.cancelQueries({ queryKey: key, exact: true }).then(() => qc.invalidateQueries({ queryKey: key, exact: true }));
  } else {
    void qc.invalidateQueries({ queryKey: key, exact: true });
  }
}

/** Applies one live event to every cached sender query. */
export function applySenderEvent(qc: QueryClient, ev: SenderLiveEvent): void {
  switch (ev.type) {
    case 'resync':
      // Back to the first page of each list; details and dead letters fetched again.
      void qc.resetQueries({ queryKey: senderKeys.lists });
      void qc.invalidateQueries({ queryKey: senderKeys.details });
      void qc.invalidateQueries({ queryKey: senderKeys.dead });
      void qc.invalidateQueries({ queryKey: senderKeys.destinations });
      void qc.invalidateQueries({ queryKey: senderKeys.settings });
      return;
    case 'destinations.changed':
      void qc.invalidateQueries({ queryKey: senderKeys.destinations });
      return;
    case 'settings.changed':
      qc.setQueryData(senderKeys.settings, ev.settings);
      void qc.invalidateQueries({ queryKey: senderKeys.details });
      return;
    case 'event.created':
    case 'event.updated': {
      for (const [key, data] of qc.getQueriesData<EventListData>({ queryKey: senderKeys.lists })) {
        if (data === undefined) {
          // Its first page is on its way and may have been read before this event: ask again.
          askAgain(qc, key);
          continue;
        }
        const filter = (key[2] ?? {}) as EventFilter;
        const next = applyToEventList(data, filter, ev.event);
        if (next !== data) qc.setQueryData(key, next);
      }
      const dead = qc.getQueryData<InfiniteData<DeadLetters, unknown>>(senderKeys.dead);
      const wasDead = dead?.pages.some((p) => p.items.some((i) => i.id === ev.event.id)) ?? false;
      if (ev.event.state === 'dead' || wasDead) void qc.invalidateQueries({ queryKey: senderKeys.dead });
      break;
    }
    case 'attempt.started':
    case 'attempt.finished':
      break;
  }
  const id = ev.type === 'attempt.started' || ev.type === 'attempt.finished' ? ev.attempt.event_id : ev.event.id;
  const key = senderKeys.detail(id);
  if (!qc.getQueryState(key)) return;
  const cur = qc.getQueryData<EventDetail>(key);
  if (cur) {
    const next = applyToDetail(cur, ev);
    if (next !== cur) qc.setQueryData(key, next);
  }
  // Marks (breaker, recovery) and the plan are the engine's to compute: fetch the detail again
  // when an attempt ends or the event moves. Without data yet, its first fetch may have been read
  // before this event (don't wait for the next one to put it right): fetch it again too. An
  // in-flight fetch is cancelled, so the last answer is never older than the last event.
  if (!cur || ev.type !== 'attempt.started') askAgain(qc, key);
}

function parse(e: Event): unknown {
  try {
    return JSON.parse((e as MessageEvent).data as string);
  } catch {
    return null;
  }
}

interface SharedStream {
  listeners: Set<(e: SenderLiveEvent) => void>;
  close: () => void;
}

/** One connection per stream URL, however many views listen (see openSenderStream). */
const shared = new Map<string, SharedStream>();

function connectSenderStream(url: string, emit: (e: SenderLiveEvent) => void): () => void {
  let source: EventSource | null = null;
  let retry: ReturnType<typeof setTimeout> | null = null;
  let closed = false;
  let connectedOnce = false;
  const connect = () => {
    const es = new EventSource(url);
    source = es;
    es.addEventListener('ready', () => {
      if (connectedOnce) emit({ type: 'resync' });
      connectedOnce = true;
    });
    const summary = (type: 'event.created' | 'event.updated') => (e: Event) => {
      const d = parse(e) as EventSummary | null;
      if (d && typeof d.id === 'number') emit({ type, event: d });
    };
    const attempt = (type: 'attempt.started' | 'attempt.finished') => (e: Event) => {
      const d = parse(e) as Attempt | null;
      if (d && typeof d.id === 'number' && typeof d.event_id === 'number') emit({ type, attempt: d });
    };
    es.addEventListener('event.created', summary('event.created'));
    es.addEventListener('event.updated', summary('event.updated'));
    es.addEventListener('attempt.started', attempt('attempt.started'));
    es.addEventListener('attempt.finished', attempt('attempt.finished'));
    es.addEventListener('destinations.changed', () => emit({ type: 'destinations.changed' }));
    es.addEventListener('settings.changed', (e) => {
      const d = parse(e) as SenderSettings | null;
      if (d && typeof d === 'object') emit({ type: 'settings.changed', settings: d });
    });
    es.addEventListener('resync', () => emit({ type: 'resync' }));
    es.onerror = () => {
      if (closed) return;
      if (es.readyState === EventSource.CLOSED) {
        es.close();
        retry = setTimeout(connect, 2000);
      }
    };
  };
  connect();
  return () => {
    closed = true;
    if (retry) clearTimeout(retry);
    source?.close();
  };
}

/**
 * The sender's half of `GET /api/stream`: a connection of its own (the Inbox's stream only knows
 * capture events), shared by every caller on the same URL and closed when the last one leaves.
 * Don't open one per view: a browser keeps at most 6 HTTP/1.1 connections to the engine, and each
 * open stream holds one for good. After a reconnection it says `resync`, so nothing missed stays stale.
 */
export function openSenderStream(api: Pick<Api, 'streamUrl'>, onEvent: (e: SenderLiveEvent) => void): () => void {
  const url = api.streamUrl();
  let stream = shared.get(url);
  if (!stream) {
    const listeners = new Set<(e: SenderLiveEvent) => void>();
    const close = connectSenderStream(url, (e) => {
      for (const l of [...listeners]) l(e);
    });
    stream = { listeners, close };
    shared.set(url, stream);
  }
  const mine = stream;
  // A fresh Set entry per call, so the same function subscribed twice still counts twice.
  const listener = (e: SenderLiveEvent) => onEvent(e);
  mine.listeners.add(listener);
  return () => {
    mine.listeners.delete(listener);
    if (mine.listeners.size === 0 && shared.get(url) === mine) {
      shared.delete(url);
      mine.close();
    }
  };
}

/** Keeps the sender's cache current while mounted. */
export function useSenderLive(): void {
  const api = useApi();
  const qc = useQueryClient();
  useEffect(() => openSenderStream(api, (e) => applySenderEvent(qc, e)), [api, qc]);
}
