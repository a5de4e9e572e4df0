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
      const pages = [{ ...head, items: [c, ...head.items], total: head.total + 1 }, ...rest.map((p) => ({ ...p, total: p.total + 1 }))];
      return { ...next, pages };
    }
    case 'capture.deleted': {
      if (!data.pages.some((p) => p.items.some((i) => i.id === event.id))) return data;
      return {
        ...data,
        pages: data.pages.map((p) => ({
          ...p,
          items: p.items.filter((i) => i.id !== event.id),
          total: Math.max(0, p.total - 1),
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
