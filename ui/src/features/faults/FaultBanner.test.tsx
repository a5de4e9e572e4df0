import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Api } from '../../api/client';
import type { ActiveFaults } from '../../api/faults';
import { ApiContext, applyToCache } from '../../api/queries';
import { FaultBanner, FaultBannerView } from './FaultBanner';
import { CaptureFaults } from './CaptureFaults';

const HEALTHY: ActiveFaults = { active: [], receiver_off: false };
const BROKEN: ActiveFaults = {
  active: [
    { endpoint_id: 1, endpoint_name: 'Default', path_prefix: '', id: 'rate-limited', name: 'Rate limited', kind: 'status', summary: '429 with Retry-After 30 s', remaining_ms: null },
    { endpoint_id: 2, endpoint_name: 'Stripe', path_prefix: '/stripe', id: '503-2m', name: '503 for 2 minutes', kind: 'outage', summary: '503 for 120 s', remaining_ms: 120_000 },
  ],
  receiver_off: false,
};

describe('the fault banner from data', () => {
  it('is absent when everything is healthy', () => {
    const { container } = render(<FaultBannerView faults={HEALTHY} measuredAt={0} now={0} onHeal={() => {}} healing={false} />);
    expect(container.innerHTML).toBe('');
  });

  it('lists each live plan with its endpoint and summary, and counts windows down', () => {
    render(<FaultBannerView faults={BROKEN} measuredAt={1_000} now={31_000} onHeal={() => {}} healing={false} />);
    const items = screen.getAllByTestId('banner-fault').map((li) => li.textContent);
    expect(items[0]).toBe('Default: Rate limited — 429 with Retry-After 30 s');
    expect(items[1]).toBe('Stripe (/stripe): 503 for 2 minutes — 503 for 120 s · 1:30');
    expect(screen.queryByTestId('banner-receiver-off')).toBeNull();
  });

  it('says the receiver is off even when no other plan is listed', () => {
    render(<FaultBannerView faults={{ active: [], receiver_off: true }} measuredAt={0} now={0} onHeal={() => {}} healing={false} />);
    expect(screen.getByTestId('banner-receiver-off').textContent).toBe('receiver off — connection refused');
  });

  it('renders plan names as text, never as markup', () => {
    const evil = { ...BROKEN, active: [{ ...BROKEN.active[0], name: '<img src=x onerror="window.__xss=1">' }] };
    const { container } = render(<FaultBannerView faults={evil} measuredAt={0} now={0} onHeal={() => {}} healing={false} />);
    expect(container.querySelector('img')).toBeNull();
    expect(screen.getByTestId('banner-fault').textContent).toContain('<img src=x');
  });
});

describe('the fault banner against the API', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('appears when a plan is live, heals everything in one click, and disappears', async () => {
    let state: ActiveFaults = BROKEN;
    const calls: string[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init?: RequestInit) => {
        const method = init?.method ?? 'GET';
        calls.push(`${method} ${url} ${new Headers(init?.headers).get('Authorization')}`);
        if (method === 'DELETE' && url.endsWith('/api/faults')) {
          state = HEALTHY;
          return new Response(JSON.stringify({ removed: 2 }), { status: 200 });
        }
        return new Response(JSON.stringify(state), { status: 200 });
      }),
    );
    const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    const api = { conn: { apiUrl: 'http://127.0.0.1:9001', token: 'tok', desktop: false } } as unknown as Api;
    render(
      <QueryClientProvider client={qc}>
        <ApiContext.Provider value={api}>
          <FaultBanner />
        </ApiContext.Provider>
      </QueryClientProvider>,
    );
    await screen.findByTestId('fault-banner');
    expect(screen.getAllByTestId('banner-fault')).toHaveLength(2);

    fireEvent.click(screen.getByTestId('heal-all'));
    await waitFor(() => expect(screen.queryByTestId('fault-banner')).toBeNull());
    expect(calls).toContain('DELETE http://127.0.0.1:9001/api/faults Bearer tok');

    // A plan switched on elsewhere (CLI, another window) shows up on the next endpoints.changed.
    state = { active: [], receiver_off: true };
    act(() => applyToCache(qc, { type: 'endpoints.changed' }));
    await screen.findByTestId('banner-receiver-off');
  });
});

describe('the fault line on a capture', () => {
  it('shows the faults and how the answer was made, as text', () => {
    render(<CaptureFaults capture={{ faults: ["429 from plan '<b>x</b>'"], response_note: 'connection reset', response_status: 0 }} />);
    expect(screen.getByTestId('capture-fault').textContent).toBe("Fault: 429 from plan '<b>x</b>'");
    expect(screen.getByTestId('capture-response-note').textContent).toBe('Answer: connection reset');
    expect(screen.getByTestId('capture-no-answer')).toBeTruthy();
    expect(document.querySelector('[data-testid=capture-faults] b')).toBeNull();
  });

  it('is absent for a plain answer', () => {
    const { container } = render(<CaptureFaults capture={{ faults: [], response_note: null, response_status: 200 }} />);
    expect(container.innerHTML).toBe('');
  });
});
