//! The Faults view: each endpoint's fault panel — presets in one click, its plans with state and
//! countdown (switch, remove, clear), the custom fault form, and its response rules.
import { useState } from 'react';
import {
  useApplyPreset,
  useClearEndpointFaults,
  useEndpointPlans,
  useFaultPresets,
  useRemovePlan,
  useReplacePlans,
  withoutStatus,
  type PlanWithStatus,
} from '../../api/faults';
import { useEndpoints } from '../../api/queries';
import type { Endpoint } from '../../api/types';
import { Badge } from '../../components/Badge';
import { useNow } from '../../components/useNow';
import { planStateLine } from './countdown';
import { CustomFaultForm } from './CustomFaultForm';
import { endpointLabel } from './FaultBanner';
import { describeFault, togglePlan } from './plan';
import { ResponseRulesEditor } from './ResponseRulesEditor';
import './faults.css';

const STATE_TONE = { live: 'bad', scheduled: 'warn', expired: 'muted', off: 'muted' } as const;

function PlanRow({
  plan,
  measuredAt,
  now,
  onToggle,
  onRemove,
  busy,
}: {
  plan: PlanWithStatus;
  measuredAt: number;
  now: number;
  onToggle: () => void;
  onRemove: () => void;
  busy: boolean;
}) {
  const on = plan.enabled !== false;
  return (
    <div className="fault-plan" data-testid="fault-plan" data-plan-id={plan.id} data-state={plan.status.state}>
      <label title={on ? 'switch off' : 'switch on'}>
        <input type="checkbox" role="switch" data-testid="plan-switch" checked={on} disabled={busy} onChange={onToggle} /> on
      </label>
      <span className="fault-plan-name">
        <strong>{plan.name}</strong> <span className="muted small">{describeFault(plan.fault)}</span>
      </span>
      <Badge tone={STATE_TONE[plan.status.state]} testId="plan-state">
        {planStateLine(plan.status, measuredAt, now)}
      </Badge>
      <button type="button" className="btn small btn-danger" data-testid="plan-remove" disabled={busy} onClick={onRemove}>
        Remove
      </button>
    </div>
  );
}

export function FaultPanel({ endpoint }: { endpoint: Endpoint }) {
  const presets = useFaultPresets();
  const plans = useEndpointPlans(endpoint.id);
  const apply = useApplyPreset(endpoint.id);
  const replace = useReplacePlans(endpoint.id);
  const remove = useRemovePlan(endpoint.id);
  const clear = useClearEndpointFaults(endpoint.id);
  const list = plans.data ?? [];
  const ticking = list.some((p) => (p.status.state === 'live' && p.status.remaining_ms != null) || p.status.state === 'scheduled');
  const now = useNow(ticking ? 1000 : 3_600_000);
  const busy = replace.isPending || remove.isPending || clear.isPending;

  return (
    <div className="fault-panel" data-testid="fault-panel" data-endpoint-id={endpoint.id}>
      <h2>{endpointLabel(endpoint.name, endpoint.path_prefix || '/')}</h2>
      <fieldset>
        <legend>Presets</legend>
        <div className="fault-presets">
          {(presets.data ?? []).map((p) => (
            <button
              key={p.id}
              type="button"
              className="btn"
              title={p.description}
              data-testid={`preset-${p.id}`}
              disabled={apply.isPending}
              onClick={() => apply.mutate(p.id)}
            >
              {p.label}
            </button>
          ))}
        </div>
      </fieldset>
      <fieldset>
        <legend>Plans</legend>
        {plans.isError && <div className="form-errors">{plans.error.message}</div>}
        {list.length === 0 && plans.isSuccess && <div className="muted">No fault plans: this endpoint answers normally.</div>}
        {list.map((p) => (
          <PlanRow
            key={p.id}
            plan={p}
            measuredAt={plans.dataUpdatedAt}
            now={now}
            busy={busy}
            onToggle={() => replace.mutate(togglePlan(list.map(withoutStatus), p.id, Date.now()))}
            onRemove={() => remove.mutate(p.id)}
          />
        ))}
        {list.length > 0 && (
          <button type="button" className="btn btn-danger" data-testid="plans-clear" style={{ marginTop: 8 }} disabled={busy} onClick={() => clear.mutate()}>
            Clear this endpoint
          </button>
        )}
      </fieldset>
      <fieldset>
        <legend>Custom fault</legend>
        <CustomFaultForm endpointId={endpoint.id} />
      </fieldset>
      <fieldset>
        <legend>Responses</legend>
        <ResponseRulesEditor key={endpoint.id} endpoint={endpoint} />
      </fieldset>
    </div>
  );
}

export function FaultsView() {
  const endpoints = useEndpoints();
  const [selected, setSelected] = useState<number | null>(null);
  const list = endpoints.data ?? [];
  const current = list.find((e) => e.id === selected) ?? list[0];

  if (endpoints.isError) return <div className="pad form-errors">{endpoints.error.message}</div>;
  return (
    <div className="faults" data-testid="faults-view">
      <nav className="faults-list">
        {list.map((e) => {
          const live = (e.faults ?? []).filter((p) => p.enabled !== false).length;
          return (
            <button
              key={e.id}
              type="button"
              className={`nav-btn ${current?.id === e.id ? 'nav-on' : ''}`}
              data-testid="fault-endpoint"
              data-endpoint-id={e.id}
              onClick={() => setSelected(e.id)}
            >
              {endpointLabel(e.name, e.path_prefix || '/')}{' '}
              {live > 0 && (
                <Badge tone="bad" title="plans switched on">
                  {live}
                </Badge>
              )}
            </button>
          );
        })}
      </nav>
      {current ? <FaultPanel key={current.id} endpoint={current} /> : <div className="pad muted">Loading…</div>}
    </div>
  );
}
