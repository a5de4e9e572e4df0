import { describe, expect, it } from 'vitest';
import type { ResponseSettings } from '../../api/faults';
import { RECEIPT, move, newRule, rulesFormFrom, settingsFromForm } from './rules';

// As the engine answers it (every default written out), so a round trip must give it back exactly.
const SETTINGS: ResponseSettings = {
  rules: [
    {
      name: 'paid',
      when: [
        { kind: 'method', method: 'POST' },
        { kind: 'path_glob', pattern: '/orders/*' },
        { kind: 'path_prefix', prefix: '/orders' },
        { kind: 'header_equals', name: 'X-Event', value: 'order.paid' },
        { kind: 'header_contains', name: 'User-Agent', value: 'Stripe' },
        { kind: 'header_present', name: 'X-Retry' },
        { kind: 'json_equals', pointer: '/data/amount', value: { currency: 'eur', n: [1, 2] } },
        { kind: 'json_exists', pointer: '/id' },
      ],
      status: 201,
      headers: [
        { name: 'X-Seen', value: '{{request.header.X-Event}}' },
        { name: 'Content-Type', value: 'application/json' },
      ],
      body: '{"seen":{{request.json./id | json}}}\n',
      delay: { kind: 'uniform', min_ms: 10, max_ms: 500 },
    },
    { name: 'slow', when: [], status: 202, headers: [], body: '', delay: { kind: 'fixed', ms: 250 } },
    { name: 'tail', when: [], status: 200, headers: [], body: 'ok', delay: { kind: 'log_normal', p50_ms: 20, p99_ms: 900 } },
  ],
  default: { status: 204, headers: [{ name: 'X-A', value: 'b: c' }], body: '', delay: { kind: 'none' } },
};

describe('the response rules editor model', () => {
  it('gives back exactly the settings it was loaded with', () => {
    const r = settingsFromForm(rulesFormFrom(SETTINGS));
    expect(r).toEqual({ ok: true, settings: SETTINGS });
  });

  it('starts from the built-in receipt when the endpoint has no responses', () => {
    const r = settingsFromForm(rulesFormFrom(null));
    expect(r).toEqual({ ok: true, settings: { rules: [], default: RECEIPT } });
  });

  it('edits headers as "Name: value" lines, skipping blank lines', () => {
    const form = rulesFormFrom(null);
    form.default.headers = 'Content-Type: text/plain\n\n  X-Trace:abc  \r\n';
    const r = settingsFromForm(form);
    expect(r.ok && r.settings.default?.headers).toEqual([
      { name: 'Content-Type', value: 'text/plain' },
      { name: 'X-Trace', value: 'abc  ' },
    ]);
  });

  it('names the field of each value that cannot be sent, with the paths the engine uses', () => {
    const form = rulesFormFrom(SETTINGS);
    form.rules[0].status = 'two hundred';
    form.rules[0].when[6].b = 'paid'; // not JSON: must be "paid"
    form.default.headers = 'no colon here';
    form.default.delay = { ...form.default.delay, kind: 'fixed', ms: '' };
    const r = settingsFromForm(form);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors).toEqual([
      'responses.rules[0].when[6].value: not JSON (write text in quotes: "paid")',
      'responses.rules[0].status: a whole number',
      'responses.default.headers[0]: write "Name: value"',
      'responses.default.delay.ms: a whole number',
    ]);
  });

  it('adds a rule that matches POSTs and reorders rules', () => {
    const form = rulesFormFrom(SETTINGS);
    form.rules.push(newRule(4));
    const r = settingsFromForm(form);
    expect(r.ok && r.settings.rules?.[3]).toMatchObject({ name: 'rule 4', when: [{ kind: 'method', method: 'POST' }], status: 200 });
    expect(move(['a', 'b', 'c'], 2, -1)).toEqual(['a', 'c', 'b']);
    expect(move(['a', 'b', 'c'], 0, -1)).toEqual(['a', 'b', 'c']);
  });
});
