//! The live event stream (SSE). EventSource reconnects by itself; when it comes back, events may
//! have been missed, so a reconnection is reported as `resync` and the lists are fetched again.
import type { Api } from './client';
import type { Alert } from './metrics';
import type { CaptureSummary, LiveEvent } from './types';

export type StreamStatus = 'connecting' | 'live' | 'reconnecting';

export function openLiveStream(
  api: Api,
  onEvent: (e: LiveEvent) => void,
  onStatus: (s: StreamStatus) => void,
): () => void {
  let source: EventSource | null = null;
  let retry: ReturnType<typeof setTimeout> | null = null;
  let connectedOnce = false;
  let closed = false;

  const parse = (e: MessageEvent): unknown => {
    try {
      return JSON.parse(e.data as string);
    } catch {
      return null;
    }
  };

  const connect = () => {
    onStatus(connectedOnce ? 'reconnecting' : 'connecting');
    const es = new EventSource(api.streamUrl());
    source = es;
    es.addEventListener('ready', () => {
      onStatus('live');
      if (connectedOnce) onEvent({ type: 'resync' });
      connectedOnce = true;
    });
    es.addEventListener('capture.created', (e) => {
      const c = parse(e as MessageEvent) as CaptureSummary | null;
      if (c && typeof c.id === 'number') onEvent({ type: 'capture.created', capture: c });
    });
    es.addEventListener('capture.deleted', (e) => {
      const d = parse(e as MessageEvent) as { id?: number } | null;
      if (d && typeof d.id === 'number') onEvent({ type: 'capture.deleted', id: d.id });
    });
    es.addEventListener('captures.cleared', () => onEvent({ type: 'captures.cleared' }));
    es.addEventListener('endpoints.changed', () => onEvent({ type: 'endpoints.changed' }));
    es.addEventListener('resync', () => onEvent({ type: 'resync' }));
    // Health (issue 7): alerts, and sender activity that moves the dashboard's figures.
    for (const type of ['alert.fired', 'alert.cleared'] as const) {
      es.addEventListener(type, (e) => {
        const a = parse(e as MessageEvent) as Alert | null;
        if (a && typeof a.id === 'string') onEvent({ type, alert: a });
      });
    }
    // Retention deleted old captures: every list is fetched again, as after a reconnection.
    es.addEventListener('captures.pruned', () => onEvent({ type: 'resync' }));
    for (const type of ['event.created', 'event.updated', 'attempt.finished']) {
      es.addEventListener(type, () => onEvent({ type: 'sender.activity' }));
    }
    es.onerror = () => {
      if (closed) return;
      onStatus('reconnecting');
      if (es.readyState === EventSource.CLOSED) {
        // The browser gave up (e.g. the engine restarted and refused once): try again ourselves.
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
