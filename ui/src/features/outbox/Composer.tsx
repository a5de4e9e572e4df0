//! The composer: a destination or a URL, method, headers, a JSON body checked as you type, and the
//! overrides (scheme and secret, retry policy, time scale). Send stores the event in the outbox
//! (201 before any attempt) and opens it.
import { useEffect, useState } from 'react';
import { ApiError } from '../../api/client';
import { useDestinations, useRetryPresets, useSendEvent } from '../../api/events';
import { useSchemes } from '../../api/queries';
import { JsonEditor } from '../../components/JsonEditor';
import {
  composerBlocker,
  emptyComposer,
  POLICY_CUSTOM,
  POLICY_DEFAULT,
  SAMPLES,
  SCHEME_DEFAULT,
  TO_URL,
  toEventInput,
  type ComposerForm,
} from './composer';
import { METHODS } from './destinationForm';
import { Field, FormErrors, PolicyFields, presetLabel, TimeScaleSelect } from './fields';
import { errorsAt, splitProblems, withProblems, type FieldErrors, type PolicyForm } from './policy';

export function Composer({
  receiverUrl,
  presetTarget,
  onSent,
}: {
  receiverUrl: string;
  /** A destination to select on arrival (from a destination's "Send…"). */
  presetTarget: number | null;
  onSent: (id: number) => void;
}) {
  const [f, setF] = useState<ComposerForm>(() => ({ ...emptyComposer(), url: receiverUrl.replace(/\/+$/, '') + '/hookbench-sender' }));
  const [errors, setErrors] = useState<FieldErrors | null>(null);
  const destinations = useDestinations();
  const presets = useRetryPresets();
  const schemes = useSchemes();
  const send = useSendEvent();
  const set = (patch: Partial<ComposerForm>) => setF((x) => ({ ...x, ...patch }));
  const setCustom = (patch: Partial<PolicyForm>) => setF((x) => ({ ...x, custom: { ...x.custom, ...patch } }));
  const at = (...p: string[]) => errorsAt(errors, ...p);

  useEffect(() => {
    if (presetTarget !== null) setF((x) => ({ ...x, target: String(presetTarget) }));
  }, [presetTarget]);

  const blocker = composerBlocker(f);
  const dest = f.target === TO_URL ? null : destinations.data?.find((d) => String(d.id) === f.target);

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    if (blocker) return;
    const built = toEventInput(f);
    if ('problems' in built) {
      setErrors(withProblems(built.problems));
      return;
    }
    setErrors(null);
    send.mutate(built.input, {
      onSuccess: (ev) => onSent(ev.id),
      onError: (err) => {
        const msg = err instanceof ApiError ? err.message : String(err);
        const split = splitProblems(msg);
        setErrors(Object.keys(split.fields).length > 0 ? split : { fields: {}, general: [msg] });
      },
    });
  };

  return (
    <form className="composer" onSubmit={submit} data-testid="composer" noValidate>
      <div className="section-head">
        <h2>Send an event</h2>
        <span className="composer-samples small">
          <span className="muted">Send a sample:</span>
          {SAMPLES.map((s) => (
            <button key={s.id} type="button" className="btn small" data-testid={`sample-${s.id}`} onClick={() => set({ body: s.body, headers: s.headers })}>
              {s.label}
            </button>
          ))}
        </span>
      </div>
      <FormErrors errors={errors} />
      <div className="grid2">
        <Field label="To" errors={at('destination')}>
          <select value={f.target} onChange={(e) => set({ target: e.target.value })} data-testid="compose-target">
            <option value={TO_URL}>A URL…</option>
            {(destinations.data ?? []).map((d) => (
              <option key={d.id} value={String(d.id)}>
                {d.name} — {d.url}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Method" errors={at('method')}>
          <select value={f.method} onChange={(e) => set({ method: e.target.value })} data-testid="compose-method">
            <option value="">{dest ? `${dest.method ?? 'POST'} (the destination's)` : 'POST'}</option>
            {METHODS.map((m) => (
              <option key={m}>{m}</option>
            ))}
          </select>
        </Field>
      </div>
      {f.target === TO_URL ? (
        <Field label="URL" errors={at('url')} hint={<>Hookbench's own receiver is {receiverUrl}: add a fault to an endpoint to watch retries.</>}>
          <input value={f.url} onChange={(e) => set({ url: e.target.value })} className="mono" data-testid="compose-url" placeholder="https://example.com/webhooks" spellCheck={false} />
        </Field>
      ) : (
        errorsAt(errors, 'url').map((e, i) => (
          <div key={i} className="field-error">
            {e}
          </div>
        ))
      )}
      <Field label="Headers, one per line" errors={at('headers')} hint={dest ? "added after the destination's headers" : undefined}>
        <textarea rows={2} value={f.headers} onChange={(e) => set({ headers: e.target.value })} data-testid="compose-headers" spellCheck={false} placeholder="X-Event-Type: invoice.paid" />
      </Field>
      <div className="field">
        <span className="field-label">Body (JSON)</span>
        <JsonEditor value={f.body} onChange={(body) => set({ body })} allowEmpty testId="compose-body" ariaLabel="event body" minHeight={200} />
        {at('body', 'body_base64').map((e, i) => (
          <span key={i} className="field-error" data-testid="field-error">
            {e}
          </span>
        ))}
      </div>

      <fieldset>
        <legend>Overrides</legend>
        <div className="grid3">
          <Field label="Signing scheme" errors={at('scheme')}>
            <select value={f.scheme} onChange={(e) => set({ scheme: e.target.value })} data-testid="compose-scheme">
              <option value={SCHEME_DEFAULT}>{dest ? "The destination's" : 'Standard Webhooks if a secret is given'}</option>
              {(schemes.data ?? []).map((s) => (
                <option key={s.id} value={s.id}>
                  {s.label}
                </option>
              ))}
            </select>
          </Field>
          <Field label="Secret" errors={at('secret')} hint={!dest && !f.secret ? 'blank: sent unsigned' : undefined}>
            <input value={f.secret} onChange={(e) => set({ secret: e.target.value })} data-testid="compose-secret" spellCheck={false} autoComplete="off" className="mono" />
          </Field>
          <Field label="Time scale" errors={at('time_scale')}>
            <TimeScaleSelect value={f.timeScale} onChange={(v) => set({ timeScale: v })} testId="compose-timescale" inherit={dest ? "The destination's" : 'Default (the global scale)'} />
          </Field>
        </div>
        <Field label="Retry policy" errors={at('policy')}>
          <select value={f.policy} onChange={(e) => set({ policy: e.target.value })} data-testid="compose-policy">
            <option value={POLICY_DEFAULT}>{dest ? "The destination's" : 'Standard (the default)'}</option>
            {(presets.data ?? []).map((p) => (
              <option key={p.id} value={p.id}>
                {presetLabel(p)}
              </option>
            ))}
            <option value={POLICY_CUSTOM}>Custom…</option>
          </select>
        </Field>
        {f.policy === POLICY_CUSTOM && <PolicyFields f={f.custom} set={setCustom} errors={errors} prefix="policy" idPrefix="compose-policy" />}
      </fieldset>

      <div className="actions">
        <button type="submit" className="btn btn-primary" disabled={blocker !== null || send.isPending} data-testid="compose-send" title={blocker ?? undefined}>
          {send.isPending ? 'Sending…' : 'Send'}
        </button>
        {blocker && (
          <span className="field-error" data-testid="compose-blocker">
            {blocker}
          </span>
        )}
      </div>
    </form>
  );
}
