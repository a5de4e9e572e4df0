//! The Inbox's multi-select: a checkbox on each capture row, and a bar that takes the selected
//! captures to the Replays view (bulk replay, export). Kept in a small store of its own so the
//! list, the bar and the Replays view share it without threading state through the Inbox.
import { useSyncExternalStore } from 'react';
import { useNav } from '../../nav';
import './replay.css';

let selected: number[] = [];
const listeners = new Set<() => void>();

function set(next: number[]): void {
  selected = next;
  for (const l of listeners) l();
}

export const captureSelection = {
  get: (): number[] => selected,
  toggle: (id: number): void => set(selected.includes(id) ? selected.filter((x) => x !== id) : [...selected, id].sort((a, b) => a - b)),
  clear: (): void => set([]),
  subscribe: (l: () => void): (() => void) => {
    listeners.add(l);
    return () => listeners.delete(l);
  },
};

export function useCaptureSelection(): number[] {
  return useSyncExternalStore(captureSelection.subscribe, captureSelection.get);
}

export function SelectBox({ id }: { id: number }) {
  const sel = useCaptureSelection();
  return (
    <input
      type="checkbox"
      className="row-select"
      aria-label={`select capture ${id}`}
      data-testid="capture-select"
      checked={sel.includes(id)}
      onClick={(e) => e.stopPropagation()}
      onChange={() => captureSelection.toggle(id)}
    />
  );
}

export function SelectionBar() {
  const sel = useCaptureSelection();
  const nav = useNav();
  if (sel.length === 0) return null;
  return (
    <div className="selection-bar" data-testid="selection-bar">
      <strong>{sel.length} selected</strong>
      <button type="button" className="btn btn-primary small" data-testid="selection-replay" onClick={() => nav.go('replays')}>
        Bulk replay or export…
      </button>
      <button type="button" className="btn small" onClick={() => captureSelection.clear()}>
        Clear
      </button>
    </div>
  );
}
