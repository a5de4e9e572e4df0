//! The "Replay…" button of a capture's detail; the dialog (and CodeMirror with it) loads the first
//! time it is opened, as a side sheet over the Inbox.
import { lazy, Suspense, useState } from 'react';
import type { Capture } from '../../api/types';
import './replay.css';

const ReplayDialog = lazy(() => import('./ReplayDialog').then((m) => ({ default: m.ReplayDialog })));

export function ReplayAction({ capture, receiverUrl }: { capture: Capture; receiverUrl: string }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button
        type="button"
        className="btn"
        data-testid="replay-capture"
        title={capture.body_stored ? 'send this request again, as received or edited' : 'the body was not stored, so it cannot be replayed'}
        onClick={() => setOpen(true)}
      >
        Replay…
      </button>
      {open && (
        // Keys typed here are the sheet's: the Inbox's j/k/Delete must not act behind it. Escape closes it.
        <div
          className="replay-sheet"
          onKeyDown={(e) => {
            e.stopPropagation();
            if (e.key === 'Escape') setOpen(false);
          }}
        >
          <Suspense fallback={<div className="pad muted">Loading…</div>}>
            <ReplayDialog capture={capture} receiverUrl={receiverUrl} onClose={() => setOpen(false)} />
          </Suspense>
        </div>
      )}
    </>
  );
}
