// Issue 6, replay in Chromium: a captured JSON body is edited in the Replay sheet (the diff against
// the original is shown), replayed to a second endpoint on the same receiver, and arrives there
// with the edited bytes (checked through the API and seen in the Inbox); a bulk replay of 20
// captures chosen by filter shows its progress and ends "20 delivered".
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, goToUi, openBrowser, send, startEngine, type CaptureJson, type Engine, type Session } from './harness';

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

interface Summary {
  id: number;
  path: string;
  endpoint_id: number;
}

function bodyOf(c: CaptureJson): string {
  return Buffer.from(c.body_base64 ?? '', 'base64').toString('utf8');
}

describe('replay from the UI', () => {
  it('edits a captured body, shows the diff, replays it to a second endpoint and the edited bytes arrive there', async () => {
    const second = await api<{ id: number }>(engine, '/api/endpoints', json({ name: 'second', path_prefix: '/second' }));
    const original = '{"order":"A-1","amount":10}';
    const res = await send(engine, '/first/orders', { method: 'POST', headers: { 'content-type': 'application/json', 'x-tag': 'kept' }, body: original });
    expect(res.status).toBe(200);
    const captureId = Number(res.headers.get('x-hookbench-capture-id'));

    const row = s.page.locator(`[data-testid=capture-row][data-capture-id="${captureId}"]`);
    await row.click();
    await s.page.getByTestId('replay-capture').click();
    const dialog = s.page.getByTestId('replay-dialog');
    await dialog.waitFor();
    const url = dialog.getByTestId('replay-url');
    expect(await url.inputValue(), 'the URL starts as this receiver with the capture path').toBe(`${engine.receiverUrl.replace(/\/$/, '')}/first/orders`);
    await url.fill(`${engine.receiverUrl.replace(/\/$/, '')}/second/orders`);

    await dialog.getByTestId('replay-edit-toggle').check();
    const editor = dialog.getByTestId('replay-body-content');
    await editor.click();
    await s.page.keyboard.press('ControlOrMeta+a');
    const edited = '{"order":"A-1","amount":25}';
    await s.page.keyboard.insertText(edited);

    const diff = dialog.getByTestId('replay-diff-body');
    await diff.waitFor();
    const removed = await diff.locator('[data-op=removed]').allInnerTexts();
    const added = await diff.locator('[data-op=added]').allInnerTexts();
    expect(removed.join('\n'), 'the diff shows the old amount removed').toContain('"amount": 10');
    expect(added.join('\n'), 'and the new one added').toContain('"amount": 25');

    await dialog.getByTestId('replay-send').click();
    const result = dialog.getByTestId('replay-result');
    await result.waitFor();
    await dialog.locator('[data-testid=replay-result][data-state=delivered]').waitFor({ timeout: 20_000 });

    // The edited bytes arrived at the second endpoint as a new capture; the original is unchanged.
    let arrived: Summary | undefined;
    await expect
      .poll(async () => {
        const page = await api<{ items: Summary[] }>(engine, '/api/captures?q=/second/orders');
        arrived = page.items[0];
        return page.items.length;
      })
      .toBe(1);
    expect(arrived!.endpoint_id, 'routed to the second endpoint').toBe(second.id);
    const full = await api<CaptureJson>(engine, `/api/captures/${arrived!.id}`);
    expect(bodyOf(full), 'byte for byte the edited body').toBe(edited);
    expect(full.headers.find((h) => h.name.toLowerCase() === 'x-tag')?.value, 'the other headers kept').toBe('kept');
    const first = await api<CaptureJson>(engine, `/api/captures/${captureId}`);
    expect(bodyOf(first), 'the original capture never changes').toBe(original);

    // And the Inbox shows it.
    await dialog.getByTestId('replay-close').click();
    await s.page.locator(`[data-testid=capture-row][data-capture-id="${arrived!.id}"]`).waitFor();
    expect(await s.page.locator(`[data-testid=capture-row][data-capture-id="${arrived!.id}"]`).innerText()).toContain('/second/orders');
  });

  it('refuses an edited body that is not JSON, naming the line and column next to the body', async () => {
    const res = await send(engine, '/first/bad', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    const captureId = Number(res.headers.get('x-hookbench-capture-id'));
    await s.page.locator(`[data-testid=capture-row][data-capture-id="${captureId}"]`).click();
    await s.page.getByTestId('replay-capture').click();
    const dialog = s.page.getByTestId('replay-dialog');
    await dialog.getByTestId('replay-edit-toggle').check();
    await dialog.getByTestId('replay-body-content').click();
    await s.page.keyboard.press('ControlOrMeta+a');
    await s.page.keyboard.insertText('{\n  "a": 1,\n}');
    await dialog.getByTestId('replay-send').click();
    const error = dialog.getByTestId('replay-body-problem');
    await error.waitFor();
    expect(await error.innerText()).toContain('line 3');
    const events = await api<{ items: unknown[] }>(engine, '/api/events?limit=50');
    expect(events.items, 'nothing was sent').toHaveLength(1);
    await dialog.getByTestId('replay-close').click();
  });

  it('bulk replays 20 captures chosen by filter, with a preview count, progress and "20 delivered" at the end', async () => {
    for (let i = 0; i < 20; i++) {
      const r = await send(engine, `/batch/item-${i}`, json({ n: i }));
      expect(r.status).toBe(200);
    }
    await s.page.getByTestId('nav-replays').click();
    const view = s.page.getByTestId('replays-view');
    await view.waitFor();
    await view.getByTestId('bulk-q').fill('/batch/');
    await view.getByTestId('bulk-url').fill(`${engine.receiverUrl.replace(/\/$/, '')}/copies`);
    await view.getByTestId('bulk-rate').fill('40');
    await view.getByTestId('bulk-preview').click();
    const count = view.getByTestId('bulk-preview-count');
    await count.waitFor();
    expect(await count.innerText()).toContain('20 captures would be replayed');
    await view.getByTestId('bulk-start').click();

    const batch = view.locator('[data-testid=bulk-replay] [data-testid=batch]');
    await batch.waitFor();
    expect(await batch.getByTestId('batch-progress').getAttribute('aria-valuemax')).toBe('20');
    await view.locator('[data-testid=bulk-replay] [data-testid=batch][data-finished=true]').waitFor({ timeout: 30_000 });
    expect(await batch.getByTestId('batch-done').innerText()).toBe('20 / 20');
    expect(await batch.getByTestId('batch-summary').innerText()).toContain('20 delivered');
    expect(await batch.getByTestId('batch-dead').innerText()).toBe('0 dead');
    const copies = await api<{ total: number }>(engine, '/api/captures?q=/copies&limit=1');
    expect(copies.total, 'every replay arrived at the receiver').toBe(20);
  });
});
