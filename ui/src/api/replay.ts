//! Replay over the API: replay a capture (as received or re-signed, edited or not), resend an
//! event edited, bulk replays (preview, start, pause, resume, cancel), export and import; the
//! query hooks the replay views read through, and the live stream that keeps them current
//! (`batch.updated`, and the sender's events for the replays just made). Nothing here polls.
import { useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { apiFetch, type Api } from './client';
import { applySenderEvent, senderKeys, type Attempt, type EventSummary, type SenderEvent, type SenderLiveEvent } from './events';
import { useApi } from './queries';
import type { HeaderView } from './types';

/** What an edit changes before sending; left out stays as it was. The original never changes. */
export interface RequestEdit {
  method?: string;
  url?: string;
  /** The complete header list to send (replaces the original's). */
  headers?: HeaderView[];
  body?: string;
  body_base64?: string;
  allow_invalid_json?: boolean;
}

export type ReplayMode = 'as_received' | 'resigned';
export type ReplayTarget = { url: string } | { destination: number | string };

export type ReplayInput = ReplayTarget & {
  mode?: ReplayMode;
  edit?: RequestEdit;
  scheme?: string;
  secret?: string;
  policy?: string;
  time_scale?: number;
};

/** Captures or events, by ids or a filter (every given condition must hold). Times are unix ms. */
export type BatchSource =
  | {
      kind: 'captures';
      ids?: number[];
      endpoint?: number;
      method?: string;
      verdict?: 'valid' | 'invalid';
      duplicate?: boolean;
      q?: string;
      since?: number;
      until?: number;
    }
  | {
      kind: 'events';
      ids?: number[];
      state?: string;
      destination?: number;
      since?: number;
      until?: number;
    };

export interface BatchInput {
  source: BatchSource;
  to?: ReplayTarget;
  mode?: ReplayMode;
  rate_per_sec?: number;
  policy?: string;
  time_scale?: number;
}

export interface BatchCounts {
  in_progress: number;
  delivered: number;
  dead: number;
  cancelled: number;
}

export type BatchState = 'running' | 'paused' | 'cancelled' | 'done';

export interface Batch {
  id: number;
  kind: 'captures' | 'events' | string;
  state: BatchState;
  total: number;
  done: number;
  skipped: number;
  last_error?: string | null;
  rate_per_sec: number;
  counts: BatchCounts;
  created_at: number;
  updated_at: number;
  input: BatchInput;
}

export interface BatchPreview {
  total: number;
  sample: number[];
  capped: boolean;
}

export type ExportFormat = 'har' | 'jsonl' | 'curl';

export interface ExportInput {
  format: ExportFormat;
  source: BatchSource;
  redact?: boolean;
  redact_headers?: string[];
  secrets?: string[];
}

export interface ExportFile {
  blob: Blob;
  fileName: string;
  records: number;
}

export type ImportFormat = 'auto' | 'har' | 'jsonl' | 'curl';

export interface ImportResult {
  imported: number;
  capture_ids: number[];
  format: ImportFormat;
}

export const replayKeys = {
  all: ['replay'] as const,
  batches: ['replay', 'batches'] as const,
  batch: (id: number) => ['replay', 'batch', id] as const,
};

/** The file name of a `Content-Disposition: attachment; filename="…"`. */
export function fileNameOf(disposition: string | null, fallback: string): string {
  const m = disposition ? /filename="?([^";]+)"?/i.exec(disposition) : null;
  return m ? m[1] : fallback;
}

/**
 * The engine's 422 message split by field: `"edit.body: …; edit.url: …"` → `{"edit.body": ["…"],
 * "edit.url": ["…"]}`. A part that names no field lands under `""`.
 */
export function fieldErrors(message: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const raw of message.split('; ')) {
    const part = raw.trim();
    if (!part) continue;
    const m = /^([A-Za-z_][A-Za-z0-9_.[\]]*): ([\s\S]*)$/.exec(part);
    const key = m ? m[1] : '';
    (out[key] ??= []).push(m ? m[2] : part);
  }
  return out;
}

export class ReplayApi {
  constructor(private readonly api: Pick<Api, 'conn'>) {}

  private async raw(path: string, init: RequestInit = {}, contentType = 'application/json'): Promise<Response> {
    const res = await apiFetch(this.api.conn, path, init, contentType);
    return res;
  }

  private async call<T>(path: string, init: RequestInit = {}): Promise<T> {
    return (await (await this.raw(path, init)).json()) as T;
  }

  replayCapture(id: number, input: ReplayInput): Promise<SenderEvent> {
    return this.call(`/api/captures/${id}/replay`, { method: 'POST', body: JSON.stringify(input) });
  }
  resend(id: number, edit?: RequestEdit): Promise<SenderEvent> {
    return this.call(`/api/events/${id}/resend`, { method: 'POST', body: JSON.stringify(edit ? { edit } : {}) });
  }
  preview(input: BatchInput): Promise<BatchPreview> {
    return this.call('/api/replays/preview', { method: 'POST', body: JSON.stringify(input) });
  }
  start(input: BatchInput): Promise<Batch> {
    return this.call('/api/replays', { method: 'POST', body: JSON.stringify(input) });
  }
  batches(): Promise<Batch[]> {
    return this.call('/api/replays');
  }
  batch(id: number): Promise<Batch> {
    return this.call(`/api/replays/${id}`);
  }
  change(id: number, action: 'pause' | 'resume' | 'cancel'): Promise<Batch> {
    return this.call(`/api/replays/${id}/${action}`, { method: 'POST' });
  }
  async exportFile(input: ExportInput): Promise<ExportFile> {
    const res = await this.raw('/api/export', { method: 'POST', body: JSON.stringify(input) });
    const ext = input.format === 'curl' ? 'sh' : input.format;
    return {
      blob: await res.blob(),
      fileName: fileNameOf(res.headers.get('content-disposition'), `hookbench-export.${ext}`),
      records: Number(res.headers.get('x-hookbench-records') ?? 0),
    };
  }
  importFile(bytes: Blob | string, format: ImportFormat = 'auto', endpoint?: number): Promise<ImportResult> {
    const p = new URLSearchParams({ format });
    if (endpoint !== undefined) p.set('endpoint', String(endpoint));
    return this.raw(`/api/import?${p}`, { method: 'POST', body: bytes }, 'application/octet-stream').then(
      (r) => r.json() as Promise<ImportResult>,
    );
  }
}

export function useReplayApi(): ReplayApi {
  return new ReplayApi(useApi());
}

export function useBatches() {
  const r = useReplayApi();
  return useQuery({ queryKey: replayKeys.batches, queryFn: () => r.batches(), staleTime: Infinity });
}

export function useBatch(id: number | null) {
  const r = useReplayApi();
  return useQuery({
    queryKey: replayKeys.batch(id ?? -1),
    queryFn: () => r.batch(id as number),
    enabled: id !== null,
    staleTime: Infinity,
  });
}

/** Silent: the replay form shows the engine's 422 next to the fields it names. */
export function useReplayCapture() {
  const r = useReplayApi();
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, input }: { id: number; input: ReplayInput }) => r.replayCapture(id, input),
    onSuccess: (e) => applySenderEvent(qc, { type: 'event.created', event: e }),
    meta: { silent: true },
  });
}

/** Silent: the editor shows the engine's 422 next to the fields it names. */
export function useResendEdited() {
  const r = useReplayApi();
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, edit }: { id: number; edit?: RequestEdit }) => r.resend(id, edit),
    onSuccess: (e) => applySenderEvent(qc, { type: 'event.created', event: e }),
    meta: { silent: true },
  });
}

export function usePreviewBatch() {
  const r = useReplayApi();
  return useMutation({ mutationFn: (input: BatchInput) => r.preview(input), meta: { silent: true } });
}

export function useStartBatch() {
  const r = useReplayApi();
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: BatchInput) => r.start(input),
    onSuccess: (b) => applyBatch(qc, b),
    meta: { silent: true },
  });
}

export function useChangeBatch() {
  const r = useReplayApi();
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, action }: { id: number; action: 'pause' | 'resume' | 'cancel' }) => r.change(id, action),
    onSuccess: (b) => applyBatch(qc, b),
  });
}

export function useExport() {
  const r = useReplayApi();
  return useMutation({ mutationFn: (input: ExportInput) => r.exportFile(input), meta: { silent: true } });
}

export function useImport() {
  const r = useReplayApi();
  return useMutation({
    mutationFn: ({ bytes, format, endpoint }: { bytes: Blob | string; format?: ImportFormat; endpoint?: number }) =>
      r.importFile(bytes, format, endpoint),
    meta: { silent: true },
  });
}

// ---- live updates ----

/** A list of bulk replays after one changed: replaced in place, or put first when new. */
export function applyToBatchList(list: Batch[] | undefined, b: Batch): Batch[] | undefined {
  if (!list) return list;
  const i = list.findIndex((x) => x.id === b.id);
  if (i < 0) return [b, ...list].sort((x, y) => y.id - x.id);
  if (list[i].updated_at > b.updated_at) return list; // an older update arriving late
  return list.map((x) => (x.id === b.id ? b : x));
}

/** Puts a bulk replay's newest state in the cache (its own query and the list). */
export function applyBatch(qc: QueryClient, b: Batch): void {
  const cur = qc.getQueryData<Batch>(replayKeys.batch(b.id));
  if (!cur || cur.updated_at <= b.updated_at) qc.setQueryData(replayKeys.batch(b.id), b);
  const list = qc.getQueryData<Batch[]>(replayKeys.batches);
  const next = applyToBatchList(list, b);
  if (next !== list) qc.setQueryData(replayKeys.batches, next);
}

export type ReplayLiveEvent = { type: 'batch.updated'; batch: Batch } | SenderLiveEvent;

/**
 * Applies one live event. `batch.updated` comes while a bulk replay enqueues; its events finish
 * later (counts delivered/dead move), so an event of a batch that changes asks for the batch again.
 */
export function applyReplayEvent(qc: QueryClient, ev: ReplayLiveEvent): void {
  if (ev.type === 'batch.updated') {
    applyBatch(qc, ev.batch);
    return;
  }
  if (ev.type === 'resync') {
    // Only what these views own: the Outbox's own stream resets its lists on its reconnections.
    void qc.invalidateQueries({ queryKey: replayKeys.all });
    void qc.invalidateQueries({ queryKey: senderKeys.details });
    return;
  }
  applySenderEvent(qc, ev);
  if ((ev.type === 'event.updated' || ev.type === 'event.created') && ev.event.batch_id != null) {
    refetchBatchSoon(qc, ev.event.batch_id);
  }
}

const BATCH_REFETCH_MS = 250;
const pendingBatchRefetch = new WeakMap<QueryClient, Set<number>>();

/** A thousand events finishing ask for their batch once per quarter second, not a thousand times. */
function refetchBatchSoon(qc: QueryClient, id: number): void {
  let pending = pendingBatchRefetch.get(qc);
  if (!pending) pendingBatchRefetch.set(qc, (pending = new Set()));
  if (pending.has(id)) return;
  pending.add(id);
  setTimeout(() => {
    pending.delete(id);
    const key = replayKeys.batch(id);
    if (qc.getQueryState(key)) void qc.invalidateQueries({ queryKey: key, exact: true });
    void qc.invalidateQueries({ queryKey: replayKeys.batches, exact: true });
  }, BATCH_REFETCH_MS);
}

function parse(e: Event): unknown {
  try {
    return JSON.parse((e as MessageEvent).data as string);
  } catch {
    return null;
  }
}

/**
 * The replay views' half of `GET /api/stream`: `batch.updated`, and the sender's events (so a
 * replay just made shows its state live). One connection while a replay view is open; at each
 * `ready` it says `resync`.
 */
export function openReplayStream(api: Pick<Api, 'streamUrl'>, onEvent: (e: ReplayLiveEvent) => void): () => void {
  let source: EventSource | null = null;
  let retry: ReturnType<typeof setTimeout> | null = null;
  let closed = false;
  const connect = () => {
    const es = new EventSource(api.streamUrl());
    source = es;
    // Every `ready`, the first included: while no replay view was open nothing kept the cache current.
    es.addEventListener('ready', () => onEvent({ type: 'resync' }));
    es.addEventListener('batch.updated', (e) => {
      const b = parse(e) as Batch | null;
      if (b && typeof b.id === 'number' && b.counts) onEvent({ type: 'batch.updated', batch: b });
    });
    for (const type of ['event.created', 'event.updated'] as const) {
      es.addEventListener(type, (e) => {
        const d = parse(e) as EventSummary | null;
        if (d && typeof d.id === 'number') onEvent({ type, event: d });
      });
    }
    for (const type of ['attempt.started', 'attempt.finished'] as const) {
      es.addEventListener(type, (e) => {
        const d = parse(e) as Attempt | null;
        if (d && typeof d.id === 'number' && typeof d.event_id === 'number') onEvent({ type, attempt: d });
      });
    }
    es.addEventListener('resync', () => onEvent({ type: 'resync' }));
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

/** Keeps bulk replays and fresh replays current while mounted. */
export function useReplayLive(): void {
  const api = useApi();
  const qc = useQueryClient();
  useEffect(() => openReplayStream(api, (e) => applyReplayEvent(qc, e)), [api, qc]);
}
