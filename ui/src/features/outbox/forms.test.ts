import { describe, expect, it } from 'vitest';
import type { Destination, RetryPreset } from '../../api/events';
import type { SchemeInfo } from '../../api/types';
import { composerBlocker, emptyComposer, toEventInput, TO_URL } from './composer';
import { emptyDestinationForm, formFromDestination, parseHeaderLines, toDestinationInput } from './destinationForm';
import { errorsAt, policyFormFrom, splitProblems, toPolicy } from './policy';

const SCHEMES = [
  { id: 'standard-webhooks', label: 'Standard Webhooks', scheme: { kind: 'standard_webhooks' }, default_tolerance_secs: 300 },
  { id: 'stripe', label: 'Stripe', scheme: { kind: 'stripe' }, default_tolerance_secs: 300 },
] as SchemeInfo[];

const SVIX: RetryPreset = {
  id: 'svix',
  name: 'Svix',
  description: '',
  policy: {
    schedule: { kind: 'delays', list: ['0', '5s', '5m', '30m', '2h', '5h', '10h', '10h'] },
    max_total: null,
    jitter_pct: 20,
    retry_on: { connection_errors: true, timeouts: true, statuses: ['5xx', '429', '408'] },
    retry_after_max: '1h',
  },
};

describe("the engine's 422 split by field", () => {
  it('keeps indexed and nested field paths whole, and what names no field apart', () => {
    const e = splitProblems(
      "name: give the destination a name; headers[0].name: 'a b' is not a header name; retry.schedule.list: give at least one delay; limits.rate.per_second: 0 must be a number above 0, e.g. 10; something odd",
    );
    expect(e.fields).toEqual({
      name: 'give the destination a name',
      'headers[0].name': "'a b' is not a header name",
      'retry.schedule.list': 'give at least one delay',
      'limits.rate.per_second': '0 must be a number above 0, e.g. 10; something odd',
    });
    expect(errorsAt(e, 'name')).toEqual(['give the destination a name']);
    expect(errorsAt(e, 'headers')).toEqual(["headers[0].name: 'a b' is not a header name"]);
    expect(errorsAt(e, 'retry.schedule.list', 'retry.schedule')).toEqual(['give at least one delay']);
    expect(errorsAt(e, 'limits.rate')).toEqual(['limits.rate.per_second: 0 must be a number above 0, e.g. 10; something odd']);
  });

  it('puts a message without fields in general', () => {
    expect(splitProblems('a destination named x exists')).toEqual({ fields: {}, general: ['a destination named x exists'] });
  });
});

describe('the destination form', () => {
  it('sends a preset by id, Standard Webhooks signing and the breaker and limits as typed', () => {
    const f = { ...emptyDestinationForm(), name: ' orders ', url: 'http://127.0.0.1:3000/hooks', headers: 'X-Team: payments\n', secrets: 'whsec_a\n\nwhsec_b', ratePerSecond: '5', maxInFlight: '2', timeScale: 60 };
    f.policy.preset = 'svix';
    const r = toDestinationInput(f, SCHEMES);
    if (!('input' in r)) throw new Error(JSON.stringify(r.problems));
    expect(r.input).toMatchObject({
      name: 'orders',
      url: 'http://127.0.0.1:3000/hooks',
      method: 'POST',
      headers: [{ name: 'X-Team', value: 'payments' }],
      signing: { scheme: { kind: 'standard_webhooks' }, secrets: ['whsec_a', 'whsec_b'] },
      timeout_ms: 15_000,
      retry: { preset: 'svix' },
      breaker: { failure_threshold: 5, cool_down: '30s', max_cool_down: '5m' },
      limits: { rate: { per_second: 5, burst: 1 }, max_in_flight: 2 },
      time_scale: 60,
    });
  });

  it('builds a custom list of delays, and names a bad delay under the engine field before sending', () => {
    const f = emptyDestinationForm();
    f.policy.mode = 'delays';
    f.policy.delays = '0, 1s, 2m';
    const ok = toDestinationInput(f, SCHEMES);
    expect('input' in ok && ok.input.retry?.schedule).toEqual({ kind: 'delays', list: ['0', '1s', '2m'] });
    f.policy.delays = '0, 5x';
    const bad = toDestinationInput(f, SCHEMES);
    expect('problems' in bad && bad.problems['retry.schedule.list']).toContain("'5x' is not a duration");
  });

  it('reads a stored destination back: its preset recognised, unsigned when it has no signing', () => {
    const d = { id: 3, name: 'x', url: 'http://h/', method: 'PUT', headers: [], signing: null, timeout_ms: 2500, retry: SVIX.policy, created_at: 0, updated_at: 0 } as Destination;
    const f = formFromDestination(d, SCHEMES, [SVIX]);
    expect(f.policy).toMatchObject({ mode: 'preset', preset: 'svix' });
    expect(f.scheme).toBe('');
    expect(f.timeoutSecs).toBe('2.5');
    expect(f.method).toBe('PUT');
    const custom = policyFormFrom({ ...SVIX.policy, jitter_pct: 5 }, [SVIX]);
    expect(custom).toMatchObject({ mode: 'delays', delays: '0, 5s, 5m, 30m, 2h, 5h, 10h, 10h', jitter: '5' });
  });

  it('reads headers one per line and names a line without a colon', () => {
    expect(parseHeaderLines('A: 1\nB:two: three')).toEqual({ headers: [{ name: 'A', value: '1' }, { name: 'B', value: 'two: three' }], problem: null });
    expect(parseHeaderLines('A: 1\nnope').problem).toBe('line 2: write a header as Name: value');
  });

  it('checks an exponential schedule', () => {
    const p = toPolicy({ ...policyFormFrom(null, []), mode: 'exponential', initial: '30s', factor: '0.5', cap: '1h', maxAttempts: '0' }, 'retry');
    expect('problems' in p && Object.keys(p.problems).sort()).toEqual(['retry.schedule.factor', 'retry.schedule.max_attempts']);
  });
});

describe('the composer', () => {
  it('refuses to send a body that is not JSON and says where the error is', () => {
    const f = { ...emptyComposer(), url: 'http://127.0.0.1:9/x', body: '{\n  "a": 1,\n}' };
    expect(composerBlocker(f)).toBe('The body is not valid JSON: line 3, column 1: a trailing comma before } is not allowed in JSON');
    expect(composerBlocker({ ...f, body: '' })).toBeNull();
  });

  it('sends to a URL with only the overrides that were chosen', () => {
    const f = { ...emptyComposer(), target: TO_URL, url: ' http://127.0.0.1:9/x ', body: '{"a":1}', headers: 'X-A: 1', policy: 'aggressive', timeScale: 60 };
    const r = toEventInput(f);
    expect(r).toEqual({ input: { url: 'http://127.0.0.1:9/x', headers: [{ name: 'X-A', value: '1' }], body: '{"a":1}', policy: 'aggressive', time_scale: 60 } });
  });

  it('sends to a destination by id, with a custom policy and a secret', () => {
    const f = { ...emptyComposer(), target: '4', body: '{}', policy: 'custom', secret: 'whsec_x', scheme: 'stripe' };
    f.custom = { ...f.custom, mode: 'delays', delays: '0, 1s, 1s' };
    const r = toEventInput(f);
    if (!('input' in r)) throw new Error('valid');
    expect(r.input).toMatchObject({ destination: 4, secret: 'whsec_x', scheme: 'stripe', policy: { schedule: { kind: 'delays', list: ['0', '1s', '1s'] }, jitter_pct: 20 } });
    expect(r.input).not.toHaveProperty('url');
  });
});
