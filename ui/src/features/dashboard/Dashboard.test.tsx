import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Api } from '../../api/client';
import { applyMetricsEvent, throttle } from '../../api/metrics';
import { ApiContext } from '../../api/queries';
import { NavContext, type Nav } from '../../nav';
import { Dashboard } from './Dashboard';
import { METRICS_1H, METRICS_EMPTY } from './fixtures';

const api = { conn: { apiUrl: 'http://engine', token: 't', receiverUrl: null, desktop: false } } as unknown as Api;

function stubFetch(answer: (path: string) => unknown) {
  const calls: string[] = [];
  vi.stubGlobal('fetch', async (url: string) => {
    const path = url.replace('http://engine', '');
    calls.push(path);
    return new Response(JSON.stringify(answer(path)), { status: 200, headers: { 'content-type': 'application/json' } });
  });
  return calls;
}

function renderDashboard(nav: Partial<Nav> = {}) {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const full: Nav = { view: 'dashboard', go: () => {}, openWorkbench: () => {}, newEndpoint: () => {}, selectCapture: () => {}, ...nav };
  render(
    <QueryClientProvider client={qc}>
      <ApiContext.Provider value={api}>
        <NavContext.Provider value={full}>
          <Dashboard />
        </NavContext.Provider>
      </ApiContext.Provider>
    </QueryClientProvider>,
  );
  return qc;
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
  localStorage.clear();
});

describe('the Dashboard', () => {
  it('shows each destination and endpoint with its figures and charts drawn from the series', async () => {
    const calls = stubFetch(() => METRICS_1H);
    renderDashboard();
    const dest = await screen.findByTestId('dest-metrics-card');
    expect(calls[0]).toBe('/api/metrics?window=1h');
    const fig = (root: HTMLElement, id: string) => root.querySelector(`[data-testid=${id}]`)?.textContent;
    expect(fig(dest, 'm-success')).toBe('95.8 %');
    expect(fig(dest, 'm-retry')).toBe('21.0 %');
    expect(fig(dest, 'm-dead')).toBe('2');
    expect(fig(dest, 'm-attempts')).toBe('2.67/min');
    expect(fig(dest, 'm-latency')).toBe('12 ms · 80 ms · 200 ms');
    expect(fig(dest, 'breaker')).toBe('breaker open');
    // Stacked attempts: 3 ok-parts (5, 1, 2) and one failed part (2), one rect each.
    const attempts = dest.querySelector('[data-testid=chart-attempts]')!;
    expect(attempts.querySelectorAll('rect.bar-ok')).toHaveLength(3);
    expect(attempts.querySelectorAll('rect.bar-bad')).toHaveLength(1);
    expect(dest.querySelector('[data-testid=chart-p95] path.spark')?.getAttribute('d')).toMatch(/^M.*M.*M/); // broken where no data
    const ep = screen.getByTestId('ep-metrics-card');
    expect(fig(ep, 'm-requests')).toBe('8.30/min');
    expect(fig(ep, 'm-sigfail')).toBe('—'); // checks no signature: no rate, not 0 %
    expect(fig(ep, 'm-dup')).toBe('0.2 %');
    expect(fig(ep, 'm-faulted')).toBe('20');
    expect(ep.querySelectorAll('[data-testid=chart-requests] rect.bar')).toHaveLength(30);
    expect(ep.querySelectorAll('[data-testid=chart-faulted] rect.bar')).toHaveLength(1);
    expect(screen.getByTestId('m-retry-queue').textContent).toBe('12');
    expect(screen.queryByTestId('dashboard-empty')).toBeNull();
  });

  it('tells a new user what to do when nothing happened in the window', async () => {
    stubFetch(() => METRICS_EMPTY);
    renderDashboard();
    expect((await screen.findByTestId('dashboard-empty')).textContent).toContain('Send a webhook');
  });

  it('asks for the window picked, and opens the dead letters of a destination in the Outbox', async () => {
    const calls = stubFetch(() => METRICS_1H);
    const opened: unknown[] = [];
    renderDashboard({ openOutbox: (f) => opened.push(f) });
    await screen.findByTestId('dest-metrics-card');
    fireEvent.click(screen.getByTestId('window-5m'));
    await waitFor(() => expect(calls).toContain('/api/metrics?window=5m'));
    fireEvent.click(screen.getByTestId('card-dead-link'));
    expect(opened).toEqual([{ state: 'dead', destination: 3 }]);
  });

  it('refetches on live activity, at most once per 2 s', async () => {
    const calls = stubFetch(() => METRICS_1H);
    const qc = renderDashboard();
    await screen.findByTestId('dest-metrics-card');
    const n = () => calls.filter((c) => c.startsWith('/api/metrics')).length;
    const before = n();
    act(() => {
      for (let i = 0; i < 5; i++) applyMetricsEvent(qc, { type: 'sender.activity' });
    });
    // The first at once; the other four wait for the end of the period and become one.
    await waitFor(() => expect(n()).toBe(before + 1));
    // The trailing one, once the period is over (however long the machine takes to get there).
    await waitFor(() => expect(n()).toBe(before + 2), { timeout: 10_000 });
  });
});

describe('the throttle', () => {
  it('fires at once, then once at the end of the period however many asked meanwhile', () => {
    vi.useFakeTimers();
    let now = 0;
    let fired = 0;
    const [trigger, cancel] = throttle(() => fired++, 2000, () => now);
    trigger();
    expect(fired).toBe(1);
    now = 500;
    trigger();
    trigger();
    expect(fired).toBe(1);
    now = 2000;
    vi.advanceTimersByTime(1500);
    expect(fired).toBe(2);
    now = 2100;
    trigger();
    cancel();
    vi.advanceTimersByTime(5000);
    expect(fired).toBe(2); // cancelled on unmount
  });
});
