import { describe, expect, it } from 'vitest';
import { applyLiveEvent, boundLiveList, flattenPages, matchesFilter, type CaptureListData } from './live';
import type { CaptureSummary } from './types';
import { captureSummary } from './testing';

const cap = captureSummary;

function data(...pages: CaptureSummary[][]): CaptureListData {
  const total = pages.flat().length;
  return { pages: pages.map((items) => ({ items, next_cursor: null, total })), pageParams: pages.map(() => undefined) };
}

describe('applyLiveEvent', () => {
  it('prepends a new capture and counts it', () => {
    const next = applyLiveEvent(data([cap(2), cap(1)]), {}, { type: 'capture.created', capture: cap(3) });
    expect(flattenPages(next).map((c) => c.id)).toEqual([3, 2, 1]);
    expect(next!.pages[0].total).toBe(3);
  });
  it('ignores a capture it already has (SSE after a refetch)', () => {
    const before = data([cap(2), cap(1)]);
    expect(applyLiveEvent(before, {}, { type: 'capture.created', capture: cap(2) })).toBe(before);
  });
  it('leaves out captures the filter excludes', () => {
    const before = data([cap(1)]);
    const filter = { method: 'GET' };
    expect(applyLiveEvent(before, filter, { type: 'capture.created', capture: cap(2) })).toBe(before);
  });
  it('bumps the count of the first copy when a duplicate arrives', () => {
    const next = applyLiveEvent(data([cap(1)]), { duplicate: false }, {
      type: 'capture.created',
      capture: cap(2, { duplicate_of: 1 }),
    });
    expect(flattenPages(next).map((c) => [c.id, c.duplicate_count])).toEqual([[1, 1]]);
  });
  it('removes a deleted capture from whichever page holds it', () => {
    const next = applyLiveEvent(data([cap(3), cap(2)], [cap(1)]), {}, { type: 'capture.deleted', id: 1 });
    expect(flattenPages(next).map((c) => c.id)).toEqual([3, 2]);
    expect(next!.pages[0].total).toBe(2);
  });
  it('leaves a capped total ("10,000+") as it is when captures come and go', () => {
    const capped: CaptureListData = { pages: [{ items: [cap(2), cap(1)], next_cursor: 1, total: 10000, total_capped: true }], pageParams: [undefined] };
    const more = applyLiveEvent(capped, {}, { type: 'capture.created', capture: cap(3) });
    expect(more!.pages[0]).toMatchObject({ total: 10000, total_capped: true });
    const fewer = applyLiveEvent(more, {}, { type: 'capture.deleted', id: 2 });
    expect(flattenPages(fewer).map((c) => c.id)).toEqual([3, 1]);
    expect(fewer!.pages[0]).toMatchObject({ total: 10000, total_capped: true });
  });
  it('empties the list when all are cleared', () => {
    const next = applyLiveEvent(data([cap(2)], [cap(1)]), {}, { type: 'captures.cleared' });
    expect(flattenPages(next)).toEqual([]);
    expect(next!.pages).toHaveLength(1);
    expect(next!.pages[0].total).toBe(0);
  });
});

describe('matchesFilter mirrors the engine filters', () => {
  it('q is a case-insensitive substring of path and query', () => {
    const c = cap(1, { path: '/Stripe/events', query: 'Mode=test' });
    expect(matchesFilter(c, { q: 'stripe' })).toBe(true);
    expect(matchesFilter(c, { q: 'mode=TEST' })).toBe(true);
    expect(matchesFilter(c, { q: 'github' })).toBe(false);
  });
  it('verdict, duplicate and endpoint', () => {
    const c = cap(1, { verdict_valid: false, duplicate_of: 7, endpoint_id: 2 });
    expect(matchesFilter(c, { verdict: 'invalid', duplicate: true, endpoint: 2 })).toBe(true);
    expect(matchesFilter(c, { verdict: 'valid' })).toBe(false);
    expect(matchesFilter(c, { duplicate: false })).toBe(false);
    expect(matchesFilter(c, { endpoint: 1 })).toBe(false);
  });
});

describe('boundLiveList', () => {
  it('lets the oldest loaded rows go past the cap, with a cursor to load them again', () => {
    const pages = [Array.from({ length: 6 }, (_, i) => cap(20 - i)), [cap(14), cap(13), cap(12)], [cap(11), cap(10)]];
    const before = data(...pages);
    const next = boundLiveList(before, 7)!;
    expect(flattenPages(next).map((c) => c.id)).toEqual([20, 19, 18, 17, 16, 15, 14]);
    expect(next.pages).toHaveLength(2);
    expect(next.pageParams).toHaveLength(2);
    // The next page starts before the last row kept.
    expect(next.pages[1].next_cursor).toBe(14);
  });
  it('leaves a list under the cap as it is', () => {
    const before = data([cap(2), cap(1)]);
    expect(boundLiveList(before, 2)).toBe(before);
  });
});

describe('captures announced out of order', () => {
  it('are listed newest first, as the engine lists them', () => {
    let d: CaptureListData | undefined = data([cap(10), cap(9)]);
    for (const id of [13, 11, 12]) d = applyLiveEvent(d, {}, { type: 'capture.created', capture: cap(id) });
    expect(flattenPages(d).map((c) => c.id)).toEqual([13, 12, 11, 10, 9]);
  });
});
