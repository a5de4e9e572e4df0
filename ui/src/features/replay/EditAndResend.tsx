//! "Edit & resend" on an event (a dead letter or any): the same editor as a capture's replay, with
//! the URL; `POST /api/events/{id}/resend` with only what changed, so a new attempt chain starts,
//! linked to the old one. Mounted by the Outbox's event detail with one line.
import { useMemo, useState } from 'react';
import { ApiError } from '../../api/client';
import type { EventDetail } from '../../api/events';
import { useResendEdited } from '../../api/replay';
import { buildEdit, draftFrom, localProblems, placeErrors, placeLocal, type EditDraft, type OriginalRequest, type PlacedErrors } from './edit';
import { ReplayEditor } from './ReplayEditor';
import './replay.css';

export function EditAndResend({ event, onOpen }: { event: EventDetail; onOpen?: (id: number) => void }) {
  const [open, setOpen] = useState(false);
  if (!open) {
    return (
      <button type="button" className="btn" data-testid="event-edit-resend" title="a new event, edited first; this one stays as it is" onClick={() => setOpen(true)}>
        Edit &amp; resend
      </button>
    );
  }
  return <ResendPanel event={event} onOpen={onOpen} onClose={() => setOpen(false)} />;
}

function ResendPanel({ event, onOpen, onClose }: { event: EventDetail; onOpen?: (id: number) => void; onClose: () => void }) {
  const resend = useResendEdited();
  const original = useMemo<OriginalRequest>(
    () => ({ method: event.method, url: event.url, headers: event.headers, bodyBase64: event.body_base64 }),
    // The editor starts from the event as first shown; live updates of its state don't reset it.
    [event.id],
  );
  const [draft, setDraft] = useState<EditDraft>(() => draftFrom(original));
  const [errors, setErrors] = useState<PlacedErrors>({ headers: {} });
  const [made, setMade] = useState<number | null>(null);

  const send = () => {
    const local = localProblems(original, draft);
    if (!/^https?:\/\//i.test(draft.url.trim())) local['edit.url'] = 'give an http:// or https:// URL';
    if (Object.keys(local).length > 0) {
      setErrors(placeLocal(local));
      return;
    }
    setErrors({ headers: {} });
    resend.mutate(
      { id: event.id, edit: buildEdit(original, draft, { withUrl: true }) },
      {
        onSuccess: (e) => setMade(e.id),
        onError: (e) => setErrors(e instanceof ApiError && e.status === 422 ? placeErrors(e.message) : { headers: {}, other: e.message }),
      },
    );
  };

  return (
    <div className="replay-panel replay-panel-wide" role="dialog" aria-label={`Edit and resend event ${event.id}`} data-testid="resend-panel">
      <div className="section-head">
        <h3>Edit &amp; resend event #{event.id}</h3>
        <button type="button" className="btn small" onClick={onClose}>
          Close
        </button>
      </div>
      <p className="muted small">A new event is made (a new attempt chain, linked to this one); this event stays as it is.</p>
      <ReplayEditor original={original} draft={draft} onChange={setDraft} errors={errors} withUrl />
      {errors.other && (
        <div className="form-errors" data-testid="replay-error" role="alert">
          {errors.other}
        </div>
      )}
      <div className="actions">
        <button type="button" className="btn btn-primary" data-testid="resend-send" disabled={resend.isPending} onClick={send}>
          {resend.isPending ? 'Sending…' : 'Resend edited'}
        </button>
        {made !== null && (
          <button type="button" className="btn-link" data-testid="resend-open" onClick={() => onOpen?.(made)}>
            Resent as #{made} →
          </button>
        )}
      </div>
    </div>
  );
}
