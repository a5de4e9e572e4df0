import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Api } from '../../api/client';
import type { PlanWithStatus } from '../../api/faults';
import { ApiContext } from '../../api/queries';
import type { Endpoint } from '../../api/types';
import { FaultsView } from './FaultsView';

const ENDPOINT: Endpoint = {
  id: 1,
  name: 'Default',
  path_prefix: '',
  signature: null,
  signature_mode: 'flag',
  dedupe: { source: { kind: 'header', name: 'X-Id' }, ttl_secs: 60, on_duplicate: 'same_as_first' },
  responses: null,
  faults: [],
  created_at: '',
  updated_at: '',
};

const PLAN: PlanWithStatus = {
  id: '503-2m',
  name: '503 for 2 minutes',
  enabled: true,
  activated_at: 1,
  fault: { kind: 'outage', window: { kind: 'next', secs: 120 }, fault: { kind: 'status', status: 503, headers: [], body: '', retry_after: null } },
  status: { state: 'live', remaining_ms: 90_000 },
};

interface Call {
  method: string;
  path: string;
  body: unknown;
}

let calls: Call[];
let plans: PlanWithStatus[];

function reply(status: number, body: unknown) {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

beforeEach(() => {
  calls = [];
  plans = [PLAN];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      const method = init?.method ?? 'GET';
      const path = url.replace('http://engine', '');
      const body = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
      calls.push({ method, path, body });
      if (path === '/api/endpoints' && method === 'GET') return reply(200, [ENDPOINT]);
      if (path === '/api/endpoints/1' && method === 'GET') return reply(200, { ...ENDPOINT, faults: plans });
      if (path === '/api/endpoints/1' && method === 'PUT') {
        return reply(422, { code: 'invalid_input', message: "responses.rules[0].body: at line 1, column 9: this '{{' is never closed with '}}'" });
      }
      if (path === '/api/fault-presets') return reply(200, [{ id: 'down', label: 'Down (connection refused)', description: 'off' }]);
      if (path === '/api/endpoints/1/faults' && method === 'GET') return reply(200, plans);
      if (path === '/api/endpoints/1/faults' && method === 'PUT') {
        plans = (body as PlanWithStatus[]).map((p) => ({ ...p, status: p.enabled === false ? { state: 'off' } : PLAN.status }));
        return reply(200, plans);
      }
      if (path === '/api/endpoints/1/faults' && method === 'POST') {
        return reply(422, { code: 'invalid_input', message: 'faults[1].fault.p: 1.5 is not a probability: use a number from 0 to 1, e.g. 0.3' });
      }
      return reply(404, { code: 'not_found', message: path });
    }),
  );
});

afterEach(() => vi.unstubAllGlobals());

function renderView() {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const api = new Api({ apiUrl: 'http://engine', token: 't', desktop: false } as ConstructorParameters<typeof Api>[0]);
  render(
    <QueryClientProvider client={qc}>
      <ApiContext.Provider value={api}>
        <FaultsView />
      </ApiContext.Provider>
    </QueryClientProvider>,
  );
}

describe('the Faults view', () => {
  it('lists the presets and each plan with its state and countdown', async () => {
    renderView();
    expect((await screen.findByTestId('preset-down')).textContent).toBe('Down (connection refused)');
    const plan = await screen.findByTestId('fault-plan');
    expect(within(plan).getByTestId('plan-state').textContent).toMatch(/^live · 1:(30|29) left$/);
  });

  it('switches a plan off by putting the whole list back with only `enabled` changed and no status', async () => {
    renderView();
    const plan = await screen.findByTestId('fault-plan');
    fireEvent.click(within(plan).getByTestId('plan-switch'));
    await waitFor(() => expect(screen.getByTestId('plan-state').textContent).toBe('off'));
    const put = calls.find((c) => c.method === 'PUT' && c.path === '/api/endpoints/1/faults');
    const { status: _status, ...stored } = PLAN;
    expect(put?.body).toEqual([{ ...stored, enabled: false }]);
  });

  it('shows the engine’s 422 next to the custom fault form', async () => {
    renderView();
    fireEvent.change(await screen.findByTestId('fault-wrap'), { target: { value: 'probability' } });
    fireEvent.change(screen.getByTestId('fault-p'), { target: { value: '1.5' } });
    fireEvent.click(screen.getByTestId('fault-add'));
    expect((await screen.findByTestId('fault-form-error')).textContent).toContain('1.5 is not a probability');
    const post = calls.find((c) => c.method === 'POST');
    expect(post?.body).toMatchObject({ enabled: true, fault: { kind: 'probability', p: 1.5, seed: 1 } });
  });

  it('saves responses over the endpoint as it is now, and shows a template error with its field', async () => {
    renderView();
    fireEvent.click(await screen.findByTestId('rule-add'));
    fireEvent.change(screen.getByTestId('rule-0-body'), { target: { value: '{"seen":{{request.json./id}' } });
    fireEvent.click(screen.getByTestId('rules-save'));
    expect((await screen.findByTestId('rules-error')).textContent).toContain('responses.rules[0].body: at line 1, column 9');
    const put = calls.find((c) => c.method === 'PUT' && c.path === '/api/endpoints/1') as { body: Record<string, unknown> };
    // Everything but `responses` is what the engine had, fault plans and dedupe included.
    expect(put.body.faults).toEqual([PLAN]);
    expect(put.body.dedupe).toEqual(ENDPOINT.dedupe);
    expect(put.body).not.toHaveProperty('id');
    expect((put.body.responses as { rules: { body: string }[] }).rules[0].body).toBe('{"seen":{{request.json./id}');
  });
});
