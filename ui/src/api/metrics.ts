//! Health over the API (issue 7): metrics per destination and endpoint, alerts and their rules,
//! retention and the disk used. Live: the app's stream (stream.ts) reports `alert.fired` /
//! `alert.cleared` and sender activity; `applyMetricsEvent` puts them in the cache, and a mounted
//! dashboard refetches its metrics at most every 2 s while things happen, else once per bucket.
import { useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { ApiError, apiFetch, type Api } from './client';
import { useApi } from './queries';
import type { components } from './schema';

export const WINDOWS = ['5m', '15m', '1h', '6h', '24h', '7d'] as const;
export type MetricsWindow = (typeof WINDOWS)[number];

/** Each window's bucket, as the engine cuts it. */
export const BUCKET_MS: Record<MetricsWindow, number> = {
  '5m': 10_000,
  '15m': 30_000,
  '1h': 60_000,
  '6h': 300_000,
  '24h': 900_000,
  '7d': 7_200_000,
};

export const WINDOW_LABEL: Record<MetricsWindow, string> = {
  '5m': '5 min',
  '15m': '15 min',
  '1h': '1 hour',
  '6h': '6 hours',
  '24h': '24 hours',
  '7d': '7 days',
};

type S = components['schemas'];

// The engine's shapes come from the OpenAPI document (schema.d.ts), narrowed where the document
// says only `string`; a field the engine renames or drops fails the type check here.
export type Latency = S['Latency'];
export type BreakerState = 'closed' | 'open' | 'half_open';
export type DestinationBucket = S['DestinationPoint'];
export type DestinationMetrics = Omit<S['DestinationMetrics'], 'breaker'> & { breaker: BreakerState };
export type EndpointBucket = S['EndpointPoint'];
export type EndpointMetrics = S['EndpointMetrics'];
export type Metrics = Omit<S['Metrics'], 'destinations'> & { destinations: DestinationMetrics[] };

export type AlertKind = 'dead_letters' | 'signature_failures' | 'p95_latency' | 'retry_queue';

/** As `GET /api/alerts` gives them: every field present (the document marks them optional for PUT). */
export type AlertRules = Omit<Required<S['AlertRules']>, 'window'> & { window: MetricsWindow };

/** Where an alert's events are: the Outbox or the Inbox with these filters. */
export type AlertLink =
  | { view: 'outbox'; state?: string | null; destination?: number | null }
  | { view: 'inbox'; endpoint?: number | null; verdict?: 'valid' | 'invalid' | null };

export type Alert = Omit<S['Alert'], 'kind' | 'link'> & { kind: AlertKind; link: AlertLink | null };

export interface Alerts {
  rules: AlertRules;
  active: Alert[];
  recent: Alert[];
}

export type Retention = S['Retention'];
export type Storage = S['Storage'];

/** The live events this module cares about (stream.ts emits them with the capture events). */
export type HealthLiveEvent =
  | { type: 'alert.fired'; alert: Alert }
  | { type: 'alert.cleared'; alert: Alert }
  | { type: 'sender.activity' };

// ---- calls ----

async function call<T>(api: Pick<Api, 'conn'>, path: string, init: RequestInit = {}): Promise<T> {
  const res = await apiFetch(api.conn, path, init);
  return (await res.json()) as T;
}

export class HealthApi {
  constructor(private readonly api: Pick<Api, 'conn'>) {}
  metrics(window: MetricsWindow): Promise<Metrics> {
    return call(this.api, `/api/metrics?window=${window}`);
  }
  alerts(): Promise<Alerts> {
    return call(this.api, '/api/alerts');
  }
  saveRules(patch: Partial<AlertRules>): Promise<AlertRules> {
    return call(this.api, '/api/alerts/rules', { method: 'PUT', body: JSON.stringify(patch) });
  }
  storage(): Promise<Storage> {
    return call(this.api, '/api/storage');
  }
  retention(): Promise<Retention | null> {
    return call<{ retention?: Retention }>(this.api, '/api/settings').then((s) => s.retention ?? null);
  }
  saveRetention(patch: Partial<Retention>): Promise<Retention | null> {
    return call<{ retention?: Retention }>(this.api, '/api/settings', {
      method: 'PUT',
      body: JSON.stringify({ retention: patch }),
    }).then((s) => s.retention ?? null);
  }
}

export function useHealthApi(): HealthApi {
  return new HealthApi(useApi());
}

export const healthKeys = {
  metrics: ['health', 'metrics'] as const,
  metricsFor: (w: MetricsWindow) => ['health', 'metrics', w] as const,
  alerts: ['health', 'alerts'] as const,
  storage: ['health', 'storage'] as const,
  retention: ['health', 'retention'] as const,
};

/** A 404 means this engine predates the route: the views say so instead of showing an error. */
export function isMissingRoute(e: unknown): boolean {
  return e instanceof ApiError && (e.status === 404 || e.status === 405);
}

// ---- live ----

/** How often a dashboard refetches at most while events stream in. */
export const LIVE_THROTTLE_MS = 2000;

type Listener = () => void;
const activity = new Set<Listener>();
const alertListeners = new Set<(e: Extract<HealthLiveEvent, { type: 'alert.fired' | 'alert.cleared' }>) => void>();

/** Calls `l` on each fired or cleared alert (the notifier listens here); returns the unsubscribe. */
export function onAlertEvent(l: (e: Extract<HealthLiveEvent, { type: 'alert.fired' | 'alert.cleared' }>) => void): () => void {
  alertListeners.add(l);
  return () => alertListeners.delete(l);
}

/** The alerts after a live event: a fired one replaces its earlier self in `active`; a cleared one moves to `recent`. */
export function applyAlertEvent(data: Alerts | undefined, ev: HealthLiveEvent): Alerts | undefined {
  if (!data) return data;
  if (ev.type === 'alert.fired') {
    const active = [ev.alert, ...data.active.filter((a) => a.id !== ev.alert.id)];
    return { ...data, active };
  }
  if (ev.type === 'alert.cleared') {
    const active = data.active.filter((a) => a.id !== ev.alert.id);
    const recent = [ev.alert, ...data.recent.filter((a) => !(a.id === ev.alert.id && a.since === ev.alert.since))].slice(0, 50);
    return { ...data, active, recent };
  }
  return data;
}

/** Applies a live event of the app's stream to the health caches (called from `applyToCache`). */
export function applyMetricsEvent(qc: QueryClient, ev: { type: string } & Partial<{ alert: Alert }>): void {
  switch (ev.type) {
    case 'alert.fired':
    case 'alert.cleared': {
      const e = ev as Extract<HealthLiveEvent, { type: 'alert.fired' | 'alert.cleared' }>;
      const cur = qc.getQueryData<Alerts>(healthKeys.alerts);
      if (cur) qc.setQueryData(healthKeys.alerts, applyAlertEvent(cur, e));
      for (const l of [...alertListeners]) l(e);
      for (const l of [...activity]) l();
      return;
    }
    case 'resync':
      void qc.invalidateQueries({ queryKey: healthKeys.alerts });
      void qc.invalidateQueries({ queryKey: healthKeys.storage });
      for (const l of [...activity]) l();
      return;
    case 'capture.created':
    case 'captures.cleared':
    case 'capture.deleted':
    case 'sender.activity':
      for (const l of [...activity]) l();
      return;
  }
}

/**
 * A throttle: `fire` runs at once, then at most once per `ms` (a call in between schedules one
 * at the end of the period, so the last change is never lost). Returns [trigger, cancel].
 */
export function throttle(fire: () => void, ms: number, now: () => number = Date.now): [() => void, () => void] {
  let last = -Infinity;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const run = () => {
    timer = null;
    last = now();
    fire();
  };
  const trigger = () => {
    if (timer) return;
    const wait = last + ms - now();
    if (wait <= 0) run();
    else timer = setTimeout(run, wait);
  };
  const cancel = () => {
    if (timer) clearTimeout(timer);
    timer = null;
  };
  return [trigger, cancel];
}

// ---- hooks ----

/** The metrics of a window, refetched on activity (throttled) and once per bucket. */
export function useMetrics(window: MetricsWindow) {
  const h = useHealthApi();
  const qc = useQueryClient();
  useEffect(() => {
    const [trigger, cancel] = throttle(
      () => void qc.invalidateQueries({ queryKey: healthKeys.metricsFor(window) }),
      LIVE_THROTTLE_MS,
    );
    activity.add(trigger);
    return () => {
      activity.delete(trigger);
      cancel();
    };
  }, [qc, window]);
  return useQuery({
    queryKey: healthKeys.metricsFor(window),
    queryFn: () => h.metrics(window),
    // A quiet engine still moves on: the oldest bucket leaves the window once per bucket.
    refetchInterval: Math.max(BUCKET_MS[window], 5000),
    retry: (n, e) => !isMissingRoute(e) && n < 2,
    placeholderData: (prev) => prev,
  });
}

export function useAlerts() {
  const h = useHealthApi();
  return useQuery({
    queryKey: healthKeys.alerts,
    queryFn: () => h.alerts(),
    staleTime: Infinity,
    retry: (n, e) => !isMissingRoute(e) && n < 2,
  });
}

/** Silent: the rules form shows a 422 next to its field. */
export function useSaveAlertRules() {
  const h = useHealthApi();
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (patch: Partial<AlertRules>) => h.saveRules(patch),
    onSuccess: (rules) => {
      const cur = qc.getQueryData<Alerts>(healthKeys.alerts);
      if (cur) qc.setQueryData(healthKeys.alerts, { ...cur, rules });
      void qc.invalidateQueries({ queryKey: healthKeys.alerts });
    },
    meta: { silent: true },
  });
}

export function useStorage(enabled = true) {
  const h = useHealthApi();
  return useQuery({
    queryKey: healthKeys.storage,
    queryFn: () => h.storage(),
    enabled,
    retry: (n, e) => !isMissingRoute(e) && n < 2,
  });
}

export function useRetention(enabled = true) {
  const h = useHealthApi();
  return useQuery({
    queryKey: healthKeys.retention,
    queryFn: () => h.retention(),
    enabled,
    retry: (n, e) => !isMissingRoute(e) && n < 2,
  });
}

export function useSaveRetention() {
  const h = useHealthApi();
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (patch: Partial<Retention>) => h.saveRetention(patch),
    onSuccess: (r) => {
      qc.setQueryData(healthKeys.retention, r);
      void qc.invalidateQueries({ queryKey: healthKeys.storage });
    },
    meta: { silent: true },
  });
}

/**
 * A 422's problems by the field each names: the engine joins them with `; `, each starting with its
 * field (`p95_latency_ms: must be …`); a problem naming no known field goes under `other`.
 */
export function errorsOf422<K extends string>(e: unknown, fields: readonly K[]): Partial<Record<K | 'other', string>> | null {
  if (!(e instanceof ApiError) || e.status !== 422) return null;
  const out: Partial<Record<K | 'other', string>> = {};
  for (const part of e.message.split(/;\s+/)) {
    const named = fields.find((f) => new RegExp(`\\b${f}\\b`).test(part));
    const key = (named ?? 'other') as K | 'other';
    out[key] = out[key] ? `${out[key]}; ${part}` : part;
  }
  return out;
}
