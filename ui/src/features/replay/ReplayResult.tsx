//! The event a replay or resend made, followed live (state, attempts, last status), with a link to
//! its timeline in the Outbox.
import { useEventDetail } from '../../api/events';
import { Badge } from '../../components/Badge';
import { useNav } from '../../nav';

const TONE: Record<string, 'ok' | 'bad' | 'warn' | 'muted'> = {
  delivered: 'ok',
  dead: 'bad',
  cancelled: 'muted',
  retrying: 'warn',
};

export function ReplayResult({ eventId, verb = 'Replayed' }: { eventId: number; verb?: string }) {
  const q = useEventDetail(eventId);
  const nav = useNav();
  const d = q.data;
  const last = d?.attempts.length ? d.attempts[d.attempts.length - 1] : null;
  return (
    <div className="replay-result" data-testid="replay-result" data-event-id={eventId} data-state={d?.state ?? ''}>
      <span>
        {verb} as event <strong>#{eventId}</strong>
      </span>
      {d && (
        <Badge tone={TONE[d.state] ?? 'muted'} testId="replay-result-state">
          {d.state}
        </Badge>
      )}
      {d && (
        <span className="muted small" data-testid="replay-result-detail">
          {d.attempt_count} attempt{d.attempt_count === 1 ? '' : 's'}
          {last?.response ? `, last answered ${last.response.status}` : last?.error ? `, last: ${last.error}` : ''}
          {d.dead_reason ? ` — ${d.dead_reason}` : ''}
        </span>
      )}
      <span className="spacer" />
      <button type="button" className="btn-link" data-testid="replay-open-event" onClick={() => (nav.openEvent ? nav.openEvent(eventId) : nav.go('outbox'))}>
        Open in Outbox →
      </button>
    </div>
  );
}
