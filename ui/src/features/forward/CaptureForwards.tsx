//! On a capture: the events that forward it to the endpoint's app, each with its state, last
//! status and attempts, and a way to the Outbox where its timeline is.
import { useForwardLive } from '../../api/forward';
import type { Capture } from '../../api/types';
import { useNav } from '../../nav';

/** Listens for the forwards' state changes only while a capture that has some is open. */
function Live() {
  useForwardLive();
  return null;
}

export function CaptureForwards({ capture }: { capture: Pick<Capture, 'forwards'> }) {
  const nav = useNav();
  const forwards = capture.forwards ?? [];
  if (forwards.length === 0) return null;
  return (
    <div className="notice forward-note" data-testid="capture-forwards">
      <Live />
      {forwards.map((f) => (
        <div key={f.id} data-testid="capture-forward" data-event-id={f.id} data-state={f.state}>
          Forwarded to <span className="mono">{f.url}</span>:{' '}
          <strong data-testid="capture-forward-state">{f.state}</strong>
          {f.last_status != null && <> · last answer {f.last_status}</>}
          {f.last_status == null && f.last_error && <> · {f.last_error}</>} · {f.attempt_count} attempt{f.attempt_count === 1 ? '' : 's'} ·{' '}
          <button type="button" className="btn-link" onClick={() => nav.go('outbox')} data-testid="capture-forward-link">
            event #{f.id} in the Outbox
          </button>
        </div>
      ))}
    </div>
  );
}
