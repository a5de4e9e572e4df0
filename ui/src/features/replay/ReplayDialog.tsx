//! "Replay…" on a capture: where to (a URL, prefilled with the receiver URL and the capture's path,
//! or a destination), how (as received, or re-signed), optionally edited first with the diff
//! against the original shown before sending; then the new event, followed live. The capture
//! itself never changes. The engine's 422s are shown next to the fields they name.
import { useMemo, useState } from 'react';
import { ApiError } from '../../api/client';
import { useDestinations } from '../../api/events';
import { useSchemes } from '../../api/queries';
import { useReplayCapture, useReplayLive, type ReplayInput } from '../../api/replay';
import type { Capture } from '../../api/types';
import { buildEdit, draftFrom, isSignatureHeader, localProblems, placeErrors, placeLocal, replayableHeaders, type EditDraft, type OriginalRequest, type PlacedErrors } from './edit';
import { ReplayEditor } from './ReplayEditor';
import { ReplayResult } from './ReplayResult';
import './replay.css';

const NO_ERRORS: PlacedErrors = { headers: {} };

/** The receiver URL with the capture's path and query: replaying there makes a new capture. */
export function receiverTarget(receiverUrl: string, c: Pick<Capture, 'path' | 'query'>): string {
  return receiverUrl.replace(/\/+$/, '') + c.path + (c.query != null ? `?${c.query}` : '');
}

export function ReplayDialog({ capture, receiverUrl, onClose }: { capture: Capture; receiverUrl: string; onClose: () => void }) {
  useReplayLive();
  const destinations = useDestinations();
  const schemes = useSchemes();
  const replay = useReplayCapture();
  const [targetKind, setTargetKind] = useState<'url' | 'destination'>('url');
  const [url, setUrl] = useState(() => receiverTarget(receiverUrl, capture));
  const [destination, setDestination] = useState('');
  const [mode, setModeState] = useState<'as_received' | 'resigned'>('as_received');
  const [scheme, setScheme] = useState('');
  const [secret, setSecret] = useState('');
  const [editing, setEditing] = useState(false);
  // A re-signed replay starts without the old signature's headers (the engine drops them too).
  const original = useMemo<OriginalRequest>(
    () => ({ method: capture.method, url: '', headers: replayableHeaders(capture.headers, mode), bodyBase64: capture.body_base64 ?? '' }),
    [capture, mode],
  );
  const [draft, setDraft] = useState<EditDraft>(() => draftFrom(original));
  const [errors, setErrors] = useState<PlacedErrors>(NO_ERRORS);
  const [sent, setSent] = useState<number[]>([]);

  /** Untouched headers follow the mode; edited ones keep the edit, less the old signature when re-signing. */
  const setMode = (next: 'as_received' | 'resigned') => {
    const untouched = buildEdit(original, draft)?.headers === undefined;
    const headers = untouched
      ? draftFrom({ ...original, headers: replayableHeaders(capture.headers, next) }).headers
      : next === 'resigned'
        ? draft.headers.filter((h) => !isSignatureHeader(h.name))
        : draft.headers;
    setDraft({ ...draft, headers });
    setModeState(next);
  };

  const dest = destinations.data?.find((d) => String(d.id) === destination);
  const destSigns = !!dest?.signing;
  const targetUrl = targetKind === 'url' ? url.trim() : (dest?.url ?? '');
  const shownOriginal = useMemo(() => ({ ...original, url: targetUrl }), [original, targetUrl]);
  const shownDraft = useMemo(() => ({ ...draft, url: targetUrl }), [draft, targetUrl]);

  const send = () => {
    const problems: string[] = [];
    if (targetKind === 'url' && !/^https?:\/\//i.test(url.trim())) problems.push('url: give an http:// or https:// URL');
    if (targetKind === 'destination' && !dest) problems.push('destination: choose a destination');
    if (mode === 'resigned' && !(targetKind === 'destination' && destSigns) && !(scheme && secret)) {
      problems.push('mode: a re-signed replay needs a destination that signs, or a scheme and a secret');
    }
    const local = editing ? localProblems(original, draft) : {};
    if (problems.length > 0 || Object.keys(local).length > 0) {
      const placed = placeLocal(local);
      setErrors({ ...placed, target: [placed.target, ...problems].filter(Boolean).join('; ') || undefined });
      return;
    }
    setErrors(NO_ERRORS);
    const input = {
      ...(targetKind === 'url' ? { url: url.trim() } : { destination: Number(destination) }),
      mode,
    } as ReplayInput;
    if (mode === 'resigned' && scheme && secret) {
      input.scheme = scheme;
      input.secret = secret;
    }
    const edit = editing ? buildEdit(original, draft) : undefined;
    if (edit) input.edit = edit;
    replay.mutate(
      { id: capture.id, input },
      {
        onSuccess: (e) => setSent((s) => [e.id, ...s]),
        onError: (e) => setErrors(e instanceof ApiError && e.status === 422 ? placeErrors(e.message) : { headers: {}, other: e.message }),
      },
    );
  };

  const noBody = !capture.body_stored;
  return (
    <div className="replay-panel" role="dialog" aria-label={`Replay capture ${capture.id}`} data-testid="replay-dialog">
      <div className="section-head">
        <h3>Replay capture #{capture.id}</h3>
        <button type="button" className="btn small" data-testid="replay-close" onClick={onClose}>
          Close
        </button>
      </div>
      {noBody && (
        <p className="form-errors" data-testid="replay-no-body">
          This capture's body was over the size limit and was not stored, so it cannot be replayed.
        </p>
      )}
      <fieldset className="replay-fieldset">
        <legend>Target</legend>
        <div className="replay-line">
          <label className="small">
            <input type="radio" name="replay-target" checked={targetKind === 'url'} onChange={() => setTargetKind('url')} data-testid="replay-target-url" /> a URL
          </label>
          <label className="small">
            <input
              type="radio"
              name="replay-target"
              checked={targetKind === 'destination'}
              onChange={() => setTargetKind('destination')}
              data-testid="replay-target-destination"
              disabled={(destinations.data ?? []).length === 0}
            />{' '}
            a destination {(destinations.data ?? []).length === 0 && <span className="muted">(none yet: add one in the Outbox)</span>}
          </label>
        </div>
        {targetKind === 'url' ? (
          <label className="field">
            <span className="field-label">URL (prefilled with this receiver and the capture's path: replaying there makes a new capture)</span>
            <input value={url} onChange={(e) => setUrl(e.target.value)} spellCheck={false} data-testid="replay-url" />
          </label>
        ) : (
          <label className="field">
            <span className="field-label">Destination (its retry policy, breaker and signing apply)</span>
            <select value={destination} onChange={(e) => setDestination(e.target.value)} data-testid="replay-destination">
              <option value="">Choose…</option>
              {(destinations.data ?? []).map((d) => (
                <option key={d.id} value={d.id}>
                  {d.name} — {d.url}
                  {d.signing ? ' (signs)' : ''}
                </option>
              ))}
            </select>
          </label>
        )}
      </fieldset>
      <fieldset className="replay-fieldset">
        <legend>Mode</legend>
        <label className="replay-mode">
          <input type="radio" name="replay-mode" checked={mode === 'as_received'} onChange={() => setMode('as_received')} data-testid="replay-mode-as-received" />{' '}
          <strong>As received</strong> <span className="muted small">— method, headers and body byte for byte, the old signature included (connection headers such as Host are written afresh).</span>
        </label>
        <label className="replay-mode">
          <input type="radio" name="replay-mode" checked={mode === 'resigned'} onChange={() => setMode('resigned')} data-testid="replay-mode-resigned" />{' '}
          <strong>Re-signed</strong> <span className="muted small">— the old signature headers dropped and a fresh signature with a new timestamp, made with the destination's scheme and secret (or the ones below).</span>
        </label>
        {mode === 'resigned' && !(targetKind === 'destination' && destSigns) && (
          <div className="replay-line">
            <label className="field">
              <span className="field-label">Scheme</span>
              <select value={scheme} onChange={(e) => setScheme(e.target.value)} data-testid="replay-scheme">
                <option value="">Choose…</option>
                {(schemes.data ?? []).map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.label}
                  </option>
                ))}
              </select>
            </label>
            <label className="field">
              <span className="field-label">Secret</span>
              <input value={secret} onChange={(e) => setSecret(e.target.value)} spellCheck={false} data-testid="replay-secret" autoComplete="off" />
            </label>
          </div>
        )}
      </fieldset>
      {errors.target && (
        <div className="field-error" data-testid="replay-target-error" role="alert">
          {errors.target}
        </div>
      )}
      <label className="replay-check">
        <input type="checkbox" checked={editing} onChange={(e) => setEditing(e.target.checked)} data-testid="replay-edit-toggle" disabled={noBody} /> <strong>Edit before replay</strong>{' '}
        <span className="muted small">(the capture stays as it was)</span>
      </label>
      {editing && <ReplayEditor original={shownOriginal} draft={shownDraft} onChange={(d) => setDraft({ ...d, url: '' })} errors={errors} />}
      {errors.other && (
        <div className="form-errors" data-testid="replay-error" role="alert">
          {errors.other}
        </div>
      )}
      <div className="actions">
        <button type="button" className="btn btn-primary" data-testid="replay-send" disabled={replay.isPending || noBody} onClick={send}>
          {replay.isPending ? 'Sending…' : editing ? 'Replay edited' : 'Replay'}
        </button>
      </div>
      {sent.map((id) => (
        <ReplayResult key={id} eventId={id} />
      ))}
    </div>
  );
}
