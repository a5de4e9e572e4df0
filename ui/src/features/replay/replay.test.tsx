import { act, fireEvent, render, screen } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Api } from '../../api/client';
import { ApiContext } from '../../api/queries';
import { applyReplayEvent, fieldErrors, fileNameOf, ReplayApi, replayKeys, useReplayLive, type Batch } from '../../api/replay';
import type { Capture, CaptureSummary } from '../../api/types';
import { CaptureRow } from '../inbox/CaptureList';
import { captureSelection, SelectionBar } from './selection';
import { ToastProvider } from '../../components/Toast';
import { NavContext, type Nav } from '../../nav';
import { buildBatchInput, buildExportInput, buildSource, EMPTY_SOURCE, parseIds, progressOf } from './bulk';
import { buildEdit, diffRequest, draftFrom, localProblems, placeErrors, type OriginalRequest } from './edit';
import { ReplayAction } from './ReplayAction';
import { ReplayDialog } from './ReplayDialog';
import { ReplayEditor, RequestDiffView } from './ReplayEditor';
import { LiveBatch } from './ReplaysView';

const b64 = (s: string) => btoa(s);

const ORIGINAL: OriginalRequest = {
  method: 'POST',
  url: 'http://127.0.0.1:9000/hooks',
  headers: [
    { name: 'Host', value: '127.0.0.1:9000' },
    { name: 'Content-Type', value: 'application/json' },
    { name: 'Stripe-Signature', value: 't=1,v1=abc' },
    { name: 'Content-Length', value: '27' },
  ],
  bodyBase64: b64('{"order":"A-1","amount":10}'),
};

/** A fake EventSource: every instance is kept, and a test emits named events on it. */
class FakeEventSource {
  static all: FakeEventSource[] = [];
  static readonly CLOSED = 2;
  readyState = 1;
  onerror: (() => void) | null = null;
  private listeners = new Map<string, ((e: MessageEvent) => void)[]>();
  constructor(readonly url: string) {
    FakeEventSource.all.push(this);
  }
  addEventListener(type: string, f: (e: MessageEvent) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), f]);
  }
  emit(type: string, data: unknown) {
    for (const f of this.listeners.get(type) ?? []) f(new MessageEvent(type, { data: JSON.stringify(data) }));
  }
  close() {
    this.readyState = 2;
  }
}

type Call = { method: string; path: string; body: unknown };

function fakeEngine(routes: Record<string, (body: unknown) => { status?: number; json: unknown }>) {
  const calls: Call[] = [];
  vi.stubGlobal('fetch', async (url: string, init: RequestInit = {}) => {
    const path = url.replace('http://api', '');
    const method = init.method ?? 'GET';
    const body = typeof init.body === 'string' ? JSON.parse(init.body) : undefined;
    calls.push({ method, path, body });
    const route = routes[`${method} ${path.split('?')[0]}`];
    const out = route ? route(body) : { status: 404, json: { code: 'not_found', message: 'no route' } };
    return new Response(JSON.stringify(out.json), { status: out.status ?? 200, headers: { 'Content-Type': 'application/json' } });
  });
  return calls;
}

function wrap(ui: ReactNode, qc = new QueryClient({ defaultOptions: { queries: { retry: false } } })) {
  const api = new Api({ apiUrl: 'http://api', token: 't', receiverUrl: null, desktop: false });
  const nav = { view: 'inbox', go: () => {}, openWorkbench: () => {}, newEndpoint: () => {}, selectCapture: () => {} } as Nav;
  return render(
    <QueryClientProvider client={qc}>
      <ApiContext.Provider value={api}>
        <NavContext.Provider value={nav}>
          <ToastProvider apiRef={{ current: null }}>{ui}</ToastProvider>
        </NavContext.Provider>
      </ApiContext.Provider>
    </QueryClientProvider>,
  );
}

beforeEach(() => {
  FakeEventSource.all = [];
  vi.stubGlobal('EventSource', FakeEventSource);
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('edit before replay', () => {
  it('sends only what changed, so an untouched replay stays byte-exact', () => {
    const d = draftFrom(ORIGINAL);
    expect(d.headers.map((h) => h.name), 'connection headers are not offered').toEqual(['Content-Type', 'Stripe-Signature']);
    expect(buildEdit(ORIGINAL, d), 'nothing changed: no edit at all').toBeUndefined();
    expect(buildEdit(ORIGINAL, { ...d, method: 'put' })).toEqual({ method: 'put' });
    expect(buildEdit(ORIGINAL, { ...d, body: '{"order":"A-1","amount":25}' })).toEqual({ body: '{"order":"A-1","amount":25}' });
    const headers = [...d.headers.slice(0, 1), { name: 'X-New', value: '1' }];
    expect(buildEdit(ORIGINAL, { ...d, headers })).toEqual({
      headers: [
        { name: 'Content-Type', value: 'application/json' },
        { name: 'X-New', value: '1' },
      ],
    });
    expect(buildEdit(ORIGINAL, { ...d, url: 'http://x/y' }), 'the URL only counts for a resend').toBeUndefined();
    expect(buildEdit(ORIGINAL, { ...d, url: 'http://x/y' }, { withUrl: true })).toEqual({ url: 'http://x/y' });
  });

  it('checks a JSON body before sending and points at the line and column', () => {
    const d = { ...draftFrom(ORIGINAL), body: '{\n  "a": 1,\n}' };
    expect(localProblems(ORIGINAL, d)['edit.body']).toMatch(/^not valid JSON at line 3 column 1: a trailing comma/);
    expect(localProblems(ORIGINAL, { ...d, allowInvalidJson: true }), 'unless asked to send it anyway').toEqual({});
    const text = { ...ORIGINAL, headers: [{ name: 'Content-Type', value: 'text/plain' }] };
    expect(localProblems(text, { ...draftFrom(text), body: 'not json' }), 'a text body is not JSON').toEqual({});
    expect(localProblems(ORIGINAL, { ...draftFrom(ORIGINAL), headers: [{ name: 'Bad Name', value: 'x' }] })).toEqual({
      'edit.headers[0].name': "'Bad Name' is not a header name",
    });
  });

  it("places the engine's 422 next to the fields it names", () => {
    const message =
      "edit.body: not valid JSON at line 2 column 12: expected `,` or `}` (set allow_invalid_json to send it anyway); edit.url: 'ftp://x' is not an http(s) URL; edit.headers[1].name: 'a b' is not a header name; mode: a replay as received keeps its signature; something else";
    expect(Object.keys(fieldErrors(message))).toEqual(['edit.body', 'edit.url', 'edit.headers[1].name', 'mode', '']);
    const placed = placeErrors(message);
    expect(placed.body).toMatch(/^not valid JSON at line 2 column 12/);
    expect(placed.url).toBe("'ftp://x' is not an http(s) URL");
    expect(placed.headers).toEqual({ 1: "'a b' is not a header name" });
    expect(placed.target).toBe('mode: a replay as received keeps its signature');
    expect(placed.other).toBe('something else');
  });

  it('diffs the edited request against the original, pretty-printing a one-line JSON body', () => {
    const d = draftFrom(ORIGINAL);
    const diff = diffRequest(ORIGINAL, { ...d, method: 'PUT', body: '{"order":"A-1","amount":25}' });
    expect(diff.changed).toBe(true);
    expect(diff.request.filter((l) => l.op !== 'same').map((l) => `${l.op} ${l.text}`)).toEqual([
      'removed POST http://127.0.0.1:9000/hooks',
      'added PUT http://127.0.0.1:9000/hooks',
    ]);
    expect(diff.body.filter((l) => l.op !== 'same')).toEqual([
      { op: 'removed', text: '  "amount": 10' },
      { op: 'added', text: '  "amount": 25' },
    ]);
    const reformatted = diffRequest(ORIGINAL, { ...d, body: '{ "order": "A-1", "amount": 10 }' });
    expect(reformatted.bodyFormattingOnly, 'same JSON value, other bytes').toBe(true);
    expect(diffRequest(ORIGINAL, d).changed).toBe(false);
  });

  it('shows the diff before sending', () => {
    const d = draftFrom(ORIGINAL);
    wrap(<RequestDiffView original={ORIGINAL} draft={{ ...d, body: '{"order":"A-1","amount":25}' }} />);
    expect(screen.getByTestId('replay-diff').dataset.changed).toBe('true');
    const body = screen.getByTestId('replay-diff-body');
    expect(body.querySelector('[data-op=removed]')?.textContent).toBe('-   "amount": 10');
    expect(body.querySelector('[data-op=added]')?.textContent).toBe('+   "amount": 25');
  });
});

const CAPTURE = {
  id: 7,
  received_at: '2026-11-29T10:00:00.000Z',
  method: 'POST',
  path: '/first/orders',
  query: null,
  content_type: 'application/json',
  body_size: 27,
  body_stored: true,
  response_status: 200,
  remote_addr: '127.0.0.1:5000',
  endpoint_id: 1,
  verdict_valid: null,
  duplicate_of: null,
  duplicate_count: 0,
  url: 'http://127.0.0.1:9000/first/orders',
  http_version: 'HTTP/1.1',
  headers: ORIGINAL.headers,
  body_base64: ORIGINAL.bodyBase64,
} as unknown as Capture;

describe('the Replay dialog', () => {
  it('prefills the receiver URL with the path, sends the edit, and shows a 422 next to the header it names', async () => {
    const calls = fakeEngine({
      'GET /api/destinations': () => ({ json: [] }),
      'GET /api/schemes': () => ({ json: [] }),
      'POST /api/captures/7/replay': () => ({
        status: 422,
        json: { code: 'invalid_input', message: "edit.headers[0].value: a header value cannot contain a line break or NUL; url: not reachable" },
      }),
    });
    wrap(<ReplayDialog capture={CAPTURE} receiverUrl="http://127.0.0.1:9000/" onClose={() => {}} />);
    const url = screen.getByTestId('replay-url') as HTMLInputElement;
    expect(url.value).toBe('http://127.0.0.1:9000/first/orders');
    fireEvent.change(url, { target: { value: 'http://127.0.0.1:9000/second/orders' } });
    fireEvent.click(screen.getByTestId('replay-edit-toggle'));
    const values = screen.getAllByTestId('replay-header-value') as HTMLInputElement[];
    fireEvent.change(values[0], { target: { value: 'application/vnd.api+json' } });
    expect(screen.getByTestId('replay-diff-headers').textContent).toContain('+ Content-Type: application/vnd.api+json');
    fireEvent.click(screen.getByTestId('replay-send'));
    const error = await screen.findByTestId('replay-header-error');
    expect(error.textContent).toBe('a header value cannot contain a line break or NUL');
    expect(screen.getByTestId('replay-target-error').textContent).toBe('url: not reachable');
    const sent = calls.find((c) => c.path === '/api/captures/7/replay');
    expect(sent?.body).toEqual({
      url: 'http://127.0.0.1:9000/second/orders',
      mode: 'as_received',
      edit: {
        headers: [
          { name: 'Content-Type', value: 'application/vnd.api+json' },
          { name: 'Stripe-Signature', value: 't=1,v1=abc' },
        ],
      },
    });
  });

  it('a re-signed replay starts without the old signature headers, and an edit never sends them back', async () => {
    const calls = fakeEngine({
      'GET /api/destinations': () => ({ json: [] }),
      'GET /api/schemes': () => ({ json: [{ id: 'stripe', label: 'Stripe', scheme: { kind: 'stripe' } }] }),
      'POST /api/captures/7/replay': () => ({ status: 201, json: { id: 50, state: 'pending' } }),
      'GET /api/events/50': () => ({ status: 404, json: { code: 'not_found', message: 'gone' } }),
    });
    wrap(<ReplayDialog capture={CAPTURE} receiverUrl="http://127.0.0.1:9000" onClose={() => {}} />);
    fireEvent.click(screen.getByTestId('replay-edit-toggle'));
    const names = () => (screen.getAllByTestId('replay-header-name') as HTMLInputElement[]).map((i) => i.value);
    expect(names()).toEqual(['Content-Type', 'Stripe-Signature']);
    fireEvent.click(screen.getByTestId('replay-mode-resigned'));
    expect(names(), 'the old signature is not offered').toEqual(['Content-Type']);
    fireEvent.click(screen.getByTestId('replay-add-header'));
    const rows = screen.getAllByTestId('replay-header-name');
    fireEvent.change(rows[1], { target: { value: 'X-Extra' } });
    fireEvent.change(screen.getAllByTestId('replay-header-value')[1], { target: { value: '1' } });
    await screen.findByRole('option', { name: 'Stripe' });
    fireEvent.change(screen.getByTestId('replay-scheme'), { target: { value: 'stripe' } });
    fireEvent.change(screen.getByTestId('replay-secret'), { target: { value: 'whsec_x' } });
    fireEvent.click(screen.getByTestId('replay-send'));
    await screen.findByTestId('replay-result');
    expect(calls.find((c) => c.path === '/api/captures/7/replay')?.body).toEqual({
      url: 'http://127.0.0.1:9000/first/orders',
      mode: 'resigned',
      scheme: 'stripe',
      secret: 'whsec_x',
      edit: {
        headers: [
          { name: 'Content-Type', value: 'application/json' },
          { name: 'X-Extra', value: '1' },
        ],
      },
    });
  });

  it('refuses a re-signed replay to a URL without a scheme and secret before asking the engine', async () => {
    const calls = fakeEngine({ 'GET /api/destinations': () => ({ json: [] }), 'GET /api/schemes': () => ({ json: [] }) });
    wrap(<ReplayDialog capture={CAPTURE} receiverUrl="http://127.0.0.1:9000" onClose={() => {}} />);
    fireEvent.click(screen.getByTestId('replay-mode-resigned'));
    fireEvent.click(screen.getByTestId('replay-send'));
    expect((await screen.findByTestId('replay-target-error')).textContent).toContain('re-signed replay needs');
    expect(calls.some((c) => c.method === 'POST')).toBe(false);
  });
});

/** Emits on the stream and lets the query cache tell its observers (it notifies on a timer). */
async function emit(es: FakeEventSource, type: string, data: unknown) {
  await act(async () => {
    es.emit(type, data);
    await new Promise((r) => setTimeout(r, 5));
  });
}

function batch(over: Partial<Batch>): Batch {
  return {
    id: 3,
    kind: 'captures',
    state: 'running',
    total: 20,
    done: 0,
    skipped: 0,
    last_error: null,
    rate_per_sec: 10,
    counts: { in_progress: 0, delivered: 0, dead: 0, cancelled: 0 },
    created_at: 1,
    updated_at: 1,
    input: { source: { kind: 'captures', q: '/batch/' }, to: { url: 'http://127.0.0.1:9000/copies' } },
    ...over,
  };
}

describe('bulk replay progress', () => {
  it('follows batch.updated from the stream: the bar, the counts, then the summary', async () => {
    fakeEngine({ 'GET /api/replays/3': () => ({ json: batch({}) }) });
    const { container } = wrap(
      <>
        <LiveBatch id={3} />
        <StreamOpener />
      </>,
    );
    await screen.findByTestId('batch');
    const es = FakeEventSource.all[0];
    await emit(es, 'batch.updated', batch({ done: 8, updated_at: 2, counts: { in_progress: 3, delivered: 5, dead: 0, cancelled: 0 } }));
    expect(screen.getByTestId('batch-done').textContent).toBe('8 / 20');
    expect(screen.getByTestId('batch-progress').getAttribute('aria-valuenow')).toBe('8');
    expect((container.querySelector('.progress-bar') as HTMLElement).style.width).toBe('40%');
    expect(screen.getByTestId('batch-delivered').textContent).toBe('5 delivered');
    expect(screen.getByTestId('batch-in-progress').textContent).toBe('3 in progress');
    expect(screen.getByTestId('batch').dataset.finished).toBe('false');
    await emit(es, 'batch.updated', batch({ done: 4, updated_at: 1 }));
    expect(screen.getByTestId('batch-done').textContent, 'an older update arriving late is ignored').toBe('8 / 20');
    await emit(es, 'batch.updated', batch({ state: 'done', done: 20, skipped: 1, updated_at: 3, counts: { in_progress: 0, delivered: 18, dead: 1, cancelled: 0 } }));
    expect(screen.getByTestId('batch').dataset.finished).toBe('true');
    expect(screen.getByTestId('batch-summary').textContent).toBe('Finished: 20 items — 18 delivered, 1 dead, 1 skipped');
  });

  it('words each state', () => {
    expect(progressOf(batch({ state: 'paused', done: 4 })).summary).toBe('Paused at 4 of 20 — 0 delivered');
    expect(progressOf(batch({ state: 'done', done: 20, counts: { in_progress: 2, delivered: 18, dead: 0, cancelled: 0 } })).summary).toBe(
      'All 20 enqueued, waiting for deliveries — 18 delivered, 2 in progress',
    );
    expect(progressOf(batch({ state: 'cancelled', done: 7, counts: { in_progress: 0, delivered: 7, dead: 0, cancelled: 0 } })).finished).toBe(true);
  });
});

/** The Replays view's live hook, alone. */
function StreamOpener() {
  useReplayLive();
  return null;
}

describe('export and bulk requests from the filter', () => {
  it('builds the export body from the filter, redacted by default', () => {
    const form = { ...EMPTY_SOURCE, endpoint: '2', verdict: 'invalid' as const, method: 'POST', q: ' /orders ', since: '2026-11-29T10:00' };
    const since = new Date('2026-11-29T10:00').getTime();
    expect(buildExportInput(form, 'har', true)).toEqual({
      format: 'har',
      redact: true,
      source: { kind: 'captures', endpoint: 2, method: 'POST', verdict: 'invalid', q: '/orders', since },
    });
    expect(buildExportInput(form, 'curl', true, 'x-internal-*, x-b')).toMatchObject({ redact_headers: ['x-internal-*', 'x-b'] });
    expect(buildExportInput({ ...form, ids: '4, 6-8' }, 'jsonl', false)).toEqual({
      format: 'jsonl',
      redact: false,
      source: { kind: 'captures', ids: [4, 6, 7, 8] },
    });
    expect(buildSource({ ...EMPTY_SOURCE, kind: 'events', state: 'dead', destination: '3' })).toEqual({ kind: 'events', state: 'dead', destination: 3 });
    expect(parseIds('1, x')).toEqual({ error: "'x' is not an id" });
  });

  it('builds a bulk replay: captures need a target, events go back to their own', () => {
    const target = { kind: 'url' as const, url: 'http://127.0.0.1:9000/copies', destination: '', mode: 'as_received' as const, rate: '25' };
    expect(buildBatchInput({ ...EMPTY_SOURCE, q: 'batch' }, target)).toEqual({
      source: { kind: 'captures', q: 'batch' },
      rate_per_sec: 25,
      to: { url: 'http://127.0.0.1:9000/copies' },
      mode: 'as_received',
    });
    expect(buildBatchInput({ ...EMPTY_SOURCE, kind: 'events' }, target)).toEqual({ source: { kind: 'events', state: 'dead' }, rate_per_sec: 25 });
    expect(buildBatchInput(EMPTY_SOURCE, { ...target, url: 'ftp://x' })).toEqual({ error: 'to: give an http:// or https:// URL' });
    expect(buildBatchInput(EMPTY_SOURCE, { ...target, rate: '0' })).toMatchObject({ error: expect.stringContaining('rate') });
  });

  it('posts the export and reads the file name and record count from the answer', async () => {
    const calls: { path: string; body: unknown }[] = [];
    vi.stubGlobal('fetch', async (url: string, init: RequestInit = {}) => {
      calls.push({ path: url, body: JSON.parse(init.body as string) });
      return new Response('{"log":{}}', {
        status: 200,
        headers: { 'content-disposition': 'attachment; filename="hookbench-captures.har"', 'x-hookbench-records': '12' },
      });
    });
    const r = new ReplayApi({ conn: { apiUrl: 'http://api', token: 't', receiverUrl: null, desktop: false } });
    const input = buildExportInput({ ...EMPTY_SOURCE, verdict: 'valid' }, 'har', true);
    if ('error' in input) throw new Error(input.error);
    const file = await r.exportFile(input);
    expect(calls[0]).toEqual({ path: 'http://api/api/export', body: { format: 'har', redact: true, source: { kind: 'captures', verdict: 'valid' } } });
    expect(file.fileName).toBe('hookbench-captures.har');
    expect(file.records).toBe(12);
    expect(await file.blob.text()).toBe('{"log":{}}');
    expect(fileNameOf(null, 'fallback.har')).toBe('fallback.har');
  });
});

describe('live cache', () => {
  it('asks for a batch again when one of its events finishes (counts move after the last batch.updated)', async () => {
    vi.useFakeTimers();
    try {
      const qc = new QueryClient();
      qc.setQueryData(replayKeys.batch(3), batch({ state: 'done', done: 20 }));
      const spy = vi.spyOn(qc, 'invalidateQueries');
      const ev = { id: 40, batch_id: 3, state: 'delivered' } as never;
      for (let i = 0; i < 5; i++) applyReplayEvent(qc, { type: 'event.updated', event: ev });
      vi.advanceTimersByTime(300);
      const asked = spy.mock.calls.filter((c) => JSON.stringify(c[0]?.queryKey) === JSON.stringify(replayKeys.batch(3)));
      expect(asked, 'five events, one refetch').toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });
});


describe('the Inbox selection', () => {
  it('a row checkbox selects without opening the capture, and the bar counts the selection', async () => {
    captureSelection.clear();
    const onSelect = vi.fn();
    const c = CAPTURE as unknown as CaptureSummary;
    wrap(
      <>
        <CaptureRow c={c} selected={false} now={Date.now()} onSelect={onSelect} />
        <CaptureRow c={{ ...c, id: 9 }} selected={false} now={Date.now()} onSelect={onSelect} />
        <SelectionBar />
      </>,
    );
    expect(screen.queryByTestId('selection-bar')).toBeNull();
    const boxes = screen.getAllByTestId('capture-select');
    fireEvent.click(boxes[1]);
    fireEvent.click(boxes[0]);
    expect(onSelect, 'the checkbox is not a click on the row').not.toHaveBeenCalled();
    expect(captureSelection.get()).toEqual([7, 9]);
    expect(screen.getByTestId('selection-bar').textContent).toContain('2 selected');
    fireEvent.click(boxes[1]);
    expect(captureSelection.get()).toEqual([7]);
    await act(async () => captureSelection.clear());
    expect(screen.queryByTestId('selection-bar')).toBeNull();
  });
});

describe('ReplayEditor', () => {
  it('formats a one-line JSON body on request, and the diff says only the formatting changed', () => {
    function Harness() {
      const [d, setD] = useState(() => draftFrom(ORIGINAL));
      return <ReplayEditor original={ORIGINAL} draft={d} onChange={setD} errors={{ headers: {} }} />;
    }
    wrap(<Harness />);
    expect(screen.getByTestId('replay-diff-none')).toBeTruthy();
    fireEvent.click(screen.getByTestId('replay-format'));
    expect(screen.getByTestId('replay-body').textContent).toContain('"amount": 10');
    expect(screen.getByTestId('replay-diff-body-format').textContent).toContain('only its formatting changed');
  });

  it('shows the placed errors next to the method, a header row and the body', () => {
    const errors = placeErrors("edit.method: 'GE T' is not an HTTP method; edit.headers[1].name: 'a b' is not a header name; edit.body: not valid JSON at line 1 column 5: x");
    wrap(<ReplayEditor original={ORIGINAL} draft={draftFrom(ORIGINAL)} onChange={() => {}} errors={errors} />);
    expect(screen.getByTestId('replay-method-error').textContent).toBe("'GE T' is not an HTTP method");
    const rows = screen.getAllByTestId('replay-header-row');
    expect(rows[1].querySelector('[data-testid=replay-header-error]')?.textContent).toBe("'a b' is not a header name");
    expect(rows[0].querySelector('[data-testid=replay-header-error]')).toBeNull();
    expect(screen.getByTestId('replay-body-problem').textContent).toBe('not valid JSON at line 1 column 5: x');
  });
});

describe('the Replay sheet', () => {
  it("keeps its keys from the Inbox's shortcuts, and Escape closes it", async () => {
    fakeEngine({ 'GET /api/destinations': () => ({ json: [] }), 'GET /api/schemes': () => ({ json: [] }) });
    const onWindowKey = vi.fn();
    window.addEventListener('keydown', onWindowKey);
    try {
      wrap(<ReplayAction capture={CAPTURE} receiverUrl="http://127.0.0.1:9000" />);
      fireEvent.click(screen.getByTestId('replay-capture'));
      const send = await screen.findByTestId('replay-send');
      fireEvent.keyDown(send, { key: 'Delete' });
      expect(onWindowKey, 'Delete in the sheet does not reach the Inbox').not.toHaveBeenCalled();
      fireEvent.keyDown(send, { key: 'Escape' });
      expect(screen.queryByTestId('replay-dialog')).toBeNull();
    } finally {
      window.removeEventListener('keydown', onWindowKey);
    }
  });
});
