//! The endpoint form's "Forward to a local app" fieldset: URL, path rule, wait and its timeout,
//! retry policy, hold. Errors come from the engine's 422, per field (`forward.url: …`).
import type { ReactNode } from 'react';
import './forward.css';
import { CURRENT_POLICY, DEFAULT_POLICY, FORWARD_PRESETS, type ForwardForm } from './form';

function Row({ label, errors, children, hint }: { label: string; errors: string[]; children: ReactNode; hint?: ReactNode }) {
  return (
    <label className="field">
      <span className="field-label">{label}</span>
      {children}
      {hint && <span className="muted small">{hint}</span>}
      {errors.map((e, i) => (
        <span key={i} className="field-error" data-testid="field-error">
          {e}
        </span>
      ))}
    </label>
  );
}

export function ForwardFields({
  value,
  onChange,
  errorsFor,
  hasOwnPolicy,
}: {
  value: ForwardForm;
  onChange: (patch: Partial<ForwardForm>) => void;
  /** The engine's messages for a field path, e.g. `forward.url`. */
  errorsFor: (path: string) => string[];
  hasOwnPolicy: boolean;
}) {
  const f = value;
  return (
    <fieldset className="forward-fields" data-testid="forward-fields">
      <legend>Forward to a local app</legend>
      <label className="check">
        <input type="checkbox" checked={f.enabled} onChange={(e) => onChange({ enabled: e.target.checked })} data-testid="fw-enabled" />{' '}
        Forward every capture through the outbox (retried: nothing is lost while the app restarts)
      </label>
      {f.enabled && (
        <>
          <div className="grid2">
            <Row label="App URL" errors={errorsFor('forward.url')}>
              <input value={f.url} onChange={(e) => onChange({ url: e.target.value })} data-testid="fw-url" placeholder="http://localhost:3000/webhooks" spellCheck={false} />
            </Row>
            <Row label="Retry policy" errors={errorsFor('forward.policy')}>
              <select value={f.policy} onChange={(e) => onChange({ policy: e.target.value })} data-testid="fw-policy">
                <option value={DEFAULT_POLICY}>Default: 1 s, doubling to 1 min, for a day</option>
                {hasOwnPolicy && <option value={CURRENT_POLICY}>Keep the current policy</option>}
                {FORWARD_PRESETS.map((p) => (
                  <option key={p} value={p}>
                    {p}
                  </option>
                ))}
              </select>
            </Row>
          </div>
          <label className="check">
            <input type="checkbox" checked={f.appendPath} onChange={(e) => onChange({ appendPath: e.target.checked })} data-testid="fw-append" />{' '}
            Append the path below the prefix and the query to the URL (off: the URL as given)
          </label>
          <label className="check">
            <input type="checkbox" checked={f.hold} onChange={(e) => onChange({ hold: e.target.checked })} data-testid="fw-hold" /> Hold: queue each
            forward until someone releases it
          </label>
          <label className="check">
            <input type="checkbox" checked={f.wait} onChange={(e) => onChange({ wait: e.target.checked })} data-testid="fw-wait" /> Answer the provider
            with the app's answer (504/502 if it has none); off: answer at once
          </label>
          <Row label="Timeout (ms)" errors={errorsFor('forward.timeout_ms')} hint="each attempt's, and how long the answer waits; default 10000">
            <input value={f.timeoutMs} onChange={(e) => onChange({ timeoutMs: e.target.value })} inputMode="numeric" placeholder="10000" data-testid="fw-timeout" />
          </Row>
        </>
      )}
    </fieldset>
  );
}
