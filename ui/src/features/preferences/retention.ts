//! Retention as a form: empty means no limit; a limit is a whole number above 0.
import type { Retention } from '../../api/metrics';

export interface RetentionForm {
  maxCaptures: string;
  maxAgeDays: string;
}

export type RetentionErrors = Partial<Record<keyof RetentionForm | 'other', string>>;

export function formFromRetention(r: Retention | null | undefined): RetentionForm {
  return {
    maxCaptures: r?.max_captures != null ? String(r.max_captures) : '',
    maxAgeDays: r?.max_age_days != null ? String(r.max_age_days) : '',
  };
}

function limit(text: string, what: string): number | null | string {
  const t = text.trim().replace(/[_,\s]/g, '');
  if (t === '') return null;
  if (!/^\d+$/.test(t) || Number(t) < 1 || !Number.isSafeInteger(Number(t))) return `${what} is a whole number above 0, or empty for no limit`;
  return Number(t);
}

export function retentionFromForm(f: RetentionForm): { ok: true; retention: Retention } | { ok: false; errors: RetentionErrors } {
  const captures = limit(f.maxCaptures, 'the most captures');
  const age = limit(f.maxAgeDays, 'the age');
  const errors: RetentionErrors = {};
  if (typeof captures === 'string') errors.maxCaptures = captures;
  if (typeof age === 'string') errors.maxAgeDays = age;
  else if (age !== null && age > 36_500) errors.maxAgeDays = 'at most 36500 days (100 years), or empty for no limit';
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, retention: { max_captures: captures as number | null, max_age_days: age as number | null } };
}
