//! "Send a test webhook": a provider's sample, signed for an endpoint's scheme and secret by the
//! outbox (each attempt afresh), sent to our own receiver; when the capture arrives, it is opened.
import { useEffect, useState } from 'react';
import { useSendEvent } from '../../api/events';
import { flattenPages } from '../../api/live';
import { useCaptureList, useEndpoints } from '../../api/queries';
import { useNav } from '../../nav';
import { SAMPLES, sampleEvent, samplePath, sampleForEndpoint, type Sample } from './samples';
import './samples.css';

function nonce(): string {
  return Date.now().toString(36) + Math.floor(Math.random() * 1e6).toString(36);
}

/** The form; `endpointId` preselects an endpoint (the Endpoints view passes its row's). */
export function SendTestWebhook({ receiverUrl, endpointId, compact = false }: { receiverUrl: string; endpointId?: number; compact?: boolean }) {
  const endpoints = useEndpoints();
  const nav = useNav();
  const send = useSendEvent();
  const all = useCaptureList({});
  const list = endpoints.data ?? [];
  const [epId, setEpId] = useState<number | null>(endpointId ?? null);
  const ep = list.find((e) => e.id === epId) ?? list.find((e) => e.id === endpointId) ?? list[0];
  const [sampleId, setSampleId] = useState<Sample['id'] | null>(null);
  const sample = SAMPLES.find((s) => s.id === sampleId) ?? sampleForEndpoint(ep);
  const [waiting, setWaiting] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  // The capture lands through the live stream; open it when it does.
  const arrived = waiting ? flattenPages(all.data).find((c) => c.path === waiting) : undefined;
  useEffect(() => {
    if (arrived) {
      setWaiting(null);
      nav.selectCapture(arrived.id);
    }
  }, [arrived, nav]);

  if (!ep) return null;
  const signed = !!ep.signature && ep.signature.secrets.length > 0;
  const go = () => {
    const n = nonce();
    setError(null);
    send.mutate(sampleEvent(receiverUrl, ep, sample, n), {
      onSuccess: () => setWaiting(samplePath(ep, sample, n)),
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
        <button type="button" className="btn btn-primary" data-testid="send-test-go" disabled={send.isPending || waiting !== null} onClick={go}>
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
