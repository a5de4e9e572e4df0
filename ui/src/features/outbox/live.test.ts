import { QueryClient, QueryObserver } from '@tanstack/react-query';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  applySenderEvent,
  openSenderStream,
  applyToDetail,
  applyToEventList,
  senderKeys,
  type Attempt,
  type EventDetail,
  type EventListData,
  type EventSummary,
} from '../../api/events';

function ev(id: number, over: Partial<EventSummary> = {}): EventSummary {
  return {
    id,
    destination_id: null,
    url: 'http://127.0.0.1:9/x',
    method: 'POST',
    idempotency_key: `msg_${id}`,
    state: 'pending',
    created_at: 1,
    updated_at: 10,
    next_attempt_at: 1,
    attempt_count: 0,
    body_size: 0,
    target_key: 'http://127.0.0.1:9',
    origin: 'send',
    ...over,
  };
}

function pages(...ps: { ids: number[]; next: number | null }[]): EventListData {
  return { pages: ps.map((p) => ({ items: p.ids.map((id) => ev(id)), next_cursor: p.next })), pageParams: ps.map(() => undefined) };
}

const ids = (d: EventListData | undefined) => d?.pages.map((p) => p.items.map((i) => i.id));

describe('a cached outbox list after a live event', () => {
  it('puts a new event in its place by id, newest first', () => {
    expect(ids(applyToEventList(pages({ ids: [5, 3], next: null }), {}, ev(7)))).toEqual([[7, 5, 3]]);
    expect(ids(applyToEventList(pages({ ids: [5, 3], next: null }), {}, ev(4)))).toEqual([[5, 4, 3]]);
  });

  it('leaves out an older event that belongs to a page not loaded yet', () => {
    const d = pages({ ids: [9, 8], next: 8 });
    expect(applyToEventList(d, {}, ev(2))).toBe(d);
  });

  it('replaces an updated event, and ignores an update older than what it shows', () => {
    const d = applyToEventList(pages({ ids: [5], next: null }), {}, ev(5, { state: 'retrying', updated_at: 20 }));
    expect(d?.pages[0].items[0].state).toBe('retrying');
    expect(applyToEventList(d, {}, ev(5, { state: 'pending', updated_at: 15 }))).toBe(d);
  });

  it('drops an event that left the filter and adds one that entered it', () => {
    const dead = { state: 'dead' as const };
    const d = applyToEventList(pages({ ids: [5], next: null }), dead, ev(5, { state: 'retrying', updated_at: 20 }));
    expect(ids(d)).toEqual([[]]);
    expect(ids(applyToEventList(d, dead, ev(6, { state: 'dead' })))).toEqual([[6]]);
    expect(ids(applyToEventList(pages({ ids: [], next: null }), { destination: 2 }, ev(6, { destination_id: 3 })))).toEqual([[]]);
  });

  it('keeps only the summary fields of a full event', () => {
    const full = { ...ev(8), headers: [], body_base64: '', settings: {}, exact: false, first_attempt_at: null } as EventSummary;
    const d = applyToEventList(pages({ ids: [], next: null }), {}, full);
    expect(Object.keys(d?.pages[0].items[0] ?? {})).not.toContain('body_base64');
  });
});

describe('a cached event detail after a live event', () => {
  const detail = { ...ev(1), headers: [], body_base64: '', exact: false, settings: {}, first_attempt_at: null, time_scale: 1, attempts: [], marks: [], plan: [] } as EventDetail;
  const attempt = (n: number, state: Attempt['state'] = 'in_flight'): Attempt => ({
    id: 100 + n,
    event_id: 1,
    number: n,
    state,
    started_at: 1000 * n,
    request: { method: 'POST', url: 'http://x', headers: [] },
  });

  it('adds a started attempt and replaces it when it finishes', () => {
    const started = applyToDetail(detail, { type: 'attempt.started', attempt: attempt(1) });
    expect(started?.attempts.map((a) => a.state)).toEqual(['in_flight']);
    expect(started?.first_attempt_at).toBe(1000);
    const done = applyToDetail(started, { type: 'attempt.finished', attempt: attempt(1, 'finished') });
    expect(done?.attempts.map((a) => a.state)).toEqual(['finished']);
    expect(done?.attempt_count).toBe(1);
  });

  it('ignores events about other events', () => {
    expect(applyToDetail(detail, { type: 'attempt.started', attempt: { ...attempt(1), event_id: 2 } })).toBe(detail);
    expect(applyToDetail(detail, { type: 'event.updated', event: ev(2) })).toBe(detail);
  });

  it('takes the new state of the event from an update', () => {
    expect(applyToDetail(detail, { type: 'event.updated', event: ev(1, { state: 'delivered', updated_at: 30 }) })?.state).toBe('delivered');
  });
});

describe('the sender cache as a whole', () => {
  it('refreshes the dead letters when an event dies or leaves them, and the destinations when they change', async () => {
    const qc = new QueryClient();
    qc.setQueryData(senderKeys.dead, { pages: [{ counts: [], items: [ev(4, { state: 'dead' })], next_cursor: null }], pageParams: [undefined] });
    qc.setQueryData(senderKeys.destinations, []);
    const stale = () => qc.getQueryState(senderKeys.dead)?.isInvalidated;
    applySenderEvent(qc, { type: 'event.updated', event: ev(9, { state: 'retrying' }) });
    expect(stale()).toBe(false);
    applySenderEvent(qc, { type: 'event.updated', event: ev(4, { state: 'retrying' }) });
    expect(stale(), 'a dead letter retried leaves the list').toBe(true);
    applySenderEvent(qc, { type: 'destinations.changed' });
    expect(qc.getQueryState(senderKeys.destinations)?.isInvalidated).toBe(true);
  });

  it('asks again for a detail whose first fetch was on its way when the event changed, and keeps the newer answer', async () => {
    const qc = new QueryClient();
    const pendingAnswers: ((d: EventDetail) => void)[] = [];
    const observer = new QueryObserver<EventDetail>(qc, {
      queryKey: senderKeys.detail(1),
      queryFn: () => new Promise<EventDetail>((resolve) => pendingAnswers.push(resolve)),
    });
    const unsubscribe = observer.subscribe(() => {});
    await Promise.resolve();
    expect(pendingAnswers).toHaveLength(1);
    // The engine read the event while it was pending; then it died, and the stream said so first.
    applySenderEvent(qc, { type: 'event.updated', event: ev(1, { state: 'dead', updated_at: 30 }) });
    await new Promise((r) => setTimeout(r, 0));
    expect(pendingAnswers, 'a second fetch').toHaveLength(2);
    const base = { headers: [], body_base64: '', exact: false, settings: {}, first_attempt_at: null, time_scale: 1, attempts: [], marks: [], plan: [] };
    pendingAnswers[0]({ ...ev(1, { state: 'pending' }), ...base } as EventDetail);
    pendingAnswers[1]({ ...ev(1, { state: 'dead', updated_at: 30 }), ...base } as EventDetail);
    await new Promise((r) => setTimeout(r, 0));
    expect(qc.getQueryData<EventDetail>(senderKeys.detail(1))?.state).toBe('dead');
    unsubscribe();
  });
});

describe('the sender stream', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('is one connection however many views listen, closed when the last one leaves', () => {
    const opened: { url: string; closed: boolean; fire: (type: string, data: unknown) => void }[] = [];
    class FakeEventSource {
      static CLOSED = 2;
      readyState = 1;
      onerror: (() => void) | null = null;
      private l = new Map<string, ((e: MessageEvent) => void)[]>();
      constructor(url: string) {
        opened.push({ url, closed: false, fire: (t, d) => (this.l.get(t) ?? []).forEach((f) => f(new MessageEvent(t, { data: JSON.stringify(d) }))) });
      }
      addEventListener(t: string, f: (e: MessageEvent) => void) {
        this.l.set(t, [...(this.l.get(t) ?? []), f]);
      }
      close() {
        opened[opened.length - 1].closed = true;
      }
    }
    vi.stubGlobal('EventSource', FakeEventSource);
    const api = { streamUrl: () => 'http://engine/api/stream?token=t' };
    const a: string[] = [];
    const b: string[] = [];
    const closeA = openSenderStream(api, (e) => a.push(e.type));
    const closeB = openSenderStream(api, (e) => b.push(e.type));
    expect(opened).toHaveLength(1);
    opened[0].fire('event.created', ev(1));
    expect([a, b]).toEqual([['event.created'], ['event.created']]);
    closeA();
    expect(opened[0].closed).toBe(false);
    opened[0].fire('destinations.changed', {});
    expect([a.length, b]).toEqual([1, ['event.created', 'destinations.changed']]);
    closeB();
    expect(opened[0].closed).toBe(true);
    openSenderStream(api, () => {})();
    expect(opened, 'a later listener connects afresh').toHaveLength(2);
  });
});
