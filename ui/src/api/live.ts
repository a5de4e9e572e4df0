//! How a live event changes a cached capture list: pure functions of (cached pages, filter, event),
//! so the SSE → cache path is unit-tested without a socket.
import type { InfiniteData } from '@tanstack/react-query';
import type { CaptureFilter, CapturePage, CaptureSummary, LiveEvent } from './types';

export type CaptureListData = InfiniteData<CapturePage, unknown>;

/** Whether a capture belongs in a list shown with `filter` (the engine's filter, mirrored). */
export function matchesFilter(c: CaptureSummary, filter: CaptureFilter): boolean {
  if (filter.method && c.method.toUpperCase() !== filter.method.toUpperCase()) return false;
  if (filter.q) {
    const hay = (c.query ? `${c.path}?${c.query}` : c.path).toLowerCase();
    if (!hay.includes(filter.q.toLowerCase())) return false;
  }
  if (filter.endpoint !== undefined && c.endpoint_id !== filter.endpoint) return false;
  if (filter.verdict === 'valid' && c.verdict_valid !== true) return false;
  if (filter.verdict === 'invalid' && c.verdict_valid !== false) return false;
  if (filter.duplicate === true && c.duplicate_of == null) return false;
  if (filter.duplicate === false && c.duplicate_of != null) return false;
  if (filter.status !== undefined && c.response_status !== filter.status) return false;
  if (filter.since !== undefined || filter.until !== undefined) {
    const t = Date.parse(c.received_at);
    if (filter.since !== undefined && !(t >= filter.since)) return false;
    if (filter.until !== undefined && !(t < filter.until)) return false;
  }
  // Full-text needs the headers and body, which a summary lacks: the engine decides (see applyToCache).
  if (filter.search) return false;
  return true;
}

function mapItems(data: CaptureListData, f: (items: CaptureSummary[]) => CaptureSummary[]): CaptureListData {
  return { ...data, pages: data.pages.map((p) => ({ ...p, items: f(p.items) })) };
}

/** The list after `event`; returns the same object when nothing changed (so React skips a render). */
export function applyLiveEvent(
  data: CaptureListData | undefined,
  filter: CaptureFilter,
  event: LiveEvent,
): CaptureListData | undefined {
  if (!data || data.pages.length === 0) return data;
  switch (event.type) {
    case 'capture.created': {
      const c = event.capture;
      let next = data;
      if (c.duplicate_of != null) {
        // The first copy's count goes up wherever it is shown.
        const first = c.duplicate_of;
        if (data.pages.some((p) => p.items.some((i) => i.id === first))) {
          next = mapItems(next, (items) =>
            items.map((i) => (i.id === first ? { ...i, duplicate_count: i.duplicate_count + 1 } : i)),
          );
        }
      }
      if (!matchesFilter(c, filter)) return next;
      if (next.pages.some((p) => p.items.some((i) => i.id === c.id))) return next;
      const [head, ...rest] = next.pages;
      // Newest first, as the engine lists them: captures committed together are announced in any
      // order, so a capture goes above the first older one, not always on top.
      let at = 0;
      while (at < head.items.length && head.items[at].id > c.id) at++;
      // A capped total ("10,000+") stays as it is: it only ever said "at least".
      const more = (p: CapturePage) => (p.total_capped ? p.total : p.total + 1);
      const items = [...head.items.slice(0, at), c, ...head.items.slice(at)];
      const pages = [{ ...head, items, total: more(head) }, ...rest.map((p) => ({ ...p, total: more(p) }))];
      return { ...next, pages };
    }
    case 'capture.deleted': {
      if (!data.pages.some((p) => p.items.some((i) => i.id === event.id))) return data;
      return {
        ...data,
        pages: data.pages.map((p) => ({
          ...p,
          items: p.items.filter((i) => i.id !== event.id),
          total: p.total_capped ? p.total : Math.max(0, p.total - 1),
        })),
      };
    }
    case 'captures.cleared':
      return { pages: [{ items: [], next_cursor: null, total: 0 }], pageParams: [undefined] };
    default:
      return data;
  }
}

/** Every loaded capture of a list, newest first. */
export function flattenPages(data: CaptureListData | undefined): CaptureSummary[] {
  if (!data) return [];
  return data.pages.flatMap((p) => p.items);
}

/**
 * Most captures a list keeps loaded. Live captures go on top; past this many the oldest loaded rows
 * are let go (scrolling down loads them again), so hours at 500 captures a second stay in bounded memory.
 */
export const LIVE_LIST_CAP = 5000;

/** `data` with at most `cap` captures loaded; the last page kept gets a cursor to the rows let go. */
export function boundLiveList(data: CaptureListData | undefined, cap = LIVE_LIST_CAP): CaptureListData | undefined {
  if (!data) return data;
  let loaded = 0;
  for (const p of data.pages) loaded += p.items.length;
  if (loaded <= cap) return data;
  const pages: CapturePage[] = [];
  const pageParams: unknown[] = [];
  let room = cap;
  for (let i = 0; i < data.pages.length && room > 0; i++) {
    const page = data.pages[i];
    if (page.items.length <= room) {
      pages.push(page);
    } else {
      const items = page.items.slice(0, room);
      pages.push({ ...page, items, next_cursor: items[items.length - 1].id });
    }
    pageParams.push(data.pageParams[i]);
    room -= page.items.length;
  }
  const last = pages[pages.length - 1];
  // A page cut exactly at its end still has older rows after it: keep a cursor to them.
  if (last.next_cursor == null && last.items.length > 0 && pages.length < data.pages.length) {
    pages[pages.length - 1] = { ...last, next_cursor: last.items[last.items.length - 1].id };
  }
  return { pages, pageParams };
}
