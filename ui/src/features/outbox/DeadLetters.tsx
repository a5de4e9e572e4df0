//! Dead letters: how many per destination (a bar each) and the list with each one's reason, with
//! Retry (the same event, due now) and Resend (a new event) per row.
import { useDeadLetters, useDestinations, useEventAction } from '../../api/events';
import { formatDateTime } from './format';

export function DeadLetters({ onOpen }: { onOpen: (id: number) => void }) {
  const dead = useDeadLetters();
  const destinations = useDestinations();
  const act = useEventAction();
  const names = new Map((destinations.data ?? []).map((d) => [d.id, d.name]));
  const first = dead.data?.pages[0];
  const counts = first?.counts ?? [];
  const max = Math.max(1, ...counts.map((c) => c.count));
  const items = dead.data?.pages.flatMap((p) => p.items) ?? [];
  const label = (id: number | null | undefined) => (id == null ? 'Sent to a URL' : names.get(id) ?? `destination #${id} (deleted)`);
  return (
    <div className="dead" data-testid="dead-letters">
      <h2>Dead letters</h2>
      <p className="muted small">Events that will not be attempted again: a terminal answer (e.g. 400), or the schedule ran out. Retry makes one due now; Resend makes a new event with the same payload.</p>
      {dead.isError && <div className="form-errors">{dead.error.message}</div>}
      {counts.length > 0 && (
        <div className="dead-counts" data-testid="dead-counts">
          {counts.map((c) => (
            <div key={c.destination_id ?? 'url'} className="dead-count" data-testid="dead-count" data-destination-id={c.destination_id ?? ''} data-count={c.count}>
              <span className="dead-name">{label(c.destination_id)}</span>
              <span className="dead-bar">
                <span style={{ width: `${(c.count / max) * 100}%` }} />
              </span>
              <span className="dead-n mono">{c.count}</span>
            </div>
          ))}
        </div>
      )}
      {dead.isSuccess && items.length === 0 && (
        <p className="muted" data-testid="dead-empty">
          No dead letters.
        </p>
      )}
      <table className="dead-list">
        <tbody>
          {items.map((e) => (
            <tr key={e.id} data-testid="dead-row" data-event-id={e.id}>
              <td>
                <button type="button" className="btn-link mono" onClick={() => onOpen(e.id)}>
                  #{e.id}
                </button>
              </td>
              <td>
                <div>{e.destination_id != null ? <strong>{label(e.destination_id)}</strong> : null}</div>
                <div className="mono small muted">
                  {e.method} {e.url}
                </div>
              </td>
              <td className="dead-reason-cell" data-testid="dead-reason">
                {e.dead_reason ?? e.last_error ?? (e.last_status != null ? String(e.last_status) : '')}
              </td>
              <td className="small muted">
                {e.attempt_count} attempt{e.attempt_count === 1 ? '' : 's'}
                <br />
                {formatDateTime(e.updated_at)}
              </td>
              <td className="dead-actions">
                <button type="button" className="btn small" data-testid="dead-retry" disabled={act.isPending} onClick={() => act.mutate({ id: e.id, action: 'retry' })}>
                  Retry
                </button>
                <button
                  type="button"
                  className="btn small"
                  data-testid="dead-resend"
                  disabled={act.isPending}
                  onClick={() => act.mutate({ id: e.id, action: 'resend' }, { onSuccess: (r) => ('created' in r ? onOpen(r.created.id) : undefined) })}
                >
                  Resend
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {dead.hasNextPage && (
        <button type="button" className="btn" onClick={() => void dead.fetchNextPage()} disabled={dead.isFetchingNextPage}>
          Older dead letters
        </button>
      )}
    </div>
  );
}
