//! Desktop preferences (ports, data dir, theme) in a small panel off the top bar. The shell reads
//! them at launch, so saving says they apply at the next start and shows where things run now.
import { useCallback, useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { usePanelSide } from '../alerts/panelSide';
import { useToast } from '../../components/Toast';
import { readSettings, writeSettings } from '../../platform/settings';
import {
  formFromSettings,
  settingsFromForm,
  THEMES,
  type PreferencesErrors,
  type PreferencesForm,
} from './preferences';
import { RetentionSection } from './Retention';
import './preferences.css';

function Field({
  label,
  error,
  children,
}: {
  label: string;
  error?: string;
  children: ReactNode;
}) {
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

function PreferencesPanel({
  now,
  onClose,
  children,
}: {
  now: { receiverUrl: string; apiUrl: string };
  onClose: () => void;
  children?: ReactNode;
}) {
  const toast = useToast();
  const [form, setForm] = useState<PreferencesForm | null>(null);
  const [errors, setErrors] = useState<PreferencesErrors>({});
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    let live = true;
    readSettings()
      .then((raw) => live && setForm(formFromSettings(raw)))
      .catch((e: unknown) => {
        toast.show(`Could not read the preferences: ${e instanceof Error ? e.message : String(e)}`, 'error');
        onClose();
      });
    return () => {
      live = false;
    };
  }, [toast, onClose]);

  if (!form) return <div className="prefs-panel muted">Loading…</div>;
  const set = <K extends keyof PreferencesForm>(k: K, v: PreferencesForm[K]) => setForm({ ...form, [k]: v });

  const save = async (e: FormEvent) => {
    e.preventDefault();
    const checked = settingsFromForm(form);
    if (!checked.ok) {
      setErrors(checked.errors);
      return;
    }
    setErrors({});
    setSaving(true);
    try {
      await writeSettings(checked.values);
      toast.show('Preferences saved; Hookbench uses them the next time it starts');
      onClose();
    } catch (err) {
      toast.show(`Could not save the preferences: ${err instanceof Error ? err.message : String(err)}`, 'error');
    } finally {
      setSaving(false);
    }
  };

  return (
    <div className="prefs-panel">
    <form data-testid="preferences" onSubmit={save} noValidate>
      <div className="prefs-row">
        <Field label="Receiver port" error={errors.receiverPort}>
          <input inputMode="numeric" value={form.receiverPort} onChange={(e) => set('receiverPort', e.target.value)} />
        </Field>
        <Field label="API port" error={errors.apiPort}>
          <input inputMode="numeric" value={form.apiPort} onChange={(e) => set('apiPort', e.target.value)} />
        </Field>
      </div>
      <Field label="Data folder (empty: the app's data folder)" error={errors.dataDir}>
        <input value={form.dataDir} onChange={(e) => set('dataDir', e.target.value)} spellCheck={false} />
      </Field>
      <Field label="Theme">
        <select value={form.theme} onChange={(e) => set('theme', e.target.value as PreferencesForm['theme'])}>
          {THEMES.map((t) => (
            <option key={t} value={t}>
              {t === 'system' ? 'Follow the system' : t === 'light' ? 'Light' : 'Dark'}
            </option>
          ))}
        </select>
      </Field>
      <p className="muted small">
        Port 0 picks a free port. A taken port falls back to a free one. These apply at the next start; now the
        receiver is at <code>{now.receiverUrl}</code> and the API at <code>{now.apiUrl}</code>.
      </p>
      <div className="prefs-actions">
        <button type="button" className="btn" onClick={onClose}>
          Cancel
        </button>
        <button type="submit" className="btn btn-primary" disabled={saving} data-testid="preferences-save">
          Save
        </button>
      </div>
    </form>
    {children}
    </div>
  );
}

/**
 * The top bar's Preferences button. The desktop's settings file only on the desktop (a browser has
 * none); `retention` adds the engine's retention and disk use (both hosts).
 */
export function PreferencesButton({
  receiverUrl,
  apiUrl,
  desktop = true,
  retention = false,
}: {
  receiverUrl: string;
  apiUrl: string;
  desktop?: boolean;
  retention?: boolean;
}) {
  const [open, setOpen] = useState(false);
  // Stable: the panel reads the file once per opening, not once per render.
  const close = useCallback(() => setOpen(false), []);
  const anchor = useRef<HTMLSpanElement>(null);
  const side = usePanelSide(anchor, open, 360);
  return (
    <span className={`prefs prefs-${side}`} ref={anchor}>
      <button
        type="button"
        className={`btn ${open ? 'nav-on' : ''}`}
        aria-expanded={open}
        data-testid="preferences-open"
        aria-label="Preferences"
        title={desktop ? 'Preferences' : 'Storage and retention'}
        onClick={() => setOpen((o) => !o)}
      >
        {/* A gear: the top bar is full (views, receiver, live state, alerts). */}
        <svg width="14" height="14" viewBox="0 0 16 16" aria-hidden="true" style={{ verticalAlign: '-2px' }}>
          <path
            fill="currentColor"
            d="M9.4 1l.3 1.8c.5.2.9.4 1.3.7l1.7-.7 1.4 2.4-1.4 1.1c.1.5.1 1 0 1.5l1.4 1.1-1.4 2.4-1.7-.7c-.4.3-.8.5-1.3.7L9.4 15H6.6l-.3-1.8c-.5-.2-.9-.4-1.3-.7l-1.7.7-1.4-2.4 1.4-1.1a4 4 0 0 1 0-1.5L1.9 7.1l1.4-2.4 1.7.7c.4-.3.8-.5 1.3-.7L6.6 1h2.8zM8 5.5a2.5 2.5 0 1 0 0 5 2.5 2.5 0 0 0 0-5z"
          />
        </svg>
      </button>
      {open &&
        (desktop ? (
          <PreferencesPanel now={{ receiverUrl, apiUrl }} onClose={close}>
            {retention && <RetentionSection />}
          </PreferencesPanel>
        ) : (
          <div className="prefs-panel" data-testid="preferences-browser">
            <RetentionSection />
          </div>
        ))}
    </span>
  );
}
