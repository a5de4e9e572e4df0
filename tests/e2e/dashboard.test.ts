// Issue 7 in Chromium: "Send a test webhook" signs a provider sample for an endpoint's secret through
// the outbox and opens the capture, verdict valid (from the empty Inbox and from Endpoints); full-text
// search finds a capture by a word in its body as you type.
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
