//! Form pieces shared by the destination form and the composer: a labelled field with its errors,
//! the retry policy inputs, the time scale select.
import type { ReactNode } from 'react';
import type { RetryPreset } from '../../api/events';
import { TIME_SCALES } from '../../api/events';
import { formatScale } from './format';
import { errorsAt, type FieldErrors, type PolicyForm } from './policy';

export function Field({
  label,
  errors = [],
  children,
  hint,
  testId,
}: {
  label: string;
  errors?: string[];
  children: ReactNode;
  hint?: ReactNode;
  testId?: string;
}) {
  return (
    <label className="field" data-testid={testId}>
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

export function FormErrors({ errors }: { errors: FieldErrors | null }) {
  if (!errors || errors.general.length + Object.keys(errors.fields).length === 0) return null;
  return (
    <div className="form-errors" data-testid="form-errors" role="alert">
      {errors.general.map((g, i) => (
        <div key={i}>{g}</div>
      ))}
      {Object.keys(errors.fields).length > 0 && <div>Please fix the fields marked below.</div>}
    </div>
  );
}

export function TimeScaleSelect({
  value,
  onChange,
  testId,
  inherit,
}: {
  value: number;
  onChange: (v: number) => void;
  testId?: string;
  /** A label for 0 ("the destination's"); without it 0 is not offered. */
  inherit?: string;
}) {
  return (
    <select value={value} onChange={(e) => onChange(Number(e.target.value))} data-testid={testId}>
      {inherit && <option value={0}>{inherit}</option>}
      {TIME_SCALES.map((s) => (
        <option key={s} value={s}>
          {s === 1 ? '1× (real time)' : `${formatScale(s)}${s === 60 ? ' (an hour in a minute)' : s === 3600 ? ' (an hour in a second)' : ''}`}
        </option>
      ))}
    </select>
  );
}

/** The custom policy's inputs; `prefix` is where the engine names its fields (`retry`, `policy`). */
export function PolicyFields({
  f,
  set,
  errors,
  prefix,
  idPrefix,
}: {
  f: PolicyForm;
  set: (patch: Partial<PolicyForm>) => void;
  errors: FieldErrors | null;
  prefix: string;
  idPrefix: string;
}) {
  const at = (...p: string[]) => errorsAt(errors, ...p.map((x) => `${prefix}.${x}`));
  return (
    <div className="policy-fields">
      <div className="policy-modes" role="radiogroup" aria-label="schedule">
        <label>
          <input type="radio" checked={f.mode === 'delays'} onChange={() => set({ mode: 'delays' })} data-testid={`${idPrefix}-mode-delays`} /> A list of
          delays
        </label>
        <label>
          <input type="radio" checked={f.mode === 'exponential'} onChange={() => set({ mode: 'exponential' })} data-testid={`${idPrefix}-mode-exponential`} />{' '}
          Exponential
        </label>
      </div>
      {f.mode === 'delays' ? (
        <Field
          label="Delays, one per attempt (the first counts from when the event is stored)"
          errors={at('schedule.list', 'schedule')}
          hint="e.g. 0, 30s, 2m, 10m, 1h — units ms, s, m, h, d"
        >
          <input value={f.delays} onChange={(e) => set({ delays: e.target.value })} className="mono" data-testid={`${idPrefix}-delays`} spellCheck={false} />
        </Field>
      ) : (
        <div className="grid4">
          <Field label="Initial" errors={at('schedule.initial')}>
            <input value={f.initial} onChange={(e) => set({ initial: e.target.value })} data-testid={`${idPrefix}-initial`} />
          </Field>
          <Field label="Factor" errors={at('schedule.factor')}>
            <input value={f.factor} onChange={(e) => set({ factor: e.target.value })} inputMode="decimal" />
          </Field>
          <Field label="Cap" errors={at('schedule.cap')}>
            <input value={f.cap} onChange={(e) => set({ cap: e.target.value })} />
          </Field>
          <Field label="Max attempts" errors={at('schedule.max_attempts')} hint="blank: until max total">
            <input value={f.maxAttempts} onChange={(e) => set({ maxAttempts: e.target.value })} inputMode="numeric" />
          </Field>
        </div>
      )}
      <div className="grid4">
        <Field label="Max total duration" errors={at('max_total')} hint="blank: no bound">
          <input value={f.maxTotal} onChange={(e) => set({ maxTotal: e.target.value })} placeholder="e.g. 3d" />
        </Field>
        <Field label="Jitter ± %" errors={at('jitter_pct')}>
          <input value={f.jitter} onChange={(e) => set({ jitter: e.target.value })} inputMode="numeric" data-testid={`${idPrefix}-jitter`} />
        </Field>
        <Field label="Retry-After honoured up to" errors={at('retry_after_max')}>
          <input value={f.retryAfterMax} onChange={(e) => set({ retryAfterMax: e.target.value })} />
        </Field>
        <Field label="Statuses that retry" errors={at('retry_on')} hint="exact, class or range">
          <input value={f.statuses} onChange={(e) => set({ statuses: e.target.value })} className="mono" />
        </Field>
      </div>
      <div className="checks">
        <label>
          <input type="checkbox" checked={f.connectionErrors} onChange={(e) => set({ connectionErrors: e.target.checked })} /> Retry connection errors
          (DNS, refused, reset, TLS)
        </label>
        <label>
          <input type="checkbox" checked={f.timeouts} onChange={(e) => set({ timeouts: e.target.checked })} /> Retry timeouts
        </label>
      </div>
    </div>
  );
}

/** A preset's option label: "Svix — 8 attempts over …". */
export function presetLabel(p: RetryPreset): string {
  const s = p.policy.schedule;
  const n = s.kind === 'delays' ? `${s.list.length} attempt${s.list.length === 1 ? '' : 's'}` : s.max_attempts != null ? `${s.max_attempts} attempts` : `up to ${p.policy.max_total ?? '…'}`;
  const sched = s.kind === 'delays' ? s.list.join(', ') : `exponential from ${s.initial}`;
  return `${p.name} — ${n}: ${sched}`;
}
