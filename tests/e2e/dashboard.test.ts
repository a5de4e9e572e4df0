// Issue 7 in Chromium: "Send a test webhook" signs a provider sample for an endpoint's secret through
// the outbox and opens the capture, verdict valid (from the empty Inbox and from Endpoints); full-text
// search finds a capture by a word in its body as you type; the Dashboard shows the figures of
// captures and events (some failing through a fault plan) with charts drawn; a dead letter fires an
// alert (rule dead_letters_max 0) whose link opens the Outbox filtered to it.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, ARTIFACTS, goToUi, openBrowser, send, startEngine, type Engine, type Session } from './harness';

let engine: Engine;
let s: Session;

beforeAll(async () => {
  engine = await startEngine();
  s = await openBrowser();
  await goToUi(s, engine);
  mkdirSync(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  await s?.close();
  await engine?.stop();
});

const json = (body: unknown, method = 'POST'): RequestInit => ({ method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function waitForApi<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: T = await get();
  while (!ok(last)) {
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
    last = await get();
  }
  return last;
}

describe('send a test webhook', () => {
  it('from the empty Inbox: a GitHub sample signed with the endpoint secret arrives and is opened, verdict valid', async () => {
    await api(engine, '/api/endpoints', json({ name: 'gh', path_prefix: '/gh', signature: { scheme: { kind: 'github' }, secrets: ['gh-e2e-secret'] } }));
    await s.page.getByTestId('empty-state').waitFor();
    const form = s.page.getByTestId('send-test');
    await form.getByTestId('send-test-endpoint').selectOption({ label: 'to gh (/gh)' });
    expect(await form.getByTestId('send-test-sample').inputValue(), "the endpoint's scheme picks the sample").toBe('github');
    await form.getByTestId('send-test-go').click();
    // The empty state is gone when the capture lands; the capture is opened all the same.
    const detail = s.page.getByTestId('capture-detail');
    await detail.waitFor({ timeout: 20_000 });
    expect(await detail.getByTestId('detail-url').innerText()).toContain('/gh/hookbench-test/github/');
    const id = await detail.getAttribute('data-capture-id');
    await s.page.locator(`[data-testid=capture-row][data-capture-id="${id}"] [data-testid=verdict-valid]`).waitFor();
    const stored = await api<{ verdict_valid: boolean | null; headers: { name: string; value: string }[] }>(engine, `/api/captures/${id}`);
    expect(stored.verdict_valid, 'the engine checked the signature and found it valid').toBe(true);
    expect(stored.headers.find((h) => h.name.toLowerCase() === 'x-github-event')?.value).toBe('push');
  });

  it('from Endpoints: a Stripe sample signed with the endpoint secret arrives and is opened, verdict valid', async () => {
    await api(engine, '/api/endpoints', json({ name: 'stripe', path_prefix: '/stripe', signature: { scheme: { kind: 'stripe' }, secrets: ['whsec_e2e_test'] } }));
    await s.page.getByTestId('nav-endpoints').click();
    const form = s.page.getByTestId('send-test');
    await form.getByTestId('send-test-endpoint').selectOption({ label: 'to stripe (/stripe)' });
    await form.getByTestId('send-test-sample').selectOption('stripe');
    await form.getByTestId('send-test-go').click();
    const detail = s.page.locator('[data-testid=capture-detail]', { hasText: '/stripe/hookbench-test/stripe/' });
    await detail.waitFor({ timeout: 20_000 });
    const id = await detail.getAttribute('data-capture-id');
    await s.page.locator(`[data-testid=capture-row][data-capture-id="${id}"] [data-testid=verdict-valid]`).waitFor();
    const stored = await api<{ verdict_valid: boolean | null }>(engine, `/api/captures/${id}`);
    expect(stored.verdict_valid, 'the engine checked the signature and found it valid').toBe(true);
    await s.page.screenshot({ path: join(ARTIFACTS, 'send-test-webhook.png') });
  });
});

describe('search', () => {
  it('finds a capture by a word in its body as you type; / comes back to the search box', async () => {
    await send(engine, '/hooks/one', json({ note: 'the zanzibar shipment left' }));
    await send(engine, '/hooks/two', json({ note: 'nothing to see' }));
    await s.page.getByTestId('nav-inbox').click();
    await s.page.locator('[data-testid=capture-row]', { hasText: '/hooks/two' }).waitFor();
    const all = await s.page.getByTestId('capture-row').count();
    await s.page.getByTestId('filter-search').fill('zanzib');
    await s.page.waitForFunction(() => document.querySelectorAll('[data-testid=capture-row]').length === 1);
    expect(await s.page.getByTestId('capture-row').innerText()).toContain('/hooks/one');
    // "/" from anywhere comes back to the search box.
    await s.page.getByTestId('filter-search').fill('');
    await s.page.waitForFunction((n) => document.querySelectorAll('[data-testid=capture-row]').length === n, all);
    await s.page.getByTestId('nav-endpoints').click();
    await s.page.locator('body').press('/');
    await s.page.locator('[data-testid=filter-search]:focus').waitFor();
  });
});
describe('dashboard and alerts', () => {
  it('shows per-destination and per-endpoint figures with charts drawn; a dead letter fires an alert that opens the Outbox filtered to it', async () => {
    await api(engine, '/api/alerts/rules', json({ dead_letters_max: 0, enabled: true, window: '15m' }, 'PUT'));
    // A target that answers 400: every event to it is a dead letter at once.
    const ep = await api<{ id: number }>(engine, '/api/endpoints', json({ name: 'rejects', path_prefix: '/rejects' }));
    await api(
      engine,
      `/api/endpoints/${ep.id}/faults`,
      json({ id: 'bad-request', name: '400 always', enabled: true, activated_at: Date.now(), fault: { kind: 'status', status: 400 } }),
    );
    const dest = await api<{ id: number }>(engine, '/api/destinations', json({ name: 'rejecting', url: `${engine.receiverUrl.replace(/\/$/, '')}/rejects/hook` }));
    const good = await api<{ id: number }>(engine, '/api/destinations', json({ name: 'accepting', url: `${engine.receiverUrl.replace(/\/$/, '')}/ok/hook` }));
    for (let i = 0; i < 3; i++) await api(engine, '/api/events', json({ destination: good.id, body: `{"n":${i}}` }));
    const dead = await api<{ id: number }>(engine, '/api/events', json({ destination: dest.id, body: '{"n":"dead"}' }));
    await waitForApi('the dead letter', () => api<{ state: string }>(engine, `/api/events/${dead.id}`), (e) => e.state === 'dead');

    // The alert arrives live in the top bar.
    await s.page.locator('[data-testid=alerts-count]:not([data-count="0"])').waitFor({ timeout: 20_000 });

    await s.page.getByTestId('nav-dashboard').click();
    const card = s.page.locator(`[data-testid=dest-metrics-card][data-target="destination:${dest.id}"]`);
    await card.waitFor({ timeout: 10_000 });
    await s.page.waitForFunction(
      (key) => document.querySelector(`[data-testid=dest-metrics-card][data-target="${key}"] [data-testid=m-dead]`)?.textContent === '1',
      `destination:${dest.id}`,
      { timeout: 10_000 },
    );
    expect(await card.getByTestId('m-success').innerText()).toBe('0 %');
    const goodCard = s.page.locator(`[data-testid=dest-metrics-card][data-target="destination:${good.id}"]`);
    await s.page.waitForFunction(
      (key) => document.querySelector(`[data-testid=dest-metrics-card][data-target="${key}"] [data-testid=m-success]`)?.textContent === '100 %',
      `destination:${good.id}`,
      { timeout: 10_000 },
    );
    // Charts are drawn from the series: bars with values in the attempts chart.
    expect(Number(await goodCard.getByTestId('chart-attempts').getAttribute('data-points'))).toBeGreaterThan(0);
    expect(await goodCard.locator('[data-testid=chart-attempts] rect.bar-ok').count()).toBeGreaterThan(0);
    expect(await card.locator('[data-testid=chart-attempts] rect.bar-bad').count()).toBeGreaterThan(0);
    const epCard = s.page.locator(`[data-testid=ep-metrics-card][data-endpoint-id="${ep.id}"]`);
    expect(await epCard.getByTestId('m-faulted').innerText()).not.toBe('0');
    expect(await epCard.locator('[data-testid=chart-requests] rect.bar').count()).toBeGreaterThan(0);
    await s.page.screenshot({ path: join(ARTIFACTS, 'dashboard.png') });

    await s.page.getByTestId('alerts-open').click();
    const row = s.page.locator(`[data-testid=alert-row][data-alert-id="dead_letters:destination:${dest.id}"]`);
    await row.waitFor();
    expect(await row.innerText()).toContain('rejecting');
    await s.page.screenshot({ path: join(ARTIFACTS, 'alerts.png') });
    await row.getByTestId('alert-link').click();
    // The Outbox, its list filtered to the dead events of that destination.
    await s.page.getByTestId('outbox').waitFor();
    expect(await s.page.getByTestId('state-chip-dead').getAttribute('aria-pressed')).toBe('true');
    expect(await s.page.getByTestId('destination-filter').inputValue()).toBe(String(dest.id));
    await s.page.locator(`[data-testid=event-row][data-event-id="${dead.id}"]`).waitFor();
    expect(await s.page.getByTestId('event-row').count()).toBe(1);
  });
});
