// Issue 5 in Chromium: the sender's UI against Hookbench's own receiver. An event composed in the
// UI goes to an endpoint that answers 503: its timeline grows live (failed attempts, planned ones),
// the fault is healed from the banner, and the event is delivered with a 200. A destination made
// in the form whose target answers 400 gives a dead letter at once, counted under it.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, ARTIFACTS, goToUi, openBrowser, startEngine, type Engine, type Session } from './harness';

let engine: Engine;
let s: Session;

beforeAll(async () => {
  engine = await startEngine();
  s = await openBrowser();
  await goToUi(s, engine);
});

afterAll(async () => {
  await s?.close();
  await engine?.stop();
});

const json = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function openOutbox(tab: 'events' | 'send' | 'dead' | 'destinations') {
  await s.page.getByTestId('nav-outbox').click();
  await s.page.getByTestId(`outbox-tab-${tab}`).click();
}

/** Replaces the JSON editor's text the way a person would: select all, type. */
async function typeBody(text: string) {
  const content = s.page.getByTestId('compose-body-content');
  await content.click();
  await s.page.keyboard.press('Control+A');
  await s.page.keyboard.press('Delete');
  await s.page.keyboard.insertText(text);
}

describe('the sender from the UI', () => {
  it('refuses to send a body that is not JSON, and says where', async () => {
    await openOutbox('send');
    await typeBody('{"order": 1,}');
    await s.page.locator('[data-testid=compose-body][data-valid=false]').waitFor();
    expect(await s.page.getByTestId('compose-body-error').innerText()).toBe('line 1, column 13: a trailing comma before } is not allowed in JSON');
    expect(await s.page.getByTestId('compose-send').isDisabled()).toBe(true);
  });

  it('a 503 target: the timeline grows with failed and planned attempts; healed, the event is delivered with a 200', async () => {
    await api(engine, '/api/endpoints/1/faults', json({ preset: '503-2m' }));
    await s.page.getByTestId('fault-banner').waitFor();

    await openOutbox('send');
    const url = `${engine.receiverUrl.replace(/\/$/, '')}/e2e/orders`;
    await s.page.getByTestId('compose-url').fill(url);
    await typeBody('{"type": "order.created", "id": "ord_1"}');
    await s.page.getByTestId('compose-policy').selectOption('custom');
    await s.page.getByTestId('compose-policy-delays').fill('0, 1s, 1s, 1s, 1s, 1s, 1s, 1s, 5s, 10s, 30s, 1m');
    await s.page.getByTestId('compose-policy-jitter').fill('0');
    await s.page.getByTestId('compose-send').click();

    const detail = s.page.getByTestId('event-detail');
    await detail.waitFor();
    const id = await detail.getAttribute('data-event-id');
    expect(id).toBeTruthy();

    // The timeline grows while we watch: two failed attempts on the axis and the next ones planned.
    await s.page.waitForFunction(
      () =>
        document.querySelectorAll('[data-testid=tl-attempt][data-outcome=retryable]').length >= 2 &&
        document.querySelectorAll('[data-testid=tl-planned]').length >= 1,
      undefined,
      { timeout: 20_000 },
    );
    const failed = await s.page.locator('[data-testid=attempt][data-outcome=retryable]').first();
    expect(await failed.getAttribute('data-status')).toBe('503');
    expect(await failed.getByTestId('attempt-decision').innerText()).toContain('503 is retryable');
    // The request as sent carries a fresh Standard Webhooks-style id header or the idempotency key.
    expect(await s.page.getByTestId('event-state').innerText()).toMatch(/retrying|delivering/);
    mkdirSync(ARTIFACTS, { recursive: true });
    await s.page.screenshot({ path: join(ARTIFACTS, 'outbox-timeline.png') });

    await s.page.getByTestId('heal-all').click();
    await s.page.getByTestId('fault-banner').waitFor({ state: 'detached' });

    await s.page.locator(`[data-testid=event-detail][data-event-id="${id}"][data-state=delivered]`).waitFor({ timeout: 20_000 });
    const last = s.page.getByTestId('attempt').first();
    expect(await last.getAttribute('data-status'), 'the newest attempt is the delivery').toBe('200');
    expect(await last.getAttribute('data-outcome')).toBe('success');
    expect(await s.page.locator('[data-testid=tl-attempt][data-outcome=success]').count()).toBe(1);
    expect(await s.page.locator('[data-testid=tl-planned]').count(), 'nothing is planned after delivery').toBe(0);
    // The list agrees, live.
    const row = s.page.locator(`[data-testid=event-row][data-event-id="${id}"]`);
    await s.page.locator(`[data-testid=event-row][data-event-id="${id}"][data-state=delivered]`).waitFor();
    expect(await row.innerText()).toContain('200');
    const stored = await api<{ state: string; attempt_count: number }>(engine, `/api/events/${id}`);
    expect(stored.state).toBe('delivered');
    expect(stored.attempt_count).toBeGreaterThanOrEqual(3);
    await s.page.screenshot({ path: join(ARTIFACTS, 'outbox-delivered.png') });
  });

  it('a destination whose target answers 400: the event is dead at once and counted under it in Dead letters', async () => {
    const ep = await api<{ id: number }>(engine, '/api/endpoints', json({ name: 'rejects', path_prefix: '/rejects' }));
    await api(
      engine,
      `/api/endpoints/${ep.id}/faults`,
      json({ id: 'bad-request', name: '400 always', enabled: true, activated_at: Date.now(), fault: { kind: 'status', status: 400 } }),
    );

    await openOutbox('destinations');
    await s.page.getByTestId('dest-new').click();
    await s.page.getByTestId('dest-name').fill('rejecting-service');
    await s.page.getByTestId('dest-url').fill(`${engine.receiverUrl.replace(/\/$/, '')}/rejects/hook`);
    await s.page.getByTestId('dest-scheme').selectOption('');
    await s.page.getByTestId('dest-save').click();
    const card = s.page.locator('[data-testid=destination-card]', { hasText: 'rejecting-service' });
    await card.waitFor();
    const destId = await card.getAttribute('data-destination-id');

    await card.getByTestId('dest-send').click();
    expect(await s.page.getByTestId('compose-target').inputValue()).toBe(destId);
    await s.page.getByTestId('sample-invoice.paid').click();
    await s.page.getByTestId('compose-send').click();
    const detail = s.page.locator('[data-testid=event-detail][data-state=dead]');
    await detail.waitFor({ timeout: 15_000 });
    expect(await s.page.getByTestId('event-dead-reason').innerText()).toContain('400 is not retryable');
    expect(await s.page.locator('[data-testid=tl-attempt][data-outcome=terminal]').count()).toBe(1);

    await openOutbox('dead');
    const count = s.page.locator(`[data-testid=dead-count][data-destination-id="${destId}"]`);
    await count.waitFor();
    expect(await count.getAttribute('data-count')).toBe('1');
    expect(await count.innerText()).toContain('rejecting-service');
    const rows = s.page.getByTestId('dead-row');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().getByTestId('dead-reason').innerText()).toContain('400');
    await s.page.screenshot({ path: join(ARTIFACTS, 'outbox-dead-letters.png') });
  });

  it('the global time scale in the Outbox header is the engine setting', async () => {
    await openOutbox('events');
    await s.page.getByTestId('global-timescale').selectOption('60');
    const deadline = Date.now() + 5000;
    let scale = 1;
    while (Date.now() < deadline && scale !== 60) {
      scale = (await api<{ time_scale: number }>(engine, '/api/settings')).time_scale;
      if (scale !== 60) await new Promise((r) => setTimeout(r, 100));
    }
    expect(scale).toBe(60);
    await api(engine, '/api/settings', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ time_scale: 1 }) });
    // settings.changed comes back over the stream: the select follows.
    await s.page.waitForFunction(() => (document.querySelector('[data-testid=global-timescale]') as HTMLSelectElement | null)?.value === '1');
  });
});
