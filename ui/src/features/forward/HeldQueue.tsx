//! An endpoint's held forwards: release one, edit then release (method, URL, body in the JSON
//! editor; the capture never changes), or release all. Payloads are shown as text only.
import { useState } from 'react';
import { ApiError } from '../../api/client';
import { useHeld, useRelease, useReleaseAll, type ReleaseEdit } from '../../api/forward';
import { useSenderApi, type EventSummary } from '../../api/events';
import { JsonEditor } from '../../components/JsonEditor';
import { useToast } from '../../components/Toast';
import './forward.css';

export function HeldQueue({ endpointId }: { endpointId: number }) {
  const held = useHeld(endpointId);
  const releaseAll = useReleaseAll();
  const toast = useToast();
  const items = held.data ?? [];
  if (items.length === 0) return null;
  return (
    <div className="held-queue" data-testid="held-queue" data-endpoint-id={endpointId}>
      <div className="section-head">
        <strong>Held ({items.length})</strong>
        <span className="spacer" />
        <button
          type="button"
          className="btn small"
          data-testid="held-release-all"
          disabled={releaseAll.isPending}
          onClick={() =>
            releaseAll.mutate(endpointId, {
              onSuccess: (r) => toast.show(`Released ${r.released.length}`, 'info'),
              onError: (e) => toast.show(e instanceof Error ? e.message : String(e), 'error'),
            })
          }
        >
          Release all
        </button>
      </div>
      {items.map((e) => (
        <HeldRow key={e.id} event={e} />
      ))}
    </div>
  );
}

function bodyText(base64: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
  } catch {
    return '';
  }
}

function HeldRow({ event }: { event: EventSummary }) {
  const release = useRelease();
  const sender = useSenderApi();
  const toast = useToast();
  const [edit, setEdit] = useState<{ method: string; url: string; body: string } | null>(null);
  const [error, setError] = useState<string | null>(null);

  const go = (changes?: ReleaseEdit) => {
    setError(null);
    release.mutate(
      { id: event.id, edit: changes },
      {
        onSuccess: () => setEdit(null),
        onError: (e) => setError(e instanceof ApiError ? e.message : String(e)),
      },
    );
  };

  const openEditor = async () => {
    try {
      // The event's own request (what would be sent), from the sender's detail route.
      const detail = await sender.event(event.id);
      setEdit({ method: detail.method, url: detail.url, body: bodyText(detail.body_base64) });
    } catch (e) {
      toast.show(e instanceof Error ? e.message : String(e), 'error');
    }
  };

  return (
    <div className="held-row" data-testid="held-row" data-event-id={event.id}>
      <div className="held-line">
        <span className="mono">#{event.id}</span> <span className="mono">{event.method}</span>{' '}
        <span className="mono muted">{event.url}</span> <span className="muted small">capture #{event.capture_id}</span>
        <span className="spacer" />
        <button type="button" className="btn small" data-testid="held-release" disabled={release.isPending} onClick={() => go()}>
          Release
        </button>
        <button type="button" className="btn small" data-testid="held-edit" onClick={() => void openEditor()}>
          Edit &amp; release
        </button>
      </div>
      {edit && (
        <div className="held-edit" data-testid="held-editor">
          <div className="grid2">
            <label className="field">
              <span className="field-label">Method</span>
              <input value={edit.method} onChange={(e) => setEdit({ ...edit, method: e.target.value })} data-testid="held-method" />
            </label>
            <label className="field">
              <span className="field-label">URL</span>
              <input value={edit.url} onChange={(e) => setEdit({ ...edit, url: e.target.value })} data-testid="held-url" spellCheck={false} />
            </label>
          </div>
          {/* A body that claims JSON and does not parse is refused by the engine, naming line and column. */}
          <JsonEditor value={edit.body} onChange={(body) => setEdit({ ...edit, body })} allowEmpty testId="held-body" ariaLabel="Body to send" />
          {error && (
            <div className="field-error" data-testid="held-error">
              {error}
            </div>
          )}
          <div className="actions">
            <button
              type="button"
              className="btn btn-primary small"
              data-testid="held-send"
              disabled={release.isPending}
              onClick={() => go({ method: edit.method, url: edit.url, body: edit.body })}
            >
              Release edited
            </button>
            <button type="button" className="btn small" onClick={() => setEdit(null)}>
              Cancel
            </button>
          </div>
        </div>
      )}
    </div>
  );
}
