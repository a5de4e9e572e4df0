//! Retention (the engine's setting, desktop and browser alike): the most captures kept and their
//! greatest age, with the disk used now. The engine deletes the oldest beyond them every minute.
import { useState, type FormEvent } from 'react';
import { errorsOf422, isMissingRoute, useRetention, useSaveRetention, useStorage } from '../../api/metrics';
import { useToast } from '../../components/Toast';
import { bytes, count } from '../dashboard/format';
import { formFromRetention, retentionFromForm, type RetentionErrors, type RetentionForm } from './retention';

function StorageLine() {
  const storage = useStorage();
  if (storage.isPending) return <p className="muted small">Measuring the disk used…</p>;
  if (storage.isError) return <p className="muted small">{isMissingRoute(storage.error) ? 'This engine does not report its disk use.' : storage.error.message}</p>;
  const s = storage.data;
  return (
    <p className="small" data-testid="storage-used">
      <strong data-testid="storage-total">{bytes(s.db_bytes + s.wal_bytes)}</strong> on disk ({bytes(s.body_bytes)} of bodies) for{' '}
      {count(s.captures)} captures and {count(s.events)} events
      {s.oldest_capture_at != null && <>; the oldest capture from {new Date(s.oldest_capture_at).toLocaleDateString()}</>}.
    </p>
  );
}

function RetentionFields({ initial }: { initial: RetentionForm }) {
  const toast = useToast();
  const save = useSaveRetention();
  const [form, setForm] = useState(initial);
  const [errors, setErrors] = useState<RetentionErrors>({});
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const checked = retentionFromForm(form);
    if (!checked.ok) {
      setErrors(checked.errors);
      return;
    }
    setErrors({});
    save.mutate(checked.retention, {
      onSuccess: () => toast.show('Retention saved; the engine applies it now'),
      onError: (err) => {
        const placed = errorsOf422(err, ['max_captures', 'max_age_days'] as const);
        setErrors(placed ? { maxCaptures: placed.max_captures, maxAgeDays: placed.max_age_days, other: placed.other } : { other: err.message });
      },
    });
  };
  return (
    <form onSubmit={submit} noValidate data-testid="retention">
      <div className="prefs-row">
        <label className="field">
          <span className="field-label">Most captures kept</span>
          <input inputMode="numeric" placeholder="no limit" value={form.maxCaptures} data-testid="retention-max-captures" onChange={(e) => setForm({ ...form, maxCaptures: e.target.value })} />
          {errors.maxCaptures && <span className="field-error" data-testid="retention-max-captures-error">{errors.maxCaptures}</span>}
        </label>
        <label className="field">
          <span className="field-label">Oldest kept (days)</span>
          <input inputMode="numeric" placeholder="no limit" value={form.maxAgeDays} data-testid="retention-max-age" onChange={(e) => setForm({ ...form, maxAgeDays: e.target.value })} />
          {errors.maxAgeDays && <span className="field-error" data-testid="retention-max-age-error">{errors.maxAgeDays}</span>}
        </label>
      </div>
      {errors.other && <div className="field-error">{errors.other}</div>}
      <div className="prefs-actions">
        <button type="submit" className="btn" disabled={save.isPending} data-testid="retention-save">
          Apply retention
        </button>
      </div>
    </form>
  );
}

export function RetentionSection() {
  const retention = useRetention();
  return (
    <section className="prefs-section" data-testid="retention-section">
      <h3 className="prefs-h">Storage and retention</h3>
      <StorageLine />
      {retention.isPending ? (
        <p className="muted small">Loading…</p>
      ) : retention.isError ? (
        <p className="muted small">{retention.error.message}</p>
      ) : (
        <RetentionFields initial={formFromRetention(retention.data)} />
      )}
      <p className="muted small">Beyond these, the engine deletes the oldest captures (every minute and at once after a change).</p>
    </section>
  );
}
