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

  it('edits and resends an event from the Outbox: a new event, linked to the old one, with the edited URL and body', async () => {
    const events = await api<{ items: { id: number; origin: string }[] }>(engine, '/api/events?limit=50');
    const replayed = events.items.find((e) => e.origin === 'replay');
    expect(replayed, 'the replay of the first test is an event').toBeDefined();
    await s.page.getByTestId('nav-outbox').click();
    await s.page.locator(`[data-testid=event-row][data-event-id="${replayed!.id}"]`).click();
    await s.page.getByTestId('event-edit-resend').click();
    const panel = s.page.getByTestId('resend-panel');
    // A URL only the engine can refuse: its 422 lands next to the URL field, and nothing is sent.
    const before = (await api<{ items: unknown[] }>(engine, '/api/events?limit=50')).items.length;
    await panel.getByTestId('replay-edit-url').fill('http://');
    await panel.getByTestId('resend-send').click();
    const urlError = panel.getByTestId('replay-url-error');
    await urlError.waitFor();
    expect(await urlError.innerText(), "the engine's message, placed by its field").toBe("'http://' has no host");
    expect((await api<{ items: unknown[] }>(engine, '/api/events?limit=50')).items).toHaveLength(before);
    await panel.getByTestId('replay-edit-url').fill(`${engine.receiverUrl.replace(/\/$/, '')}/third/orders`);
    await panel.getByTestId('replay-body-content').click();
    await s.page.keyboard.press('ControlOrMeta+a');
    await s.page.keyboard.insertText('{"order":"A-1","amount":30}');
    expect(await panel.getByTestId('replay-diff-request').innerText()).toContain('/third/orders');
    await panel.getByTestId('resend-send').click();
    await panel.getByTestId('resend-open').waitFor();
    let arrived: Summary | undefined;
    await expect
      .poll(async () => {
        arrived = (await api<{ items: Summary[] }>(engine, '/api/captures?q=/third/orders')).items[0];
        return arrived !== undefined;
      })
      .toBe(true);
    expect(bodyOf(await api<CaptureJson>(engine, `/api/captures/${arrived!.id}`))).toBe('{"order":"A-1","amount":30}');
    const after = await api<{ items: { id: number; resent_from: number | null }[] }>(engine, '/api/events?limit=50');
    expect(after.items.some((e) => e.resent_from === replayed!.id), 'the new event is linked to the old').toBe(true);
  });

  it('exports the Inbox selection as JSON Lines with secrets redacted, and imports pasted curl commands', async () => {
    const a = await send(engine, '/export/a', { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer hush-123' }, body: '{"a":1}' });
    const b = await send(engine, '/export/b', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"b":2}' });
    const ids = [Number(a.headers.get('x-hookbench-capture-id')), Number(b.headers.get('x-hookbench-capture-id'))];
    await s.page.getByTestId('nav-inbox').click();
    for (const id of ids) await s.page.locator(`[data-testid=capture-row][data-capture-id="${id}"] [data-testid=capture-select]`).check();
    expect(await s.page.getByTestId('selection-bar').innerText()).toContain('2 selected');
    await s.page.getByTestId('selection-replay').click();
    const view = s.page.getByTestId('replays-view');
    expect(await view.getByTestId('bulk-ids').inputValue(), 'the selection arrives as ids').toBe(ids.join(', '));
    await view.getByTestId('export-format-jsonl').check();
    expect(await view.getByTestId('export-redact').isChecked(), 'redaction is on by default').toBe(true);
    const [download] = await Promise.all([s.page.waitForEvent('download'), view.getByTestId('export-run').click()]);
    const path = await download.path();
    const text = (await import('node:fs')).readFileSync(path, 'utf8');
    const lines = text.trim().split('\n');
    expect(lines, 'one record per selected capture').toHaveLength(2);
    expect(text.toLowerCase(), 'the header is there…').toContain('authorization');
    expect(text, '…its value is not').not.toContain('hush-123');
    expect(await view.getByTestId('export-result').innerText()).toContain('Saved 2 records');

    await view.getByTestId('import-paste').fill(`curl -X POST 'http://example.com/imported/x' -H 'content-type: application/json' -d '{"i":1}'`);
    await view.getByTestId('import-paste-run').click();
    const result = view.getByTestId('import-result');
    await result.waitFor();
    expect(await result.innerText()).toContain('Imported 1 capture');
    const imported = await api<{ items: Summary[] }>(engine, '/api/captures?q=/imported/x');
    expect(imported.items).toHaveLength(1);

    await view.getByTestId('import-paste').fill('curl');
    await view.getByTestId('import-paste-run').click();
    const error = view.getByTestId('import-error');
    await error.waitFor();
    expect((await error.innerText()).length, 'a clear error, not a blank').toBeGreaterThan(20);
  });
});
