import { act, configure, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { EditorView } from '@codemirror/view';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Api } from '../../api/client';
import type { EventDetail, EventSummary } from '../../api/events';
import { ApiContext } from '../../api/queries';
import { NavContext, type Nav } from '../../nav';
import { OutboxView } from './OutboxView';

// Waiting is for things to happen, not a time limit on them: a loaded machine renders slowly.
configure({ asyncUtilTimeout: 10_000 });

const T0 = 1_700_000_000_000;

function summary(id: number, over: Partial<EventSummary> = {}): EventSummary {
  return {
    id,
    destination_id: null,
    url: 'http://127.0.0.1:9/hook',
    method: 'POST',
    idempotency_key: `msg_${id}`,
    state: 'pending',
    created_at: T0,
    updated_at: T0 + id,
    next_attempt_at: T0,
    attempt_count: 0,
    last_status: null,
    last_error: null,
    dead_reason: null,
    resent_from: null,
    body_size: 2,
    target_key: 'http://127.0.0.1:9',
    origin: 'send',
    ...over,
  };
}

function detail(s: EventSummary): EventDetail {
  return { ...s, headers: [], body_base64: 'e30=', exact: false, settings: { time_scale: 1 }, first_attempt_at: null, time_scale: 1, attempts: [], marks: [], plan: [] };
}

function withAttempts(s: EventSummary): EventDetail {
  const attempt = (n: number) => ({
    id: 50 + n,
    event_id: s.id,
    number: n,
    state: 'finished' as const,
    started_at: T0 + n * 1000,
    finished_at: T0 + n * 1000 + 12,
    duration_ms: 12,
    request: { method: 'POST', url: s.url, headers: [{ name: 'webhook-signature', value: `v1,sig${n}` }] },
    response: { status: 503, headers: [], body_base64: btoa('<b>busy</b>'), body_truncated: n === 2 },
    next: { kind: 'retry_at' as const, at: T0 + n * 2000, attempt: n + 1, delay: { real_ms: 1000, scaled_ms: 1000 }, because: `503 is retryable; attempt ${n + 1} of 5 at +1s` },
  });
  return { ...detail(s), attempts: [attempt(1), attempt(2)], next_attempt_at: T0 + 4000 };
}

/** An EventSource the test drives: `emit` delivers a server event to the page. */
class FakeEventSource {
  static CLOSED = 2;
  static last: FakeEventSource | null = null;
  readyState = 1;
  onerror: (() => void) | null = null;
  private listeners = new Map<string, ((e: MessageEvent) => void)[]>();
  constructor(readonly url: string) {
    FakeEventSource.last = this;
  }
  addEventListener(type: string, f: (e: MessageEvent) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), f]);
  }
  close() {
    this.readyState = 2;
  }
  emit(type: string, data: unknown) {
    for (const f of this.listeners.get(type) ?? []) f(new MessageEvent(type, { data: JSON.stringify(data) }));
  }
}

interface Call {
  method: string;
  path: string;
  body: unknown;
}

let calls: Call[];
let events: EventSummary[];

function reply(status: number, body: unknown) {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

beforeEach(() => {
  calls = [];
  events = [summary(1, { state: 'retrying', attempt_count: 1, last_status: 503, next_attempt_at: Date.now() + 30_000 })];
  vi.stubGlobal('EventSource', FakeEventSource);
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      const method = init?.method ?? 'GET';
      const path = url.replace('http://engine', '');
      const body = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
      calls.push({ method, path, body });
      if (path.startsWith('/api/events?')) return reply(200, { items: events, next_cursor: null });
      if (path === '/api/events' && method === 'POST') return reply(201, { ...detail(summary(7)), attempts: undefined });
      const one = /^\/api\/events\/(\d+)$/.exec(path);
      if (one && one[1] === '5') return reply(200, withAttempts(summary(5, { state: 'retrying', attempt_count: 2, last_status: 503 })));
      if (one) return reply(200, detail(summary(Number(one[1]))));
      if (path === '/api/destinations' && method === 'GET') return reply(200, []);
      if (path === '/api/destinations' && method === 'POST') {
        return reply(422, {
          code: 'invalid_input',
          message: "name: give the destination a name; url: 'ftp://x' must start with http:// or https://; signing.secrets: add the secret (or key) to sign with",
        });
      }
      if (path === '/api/settings') return reply(200, { time_scale: 1 });
      if (path.startsWith('/api/dead-letters')) return reply(200, { counts: [], items: [], next_cursor: null });
      if (path === '/api/retry-presets') return reply(200, []);
      if (path === '/api/schemes') return reply(200, [{ id: 'standard-webhooks', label: 'Standard Webhooks', scheme: { kind: 'standard_webhooks' } }]);
      return reply(404, { code: 'not_found', message: path });
    }),
  );
});

afterEach(() => vi.unstubAllGlobals());

function renderView() {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const api = new Api({ apiUrl: 'http://engine', token: 't', desktop: false } as ConstructorParameters<typeof Api>[0]);
  const nav: Nav = { view: 'outbox', go: () => {}, openWorkbench: () => {}, newEndpoint: () => {}, selectCapture: () => {} };
  render(
    <QueryClientProvider client={qc}>
      <ApiContext.Provider value={api}>
        <NavContext.Provider value={nav}>
          <OutboxView receiverUrl="http://127.0.0.1:9000" />
        </NavContext.Provider>
      </ApiContext.Provider>
    </QueryClientProvider>,
  );
}

const row = (id: number) => document.querySelector(`[data-testid=event-row][data-event-id="${id}"]`) as HTMLElement | null;

describe('the outbox list', () => {
  it('follows the live stream: a new event appears on top, an update changes its row, without a refetch', async () => {
    renderView();
    await waitFor(() => expect(row(1)).not.toBeNull());
    expect(row(1)?.dataset.state).toBe('retrying');
    // A countdown to the next attempt, 30 s away when the list was fetched (however slow this run is).
    const next = /^in (\d+)s$/.exec(within(row(1) as HTMLElement).getByTestId('event-row-next').textContent ?? '');
    expect(Number(next?.[1])).toBeGreaterThan(0);
    expect(Number(next?.[1])).toBeLessThanOrEqual(30);
    const fetched = calls.filter((c) => c.path.startsWith('/api/events?')).length;

    act(() => FakeEventSource.last?.emit('event.created', summary(2)));
    await waitFor(() => expect(row(2)).not.toBeNull());
    const ids = [...document.querySelectorAll('[data-testid=event-row]')].map((r) => (r as HTMLElement).dataset.eventId);
    expect(ids, 'newest first').toEqual(['2', '1']);

    act(() => FakeEventSource.last?.emit('event.updated', summary(1, { state: 'delivered', attempt_count: 2, last_status: 200, updated_at: T0 + 99, next_attempt_at: null })));
    await waitFor(() => expect(row(1)?.dataset.state).toBe('delivered'));
    expect(row(1)?.textContent).toContain('200');
    expect(calls.filter((c) => c.path.startsWith('/api/events?')).length, 'the stream, not a refetch, changed the list').toBe(fetched);
  });

  it('j and k move the selection through the list, as in the Inbox', async () => {
    events = [summary(3), summary(2), summary(1)];
    renderView();
    await waitFor(() => expect(row(1)).not.toBeNull());
    fireEvent.keyDown(window, { key: 'j' });
    expect((await screen.findByTestId('event-detail')).dataset.eventId).toBe('3');
    fireEvent.keyDown(window, { key: 'j' });
    await waitFor(() => expect(screen.getByTestId('event-detail').dataset.eventId).toBe('2'));
    fireEvent.keyDown(window, { key: 'k' });
    await waitFor(() => expect(screen.getByTestId('event-detail').dataset.eventId).toBe('3'));
  });

  it('a state chip filters the list, and a live update moves an event out of it', async () => {
    renderView();
    await waitFor(() => expect(row(1)).not.toBeNull());
    fireEvent.click(screen.getByTestId('state-chip-retrying'));
    await waitFor(() => expect(calls.some((c) => c.path.includes('state=retrying'))).toBe(true));
    await waitFor(() => expect(row(1)).not.toBeNull());
    act(() => FakeEventSource.last?.emit('event.updated', summary(1, { state: 'dead', updated_at: T0 + 99 })));
    await waitFor(() => expect(row(1)).toBeNull());
  });
});

describe('the composer', () => {
  it('blocks Send while the body is not JSON and says the line and column; sends and opens the event once fixed', async () => {
    renderView();
    fireEvent.click(screen.getByTestId('outbox-tab-send'));
    const editor = (await screen.findByTestId('compose-body')).querySelector('.cm-editor') as HTMLElement;
    const view = EditorView.findFromDOM(editor);
    if (!view) throw new Error('no editor');
    act(() => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: '{\n  "id": 1\n  "type": "x"\n}' } }));
    const send = screen.getByTestId('compose-send') as HTMLButtonElement;
    await waitFor(() => expect(send.disabled).toBe(true));
    expect(screen.getByTestId('compose-body-error').textContent).toBe(`line 3, column 3: expected ',' or '}', found '"'`);
    expect(screen.getByTestId('compose-blocker').textContent).toContain('line 3, column 3');
    fireEvent.click(send);
    expect(calls.some((c) => c.method === 'POST'), 'nothing is sent').toBe(false);

    act(() => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: '{"id": 1, "type": "x"}' } }));
    await waitFor(() => expect(send.disabled).toBe(false));
    fireEvent.change(screen.getByTestId('compose-policy'), { target: { value: 'custom' } });
    fireEvent.change(screen.getByTestId('compose-policy-delays'), { target: { value: '0, 1s, 1s' } });
    fireEvent.click(send);
    await waitFor(() => expect(calls.some((c) => c.method === 'POST' && c.path === '/api/events')).toBe(true));
    const post = calls.find((c) => c.method === 'POST' && c.path === '/api/events');
    expect(post?.body).toMatchObject({ url: 'http://127.0.0.1:9000/hookbench-sender', body: '{"id": 1, "type": "x"}', policy: { schedule: { kind: 'delays', list: ['0', '1s', '1s'] } } });
    // Sent: the Events tab opens on the new event.
    const d = await screen.findByTestId('event-detail');
    expect(d.dataset.eventId).toBe('7');
  });
});

describe('the destination form', () => {
  it("starts a new destination with a fresh secret, and shows each of the engine's 422 problems next to its own field", async () => {
    renderView();
    fireEvent.click(screen.getByTestId('outbox-tab-destinations'));
    fireEvent.click(await screen.findByTestId('dest-new'));
    fireEvent.change(screen.getByTestId('dest-url'), { target: { value: 'ftp://x' } });
    fireEvent.click(screen.getByTestId('dest-save'));
    await screen.findByTestId('form-errors');
    const fieldOf = (testId: string) => screen.getByTestId(testId).closest('.field') as HTMLElement;
    expect(within(fieldOf('dest-name')).getByTestId('field-error').textContent).toBe('give the destination a name');
    expect(within(fieldOf('dest-url')).getByTestId('field-error').textContent).toBe("'ftp://x' must start with http:// or https://");
    expect(within(fieldOf('dest-secrets')).getByTestId('field-error').textContent).toBe('add the secret (or key) to sign with');
    expect(within(fieldOf('dest-method')).queryByTestId('field-error')).toBeNull();
    const post = calls.find((c) => c.method === 'POST' && c.path === '/api/destinations');
    expect(post?.body).toMatchObject({ url: 'ftp://x', signing: { scheme: { kind: 'standard_webhooks' }, secrets: [expect.stringMatching(/^whsec_[A-Za-z0-9+/]{32}$/)] }, retry: { preset: 'standard' } });
  });
});

describe('the event detail', () => {
  it('shows each attempt as sent and answered (inert text, truncation said); a timeline mark opens its attempt', async () => {
    renderView();
    await waitFor(() => expect(row(1)).not.toBeNull());
    act(() => FakeEventSource.last?.emit('event.created', summary(5, { state: 'retrying' })));
    await waitFor(() => expect(row(5)).not.toBeNull());
    fireEvent.click(row(5) as HTMLElement);
    await waitFor(() => expect(document.querySelectorAll('[data-testid=tl-attempt]')).toHaveLength(2));
    const card = (n: number) => document.querySelector(`[data-testid=attempt][data-number="${n}"]`) as HTMLDetailsElement;
    expect(card(2).open, 'the newest attempt is open').toBe(true);
    expect(card(1).open).toBe(false);
    expect(within(card(2)).getByTestId('attempt-decision').textContent).toContain('503 is retryable; attempt 3 of 5');
    expect(within(card(2)).getByTestId('attempt-request-headers').textContent).toContain('v1,sig2');
    expect(within(card(2)).getByTestId('attempt-truncated').textContent).toBe('Body truncated at 64 KiB.');
    expect(card(2).querySelector('pre')?.textContent, 'markup in a response stays text').toBe('<b>busy</b>');
    expect(card(2).querySelector('b')).toBeNull();
    fireEvent.click(document.querySelector('[data-testid=tl-attempt][data-number="1"]') as Element);
    await waitFor(() => expect(card(1).open).toBe(true));
  });
});
