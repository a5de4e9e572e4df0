// Browsing the Inbox in Chromium against a real `hookbench serve` with a 1 KiB body limit: filters
// (also for live arrivals), arrow keys, form bodies, Download body, a body over the limit, and
// paging through many captures with the `before` cursor while the DOM keeps only a window of rows.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, goToUi, latestCapture, openBrowser, send, startEngine, type Engine, type Session } from './harness';

let engine: Engine;
let s: Session;

beforeAll(async () => {
  engine = await startEngine(['--max-body', '1KiB']);
  s = await openBrowser();
  await s.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: engine.apiUrl });
  await goToUi(s, engine);
  await s.page.getByTestId('empty-state').waitFor();
});

afterAll(async () => {
  await s?.close();
  await engine?.stop();
});

const rows = () => s.page.getByTestId('capture-row');
const shownPaths = async () =>
  (await rows().locator('.row-path').allInnerTexts()).map((t) => t.trim());

async function openCapture(id: number) {
  await s.page.locator(`[data-testid=capture-row][data-capture-id="${id}"]`).click();
  await s.page.locator(`[data-testid=capture-detail][data-capture-id="${id}"]`).waitFor();
}

async function clearAll() {
  await api(engine, '/api/captures', { method: 'DELETE' });
  await s.page.getByTestId('empty-state').waitFor();
}

describe('browsing the Inbox', () => {
  it('filters by path substring and method on the engine, and live arrivals honour the filter', async () => {
    await send(engine, '/alpha/one', { method: 'POST', body: 'a' });
    await send(engine, '/beta/two', { method: 'GET' });
    await send(engine, '/gamma/three?tag=alpha', { method: 'PUT', body: 'c' });
    await rows().nth(2).waitFor();

    await s.page.getByTestId('filter-q').fill('ALPHA');
    await expect.poll(shownPaths).toEqual(['/gamma/three?tag=alpha', '/alpha/one']);

    await s.page.getByTestId('filter-method').selectOption('PUT');
    await expect.poll(shownPaths).toEqual(['/gamma/three?tag=alpha']);

    // Arrivals while filtered: a POST to /alpha does not match PUT; a PUT to /alpha does.
    await send(engine, '/alpha/post-live', { method: 'POST', body: 'x' });
    await send(engine, '/alpha/put-live', { method: 'PUT', body: 'y' });
    await expect.poll(shownPaths).toEqual(['/alpha/put-live', '/gamma/three?tag=alpha']);

    await s.page.getByTestId('filter-method').selectOption('');
    await s.page.getByTestId('filter-q').fill('');
    await expect.poll(shownPaths).toEqual([
      '/alpha/put-live',
      '/alpha/post-live',
      '/gamma/three?tag=alpha',
      '/beta/two',
      '/alpha/one',
    ]);
  });

  it('↓ and ↑ move the selection through the list', async () => {
    const ids = (await api<{ items: { id: number }[] }>(engine, '/api/captures')).items.map((i) => i.id);
    await openCapture(ids[1]);
    await s.page.keyboard.press('ArrowDown');
    await s.page.locator(`[data-testid=capture-detail][data-capture-id="${ids[2]}"]`).waitFor();
    await s.page.keyboard.press('ArrowUp');
    await s.page.keyboard.press('ArrowUp');
    await s.page.locator(`[data-testid=capture-detail][data-capture-id="${ids[0]}"]`).waitFor();
    expect(await s.page.locator('[data-testid=capture-row][aria-selected=true]').getAttribute('data-capture-id')).toBe(
      String(ids[0]),
    );
  });

  it('shows a form body as a table of fields, in order with repeats', async () => {
    await send(engine, '/form', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'b=2&a=x+y&b=%3Cb%3E',
    });
    await rows().first().filter({ hasText: '/form' }).waitFor();
    await openCapture((await latestCapture(engine)).id);
    const fields = await s.page.getByTestId('body-form').locator('tr').allInnerTexts();
    expect(fields.map((f) => f.split('\t').map((c) => c.trim()))).toEqual([
      ['b', '2'],
      ['a', 'x y'],
      ['b', '<b>'],
    ]);
  });

  it('Download body saves the exact bytes', async () => {
    const body = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0x10]);
    await send(engine, '/download', { method: 'POST', headers: { 'content-type': 'image/png' }, body });
    await rows().first().filter({ hasText: '/download' }).waitFor();
    await openCapture((await latestCapture(engine)).id);
    const [download] = await Promise.all([
      s.page.waitForEvent('download'),
      s.page.getByRole('button', { name: 'Download body' }).click(),
    ]);
    const path = await download.path();
    expect(new Uint8Array(readFileSync(path))).toEqual(body);
  });

  it('a body over the limit is marked 413 and explained, not shown', async () => {
    const res = await send(engine, '/too-big', { method: 'POST', body: 'z'.repeat(2048) });
    expect(res.status).toBe(413);
    const row = rows().first().filter({ hasText: '/too-big' });
    await row.waitFor();
    expect(await row.innerText()).toContain('413');
    await openCapture((await latestCapture(engine)).id);
    const notice = await s.page.getByTestId('body-not-stored').innerText();
    expect(notice).toContain('2048 bytes');
    expect(notice).toContain('over the size limit');
    expect(await s.page.getByRole('button', { name: 'Download body' }).isDisabled()).toBe(true);
    // Copy as cURL still works, and says the body cannot be part of it.
    await s.page.getByTestId('copy-curl').click();
    await s.page.getByTestId('toast-info').filter({ hasText: 'without the body' }).waitFor();
    const cmd = await s.page.evaluate(() => navigator.clipboard.readText());
    expect(cmd).toContain(`${engine.receiverUrl}/too-big`);
    expect(cmd).not.toContain('zzzz');
  });

  it('pages through 650 captures with the cursor, keeping only a window of rows in the DOM', async () => {
    await clearAll();
    const total = 650;
    for (let start = 1; start <= total; start += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, total - start + 1) }, (_, k) =>
          send(engine, `/bulk/${String(start + k).padStart(4, '0')}`, { method: 'POST', body: `{"n":${start + k}}` }).then(
            (r) => r.arrayBuffer(),
          ),
        ),
      );
    }
    expect((await api<{ total: number }>(engine, '/api/captures?limit=1')).total).toBe(total);
    // All 650 arrived live; a reload starts from the first page, which is what the cursor is for.
    await s.page.reload();
    await rows().first().waitFor();
    await expect.poll(async () => s.page.getByTestId('capture-count').innerText()).toBe('650 captures');

    const requested: string[] = [];
    s.page.on('request', (r) => {
      if (r.url().includes('/api/captures?')) requested.push(new URL(r.url()).searchParams.get('before') ?? 'first');
    });
    const list = s.page.getByTestId('capture-list');
    const oldest = s.page.locator('[data-testid=capture-row]').filter({ hasText: '/bulk/0001' });
    for (let i = 0; i < 40 && (await oldest.count()) === 0; i++) {
      await list.evaluate((el) => el.scrollTo(0, el.scrollHeight));
      await s.page.waitForTimeout(150);
      expect(await rows().count()).toBeLessThan(100);
    }
    await oldest.waitFor();
    // 650 newest first in pages of 200: three more pages, each before the oldest id loaded so far.
    expect(requested).toHaveLength(3);
    expect(requested.every((b) => /^\d+$/.test(b))).toBe(true);
    expect(await rows().count()).toBeLessThan(100);
  });
});
