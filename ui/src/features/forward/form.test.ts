import { describe, expect, it } from 'vitest';
import { formFrom, toInput } from '../endpoints/form';
import { CURRENT_POLICY, emptyForward, forwardFormFrom, forwardInput, forwardSummary, policyChoice } from './form';

const aggressive = { schedule: { kind: 'delays', list: ['0', '1s'] } } as never;
const presets = [{ id: 'aggressive', policy: aggressive }];

describe('forward form', () => {
  it('is off by default and turns off as null', () => {
    const f = emptyForward();
    expect(f.enabled).toBe(false);
    expect(forwardInput(f, null)).toBeNull();
  });

  it('round-trips settings, naming a preset policy by its id', () => {
    const settings = { url: 'http://localhost:3000/hooks', wait: true, hold: true, append_path: true, timeout_ms: 2000, policy: aggressive };
    const f = forwardFormFrom(settings, presets);
    expect(f).toMatchObject({ enabled: true, wait: true, hold: true, appendPath: true, timeoutMs: '2000', policy: 'aggressive' });
    expect(forwardInput(f, settings)).toEqual({ ...settings, policy: 'aggressive' });
  });

  it('keeps a policy of its own as it is, and leaves the default to the engine', () => {
    const own = { schedule: { kind: 'delays', list: ['0', '7s'] } } as never;
    expect(policyChoice(own, presets)).toBe(CURRENT_POLICY);
    const f = forwardFormFrom({ url: 'http://x', policy: own }, presets);
    expect(forwardInput(f, { url: 'http://x', policy: own })?.policy).toEqual(own);
    const fresh = { ...emptyForward(), enabled: true };
    expect(forwardInput(fresh, null)).not.toHaveProperty('policy');
  });

  it('sends a timeout that is not a number as typed, for the engine to name the field', () => {
    const f = { ...emptyForward(), enabled: true, timeoutMs: ' 5 s ' };
    expect(forwardInput(f, null)?.timeout_ms).toBe('5 s');
    expect(forwardInput({ ...f, timeoutMs: '' }, null)).not.toHaveProperty('timeout_ms');
  });

  it('summarises where and how an endpoint forwards', () => {
    expect(forwardSummary(null)).toBeNull();
    expect(forwardSummary({ url: 'http://a', hold: true, wait: true })).toBe('forwards to http://a · waits for the app · held until released');
  });
});

describe('saving an endpoint from its form', () => {
  it('keeps the fault plans and response rules it does not edit, and its forward', () => {
    const endpoint = {
      id: 2,
      name: 'App',
      path_prefix: '/app',
      created_at: '',
      updated_at: '',
      faults: [{ id: 'p1' }],
      responses: { rules: [] },
      forward: { url: 'http://localhost:3000/hooks', hold: true },
    } as never;
    const input = toInput(formFrom(endpoint, []), []);
    expect(input.faults).toEqual([{ id: 'p1' }]);
    expect(input.responses).toEqual({ rules: [] });
    expect(input.forward).toMatchObject({ url: 'http://localhost:3000/hooks', hold: true });
  });
});
