//! One line on a capture: which fault plans shaped the answer and how it was made
//! (`response_note`), or that the client got no HTTP answer at all. Shown as text only.
import type { CaptureSummary } from '../../api/types';

export function CaptureFaults({ capture }: { capture: Pick<CaptureSummary, 'faults' | 'response_note' | 'response_status'> }) {
  const faults = capture.faults ?? [];
  const note = capture.response_note ?? null;
  if (faults.length === 0 && !note && capture.response_status !== 0) return null;
  return (
    <div className="notice fault-note" data-testid="capture-faults">
      {capture.response_status === 0 && <div data-testid="capture-no-answer">The client got no HTTP answer.</div>}
      {faults.map((f, i) => (
        <div key={i} data-testid="capture-fault">
          Fault: {f}
        </div>
      ))}
      {note && <div data-testid="capture-response-note">Answer: {note}</div>}
    </div>
  );
}
