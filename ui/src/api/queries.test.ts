import { InfiniteQueryObserver, QueryClient } from '@tanstack/react-query';
import { describe, expect, it } from 'vitest';
import { flattenPages, LIVE_LIST_CAP, type CaptureListData } from './live';
import { applyAllToCache, applyToCache, keys } from './queries';
import type { CaptureFilter, CapturePage } from './types';
import { captureSummary } from './testing';

const cap = captureSummary;

/** A first-page fetch the test answers by hand, and how many fetches were made. */
function slowList(qc: QueryClient, filter: CaptureFilter) {
  const answers: ((page: CapturePage) => void)[] = [];
  const done = qc.fetchInfiniteQuery({
    queryKey: keys.captureList(filter),
    queryFn: () => new Promise<CapturePage>((resolve) => answers.push(resolve)),
    initialPageParam: undefined as number | undefined,
    getNextPageParam: (last: CapturePage) => last.next_cursor ?? undefined,
    staleTime: Infinity,
  });
  return { answers, done };
}

function listed(qc: QueryClient, filter: CaptureFilter): number[] {
  return flattenPages(qc.getQueryData<CaptureListData>(keys.captureList(filter))).map((c) => c.id);
}

describe('applyToCache while a capture list is loading', () => {
  it('keeps a capture that arrives while the first page is on its way (read before it)', async () => {
    const qc = new QueryClient();
    const { answers, done } = slowList(qc, {});
    await Promise.resolve();
    applyToCache(qc, { type: 'capture.created', capture: cap(3) });
    // The page was read before capture 3 was committed.
    answers[0]({ items: [cap(2), cap(1)], next_cursor: null, total: 2 });
    await done;
    expect(listed(qc, {})).toEqual([3, 2, 1]);
    expect(qc.getQueryData<CaptureListData>(keys.captureList({}))?.pages[0].total).toBe(3);
  });

  it('does not show a capture twice when the page already had it', async () => {
    const qc = new QueryClient();
    const { answers, done } = slowList(qc, {});
    await Promise.resolve();
    applyToCache(qc, { type: 'capture.created', capture: cap(3) });
    answers[0]({ items: [cap(3), cap(2)], next_cursor: null, total: 2 });
    await done;
    expect(listed(qc, {})).toEqual([3, 2]);
  });

  it('drops a capture deleted while the page was on its way', async () => {
    const qc = new QueryClient();
    const { answers, done } = slowList(qc, {});
    await Promise.resolve();
    applyToCache(qc, { type: 'capture.deleted', id: 2 });
    answers[0]({ items: [cap(2), cap(1)], next_cursor: null, total: 2 });
    await done;
    expect(listed(qc, {})).toEqual([1]);
  });

  it('fetches a search list again after a load that may have missed a new capture', async () => {
    const qc = new QueryClient();
    const filter = { search: 'invoice' };
    const { answers, done } = slowList(qc, filter);
    await Promise.resolve();
    applyToCache(qc, { type: 'capture.created', capture: cap(5) });
    answers[0]({ items: [], next_cursor: null, total: 0 });
    await done;
    // Only the engine knows whether capture 5 matches: the list is stale and asked again.
    expect(qc.getQueryState(keys.captureList(filter))?.isInvalidated).toBe(true);
  });
});

describe('applyAllToCache', () => {
  it('writes each list once for a burst of captures, and keeps it bounded', async () => {
    const qc = new QueryClient();
    const first = Array.from({ length: 10 }, (_, i) => cap(10 - i));
    await qc.fetchInfiniteQuery({
      queryKey: keys.captureList({}),
      queryFn: async () => ({ items: first, next_cursor: null, total: 10 }),
      initialPageParam: undefined as number | undefined,
      getNextPageParam: (last: CapturePage) => last.next_cursor ?? undefined,
    });
    let writes = 0;
    qc.getQueryCache().subscribe((e) => {
      if (e.type === 'updated' && e.action.type === 'success') writes++;
    });
    const burst = Array.from({ length: LIVE_LIST_CAP }, (_, i) => ({ type: 'capture.created' as const, capture: cap(11 + i) }));
    applyAllToCache(qc, burst);
    expect(writes).toBe(1);
    const ids = listed(qc, {});
    expect(ids).toHaveLength(LIVE_LIST_CAP);
    expect(ids[0]).toBe(10 + LIVE_LIST_CAP);
    // The ten first rows were let go: the list can load them again from before its last row.
    const data = qc.getQueryData<CaptureListData>(keys.captureList({}))!;
    expect(data.pages[data.pages.length - 1].next_cursor).toBe(11);
  });
});

describe('applyToCache while older captures are loading', () => {
  it('keeps captures that arrive while the next page is on its way (the answer is built on the pages it started from)', async () => {
    const qc = new QueryClient();
    const answers: ((page: CapturePage) => void)[] = [];
    const key = keys.captureList({});
    const options = {
      queryKey: key,
      queryFn: ({ pageParam }: { pageParam: number | undefined }) =>
        pageParam === undefined
          ? Promise.resolve<CapturePage>({ items: [cap(4), cap(3)], next_cursor: 3, total: 4 })
          : new Promise<CapturePage>((resolve) => answers.push(resolve)),
      initialPageParam: undefined as number | undefined,
      getNextPageParam: (last: CapturePage) => last.next_cursor ?? undefined,
    };
    await qc.fetchInfiniteQuery(options);
    const observer = new InfiniteQueryObserver(qc, options);
    const unsubscribe = observer.subscribe(() => {});
    const more = observer.fetchNextPage();
    await Promise.resolve();
    // Two bursts while page 2 loads: each is written into the cache (a "success" of its own).
    applyToCache(qc, { type: 'capture.created', capture: cap(5) });
    applyToCache(qc, { type: 'capture.created', capture: cap(6) });
    expect(listed(qc, {})).toEqual([6, 5, 4, 3]);
    answers[0]({ items: [cap(2), cap(1)], next_cursor: null, total: 4 });
    await more;
    expect(listed(qc, {})).toEqual([6, 5, 4, 3, 2, 1]);
    unsubscribe();
  });
});
