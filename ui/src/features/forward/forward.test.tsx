import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Api } from '../../api/client';
import type { EventSummary } from '../../api/events';
import { applyForwardEvent, forwardKeys } from '../../api/forward';
import { ApiContext, keys } from '../../api/queries';
import { ToastProvider } from '../../components/Toast';
import { NavContext, type Nav } from '../../nav';
import { CaptureForwards } from './CaptureForwards';
import { HeldQueue } from './HeldQueue';

const XSS = '<img src=x onerror="window.__xss=1">';

function event(id: number, over: Partial<EventSummary> = {}): EventSummary {
  return {
    id,
    destination_id: null,
    url: 'http://localhost:3000/hooks',
    method: 'POST',
    idempotency_key: `fwd_${id}`,
    state: 'held',
    created_at: 0,
    updated_at: 0,
    next_attempt_at: null,
    attempt_count: 0,
    last_status: null,
    last_error: null,
    dead_reason: null,
    resent_from: null,
    body_size: 2,
    target_key: 'http://localhost:3000',
    origin: 'forward',
    capture_id: 40 + id,
    batch_id: null,
    ...over,
  } as EventSummary;
}

type Call = { method: string; path: string; body: unknown };

/** A fake engine behind `fetch`: answers by method and path, and records every call. */
function fakeEngine(routes: Record<string, (body: unknown) => { status?: number; json: unknown }>) {
  const calls: Call[] = [];
  vi.stubGlobal('fetch', async (url: string, init: RequestInit = {}) => {
    const path = url.replace('http://api', '');
    const method = init.method ?? 'GET';
    const body = typeof init.body === 'string' ? JSON.parse(init.body) : undefined;
    calls.push({ method, path, body });
    const route = routes[`${method} ${path}`];
    const out = route ? route(body) : { status: 404, json: { code: 'not_found', message: 'no route' } };
    return new Response(JSON.stringify(out.json), { status: out.status ?? 200, headers: { 'Content-Type': 'application/json' } });
  });
  return calls;
}

function renderWith(ui: React.ReactNode, nav: Partial<Nav> = {}) {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const api = { conn: { apiUrl: 'http://api', token: 't' }, streamUrl: () => 'http://api/api/stream' } as unknown as Api;
  const value = { view: 'inbox', go: () => {}, openWorkbench: () => {}, newEndpoint: () => {}, selectCapture: () => {}, ...nav } as Nav;
  render(
    <QueryClientProvider client={qc}>
      <ApiContext.Provider value={api}>
        <NavContext.Provider value={value}>
          <ToastProvider>{ui}</ToastProvider>
        </NavContext.Provider>
      </ApiContext.Provider>
    </QueryClientProvider>,
  );
  return qc;
}

afterEach(() => vi.unstubAllGlobals());

describe('the held queue', () => {
  it('lists held forwards as text and releases one as it is', async () => {
    const calls = fakeEngine({
      'GET /api/endpoints/2/held': () => ({ json: [event(7, { url: `http://localhost/${XSS}` }), event(8)] }),
      'POST /api/events/7/release': () => ({ json: event(7, { state: 'pending' }) }),
    });
    renderWith(<HeldQueue endpointId={2} />);
    const rows = await screen.findAllByTestId('held-row');
    expect(rows).toHaveLength(2);
    expect(rows[0].textContent).toContain(XSS);
    expect(document.querySelector('img')).toBeNull();
    fireEvent.click(screen.getAllByTestId('held-release')[0]);
    await waitFor(() => expect(calls.some((c) => c.method === 'POST' && c.path === '/api/events/7/release')).toBe(true));
    expect(calls.find((c) => c.method === 'POST')?.body).toBeUndefined();
  });

  it('edits then releases, and shows the engine naming a bad field', async () => {
    let attempt = 0;
    const calls = fakeEngine({
      'GET /api/endpoints/2/held': () => ({ json: [event(7)] }),
      'GET /api/events/7': () => ({ json: { ...event(7), headers: [], body_base64: btoa('{"a":1}'), settings: {}, exact: true, attempts: [], marks: [], plan: [], time_scale: 1 } }),
      'POST /api/events/7/release': () =>
        ++attempt === 1
          ? { status: 422, json: { code: 'invalid_input', message: "edit.url: 'ftp://x' must start with http:// or https://" } }
          : { json: event(7, { state: 'pending' }) },
    });
    renderWith(<HeldQueue endpointId={2} />);
    fireEvent.click(await screen.findByTestId('held-edit'));
    const url = (await screen.findByTestId('held-url')) as HTMLInputElement;
    expect(url.value).toBe('http://localhost:3000/hooks');
    fireEvent.change(url, { target: { value: 'ftp://x' } });
    fireEvent.click(screen.getByTestId('held-send'));
    expect((await screen.findByTestId('held-error')).textContent).toContain('edit.url:');
    fireEvent.change(url, { target: { value: 'http://localhost:4000/other' } });
    fireEvent.click(screen.getByTestId('held-send'));
    await waitFor(() => expect(screen.queryByTestId('held-editor')).toBeNull());
    const sent = calls.filter((c) => c.method === 'POST').map((c) => c.body);
    expect(sent[1]).toEqual({ method: 'POST', url: 'http://localhost:4000/other', body: '{"a":1}' });
  });

  it('releases all and shows nothing when nothing is held', async () => {
    let held = [event(7), event(8)];
    const calls = fakeEngine({
      'GET /api/endpoints/3/held': () => ({ json: held }),
      'POST /api/endpoints/3/release': () => {
        const released = held;
        held = [];
        return { json: { released } };
      },
    });
    renderWith(<HeldQueue endpointId={3} />);
    fireEvent.click(await screen.findByTestId('held-release-all'));
    await waitFor(() => expect(screen.queryByTestId('held-queue')).toBeNull());
    expect(calls.filter((c) => c.method === 'POST').map((c) => c.path)).toEqual(['/api/endpoints/3/release']);
  });
});

describe("a capture's forwards", () => {
  it('shows each forward state and last status, linking to the Outbox', () => {
    vi.stubGlobal('EventSource', class { addEventListener() {} close() {} });
    const go = vi.fn();
    renderWith(<CaptureForwards capture={{ forwards: [event(5, { state: 'delivered', last_status: 201, attempt_count: 3 })] }} />, { go });
    const row = screen.getByTestId('capture-forward');
    expect(row.dataset.state).toBe('delivered');
    expect(row.textContent).toContain('last answer 201');
    expect(row.textContent).toContain('3 attempts');
    fireEvent.click(screen.getByTestId('capture-forward-link'));
    expect(go).toHaveBeenCalledWith('outbox');
  });

  it('is absent when the capture was not forwarded', () => {
    renderWith(<CaptureForwards capture={{ forwards: [] }} />);
    expect(screen.queryByTestId('capture-forwards')).toBeNull();
  });
});

describe('live forward events', () => {
  it('refresh held queues and the forwarded capture, and leave other events alone', () => {
    const qc = new QueryClient();
    const spy = vi.spyOn(qc, 'invalidateQueries');
    applyForwardEvent(qc, { type: 'event.updated', event: event(5, { origin: 'send', capture_id: null }) });
    expect(spy).not.toHaveBeenCalled();
    applyForwardEvent(qc, { type: 'event.updated', event: event(5) });
    const invalidated = spy.mock.calls.map((c) => c[0]?.queryKey);
    expect(invalidated).toEqual([forwardKeys.all, keys.capture(45)]);
  });
});
