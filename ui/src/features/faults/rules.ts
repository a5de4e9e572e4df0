//! The response rules editor as data: `ResponseSettings` ↔ a form of strings, and back. Headers are
//! edited as `Name: value` lines; a JSON-equals value as JSON text. The engine parses templates
//! and names the field of any error (`responses.rules[0].body: …`), so templates pass through as written.
import type { Condition, Delay, ResponseHeader, ResponseSettings, ResponseTemplate } from '../../api/faults';

export type ConditionKind = Condition['kind'];
export type DelayKind = Delay['kind'];

export interface DelayForm {
  kind: DelayKind;
  ms: string;
  minMs: string;
  maxMs: string;
  p50Ms: string;
  p99Ms: string;
}

export interface TemplateForm {
  status: string;
  headers: string;
  body: string;
  delay: DelayForm;
}

/** `a` and `b` by kind: method; pattern; prefix; header name + value; JSON pointer + JSON value. */
export interface ConditionForm {
  kind: ConditionKind;
  a: string;
  b: string;
}

export interface RuleForm extends TemplateForm {
  name: string;
  when: ConditionForm[];
}

export interface RulesForm {
  default: TemplateForm;
  rules: RuleForm[];
}

export const CONDITION_KINDS: { kind: ConditionKind; label: string; a: string; b?: string }[] = [
  { kind: 'method', label: 'method is', a: 'POST' },
  { kind: 'path_glob', label: 'path matches glob', a: '/orders/*' },
  { kind: 'path_prefix', label: 'path starts with', a: '/orders' },
  { kind: 'header_equals', label: 'header equals', a: 'X-Event', b: 'order.created' },
  { kind: 'header_contains', label: 'header contains', a: 'User-Agent', b: 'Stripe' },
  { kind: 'header_present', label: 'header present', a: 'X-Retry' },
  { kind: 'json_equals', label: 'JSON pointer equals', a: '/type', b: '"order.created"' },
  { kind: 'json_exists', label: 'JSON pointer exists', a: '/id' },
];

/** What the receiver answers when nothing is set: `200 {"ok":true,"capture_id":N}`. */
export const RECEIPT: ResponseTemplate = {
  status: 200,
  headers: [{ name: 'Content-Type', value: 'application/json' }],
  body: '{"ok":true,"capture_id":{{capture.id | json}}}',
  delay: { kind: 'none' },
};

function delayForm(d: Delay | undefined): DelayForm {
  const f: DelayForm = { kind: d?.kind ?? 'none', ms: '0', minMs: '0', maxMs: '0', p50Ms: '0', p99Ms: '0' };
  if (d?.kind === 'fixed') f.ms = String(d.ms);
  if (d?.kind === 'uniform') Object.assign(f, { minMs: String(d.min_ms), maxMs: String(d.max_ms) });
  if (d?.kind === 'log_normal') Object.assign(f, { p50Ms: String(d.p50_ms), p99Ms: String(d.p99_ms) });
  return f;
}

export function headersText(headers: ResponseHeader[] | undefined): string {
  return (headers ?? []).map((h) => `${h.name}: ${h.value}`).join('\n');
}

export function templateForm(t: ResponseTemplate): TemplateForm {
  return { status: String(t.status), headers: headersText(t.headers), body: t.body ?? '', delay: delayForm(t.delay) };
}

export function conditionForm(c: Condition): ConditionForm {
  switch (c.kind) {
    case 'method':
      return { kind: c.kind, a: c.method, b: '' };
    case 'path_glob':
      return { kind: c.kind, a: c.pattern, b: '' };
    case 'path_prefix':
      return { kind: c.kind, a: c.prefix, b: '' };
    case 'header_equals':
    case 'header_contains':
      return { kind: c.kind, a: c.name, b: c.value };
    case 'header_present':
      return { kind: c.kind, a: c.name, b: '' };
    case 'json_equals':
      return { kind: c.kind, a: c.pointer, b: JSON.stringify(c.value) };
    case 'json_exists':
      return { kind: c.kind, a: c.pointer, b: '' };
  }
}

export function rulesFormFrom(settings: ResponseSettings | null | undefined): RulesForm {
  return {
    default: templateForm(settings?.default ?? RECEIPT),
    rules: (settings?.rules ?? []).map((r) => ({
      ...templateForm(r),
      name: r.name,
      when: (r.when ?? []).map(conditionForm),
    })),
  };
}

export function newRule(n: number): RuleForm {
  return { ...templateForm({ ...RECEIPT, status: 200, body: '' }), name: `rule ${n}`, when: [{ kind: 'method', a: 'POST', b: '' }] };
}

export type RulesResult = { ok: true; settings: ResponseSettings } | { ok: false; errors: string[] };

/** The settings the form says, or every field that cannot be sent (paths as the engine names them). */
export function settingsFromForm(form: RulesForm): RulesResult {
  const errors: string[] = [];
  const int = (path: string, text: string): number => {
    if (!/^\d+$/.test(text.trim())) {
      errors.push(`${path}: a whole number`);
      return 0;
    }
    return Number(text.trim());
  };
  const delay = (path: string, d: DelayForm): Delay => {
    switch (d.kind) {
      case 'none':
        return { kind: 'none' };
      case 'fixed':
        return { kind: 'fixed', ms: int(`${path}.ms`, d.ms) };
      case 'uniform':
        return { kind: 'uniform', min_ms: int(`${path}.min_ms`, d.minMs), max_ms: int(`${path}.max_ms`, d.maxMs) };
      case 'log_normal':
        return { kind: 'log_normal', p50_ms: int(`${path}.p50_ms`, d.p50Ms), p99_ms: int(`${path}.p99_ms`, d.p99Ms) };
    }
  };
  const headers = (path: string, text: string): ResponseHeader[] =>
    text
      .split('\n')
      .map((l) => l.replace(/\r$/, ''))
      .filter((l) => l.trim() !== '')
      .map((line, i) => {
        const colon = line.indexOf(':');
        if (colon <= 0) {
          errors.push(`${path}[${i}]: write "Name: value"`);
          return { name: line.trim(), value: '' };
        }
        return { name: line.slice(0, colon).trim(), value: line.slice(colon + 1).trimStart() };
      });
  const template = (path: string, t: TemplateForm): ResponseTemplate => ({
    status: int(`${path}status`, t.status),
    headers: headers(`${path}headers`, t.headers),
    body: t.body,
    delay: delay(`${path}delay`, t.delay),
  });
  const condition = (path: string, c: ConditionForm): Condition => {
    switch (c.kind) {
      case 'method':
        return { kind: c.kind, method: c.a };
      case 'path_glob':
        return { kind: c.kind, pattern: c.a };
      case 'path_prefix':
        return { kind: c.kind, prefix: c.a };
      case 'header_equals':
      case 'header_contains':
        return { kind: c.kind, name: c.a, value: c.b };
      case 'header_present':
        return { kind: c.kind, name: c.a };
      case 'json_equals': {
        let value: unknown = null;
        try {
          value = JSON.parse(c.b);
        } catch {
          errors.push(`${path}.value: not JSON (write text in quotes: "paid")`);
        }
        return { kind: c.kind, pointer: c.a, value };
      }
      case 'json_exists':
        return { kind: c.kind, pointer: c.a };
    }
  };

  const settings: ResponseSettings = {
    rules: form.rules.map((r, i) => {
      const p = `responses.rules[${i}]`;
      return {
        name: r.name,
        when: r.when.map((c, j) => condition(`${p}.when[${j}]`, c)),
        ...template(`${p}.`, r),
      };
    }),
    default: template('responses.default.', form.default),
  };
  return errors.length > 0 ? { ok: false, errors } : { ok: true, settings };
}

/** Moves item `i` by `by` places (a rule up or down the order), clamped to the list. */
export function move<T>(list: T[], i: number, by: number): T[] {
  const j = Math.min(list.length - 1, Math.max(0, i + by));
  if (i === j) return list;
  const next = list.slice();
  const [item] = next.splice(i, 1);
  next.splice(j, 0, item);
  return next;
}
