import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Api } from '../../api/client';
import { ApiContext, applyToCache } from '../../api/queries';
import type { Capture, CaptureSummary } from '../../api/types';
import { ToastProvider } from '../../components/Toast';
import { Inbox } from './Inbox';
import { HeadersTable } from './CaptureDetail';
import { BodyView } from './BodyView';

const XSS_IMG = '<img src=x onerror="window.__xss=1">';
const XSS_SCRIPT = '<script>window.__xss=1</script>';

function summary(id: number, over: Partial<CaptureSummary> = {}): CaptureSummary {
  return {
    id,
    received_at: new Date().toISOString(),
    method: 'POST',
    path: `/hooks/${id}`,
    query: null,
    content_type: 'application/json',
    body_size: 17,
    body_stored: true,
    response_status: 200,
    remote_addr: '127.0.0.1:5000',
    endpoint_id: 1,
    verdict_valid: null,
    duplicate_of: null,
    duplicate_count: 0,
    ...over,
  };
}

function fakeApi(items: CaptureSummary[], details: Record<number, Capture> = {}): Api {
  return {
    listCaptures: async () => ({ items, next_cursor: null, total: items.length }),
    capture: async (id: number) => details[id],
    endpoints: async () => [],
    deleteCapture: async () => {},
  } as unknown as Api;
}

function renderInbox(api: Api, selectedId: number | null = null) {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  let selected = selectedId;
  const utils = render(
    <QueryClientProvider client={qc}>
      <ApiContext.Provider value={api}>
        <ToastProvider>
          <Inbox receiverUrl="http://127.0.0.1:9000" active selectedId={selected} setSelectedId={(id) => (selected = id)} />
        </ToastProvider>
      </ApiContext.Provider>
    </QueryClientProvider>,
  );
  return { qc, utils, selected: () => selected };
}

beforeAll(() => {
  // jsdom lays nothing out; give the list's scroll box a size so the virtualizer renders rows.
  for (const [prop, v] of [['offsetHeight', 600], ['offsetWidth', 800], ['clientHeight', 600], ['clientWidth', 800]] as const) {
    Object.defineProperty(HTMLElement.prototype, prop, { configurable: true, get: () => v });
  }
  HTMLElement.prototype.getBoundingClientRect = function () {
    return { x: 0, y: 0, top: 0, left: 0, bottom: 600, right: 800, width: 800, height: 600, toJSON: () => ({}) };
  };
});

describe('the Inbox', () => {
  it('shows the empty state with a curl line for the real receiver', async () => {
    renderInbox(fakeApi([]));
    const line = await screen.findByTestId('first-curl');
    expect(line.textContent).toBe(
      `curl -X POST 'http://127.0.0.1:9000/webhooks/test' -H 'Content-Type: application/json' -d '{"hello":"world"}'`,
    );
  });

  it('renders a row per capture, newest first, with verdict and duplicate badges', async () => {
    renderInbox(
      fakeApi([
        summary(3, { path: '/stripe', query: 'a=1', verdict_valid: false, duplicate_of: 1 }),
        summary(2, { method: 'GET', verdict_valid: true }),
        summary(1, { duplicate_count: 2 }),
      ]),
    );
    const rows = await screen.findAllByTestId('capture-row');
    expect(rows.map((r) => r.getAttribute('data-capture-id'))).toEqual(['3', '2', '1']);
    expect(rows[0].textContent).toContain('/stripe?a=1');
    expect(rows[0].querySelector('[data-testid=verdict-invalid]')).not.toBeNull();
    expect(rows[0].querySelector('[data-testid=dup-badge]')).not.toBeNull();
    expect(rows[1].querySelector('[data-testid=verdict-valid]')).not.toBeNull();
    expect(rows[2].querySelector('[data-testid=dup-count]')?.textContent).toBe('×3');
  });

  it('puts a live capture on top without a refetch', async () => {
    const { qc } = renderInbox(fakeApi([summary(1)]));
    await screen.findAllByTestId('capture-row');
    act(() => applyToCache(qc, { type: 'capture.created', capture: summary(2, { path: '/live' }) }));
    await waitFor(() => expect(screen.getAllByTestId('capture-row')[0].textContent).toContain('/live'));
    expect(screen.getAllByTestId('capture-row')).toHaveLength(2);
  });

  it('j and k move the selection', async () => {
    const { selected } = renderInbox(fakeApi([summary(2), summary(1)]));
    await screen.findAllByTestId('capture-row');
    fireEvent.keyDown(window, { key: 'j' });
    await waitFor(() => expect(selected()).toBe(2));
  });

  it('renders captured markup in a path as text', async () => {
    renderInbox(fakeApi([summary(1, { path: `/x/${XSS_IMG}`, query: XSS_SCRIPT })]));
    const row = await screen.findByTestId('capture-row');
    expect(row.textContent).toContain(XSS_IMG);
    expect(row.querySelector('img, script')).toBeNull();
  });
});

describe('captured values are inert text', () => {
  it('headers', () => {
    const { container } = render(
      <HeadersTable headers={[{ name: 'X-Evil', value: XSS_IMG }, { name: XSS_SCRIPT, value: 'v' }]} />,
    );
    expect(container.textContent).toContain(XSS_IMG);
    expect(container.textContent).toContain(XSS_SCRIPT);
    expect(container.querySelector('img, script')).toBeNull();
  });
  it('bodies in the Pretty, form and Raw views', () => {
    const json = new TextEncoder().encode(JSON.stringify({ [XSS_SCRIPT]: XSS_IMG }));
    const a = render(<BodyView bytes={json} contentType="application/json" stored size={json.length} />);
    expect(a.container.textContent).toContain(XSS_IMG.replace(/"/g, '\\"'));
    expect(a.container.querySelector('img, script')).toBeNull();
    const form = new TextEncoder().encode(`a=${encodeURIComponent(XSS_IMG)}`);
    const b = render(<BodyView bytes={form} contentType="application/x-www-form-urlencoded" stored size={form.length} />);
    expect(b.container.textContent).toContain(XSS_IMG);
    expect(b.container.querySelector('img, script')).toBeNull();
  });
});
