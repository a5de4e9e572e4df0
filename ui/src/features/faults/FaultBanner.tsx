//! What is broken right now, visible from every view: each live plan with its endpoint, what it
//! does and how long it still runs, "receiver off" when the listener refuses, and Heal all.
import { useEffect } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useActiveFaults, useHealAll, type ActiveFaults } from '../../api/faults';
import { keys } from '../../api/queries';
import { useNow } from '../../components/useNow';
import { formatCountdown, nextExpiry, remainingAt } from './countdown';
import './faults.css';

export function endpointLabel(name: string, prefix: string): string {
  return prefix ? `${name} (${prefix})` : name;
}

/** The banner from data: nothing at all when every endpoint is healthy. */
export function FaultBannerView({
  faults,
  measuredAt,
  now,
  onHeal,
  healing,
}: {
  faults: ActiveFaults | undefined;
  measuredAt: number;
  now: number;
  onHeal: () => void;
  healing: boolean;
}) {
  if (!faults || (faults.active.length === 0 && !faults.receiver_off)) return null;
  return (
    <div className="fault-banner" role="status" data-testid="fault-banner">
      <strong>Faults on</strong>
      <ul>
        {faults.receiver_off && (
          <li className="fault-off" data-testid="banner-receiver-off">
            receiver off — connection refused
          </li>
        )}
        {faults.active.map((f) => (
          <li key={`${f.endpoint_id}/${f.id}`} data-testid="banner-fault" data-plan-id={f.id}>
            {endpointLabel(f.endpoint_name, f.path_prefix)}: {f.name}
            {f.summary && f.summary !== f.name ? ` — ${f.summary}` : ''}
            {f.remaining_ms != null && (
              <span className="fault-count" data-testid="banner-countdown">
                {' '}
                · {formatCountdown(remainingAt(f.remaining_ms, measuredAt, now))}
              </span>
            )}
          </li>
        ))}
      </ul>
      <button type="button" className="btn btn-primary" data-testid="heal-all" disabled={healing} onClick={onHeal}>
        Heal all
      </button>
    </div>
  );
}

export function FaultBanner() {
  const q = useActiveFaults();
  const heal = useHealAll();
  const qc = useQueryClient();
  const running = (q.data?.active ?? []).some((f) => f.remaining_ms != null);
  // Ticks only while a countdown is shown.
  const now = useNow(running ? 1000 : 3_600_000);
  const measuredAt = q.dataUpdatedAt;

  // A window that runs out fires no event: ask again once, when the soonest one ends.
  const endsIn = q.data ? nextExpiry(q.data.active.map((f) => f.remaining_ms), measuredAt, measuredAt) : null;
  useEffect(() => {
    if (endsIn === null) return;
    const wait = Math.max(0, endsIn - (Date.now() - measuredAt)) + 300;
    const t = setTimeout(() => void qc.invalidateQueries({ queryKey: keys.endpoints }), wait);
    return () => clearTimeout(t);
  }, [endsIn, measuredAt, qc]);

  return (
    <FaultBannerView faults={q.data} measuredAt={measuredAt} now={now} onHeal={() => heal.mutate()} healing={heal.isPending} />
  );
}
