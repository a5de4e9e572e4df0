//! Alerts in the top bar: a bell with the active count, a panel of active and recent alerts (each
//! opens the events or captures behind it) and the rules form. Mounted once, it also sends a
//! desktop notification for each fired alert when the rules ask for it.
import { useContext, useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { usePanelSide } from './panelSide';
import {
  errorsOf422,
  isMissingRoute,
  onAlertEvent,
  useAlerts,
  useSaveAlertRules,
  WINDOWS,
  type Alert,
  type AlertLink,
  type AlertRules,
} from '../../api/metrics';
import { PlatformContext } from '../../components/platformContext';
import { useNow } from '../../components/useNow';
import { useNav, type Nav } from '../../nav';
import { allowBrowserNotifications, notify } from '../../platform';
import { relativeTime } from '../inbox/format';
import { formFromRules, RULE_FIELDS, rulesFromForm, type RulesErrors, type RulesForm } from './rules';
import './alerts.css';

/** Opens what an alert links to. */
export function followLink(nav: Nav, link: AlertLink): void {
  // The engine leaves a filter out or sends null; the views take only what is set.
  if (link.view === 'outbox') {
    nav.openOutbox?.({ state: link.state ?? undefined, destination: link.destination ?? undefined });
  } else {
    nav.openInbox?.({ endpoint: link.endpoint ?? undefined, verdict: link.verdict ?? undefined });
  }
}

/** Sends a desktop notification for each fired alert while the rules say so (latest rules, read at the time). */
export function useAlertNotifications(rules: AlertRules | undefined, desktop: boolean): void {
  const latest = useRef(rules);
  latest.current = rules;
  useEffect(
    () =>
      onAlertEvent((e) => {
        const r = latest.current;
        if (e.type !== 'alert.fired' || !r || !r.enabled || !r.notify_desktop) return;
        // The desktop shell already tells of new dead letters natively (throttled, only while the
        // window is not focused): a second notification for the same thing would be noise.
        if (desktop && e.alert.kind === 'dead_letters') return;
        void notify(`Hookbench: ${e.alert.subject_name}`, e.alert.message, desktop);
      }),
    [desktop],
  );
}

function AlertRow({ a, now, onOpen }: { a: Alert; now: number; onOpen: (l: AlertLink) => void }) {
  return (
    <li className={`alert-row ${a.cleared_at == null ? 'alert-active' : 'alert-cleared'}`} data-testid="alert-row" data-alert-id={a.id}>
      <div className="alert-msg">{a.message}</div>
      <div className="muted small">
        since {relativeTime(new Date(a.since).toISOString(), now)}
        {a.cleared_at != null && <> · cleared {relativeTime(new Date(a.cleared_at).toISOString(), now)}</>}
        {a.link && (
          <>
            {' · '}
            <button type="button" className="btn-link" data-testid="alert-link" onClick={() => a.link && onOpen(a.link)}>
              {a.link.view === 'outbox' ? 'show the events' : 'show the captures'}
            </button>
          </>
        )}
      </div>
    </li>
  );
}

function Field({ label, error, children, testId }: { label: string; error?: string; children: ReactNode; testId?: string }) {
  return (
    <label className="field">
      <span className="field-label">{label}</span>
      {children}
      {error && (
        <span className="field-error" data-testid={testId ? `${testId}-error` : 'field-error'}>
          {error}
        </span>
      )}
    </label>
  );
}

export function RulesFormView({ rules, onDone }: { rules: AlertRules; onDone: () => void }) {
  const { desktop } = useContext(PlatformContext);
  const [form, setForm] = useState<RulesForm>(() => formFromRules(rules));
  const [errors, setErrors] = useState<RulesErrors>({});
  const save = useSaveAlertRules();
  const set = <K extends keyof RulesForm>(k: K, v: RulesForm[K]) => setForm((f) => ({ ...f, [k]: v }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const checked = rulesFromForm(form);
    if (!checked.ok) {
      setErrors(checked.errors);
      return;
    }
    setErrors({});
    if (checked.rules.notify_desktop && !desktop) void allowBrowserNotifications();
    save.mutate(checked.rules, {
      onSuccess: onDone,
      onError: (err) => {
        setErrors(errorsOf422(err, RULE_FIELDS) ?? { other: err.message });
      },
    });
  };
  return (
    <form className="rules" data-testid="alert-rules" onSubmit={submit} noValidate>
      <div className="rules-grid">
        <Field label="Dead letters more than" error={errors.dead_letters_max} testId="rule-dead">
          <input inputMode="numeric" data-testid="rule-dead" value={form.dead_letters_max} onChange={(e) => set('dead_letters_max', e.target.value)} />
        </Field>
        <Field label="Bad signatures more than (%)" error={errors.signature_failure_pct} testId="rule-sig">
          <input inputMode="decimal" data-testid="rule-sig" value={form.signature_failure_pct} onChange={(e) => set('signature_failure_pct', e.target.value)} />
        </Field>
        <Field label="p95 latency more than (ms)" error={errors.p95_latency_ms} testId="rule-p95">
          <input inputMode="numeric" data-testid="rule-p95" value={form.p95_latency_ms} onChange={(e) => set('p95_latency_ms', e.target.value)} />
        </Field>
        <Field label="Retry queue more than" error={errors.retry_queue_max} testId="rule-queue">
          <input inputMode="numeric" data-testid="rule-queue" value={form.retry_queue_max} onChange={(e) => set('retry_queue_max', e.target.value)} />
        </Field>
        <Field label="Over the last" error={errors.window} testId="rule-window">
          <select data-testid="rule-window" value={form.window} onChange={(e) => set('window', e.target.value as RulesForm['window'])}>
            {WINDOWS.map((w) => (
              <option key={w} value={w}>
                {w}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <label className="check">
        <input type="checkbox" data-testid="rule-enabled" checked={form.enabled} onChange={(e) => set('enabled', e.target.checked)} /> Alerts on
      </label>
      <label className="check">
        <input type="checkbox" data-testid="rule-notify" checked={form.notify_desktop} onChange={(e) => set('notify_desktop', e.target.checked)} />{' '}
        Desktop notifications{desktop ? '' : ' (the browser asks once)'}
      </label>
      {errors.other && (
        <div className="field-error" data-testid="rules-error">
          {errors.other}
        </div>
      )}
      <div className="prefs-actions">
        <button type="button" className="btn" onClick={onDone}>
          Cancel
        </button>
        <button type="submit" className="btn btn-primary" disabled={save.isPending} data-testid="rules-save">
          Save rules
        </button>
      </div>
    </form>
  );
}

export function AlertsButton() {
  const { desktop } = useContext(PlatformContext);
  const alerts = useAlerts();
  const nav = useNav();
  const now = useNow();
  const [open, setOpen] = useState(false);
  const [editing, setEditing] = useState(false);
  const anchor = useRef<HTMLSpanElement>(null);
  const side = usePanelSide(anchor, open, 420);
  // A click elsewhere or Escape closes the panel, as menus do.
  useEffect(() => {
    if (!open) return;
    const away = (e: MouseEvent) => {
      if (anchor.current && !anchor.current.contains(e.target as Node)) setOpen(false);
    };
    const esc = (e: KeyboardEvent) => e.key === 'Escape' && setOpen(false);
    document.addEventListener('mousedown', away);
    window.addEventListener('keydown', esc);
    return () => {
      document.removeEventListener('mousedown', away);
      window.removeEventListener('keydown', esc);
    };
  }, [open]);
  useAlertNotifications(alerts.data?.rules, desktop);
  if (alerts.isError && isMissingRoute(alerts.error)) return null; // an engine without alerts
  const active = alerts.data?.active ?? [];
  const recent = alerts.data?.recent ?? [];
  const openLink = (l: AlertLink) => {
    setOpen(false);
    followLink(nav, l);
  };
  return (
    <span className="alerts" ref={anchor}>
      <button
        type="button"
        className={`btn alerts-btn ${active.length > 0 ? 'alerts-on' : ''}`}
        aria-expanded={open}
        aria-label={`Alerts: ${active.length} active`}
        title={active.length > 0 ? `${active.length} active alerts` : 'No active alerts'}
        data-testid="alerts-open"
        onClick={() => setOpen((o) => !o)}
      >
        <svg width="13" height="13" viewBox="0 0 16 16" aria-hidden="true">
          <path d="M8 1.5a4.5 4.5 0 0 0-4.5 4.5v3L2 11.5h12L12.5 9V6A4.5 4.5 0 0 0 8 1.5zM6.3 13a1.8 1.8 0 0 0 3.4 0z" fill="currentColor" />
        </svg>
        <span className="alerts-count" data-testid="alerts-count" data-count={active.length}>
          {active.length}
        </span>
      </button>
      {open && (
        <div className={`alerts-panel panel-${side}`} data-testid="alerts-panel">
          {editing && alerts.data ? (
            <RulesFormView rules={alerts.data.rules} onDone={() => setEditing(false)} />
          ) : (
            <>
              <div className="alerts-head">
                <strong>Alerts</strong>
                {alerts.data && !alerts.data.rules.enabled && <span className="muted small">off</span>}
                <span className="spacer" />
                <button type="button" className="btn small" data-testid="alert-rules-edit" onClick={() => setEditing(true)} disabled={!alerts.data}>
                  Rules…
                </button>
              </div>
              {alerts.isError && <div className="field-error">{alerts.error.message}</div>}
              {active.length === 0 ? (
                <p className="muted small" data-testid="alerts-none">
                  Nothing wrong right now. An alert fires when a figure passes a threshold (dead letters, bad signatures,
                  p95 latency, retry queue); set them under Rules.
                </p>
              ) : (
                <ul className="alert-list" data-testid="alerts-active">
                  {active.map((a) => (
                    <AlertRow key={a.id} a={a} now={now} onOpen={openLink} />
                  ))}
                </ul>
              )}
              {recent.length > 0 && (
                <>
                  <div className="muted small alerts-sub">Recently cleared</div>
                  <ul className="alert-list" data-testid="alerts-recent">
                    {recent.slice(0, 20).map((a) => (
                      <AlertRow key={`${a.id}-${a.since}`} a={a} now={now} onOpen={openLink} />
                    ))}
                  </ul>
                </>
              )}
            </>
          )}
        </div>
      )}
    </span>
  );
}
