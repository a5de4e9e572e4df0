//! The response rules editor: the default answer and ordered conditional rules (first match wins),
//! saved as the endpoint's `responses` and nothing else. Template errors come back from the engine
//! as 422 naming the field and position; they are shown as sent.
import { useState, type ReactNode } from 'react';
import { useSaveResponses } from '../../api/faults';
import type { Endpoint } from '../../api/types';
import {
  CONDITION_KINDS,
  move,
  newRule,
  rulesFormFrom,
  settingsFromForm,
  type ConditionForm,
  type ConditionKind,
  type DelayKind,
  type RuleForm,
  type RulesForm,
  type TemplateForm,
} from './rules';

function L({ label, children, grow }: { label: string; children: ReactNode; grow?: boolean }) {
  return (
    <label className="field" style={grow ? { flex: 1 } : undefined}>
      <span className="field-label">{label}</span>
      {children}
    </label>
  );
}

function TemplateFields({ t, onChange, testId }: { t: TemplateForm; onChange: (t: TemplateForm) => void; testId: string }) {
  const delay = (patch: Partial<TemplateForm['delay']>) => onChange({ ...t, delay: { ...t.delay, ...patch } });
  return (
    <>
      <div className="fault-row">
        <L label="Status">
          <input style={{ width: 70 }} data-testid={`${testId}-status`} value={t.status} onChange={(e) => onChange({ ...t, status: e.target.value })} />
        </L>
        <L label="Delay">
          <select value={t.delay.kind} onChange={(e) => delay({ kind: e.target.value as DelayKind })}>
            <option value="none">none</option>
            <option value="fixed">fixed</option>
            <option value="uniform">uniform</option>
            <option value="log_normal">long tail</option>
          </select>
        </L>
        {t.delay.kind === 'fixed' && (
          <L label="ms">
            <input value={t.delay.ms} onChange={(e) => delay({ ms: e.target.value })} />
          </L>
        )}
        {t.delay.kind === 'uniform' && (
          <>
            <L label="min ms">
              <input value={t.delay.minMs} onChange={(e) => delay({ minMs: e.target.value })} />
            </L>
            <L label="max ms">
              <input value={t.delay.maxMs} onChange={(e) => delay({ maxMs: e.target.value })} />
            </L>
          </>
        )}
        {t.delay.kind === 'log_normal' && (
          <>
            <L label="p50 ms">
              <input value={t.delay.p50Ms} onChange={(e) => delay({ p50Ms: e.target.value })} />
            </L>
            <L label="p99 ms">
              <input value={t.delay.p99Ms} onChange={(e) => delay({ p99Ms: e.target.value })} />
            </L>
          </>
        )}
      </div>
      <div className="grid2">
        <L label="Headers (Name: value, one a line)">
          <textarea rows={3} data-testid={`${testId}-headers`} value={t.headers} onChange={(e) => onChange({ ...t, headers: e.target.value })} />
        </L>
        <L label="Body template, e.g. {{request.json./id | json}}">
          <textarea rows={3} data-testid={`${testId}-body`} value={t.body} onChange={(e) => onChange({ ...t, body: e.target.value })} />
        </L>
      </div>
    </>
  );
}

function ConditionRow({ c, onChange, onRemove }: { c: ConditionForm; onChange: (c: ConditionForm) => void; onRemove: () => void }) {
  const meta = CONDITION_KINDS.find((k) => k.kind === c.kind);
  return (
    <div className="fault-cond" data-testid="rule-condition">
      <select
        value={c.kind}
        onChange={(e) => {
          const k = CONDITION_KINDS.find((x) => x.kind === e.target.value)!;
          onChange({ kind: k.kind as ConditionKind, a: c.a, b: k.b !== undefined ? c.b : '' });
        }}
      >
        {CONDITION_KINDS.map((k) => (
          <option key={k.kind} value={k.kind}>
            {k.label}
          </option>
        ))}
      </select>
      <input value={c.a} placeholder={meta?.a} onChange={(e) => onChange({ ...c, a: e.target.value })} />
      {meta?.b !== undefined && <input value={c.b} placeholder={meta.b} onChange={(e) => onChange({ ...c, b: e.target.value })} />}
      <button type="button" className="btn small" onClick={onRemove} title="remove this condition">
        ×
      </button>
    </div>
  );
}

function RuleEditor({
  rule,
  index,
  count,
  onChange,
  onMove,
  onRemove,
}: {
  rule: RuleForm;
  index: number;
  count: number;
  onChange: (r: RuleForm) => void;
  onMove: (by: number) => void;
  onRemove: () => void;
}) {
  const setWhen = (when: ConditionForm[]) => onChange({ ...rule, when });
  return (
    <div className="fault-rule" data-testid="rule">
      <div className="fault-row">
        <span className="muted small">#{index + 1}</span>
        <L label="Rule name" grow>
          <input value={rule.name} data-testid="rule-name" onChange={(e) => onChange({ ...rule, name: e.target.value })} />
        </L>
        <button type="button" className="btn small" disabled={index === 0} onClick={() => onMove(-1)}>
          ↑
        </button>
        <button type="button" className="btn small" disabled={index === count - 1} onClick={() => onMove(1)}>
          ↓
        </button>
        <button type="button" className="btn small btn-danger" onClick={onRemove}>
          Remove
        </button>
      </div>
      <div className="field-label">When all hold {rule.when.length === 0 && <span className="muted">(none: always)</span>}</div>
      {rule.when.map((c, j) => (
        <ConditionRow
          key={j}
          c={c}
          onChange={(next) => setWhen(rule.when.map((x, k) => (k === j ? next : x)))}
          onRemove={() => setWhen(rule.when.filter((_, k) => k !== j))}
        />
      ))}
      <button type="button" className="btn small" onClick={() => setWhen([...rule.when, { kind: 'path_prefix', a: '', b: '' }])}>
        + condition
      </button>
      <TemplateFields t={rule} onChange={(t) => onChange({ ...rule, ...t })} testId={`rule-${index}`} />
    </div>
  );
}

export function ResponseRulesEditor({ endpoint }: { endpoint: Endpoint }) {
  const [form, setForm] = useState<RulesForm>(() => rulesFormFrom(endpoint.responses));
  const [problems, setProblems] = useState<string[]>([]);
  const [saved, setSaved] = useState(false);
  const save = useSaveResponses(endpoint.id);
  const setRules = (rules: RuleForm[]) => setForm((f) => ({ ...f, rules }));

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    setSaved(false);
    const r = settingsFromForm(form);
    if (!r.ok) {
      setProblems(r.errors);
      return;
    }
    setProblems([]);
    save.mutate(r.settings, { onSuccess: () => setSaved(true) });
  };

  return (
    <form data-testid="rules-editor" onSubmit={submit}>
      <div className="field-label">Default answer (when no rule matches)</div>
      <TemplateFields t={form.default} onChange={(t) => setForm((f) => ({ ...f, default: t }))} testId="default" />
      {form.rules.map((r, i) => (
        <RuleEditor
          key={i}
          rule={r}
          index={i}
          count={form.rules.length}
          onChange={(next) => setRules(form.rules.map((x, k) => (k === i ? next : x)))}
          onMove={(by) => setRules(move(form.rules, i, by))}
          onRemove={() => setRules(form.rules.filter((_, k) => k !== i))}
        />
      ))}
      <div className="fault-row" style={{ marginTop: 8 }}>
        <button type="button" className="btn" data-testid="rule-add" onClick={() => setRules([...form.rules, newRule(form.rules.length + 1)])}>
          + Rule
        </button>
        <button type="submit" className="btn btn-primary" data-testid="rules-save" disabled={save.isPending}>
          Save responses
        </button>
        <button
          type="button"
          className="btn"
          title="forget the rules: answer 200 {ok, capture_id}"
          onClick={() => {
            setSaved(false);
            save.mutate(null, {
              onSuccess: () => {
                setForm(rulesFormFrom(null));
                setSaved(true);
              },
            });
          }}
        >
          Use the built-in answer
        </button>
        {saved && !save.isPending && (
          <span className="muted small" data-testid="rules-saved">
            Saved.
          </span>
        )}
      </div>
      {(problems.length > 0 || save.isError) && (
        <div className="form-errors" data-testid="rules-error">
          {problems.map((p, i) => (
            <div key={i}>{p}</div>
          ))}
          {save.isError && save.error.message.split('; ').map((m, i) => <div key={`s${i}`}>{m}</div>)}
        </div>
      )}
    </form>
  );
}
