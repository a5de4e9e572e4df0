import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { captureListQuery, type Api } from '../../api/client';
import { ApiContext } from '../../api/queries';
import type { CaptureFilter, CaptureSummary } from '../../api/types';
import { PlatformContext } from '../../components/platformContext';
import { ToastProvider } from '../../components/Toast';
import { NavContext, type Nav } from '../../nav';
import {
  EMPTY_FILTERS,
  fromCaptureFilter,
  highlightParts,
  loadSavedFilters,
  parseSaved,
  searchTerms,
  storeSavedFilters,
  toCaptureFilter,
  withSaved,
} from './filters';

// The desktop's store, in memory: what filters.json holds after save().
const disk = new Map<string, unknown>();
const files: string[] = [];
vi.mock('@tauri-apps/plugin-store', () => ({
  load: async (path: string) => {
    files.push(path);
    const pending = new Map<string, unknown>();
    return {
      get: async (k: string) => (pending.has(k) ? pending.get(k) : disk.get(k)),
      set: async (k: string, v: unknown) => void pending.set(k, structuredClone(v)),
      save: async () => {
        for (const [k, v] of pending) disk.set(k, v);
      },
    };
  },
}));

const { Inbox } = await import('../inbox/Inbox');

const NOW = Date.parse('2026-11-29T12:00:00Z');

beforeEach(() => {
  disk.clear();
  files.length = 0;
  localStorage.clear();
});

describe('the filter set', () => {
  it('becomes the query of GET /api/captures, full-text search included', () => {
    const f = toCaptureFilter(
      { ...EMPTY_FILTERS, search: '  invoice "paid in full" ', method: 'POST', status: '503', endpoint: '2', verdict: 'invalid', duplicate: 'false', range: '1h' },
      NOW,
    );
    const q = new URLSearchParams(captureListQuery(f, undefined, 50));
    expect(Object.fromEntries(q)).toEqual({
      limit: '50',
      search: 'invoice "paid in full"',
      method: 'POST',
      status: '503',
      endpoint: '2',
      verdict: 'invalid',
      duplicate: 'false',
      since: String(NOW - 3_600_000),
    });
  });

  it('takes a custom range from local date-times, and skips a status that is not a number', () => {
    const f = toCaptureFilter({ ...EMPTY_FILTERS, range: 'custom', from: '2026-11-29T10:00', to: '', status: '5xx' }, NOW);
    expect(f).toEqual({ since: new Date('2026-11-29T10:00').getTime() });
    expect(toCaptureFilter(EMPTY_FILTERS, NOW)).toEqual({});
  });

  it('shows an API filter (from an alert) as a set', () => {
    const c: CaptureFilter = { endpoint: 2, verdict: 'invalid' };
    expect(toCaptureFilter(fromCaptureFilter(c), NOW)).toEqual(c);
  });

  it('reads search words as the engine does (phrases whole) and marks them in text, case-insensitively', () => {
    expect(searchTerms('Invoice "paid in full" x')).toEqual(['invoice', 'paid in full', 'x']);
    expect(searchTerms('   ')).toEqual([]);
    expect(highlightParts('/hooks/Invoice/paid', ['invoice', 'pa'])).toEqual([
      { text: '/hooks/', hit: false },
      { text: 'Invoice', hit: true },
      { text: '/', hit: false },
      { text: 'pa', hit: true },
      { text: 'id', hit: false },
    ]);
    // Overlapping matches merge into one mark.
    expect(highlightParts('abcd', ['abc', 'bcd'])).toEqual([{ text: 'abcd', hit: true }]);
  });
});

describe('saved filters', () => {
  const billing = { name: 'Billing failures', filters: { ...EMPTY_FILTERS, search: 'invoice', status: '500', range: '24h' as const } };

  it('round-trip through localStorage in a browser', async () => {
    await storeSavedFilters(false, withSaved([], billing));
    expect(JSON.parse(localStorage.getItem('hookbench.savedFilters') ?? 'null')).toHaveLength(1);
    expect(await loadSavedFilters(false)).toEqual([billing]);
    expect(files).toEqual([]); // no Tauri in a browser
  });

  it("round-trip through the desktop's store file", async () => {
    await storeSavedFilters(true, [billing]);
    expect(files).toContain('filters.json');
    expect(await loadSavedFilters(true)).toEqual([billing]);
    expect(localStorage.getItem('hookbench.savedFilters')).toBeNull();
  });

  it('replace one of the same name, and drop what a hand-edited file got wrong', () => {
    const again = withSaved([billing], { name: 'Billing failures', filters: EMPTY_FILTERS });
    expect(again).toEqual([{ name: 'Billing failures', filters: EMPTY_FILTERS }]);
    expect(
      parseSaved([{ name: 'x', filters: { verdict: 'maybe', search: 7, method: 'GET' } }, { name: '', filters: {} }, 'junk']),
    ).toEqual([{ name: 'x', filters: { ...EMPTY_FILTERS, method: 'GET' } }]);
    expect(parseSaved({ not: 'a list' })).toEqual([]);
  });
});

function summary(id: number, path: string): CaptureSummary {
  return {
    id,
    received_at: new Date().toISOString(),
    method: 'POST',
    path,
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
  };
}

describe('the search box in the Inbox', () => {
  beforeEach(() => {
    for (const [prop, v] of [['offsetHeight', 600], ['offsetWidth', 800], ['clientHeight', 600], ['clientWidth', 800]] as const) {
      Object.defineProperty(HTMLElement.prototype, prop, { configurable: true, get: () => v });
    }
  });

  function renderInbox(nav: Partial<Nav> = {}) {
    const asked: CaptureFilter[] = [];
    const api = {
      conn: { apiUrl: 'http://engine', token: 't', receiverUrl: null, desktop: false },
      listCaptures: async (f: CaptureFilter) => {
        asked.push(f);
        const items = f.search ? [summary(2, '/hooks/invoice')] : [summary(2, '/hooks/invoice'), summary(1, '/other')];
        return { items, next_cursor: null, total: items.length };
      },
      endpoints: async () => [],
    } as unknown as Api;
    const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    const full: Nav = { view: 'inbox', go: () => {}, openWorkbench: () => {}, newEndpoint: () => {}, selectCapture: () => {}, ...nav };
    render(
      <PlatformContext.Provider value={{ desktop: false }}>
        <QueryClientProvider client={qc}>
          <ApiContext.Provider value={api}>
            <NavContext.Provider value={full}>
              <ToastProvider>
                <Inbox receiverUrl="http://127.0.0.1:9000" active selectedId={null} setSelectedId={() => {}} />
              </ToastProvider>
            </NavContext.Provider>
          </ApiContext.Provider>
        </QueryClientProvider>
      </PlatformContext.Provider>,
    );
    return { asked };
  }

  it('asks the engine once typing pauses, with the other filters, and marks the words in the rows', async () => {
    const { asked } = renderInbox();
    await screen.findAllByTestId('capture-row');
    fireEvent.change(screen.getByTestId('filter-method'), { target: { value: 'POST' } });
    const box = screen.getByTestId('filter-search');
    fireEvent.change(box, { target: { value: 'inv' } });
    fireEvent.change(box, { target: { value: 'invoice' } });
    await waitFor(() => expect(asked.some((f) => f.search === 'invoice')).toBe(true));
    // Debounced: the half-typed word was never asked for.
    expect(asked.some((f) => f.search === 'inv')).toBe(false);
    expect(asked.find((f) => f.search === 'invoice')).toEqual({ search: 'invoice', method: 'POST' });
    await waitFor(() => expect(screen.getAllByTestId('capture-row')).toHaveLength(1));
    expect(screen.getByTestId('capture-row').querySelector('mark.hit')?.textContent).toBe('invoice');
  });

  it('saves the filters under a name and puts them back from the list', async () => {
    const { asked } = renderInbox();
    await screen.findAllByTestId('capture-row');
    fireEvent.change(screen.getByTestId('filter-search'), { target: { value: 'invoice' } });
    fireEvent.keyDown(screen.getByTestId('filter-search'), { key: 'Enter' });
    fireEvent.click(screen.getByTestId('saved-save'));
    fireEvent.change(screen.getByTestId('saved-name'), { target: { value: 'Invoices' } });
    fireEvent.click(screen.getByTestId('saved-confirm'));
    await waitFor(() => expect(JSON.parse(localStorage.getItem('hookbench.savedFilters') ?? '[]')).toHaveLength(1));
    fireEvent.click(screen.getByTestId('filters-clear'));
    await waitFor(() => expect(screen.getAllByTestId('capture-row')).toHaveLength(2));
    expect((screen.getByTestId('filter-search') as HTMLInputElement).value).toBe('');
    fireEvent.change(screen.getByTestId('saved-filters'), { target: { value: 'Invoices' } });
    await waitFor(() => expect(screen.getAllByTestId('capture-row')).toHaveLength(1));
    expect((screen.getByTestId('filter-search') as HTMLInputElement).value).toBe('invoice');
    expect(asked.filter((f) => f.search === 'invoice').length).toBeGreaterThan(0);
  });
});

