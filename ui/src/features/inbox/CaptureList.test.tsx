import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createRef } from 'react';
import type { Virtualizer } from '@tanstack/react-virtual';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { Api } from '../../api/client';
import { ApiContext, PAGE_SIZE } from '../../api/queries';
import type { CaptureFilter, CaptureSummary } from '../../api/types';
import { ToastProvider } from '../../components/Toast';
import { CaptureList, ROW_HEIGHT } from './CaptureList';
import { Inbox } from './Inbox';

const VIEW_HEIGHT = 600;

function summary(id: number): CaptureSummary {
  return {
    id,
    received_at: '2026-01-01T00:00:00.000Z',
    method: id % 2 ? 'POST' : 'GET',
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
  };
}

/** Newest first: ids n, n-1, …, 1. */
function captures(n: number): CaptureSummary[] {
  return Array.from({ length: n }, (_, i) => summary(n - i));
}

function scrollTo(el: HTMLElement, top: number) {
  Object.defineProperty(el, 'scrollTop', { configurable: true, writable: true, value: top });
  fireEvent.scroll(el);
}

function rowIds(): number[] {
  return screen.queryAllByTestId('capture-row').map((r) => Number(r.getAttribute('data-capture-id')));
}

beforeAll(() => {
  // jsdom lays nothing out; give the list's scroll box a size so the virtualizer renders rows.
  for (const [prop, v] of [['offsetHeight', VIEW_HEIGHT], ['offsetWidth', 800], ['clientHeight', VIEW_HEIGHT], ['clientWidth', 800]] as const) {
    Object.defineProperty(HTMLElement.prototype, prop, { configurable: true, get: () => v });
  }
  HTMLElement.prototype.getBoundingClientRect = function () {
    return { x: 0, y: 0, top: 0, left: 0, bottom: VIEW_HEIGHT, right: 800, width: 800, height: VIEW_HEIGHT, toJSON: () => ({}) };
  };
});

describe('the capture list with 100,000 captures', () => {
  const items = captures(100_000);

  function renderList(loadMore = vi.fn(), hasMore = false) {
    const ref = createRef<Virtualizer<HTMLDivElement, Element> | null>() as { current: Virtualizer<HTMLDivElement, Element> | null };
    render(
      <ToastProvider>
        <CaptureList
          items={items}
          selectedId={null}
          onSelect={() => {}}
          hasMore={hasMore}
          loadingMore={false}
          loadMore={loadMore}
          virtualizerRef={ref}
        />
      </ToastProvider>,
    );
    return { list: screen.getByTestId('capture-list'), loadMore };
  }

  it('puts only the visible window of rows in the DOM, with the full height to scroll', () => {
    const { list } = renderList();
    const ids = rowIds();
    // A 600 px box holds 17 rows of 36 px; the virtualizer adds its overscan, nothing near 100,000.
    expect(ids.length).toBeGreaterThanOrEqual(Math.floor(VIEW_HEIGHT / ROW_HEIGHT));
    expect(ids.length).toBeLessThan(60);
    expect(ids[0]).toBe(100_000);
    const spacer = list.firstElementChild as HTMLElement;
    expect(spacer.style.height).toBe(`${100_000 * ROW_HEIGHT}px`);
  });

  it('shows the rows around the scroll position, deep in the list', () => {
    const { list } = renderList();
    act(() => scrollTo(list, 50_000 * ROW_HEIGHT));
    const ids = rowIds();
    // Row index 50,000 holds id 50,000 (newest first from 100,000).
    expect(ids).toContain(50_000);
    expect(ids).not.toContain(100_000);
    expect(ids.length).toBeLessThan(60);
  });

  it('asks for older captures only when the end comes into view', () => {
    const loadMore = vi.fn();
    const { list } = renderList(loadMore, true);
    expect(loadMore).not.toHaveBeenCalled();
    act(() => scrollTo(list, 100_000 * ROW_HEIGHT - VIEW_HEIGHT));
    expect(loadMore).toHaveBeenCalled();
  });
});

describe('the Inbox pages through the engine with the `before` cursor', () => {
  it('loads the next page, before the oldest loaded id, as the list is scrolled down', async () => {
    const all = captures(450);
    const calls: (number | undefined)[] = [];
    const api = {
      listCaptures: async (_f: CaptureFilter, before?: number, limit = PAGE_SIZE) => {
        calls.push(before);
        const older = before === undefined ? all : all.filter((c) => c.id < before);
        const items = older.slice(0, limit);
        const next = older.length > limit ? items[items.length - 1].id : null;
        return { items, next_cursor: next, total: all.length };
      },
      endpoints: async () => [],
    } as unknown as Api;
    const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    render(
      <QueryClientProvider client={qc}>
        <ApiContext.Provider value={api}>
          <ToastProvider>
            <Inbox receiverUrl="http://127.0.0.1:9000" active selectedId={null} setSelectedId={() => {}} />
          </ToastProvider>
        </ApiContext.Provider>
      </QueryClientProvider>,
    );
    await screen.findAllByTestId('capture-row');
    expect(calls).toEqual([undefined]);

    const list = screen.getByTestId('capture-list');
    act(() => scrollTo(list, PAGE_SIZE * ROW_HEIGHT - VIEW_HEIGHT));
    // The first page ended at id 251 (450 … 251), so the second starts before it.
    await waitFor(() => expect(calls).toEqual([undefined, 251]));

    act(() => scrollTo(list, 2 * PAGE_SIZE * ROW_HEIGHT - VIEW_HEIGHT));
    await waitFor(() => expect(calls).toEqual([undefined, 251, 51]));

    act(() => scrollTo(list, all.length * ROW_HEIGHT - VIEW_HEIGHT));
    await waitFor(() => expect(rowIds()).toContain(1));
    // The last page said there is nothing older: no further call.
    expect(calls).toEqual([undefined, 251, 51]);
  });
});

describe('live captures arriving above the rows in view', () => {
  function renderWith(items: CaptureSummary[]) {
    const ref = { current: null } as { current: Virtualizer<HTMLDivElement, Element> | null };
    const props = { selectedId: null, onSelect: () => {}, hasMore: false, loadingMore: false, loadMore: () => {}, virtualizerRef: ref };
    const view = render(<CaptureList items={items} {...props} />);
    return { rerender: (next: CaptureSummary[]) => view.rerender(<CaptureList items={next} {...props} />) };
  }

  it('keeps the rows in view still when scrolled down, and counts the new ones in a button back to the top', () => {
    const before = captures(1000);
    const { rerender } = renderWith(before);
    const list = screen.getByTestId('capture-list');
    act(() => scrollTo(list, 500 * ROW_HEIGHT));
    const inView = rowIds();
    // Three captures arrive on top.
    act(() => rerender([summary(1003), summary(1002), summary(1001), ...before]));
    expect(list.scrollTop).toBe(503 * ROW_HEIGHT);
    act(() => fireEvent.scroll(list));
    expect(rowIds()).toEqual(inView);
    expect(screen.getByTestId('new-above').textContent).toContain('3 new');
    act(() => rerender([summary(1004), summary(1003), summary(1002), summary(1001), ...before]));
    expect(screen.getByTestId('new-above').textContent).toContain('4 new');
    // The button goes back up and is gone.
    list.scrollTo = ((opts: ScrollToOptions) => scrollTo(list, opts.top ?? 0)) as typeof list.scrollTo;
    act(() => fireEvent.click(screen.getByTestId('new-above')));
    expect(list.scrollTop).toBe(0);
    expect(screen.queryByTestId('new-above')).toBeNull();
  });

  it('follows new captures at the top of the list', () => {
    const before = captures(100);
    const { rerender } = renderWith(before);
    const list = screen.getByTestId('capture-list');
    act(() => scrollTo(list, 0));
    act(() => rerender([summary(101), ...before]));
    expect(list.scrollTop).toBe(0);
    expect(rowIds()[0]).toBe(101);
    expect(screen.queryByTestId('new-above')).toBeNull();
  });
});
