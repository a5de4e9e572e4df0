//! The custom fault form: a kind with its settings, optionally limited to the first N requests, a
//! probability or the next X seconds. Builds the plan with `buildPlan`; the engine's 422 is shown here.
import { useState, type ReactNode } from 'react';
import { useAddPlan } from '../../api/faults';
import { buildPlan, EMPTY_FAULT_FORM, type BaseKind, type FaultForm, type FaultFormErrors, type Wrapper } from './plan';

const KINDS: { kind: BaseKind; label: string }[] = [
  { kind: 'status', label: 'Status' },
  { kind: 'latency', label: 'Latency' },
  { kind: 'timeout', label: 'Hold (client times out)' },
  { kind: 'reset', label: 'Connection reset' },
  { kind: 'slow_body', label: 'Slow body' },
  { kind: 'receiver_off', label: 'Receiver off' },
];

const WRAPPERS: { wrap: Wrapper; label: string }[] = [
  { wrap: 'none', label: 'every request' },
  { wrap: 'fail_first', label: 'only the first N requests' },
  { wrap: 'probability', label: 'with probability p' },
  { wrap: 'outage', label: 'only for the next X seconds' },
  { wrap: 'between', label: 'only between two times' },
];

function F({ label, error, children }: { label: string; error?: string; children: ReactNode }) {
  return (
    <label className="field">
      <span className="field-label">{label}</span>
      {children}
      {error && (
        <span className="field-error" data-testid="field-error">
          {error}
        </span>
      )}
    </label>
  );
}

export function CustomFaultForm({ endpointId }: { endpointId: number }) {
  const [form, setForm] = useState<FaultForm>(EMPTY_FAULT_FORM);
  const [errors, setErrors] = useState<FaultFormErrors>({});
  const add = useAddPlan(endpointId);
  const set = <K extends keyof FaultForm>(k: K, v: FaultForm[K]) => setForm((f) => ({ ...f, [k]: v }));
  const num = (k: keyof FaultForm, label: string) => (
    <F label={label} error={errors[k]}>
      <input
        inputMode="numeric"
        data-testid={`fault-${k}`}
        value={String(form[k])}
        onChange={(e) => set(k, e.target.value as never)}
      />
    </F>
  );

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    const r = buildPlan(form, Date.now());
    if (!r.ok) {
      setErrors(r.errors);
      return;
    }
    setErrors({});
    add.mutate(r.plan, { onSuccess: () => set('name', '') });
  };

  return (
    <form className="fault-form" data-testid="custom-fault-form" onSubmit={submit}>
      <div className="fault-row">
        <F label="Name (optional)">
          <input style={{ width: 220 }} value={form.name} onChange={(e) => set('name', e.target.value)} placeholder="described from the settings" />
        </F>
        <F label="Fault">
          <select data-testid="fault-kind" value={form.kind} onChange={(e) => set('kind', e.target.value as BaseKind)}>
            {KINDS.map((k) => (
              <option key={k.kind} value={k.kind}>
                {k.label}
              </option>
            ))}
          </select>
        </F>
      </div>

      <div className="fault-row">
        {form.kind === 'status' && (
          <>
            {num('status', 'Status code')}
            <F label="Retry-After">
              <select value={form.retryAfter} data-testid="fault-retryAfter" onChange={(e) => set('retryAfter', e.target.value as FaultForm['retryAfter'])}>
                <option value="none">none</option>
                <option value="seconds">seconds</option>
                <option value="http_date">HTTP date, seconds from now</option>
              </select>
            </F>
            {form.retryAfter !== 'none' && num('retryAfterSecs', 'Seconds')}
            <F label="Body (sent as written)">
              <input style={{ width: 260 }} value={form.body} onChange={(e) => set('body', e.target.value)} />
            </F>
          </>
        )}
        {form.kind === 'latency' && (
          <>
            <F label="Delay">
              <select value={form.latency} data-testid="fault-latency" onChange={(e) => set('latency', e.target.value as FaultForm['latency'])}>
                <option value="fixed">fixed</option>
                <option value="uniform">uniform min–max</option>
                <option value="log_normal">long tail (p50, p99)</option>
              </select>
            </F>
            {form.latency === 'fixed' && num('fixedMs', 'ms')}
            {form.latency === 'uniform' && (
              <>
                {num('minMs', 'min ms')}
                {num('maxMs', 'max ms')}
              </>
            )}
            {form.latency === 'log_normal' && (
              <>
                {num('p50Ms', 'p50 ms')}
                {num('p99Ms', 'p99 ms')}
              </>
            )}
          </>
        )}
        {form.kind === 'timeout' && num('maxHoldMs', 'Hold at most (ms)')}
        {form.kind === 'reset' && <span className="muted small">The connection is closed with no answer.</span>}
        {form.kind === 'slow_body' && (
          <>
            {num('bytesPerSec', 'Bytes per second')}
            {num('chunkBytes', 'Chunk bytes')}
          </>
        )}
        {form.kind === 'receiver_off' && num('offForSecs', 'For seconds (empty: until healed)')}
      </div>

      {form.kind !== 'receiver_off' && (
        <div className="fault-row">
          <F label="Applies to" error={errors.wrap}>
            <select value={form.wrap} data-testid="fault-wrap" onChange={(e) => set('wrap', e.target.value as Wrapper)}>
              {WRAPPERS.map((w) => (
                <option key={w.wrap} value={w.wrap}>
                  {w.label}
                </option>
              ))}
            </select>
          </F>
          {form.wrap === 'fail_first' && (
            <>
              {num('firstN', 'N')}
              <label className="field">
                <span className="field-label">Count</span>
                <select value={form.perKey ? 'key' : 'overall'} onChange={(e) => set('perKey', e.target.value === 'key')}>
                  <option value="overall">overall</option>
                  <option value="key">per idempotency key</option>
                </select>
              </label>
            </>
          )}
          {form.wrap === 'probability' && (
            <>
              {num('p', 'p (0–1)')}
              {num('seed', 'Seed')}
            </>
          )}
          {form.wrap === 'outage' && num('forSecs', 'Seconds')}
          {form.wrap === 'between' && (
            <>
              <F label="From" error={errors.fromAt}>
                <input type="datetime-local" data-testid="fault-fromAt" value={form.fromAt} onChange={(e) => set('fromAt', e.target.value)} />
              </F>
              <F label="Until" error={errors.untilAt}>
                <input type="datetime-local" data-testid="fault-untilAt" value={form.untilAt} onChange={(e) => set('untilAt', e.target.value)} />
              </F>
            </>
          )}
        </div>
      )}

      <div className="fault-row">
        <button type="submit" className="btn btn-primary" data-testid="fault-add" disabled={add.isPending}>
          Switch on
        </button>
      </div>
      {add.isError && (
        <div className="form-errors" data-testid="fault-form-error">
          {add.error.message}
        </div>
      )}
    </form>
  );
}
