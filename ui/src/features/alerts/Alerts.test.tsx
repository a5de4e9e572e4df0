import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Api } from '../../api/client';
import { ApiError } from '../../api/client';
import { applyAlertEvent, errorsOf422, healthKeys, type Alert, type Alerts, type AlertRules } from '../../api/metrics';
import { ApiContext, applyToCache } from '../../api/queries';
import { PlatformContext } from '../../components/platformContext';
import { NavContext, type Nav } from '../../nav';
import { formFromRules, rulesFromForm } from './rules';

const notified: { title: string; body: string; desktop: boolean }[] = [];
vi.mock('../../platform', () => ({
  notify: async (title: string, body: string, desktop: boolean) => {
    notified.push({ title, body, desktop });
  },
  allowBrowserNotifications: async () => false,
}));

const { AlertsButton } = await import('./Alerts');

const RULES: AlertRules = {
  dead_letters_max: 0,
  signature_failure_pct: 2,
  p95_latency_ms: 5000,
  retry_queue_max: 500,
  window: '15m',
  enabled: true,
  notify_desktop: true,
};

function alert(over: Partial<Alert> = {}): Alert {
  return {
    id: 'dead_letters:destination:3',
    kind: 'dead_letters',
    subject: 'destination:3',
    subject_name: 'billing',
    value: 3,
    threshold: 0,
    message: '3 dead letters for billing in the last 15 min (more than 0)',
    since: Date.now() - 60_000,
    cleared_at: null,
    link: { view: 'outbox', state: 'dead', destination: 3 },
    ...over,
  };
}

const api = { conn: { apiUrl: 'http://engine', token: 't', receiverUrl: null, desktop: true } } as unknown as Api;
let state: Alerts;
const puts: unknown[] = [];
let putAnswer: { status: number; body: unknown } | null = null;

beforeEach(() => {
  notified.length = 0;
  puts.length = 0;
  putAnswer = null;
  state = { rules: { ...RULES }, active: [], recent: [] };
  vi.stubGlobal('fetch', async (url: string, init?: RequestInit) => {
    if (url.endsWith('/api/alerts/rules') && init?.method === 'PUT') {
      puts.push(JSON.parse(String(init.body)));
      const a = putAnswer ?? { status: 200, body: JSON.parse(String(init.body)) };
      return new Response(JSON.stringify(a.body), { status: a.status, headers: { 'content-type': 'application/json' } });
    }
    return new Response(JSON.stringify(state), { status: 200, headers: { 'content-type': 'application/json' } });
  });
});

afterEach(() => vi.unstubAllGlobals());

function renderBell(nav: Partial<Nav> = {}, desktop = true) {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const full: Nav = { view: 'inbox', go: () => {}, openWorkbench: () => {}, newEndpoint: () => {}, selectCapture: () => {}, ...nav };
  render(
    <PlatformContext.Provider value={{ desktop }}>
      <QueryClientProvider client={qc}>
        <ApiContext.Provider value={api}>
          <NavContext.Provider value={full}>
            <AlertsButton />
          </NavContext.Provider>
        </ApiContext.Provider>
      </QueryClientProvider>
    </PlatformContext.Provider>,
  );
  return qc;
}

const count = () => screen.getByTestId('alerts-count').textContent;

describe('the alerts bell', () => {
  it('counts active alerts live from alert.fired and alert.cleared', async () => {
    const qc = renderBell();
    await waitFor(() => expect(qc.getQueryData(healthKeys.alerts)).toBeDefined());
    act(() => applyToCache(qc, { type: 'alert.fired', alert: alert() }));
    await waitFor(() => expect(count()).toBe('1'));
    // The same alert firing again (a new value) is still one alert.
    act(() => applyToCache(qc, { type: 'alert.fired', alert: alert({ value: 4 }) }));
    await waitFor(() => expect(count()).toBe('1'));
    act(() => applyToCache(qc, { type: 'alert.fired', alert: alert({ id: 'retry_queue:outbox', kind: 'retry_queue', subject: 'outbox' }) }));
    await waitFor(() => expect(count()).toBe('2'));
    act(() => applyToCache(qc, { type: 'alert.cleared', alert: alert({ cleared_at: Date.now() }) }));
    await waitFor(() => expect(count()).toBe('1'));
    fireEvent.click(screen.getByTestId('alerts-open'));
    expect(screen.getByTestId('alerts-active').textContent).toContain('dead letters');
    expect(screen.getByTestId('alerts-recent').textContent).toContain('3 dead letters for billing');
  });

  it('closes its panel on a click elsewhere or Escape', async () => {
    const qc = renderBell();
    await waitFor(() => expect(qc.getQueryData(healthKeys.alerts)).toBeDefined());
    fireEvent.click(screen.getByTestId('alerts-open'));
    fireEvent.mouseDown(screen.getByTestId('alerts-panel'));
    expect(screen.getByTestId('alerts-panel')).toBeTruthy(); // a click inside keeps it
    fireEvent.mouseDown(document.body);
    expect(screen.queryByTestId('alerts-panel')).toBeNull();
    fireEvent.click(screen.getByTestId('alerts-open'));
    fireEvent.keyDown(window, { key: 'Escape' });
    expect(screen.queryByTestId('alerts-panel')).toBeNull();
  });

  it('notifies the desktop for a fired alert when the rules ask for it, and not when they do not', async () => {
    const qc = renderBell();
    await waitFor(() => expect(qc.getQueryData(healthKeys.alerts)).toBeDefined());
    const slow = alert({ id: 'p95_latency:destination:3', kind: 'p95_latency', message: 'p95 latency of billing is 6000 ms in the last 15m (above 5000 ms)' });
    act(() => applyToCache(qc, { type: 'alert.fired', alert: slow }));
    expect(notified).toEqual([{ title: 'Hookbench: billing', body: 'p95 latency of billing is 6000 ms in the last 15m (above 5000 ms)', desktop: true }]);
    act(() => applyToCache(qc, { type: 'alert.cleared', alert: { ...slow, cleared_at: Date.now() } }));
    expect(notified).toHaveLength(1); // a cleared alert is not announced
    act(() => applyToCache(qc, { type: 'alert.fired', alert: alert() }));
    expect(notified).toHaveLength(1); // the desktop shell announces dead letters itself
  });

  it('stays quiet when desktop notifications are off', async () => {
    state.rules.notify_desktop = false;
    const qc = renderBell();
    await waitFor(() => expect(qc.getQueryData(healthKeys.alerts)).toBeDefined());
    act(() => applyToCache(qc, { type: 'alert.fired', alert: alert() }));
    await waitFor(() => expect(count()).toBe('1'));
    expect(notified).toHaveLength(0);
  });

  it("opens what an alert links to: the Outbox's dead letters of that destination, or the Inbox filtered", async () => {
    state.active = [alert(), alert({ id: 'signature_failures:endpoint:2', subject: 'endpoint:2', link: { view: 'inbox', endpoint: 2, verdict: 'invalid' } })];
    const outbox: unknown[] = [];
    const inbox: unknown[] = [];
    renderBell({ openOutbox: (f) => outbox.push(f), openInbox: (f) => inbox.push(f) });
    await waitFor(() => expect(count()).toBe('2'));
    fireEvent.click(screen.getByTestId('alerts-open'));
    fireEvent.click(screen.getAllByTestId('alert-link')[0]);
    expect(outbox).toEqual([{ state: 'dead', destination: 3 }]);
    fireEvent.click(screen.getByTestId('alerts-open'));
    fireEvent.click(screen.getAllByTestId('alert-link')[1]);
    expect(inbox).toEqual([{ endpoint: 2, verdict: 'invalid' }]);
  });

  it('saves the rules, and shows an engine 422 next to the field it names', async () => {
    const qc = renderBell();
    await waitFor(() => expect(qc.getQueryData(healthKeys.alerts)).toBeDefined());
    fireEvent.click(screen.getByTestId('alerts-open'));
    fireEvent.click(screen.getByTestId('alert-rules-edit'));
    // Checked before sending: nothing is sent while a field is wrong.
    fireEvent.change(screen.getByTestId('rule-dead'), { target: { value: 'x' } });
    fireEvent.click(screen.getByTestId('rules-save'));
    expect(screen.getByTestId('rule-dead-error').textContent).toBe('a whole number, 0 or more');
    expect(puts).toHaveLength(0);
    fireEvent.change(screen.getByTestId('rule-dead'), { target: { value: '1' } });
    putAnswer = { status: 422, body: { code: 'invalid_input', message: 'p95_latency_ms must be at most 600000' } };
    fireEvent.change(screen.getByTestId('rule-p95'), { target: { value: '900000' } });
    fireEvent.click(screen.getByTestId('rules-save'));
    expect((await screen.findByTestId('rule-p95-error')).textContent).toBe('p95_latency_ms must be at most 600000');
    expect(puts[0]).toMatchObject({ dead_letters_max: 1, p95_latency_ms: 900000 });
    putAnswer = null;
    fireEvent.change(screen.getByTestId('rule-p95'), { target: { value: '3000' } });
    fireEvent.click(screen.getByTestId('rule-notify'));
    fireEvent.click(screen.getByTestId('rules-save'));
    await waitFor(() => expect(screen.queryByTestId('alert-rules')).toBeNull());
    expect(puts[1]).toEqual({ ...RULES, dead_letters_max: 1, p95_latency_ms: 3000, notify_desktop: false });
  });
});

describe('alert rules and the alerts cache', () => {
  it('reads the form back into rules and refuses what is not a number', () => {
    expect(rulesFromForm(formFromRules(RULES))).toEqual({ ok: true, rules: RULES });
    const bad = rulesFromForm({ ...formFromRules(RULES), signature_failure_pct: '120', retry_queue_max: '-1' });
    expect(!bad.ok && Object.keys(bad.errors).sort()).toEqual(['retry_queue_max', 'signature_failure_pct']);
  });

  it("places each problem of an engine 422 under the field it names, the rest under other", () => {
    const e = new ApiError(422, 'invalid_input', 'signature_failure_pct: 150 must be between 0 and 100; window: 2d is not a window; rules: unknown field `x`');
    expect(errorsOf422(e, ['signature_failure_pct', 'window', 'p95_latency_ms'] as const)).toEqual({
      signature_failure_pct: 'signature_failure_pct: 150 must be between 0 and 100',
      window: 'window: 2d is not a window',
      other: 'rules: unknown field `x`',
    });
    expect(errorsOf422(new ApiError(400, 'bad', 'x'), ['window'] as const)).toBeNull();
  });

  it('moves a cleared alert to the recent ones, newest first, at most 50', () => {
    const start: Alerts = { rules: RULES, active: [alert()], recent: Array.from({ length: 50 }, (_, i) => alert({ id: `old${i}`, cleared_at: i })) };
    const next = applyAlertEvent(start, { type: 'alert.cleared', alert: alert({ cleared_at: 99 }) })!;
    expect(next.active).toEqual([]);
    expect(next.recent).toHaveLength(50);
    expect(next.recent[0].cleared_at).toBe(99);
    expect(applyAlertEvent(undefined, { type: 'alert.fired', alert: alert() })).toBeUndefined();
  });
});

describe('following a link', () => {
  it('passes on only the filters the engine set (null is no filter)', async () => {
    const { followLink } = await import('./Alerts');
    const got: unknown[] = [];
    const nav = { openOutbox: (f: unknown) => got.push(f), openInbox: (f: unknown) => got.push(f) } as unknown as Nav;
    followLink(nav, { view: 'outbox', state: 'dead', destination: null });
    followLink(nav, { view: 'inbox', endpoint: 2, verdict: null });
    expect(JSON.parse(JSON.stringify(got))).toEqual([{ state: 'dead' }, { endpoint: 2 }]);
  });
});

describe('top-bar panels', () => {
  it('hang from the right edge of their button, or from its left edge when there is no room', async () => {
    const { panelSide } = await import('./panelSide');
    expect(panelSide(1100, 1140, 420)).toBe('right');
    expect(panelSide(12, 48, 360)).toBe('left'); // the gear wrapped to the start of a second row
  });
});
