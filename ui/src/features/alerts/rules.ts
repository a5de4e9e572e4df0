//! The alert rules as a form: text fields checked before saving (the engine's 422 is placed too).
import { WINDOWS, type AlertRules, type MetricsWindow } from '../../api/metrics';

export const RULE_FIELDS = [
  'dead_letters_max',
  'signature_failure_pct',
  'p95_latency_ms',
  'retry_queue_max',
  'window',
  'enabled',
  'notify_desktop',
] as const;
export type RuleField = (typeof RULE_FIELDS)[number];

export interface RulesForm {
  dead_letters_max: string;
  signature_failure_pct: string;
  p95_latency_ms: string;
  retry_queue_max: string;
  window: MetricsWindow;
  enabled: boolean;
  notify_desktop: boolean;
}

export type RulesErrors = Partial<Record<RuleField | 'other', string>>;

export function formFromRules(r: AlertRules): RulesForm {
  return {
    dead_letters_max: String(r.dead_letters_max),
    signature_failure_pct: String(r.signature_failure_pct),
    p95_latency_ms: String(r.p95_latency_ms),
    retry_queue_max: String(r.retry_queue_max),
    window: r.window,
    enabled: r.enabled,
    notify_desktop: r.notify_desktop,
  };
}

function whole(text: string): number | string {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return 'a whole number, 0 or more';
  return Number(t);
}

/** The rules to send, or what is wrong with each field. */
export function rulesFromForm(f: RulesForm): { ok: true; rules: AlertRules } | { ok: false; errors: RulesErrors } {
  const errors: RulesErrors = {};
  const dead = whole(f.dead_letters_max);
  const p95 = whole(f.p95_latency_ms);
  const queue = whole(f.retry_queue_max);
  const pctText = f.signature_failure_pct.trim();
  const pct = /^\d+(\.\d+)?$/.test(pctText) ? Number(pctText) : NaN;
  if (typeof dead === 'string') errors.dead_letters_max = dead;
  if (typeof p95 === 'string') errors.p95_latency_ms = p95;
  if (typeof queue === 'string') errors.retry_queue_max = queue;
  if (!(pct >= 0 && pct <= 100)) errors.signature_failure_pct = 'a percentage from 0 to 100';
  if (!WINDOWS.includes(f.window)) errors.window = `one of ${WINDOWS.join(', ')}`;
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    rules: {
      dead_letters_max: dead as number,
      signature_failure_pct: pct,
      p95_latency_ms: p95 as number,
      retry_queue_max: queue as number,
      window: f.window,
      enabled: f.enabled,
      notify_desktop: f.notify_desktop,
    },
  };
}
