//! "Send a test webhook": a provider's sample, signed for an endpoint's scheme and secret by the
//! outbox (each attempt afresh), sent to our own receiver; when the capture arrives, it is opened.
import { useState } from 'react';
import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useSendEvent } from '../../api/events';
import { flattenPages, type CaptureListData } from '../../api/live';
import { keys, useEndpoints } from '../../api/queries';
import { useNav } from '../../nav';
import { SAMPLES, sampleEvent, samplePath, sampleForEndpoint, type Sample } from './samples';
import './samples.css';

function nonce(): string {
  return Date.now().toString(36) + Math.floor(Math.random() * 1e6).toString(36);
}

/** How long to watch for the capture before giving up (a fault plan may hold it back). */
const WATCH_MS = 120_000;

/**
 * Calls `found` with the id of the capture at `path` once it is in the cached list of every capture
 * (the live stream puts it there), then stops watching. Kept on the cache, not in the form: the
 * Inbox's empty state, where the form may sit, is gone the moment that capture arrives.
 */
export function watchForCapture(
  qc: QueryClient,
  path: string,
  found: (id: number) => void,
  giveUp: () => void = () => {},
  ms = WATCH_MS,
): () => void {
  const look = (): boolean => {
    const hit = flattenPages(qc.getQueryData<CaptureListData>(keys.captureList({}))).find((c) => c.path === path);
    if (hit) found(hit.id);
    return !!hit;
  };
  if (look()) return () => {};
  const stop = () => {
    clearTimeout(timer);
    unsubscribe();
  };
  const unsubscribe = qc.getQueryCache().subscribe((e) => {
    if (e.query.queryKey[0] === 'captures' && e.query.queryKey[1] === 'list' && look()) stop();
  });
  const timer = setTimeout(() => {
    stop();
    giveUp();
  }, ms);
  return stop;
}

/** The form; `endpointId` preselects an endpoint (the Endpoints view passes its row's). */
export function SendTestWebhook({ receiverUrl, endpointId, compact = false }: { receiverUrl: string; endpointId?: number; compact?: boolean }) {
  const endpoints = useEndpoints();
  const nav = useNav();
  const send = useSendEvent();
  const qc = useQueryClient();
  const list = endpoints.data ?? [];
  const [epId, setEpId] = useState<number | null>(endpointId ?? null);
  const ep = list.find((e) => e.id === epId) ?? list.find((e) => e.id === endpointId) ?? list[0];
  const [sampleId, setSampleId] = useState<Sample['id'] | null>(null);
  const sample = SAMPLES.find((s) => s.id === sampleId) ?? sampleForEndpoint(ep);
  const [waiting, setWaiting] = useState(false);
  const [error, setError] = useState<string | null>(null);

  if (!ep) return null;
  const signed = !!ep.signature && ep.signature.secrets.length > 0;
  const go = () => {
    const n = nonce();
    setError(null);
    send.mutate(sampleEvent(receiverUrl, ep, sample, n), {
      onSuccess: () => {
        setWaiting(true);
        // The capture lands through the live stream; open it when it does.
        watchForCapture(
          qc,
          samplePath(ep, sample, n),
          (id) => {
            setWaiting(false);
            nav.selectCapture(id);
          },
          () => {
            setWaiting(false);
            setError('It has not arrived yet: the Outbox shows its attempts.');
          },
        );
      },
      onError: (e) => setError(e.message),
    });
  };
  return (
    <div className={`send-test ${compact ? 'send-test-compact' : ''}`} data-testid="send-test">
      {!compact && <h3>Send a test webhook</h3>}
      <div className="send-test-row">
        <select aria-label="Sample" data-testid="send-test-sample" value={sample.id} onChange={(e) => setSampleId(e.target.value as Sample['id'])}>
          {SAMPLES.map((s) => (
            <option key={s.id} value={s.id}>
              {s.label} {s.event}
            </option>
          ))}
        </select>
        {endpointId === undefined && (
          <select aria-label="Endpoint" data-testid="send-test-endpoint" value={ep.id} onChange={(e) => setEpId(Number(e.target.value))}>
            {list.map((x) => (
              <option key={x.id} value={x.id}>
                to {x.name} ({x.path_prefix || '/'})
              </option>
            ))}
          </select>
        )}
        <button type="button" className="btn btn-primary" data-testid="send-test-go" disabled={send.isPending || waiting} onClick={go}>
          {waiting ? 'Waiting for it…' : 'Send'}
        </button>
      </div>
      <p className="muted small">
        {signed
          ? `Signed with ${ep.name}'s scheme and current secret by the outbox, sent to the receiver: its verdict shows valid.`
          : `${ep.name} checks no signature, so it is sent unsigned; set a scheme and secret on the endpoint to see a verdict.`}
      </p>
      {error && (
        <div className="field-error" data-testid="send-test-error">
          {error}
        </div>
      )}
    </div>
  );
}
