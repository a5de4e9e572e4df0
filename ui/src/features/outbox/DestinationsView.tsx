//! Destinations: the list (URL, signing, policy, limits at a glance) and the create/edit form —
//! method, headers, signing scheme and secrets, timeout, retry policy (preset or custom), circuit
//! breaker, rate and concurrency limits, time scale. The engine's 422 shows next to each field.
import { useState } from 'react';
import { ApiError } from '../../api/client';
import {
  useDeleteDestination,
  useDestinations,
  useRetryPresets,
  useSaveDestination,
  type Destination,
  type RetryPreset,
} from '../../api/events';
import { useSchemes } from '../../api/queries';
import type { SchemeInfo } from '../../api/types';
import { Badge } from '../../components/Badge';
import {
  emptyDestinationForm,
  formFromDestination,
  METHODS,
  newSecret,
  toDestinationInput,
  UNSIGNED,
  schemeId,
  type DestinationForm,
} from './destinationForm';
import { Field, FormErrors, PolicyFields, presetLabel, TimeScaleSelect } from './fields';
import { formatScale } from './format';
import { describePolicy, errorsAt, policyFormFrom, splitProblems, withProblems, type FieldErrors, type PolicyForm } from './policy';

function DestinationFormView({
  initial,
  editing,
  schemes,
  presets,
  onDone,
}: {
  initial: DestinationForm;
  editing: Destination | null;
  schemes: SchemeInfo[];
  presets: RetryPreset[];
  onDone: (d: Destination | null) => void;
}) {
  const [f, setF] = useState(initial);
  const [errors, setErrors] = useState<FieldErrors | null>(null);
  const save = useSaveDestination();
  const set = (patch: Partial<DestinationForm>) => setF((x) => ({ ...x, ...patch }));
  const setPolicy = (patch: Partial<PolicyForm>) => setF((x) => ({ ...x, policy: { ...x.policy, ...patch } }));
  const at = (...p: string[]) => errorsAt(errors, ...p);

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    const built = toDestinationInput(f, schemes);
    if ('problems' in built) {
      setErrors(withProblems(built.problems));
      return;
    }
    setErrors(null);
    save.mutate(
      { id: editing?.id ?? null, input: built.input },
      {
        onSuccess: (d) => onDone(d),
        onError: (err) => {
          const msg = err instanceof ApiError ? err.message : String(err);
          const split = splitProblems(msg);
          setErrors(Object.keys(split.fields).length > 0 ? split : { fields: {}, general: [msg] });
        },
      },
    );
  };

  const policyChoice = f.policy.mode === 'preset' ? f.policy.preset : 'custom';
  return (
    <form className="dest-form" onSubmit={submit} data-testid="destination-form" noValidate>
      <h2>{editing ? `Edit ${editing.name}` : 'New destination'}</h2>
      <FormErrors errors={errors} />
      <div className="grid2">
        <Field label="Name" errors={at('name')}>
          <input value={f.name} onChange={(e) => set({ name: e.target.value })} data-testid="dest-name" placeholder="orders-service" />
        </Field>
        <Field label="URL" errors={at('url')}>
          <input value={f.url} onChange={(e) => set({ url: e.target.value })} data-testid="dest-url" placeholder="https://example.com/webhooks" className="mono" />
        </Field>
      </div>
      <div className="grid2">
        <Field label="Method" errors={at('method')}>
          <select value={f.method} onChange={(e) => set({ method: e.target.value })} data-testid="dest-method">
            {METHODS.map((m) => (
              <option key={m}>{m}</option>
            ))}
          </select>
        </Field>
        <Field label="Request timeout (seconds)" errors={at('timeout_ms')}>
          <input value={f.timeoutSecs} onChange={(e) => set({ timeoutSecs: e.target.value })} inputMode="decimal" data-testid="dest-timeout" />
        </Field>
      </div>
      <Field label="Extra headers, one per line" errors={at('headers')} hint="Name: value — sent before the signature headers">
        <textarea rows={2} value={f.headers} onChange={(e) => set({ headers: e.target.value })} data-testid="dest-headers" spellCheck={false} placeholder="X-Team: payments" />
      </Field>

      <fieldset>
        <legend>Signing</legend>
        <div className="grid2">
          <Field label="Scheme" errors={at('signing.scheme')}>
            <select value={f.scheme} onChange={(e) => set({ scheme: e.target.value })} data-testid="dest-scheme">
              <option value={UNSIGNED}>Unsigned</option>
              {schemes.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.label}
                </option>
              ))}
            </select>
          </Field>
        </div>
        {f.scheme !== UNSIGNED && (
          <Field
            label="Secrets, one per line, newest first (attempts are signed with the first)"
            errors={at('signing.secrets', 'signing')}
            hint={
              <button type="button" className="btn-link" onClick={() => set({ secrets: [newSecret(), f.secrets].filter(Boolean).join('\n') })}>
                Generate a Standard Webhooks secret
              </button>
            }
          >
            <textarea rows={2} value={f.secrets} onChange={(e) => set({ secrets: e.target.value })} data-testid="dest-secrets" spellCheck={false} autoComplete="off" />
          </Field>
        )}
      </fieldset>

      <fieldset>
        <legend>Retries</legend>
        <Field label="Policy" errors={at('retry')}>
          <select
            value={policyChoice}
            onChange={(e) => {
              const v = e.target.value;
              if (v !== 'custom') return setPolicy({ mode: 'preset', preset: v });
              // Custom starts from the preset it replaces, so a tweak is one edit away.
              const from = presets.find((p) => p.id === f.policy.preset);
              if (f.policy.mode === 'preset') setF((x) => ({ ...x, policy: from ? policyFormFrom(from.policy, []) : { ...x.policy, mode: 'delays' } }));
            }}
            data-testid="dest-policy"
          >
            {presets.map((p) => (
              <option key={p.id} value={p.id}>
                {presetLabel(p)}
              </option>
            ))}
            <option value="custom">Custom…</option>
          </select>
        </Field>
        {f.policy.mode === 'preset' ? (
          <p className="muted small">{presets.find((p) => p.id === f.policy.preset)?.description}</p>
        ) : (
          <PolicyFields f={f.policy} set={setPolicy} errors={errors} prefix="retry" idPrefix="dest-policy" />
        )}
      </fieldset>

      <fieldset>
        <legend>Protecting the target</legend>
        <div className="grid3">
          <Field label="Circuit opens after (consecutive failures)" errors={at('breaker.failure_threshold')}>
            <input value={f.threshold} onChange={(e) => set({ threshold: e.target.value })} inputMode="numeric" data-testid="dest-threshold" />
          </Field>
          <Field label="Cool-down before a probe" errors={at('breaker.cool_down')}>
            <input value={f.coolDown} onChange={(e) => set({ coolDown: e.target.value })} data-testid="dest-cooldown" />
          </Field>
          <Field label="Longest cool-down (doubles per failed probe)" errors={at('breaker.max_cool_down', 'breaker.cool_down_factor')}>
            <input value={f.maxCoolDown} onChange={(e) => set({ maxCoolDown: e.target.value })} />
          </Field>
          <Field label="Rate limit (attempts per second)" errors={at('limits.rate.per_second', 'limits.rate')} hint="blank: no limit">
            <input value={f.ratePerSecond} onChange={(e) => set({ ratePerSecond: e.target.value })} inputMode="decimal" data-testid="dest-rate" />
          </Field>
          {f.ratePerSecond.trim() !== '' && (
            <Field label="Burst" errors={at('limits.rate.burst')}>
              <input value={f.burst} onChange={(e) => set({ burst: e.target.value })} inputMode="numeric" />
            </Field>
          )}
          <Field label="Max in flight" errors={at('limits.max_in_flight')} hint="blank: no limit">
            <input value={f.maxInFlight} onChange={(e) => set({ maxInFlight: e.target.value })} inputMode="numeric" data-testid="dest-inflight" />
          </Field>
        </div>
      </fieldset>

      <Field label="Time scale" errors={at('time_scale')} hint="Runs the schedule faster; the timeline shows both policy and real times.">
        <TimeScaleSelect value={f.timeScale} onChange={(v) => set({ timeScale: v })} testId="dest-timescale" />
      </Field>

      <div className="actions">
        <button type="submit" className="btn btn-primary" disabled={save.isPending} data-testid="dest-save">
          {editing ? 'Save' : 'Create destination'}
        </button>
        <button type="button" className="btn" onClick={() => onDone(null)}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function DestinationCard({
  d,
  schemes,
  onEdit,
  onSend,
  onEvents,
}: {
  d: Destination;
  schemes: SchemeInfo[];
  onEdit: () => void;
  onSend: () => void;
  onEvents: () => void;
}) {
  const del = useDeleteDestination();
  const [asking, setAsking] = useState(false);
  const scheme = d.signing ? schemes.find((s) => s.id === schemeId(d.signing?.scheme, schemes))?.label ?? 'signed' : null;
  return (
    <div className="endpoint-card" data-testid="destination-card" data-destination-id={d.id}>
      <div className="endpoint-top">
        <strong>{d.name}</strong>
        <span className="muted small">#{d.id}</span>
        <span className="spacer" />
        <button type="button" className="btn small" onClick={onSend} data-testid="dest-send">
          Send…
        </button>
        <button type="button" className="btn small" onClick={onEvents}>
          Events
        </button>
        <button type="button" className="btn small" onClick={onEdit} data-testid="dest-edit">
          Edit
        </button>
        {asking ? (
          <>
            <button type="button" className="btn small btn-danger" data-testid="dest-delete-confirm" onClick={() => del.mutate(d.id)}>
              Delete
            </button>
            <button type="button" className="btn small" onClick={() => setAsking(false)}>
              Keep
            </button>
          </>
        ) : (
          <button type="button" className="btn small btn-danger" data-testid="dest-delete" onClick={() => setAsking(true)}>
            Delete…
          </button>
        )}
      </div>
      <div className="codeline small">
        <span className="method">{d.method ?? 'POST'}</span>
        <code>{d.url}</code>
      </div>
      <div className="endpoint-tags">
        <Badge tone={scheme ? 'ok' : 'muted'}>{scheme ?? 'unsigned'}</Badge>
        {d.retry && <Badge tone="muted">{describePolicy(d.retry)}</Badge>}
        <Badge tone="muted">breaker after {d.breaker?.failure_threshold ?? 5}</Badge>
        {d.limits?.rate && <Badge tone="muted">{d.limits.rate.per_second}/s</Badge>}
        {d.limits?.max_in_flight != null && <Badge tone="muted">≤{d.limits.max_in_flight} in flight</Badge>}
        {(d.time_scale ?? 1) !== 1 && <Badge tone="warn">{formatScale(d.time_scale ?? 1)}</Badge>}
      </div>
    </div>
  );
}

export function DestinationsView({ onSendTo, onShowEvents }: { onSendTo: (id: number) => void; onShowEvents: (id: number) => void }) {
  const destinations = useDestinations();
  const schemes = useSchemes();
  const presets = useRetryPresets();
  const schemeList = schemes.data ?? [];
  const presetList = presets.data ?? [];
  const [editing, setEditing] = useState<{ d: Destination | null; form: DestinationForm; key: number } | null>(null);
  const list = destinations.data ?? [];
  return (
    <div className="endpoints">
      <div className="endpoints-list">
        <div className="section-head">
          <h2>Destinations</h2>
          <button type="button" className="btn btn-primary" data-testid="dest-new" onClick={() => setEditing({ d: null, form: { ...emptyDestinationForm(), secrets: newSecret() }, key: Date.now() })}>
            New destination
          </button>
        </div>
        <p className="muted small">Where events go, and how: signing, retries, circuit breaker and limits. Each event keeps a copy of these settings.</p>
        {destinations.isError && <div className="form-errors">{destinations.error.message}</div>}
        {list.length === 0 && destinations.isSuccess && <p className="muted">No destinations yet. You can also send straight to a URL from Send.</p>}
        {list.map((d) => (
          <DestinationCard
            key={d.id}
            d={d}
            schemes={schemeList}
            onEdit={() => setEditing({ d, form: formFromDestination(d, schemeList, presetList), key: Date.now() })}
            onSend={() => onSendTo(d.id)}
            onEvents={() => onShowEvents(d.id)}
          />
        ))}
      </div>
      <div className="endpoints-form">
        {editing ? (
          <DestinationFormView key={editing.key} initial={editing.form} editing={editing.d} schemes={schemeList} presets={presetList} onDone={() => setEditing(null)} />
        ) : (
          <div className="muted pad center">Select a destination to edit, or create one.</div>
        )}
      </div>
    </div>
  );
}
