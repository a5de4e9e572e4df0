// The Inbox in Chromium against a real `hookbench serve`: live arrival, detail, hex, XSS, Copy as
// cURL round trip, delete and clear, and the no-token screen.
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  goToUi,
  latestCapture,
  openBrowser,
  send,
  sendRaw,
  startEngine,
  type CaptureJson,
  type Engine,
  type Session,
} from './harness';

let engine: Engine;
let s: Session;

beforeAll(async () => {
  engine = await startEngine();
  s = await openBrowser();
  await s.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: engine.apiUrl });
});

afterAll(async () => {
  await s?.close();
  await engine?.stop();
});

const rows = () => s.page.getByTestId('capture-row');

async function openCapture(id: number) {
  await s.page.locator(`[data-testid=capture-row][data-capture-id="${id}"]`).click();
  await s.page.locator(`[data-testid=capture-detail][data-capture-id="${id}"]`).waitFor();
}

describe('the Inbox in a browser', () => {
  it('without a token, explains where to get the UI URL', async () => {
    const page = await s.context.newPage();
    await page.goto(`${engine.apiUrl}/`);
    const text = await page.getByTestId('auth-screen').innerText();
    expect(text).toContain('hookbench serve');
    expect(text).toContain('ui:');
    await page.close();
  });

  it('with a wrong token, shows the same explanation', async () => {
    const page = await s.context.newPage();
    await page.goto(`${engine.apiUrl}/?token=not-the-token`);
    await page.getByTestId('auth-screen').waitFor();
    await page.close();
  });

  it('shows the empty state with the real receiver URL, and takes the token out of the address bar', async () => {
    await goToUi(s, engine);
    expect(s.page.url()).not.toContain('token=');
    expect(await s.page.getByTestId('receiver-url').innerText()).toBe(engine.receiverUrl);
    const line = await s.page.getByTestId('first-curl').innerText();
    expect(line).toBe(
      `curl -X POST '${engine.receiverUrl}/webhooks/test' -H 'Content-Type: application/json' -d '{"hello":"world"}'`,
    );
    await s.page.locator('[data-testid=live-indicator][data-status=live]').waitFor();
  });

  it('a JSON POST appears live, and its detail shows headers as received and pretty JSON', async () => {
    await s.page.evaluate(() => ((window as unknown as { __marker: number }).__marker = 42));
    const res = await send(engine, '/orders/created?shop=1', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ order: { id: 'ord_1', total: 12.5 } }),
    });
    expect(res.status).toBe(200);
    await rows().first().filter({ hasText: '/orders/created' }).waitFor();
    expect(await s.page.evaluate(() => (window as unknown as { __marker?: number }).__marker)).toBe(42);

    await sendRaw(engine, 'POST', '/hooks/headers', [
      ['X-Mixed-Case', 'Alpha'],
      ['x-repeat', 'one'],
      ['X-Repeat', 'two'],
      ['Content-Type', 'application/json'],
    ], new TextEncoder().encode('{"a":[1,2],"b":{"c":null}}'));
    await rows().first().filter({ hasText: '/hooks/headers' }).waitFor();
    const c = await latestCapture(engine);
    await openCapture(c.id);
    const headerRows = await s.page.getByTestId('header-row').allInnerTexts();
    const names = headerRows.map((r) => r.split('\t')[0].trim());
    const i = names.indexOf('X-Mixed-Case');
    expect(i).toBeGreaterThanOrEqual(0);
    expect(names.slice(i, i + 4)).toEqual(['X-Mixed-Case', 'x-repeat', 'X-Repeat', 'Content-Type']);
    expect(headerRows[i + 1]).toContain('one');
    expect(headerRows[i + 2]).toContain('two');
    const pretty = await s.page.getByTestId('body-pretty').innerText();
    expect(pretty).toBe('{\n  "a": [\n    1,\n    2\n  ],\n  "b": {\n    "c": null\n  }\n}');
  });

  it('a binary body opens in the hex view', async () => {
    await send(engine, '/upload', {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream' },
      body: new Uint8Array([0x00, 0x01, 0xfe, 0xff, 0x48, 0x69]),
    });
    await rows().first().filter({ hasText: '/upload' }).waitFor();
    const c = await latestCapture(engine);
    await openCapture(c.id);
    const hex = await s.page.getByTestId('body-hex').innerText();
    expect(hex).toContain('00000000');
    expect(hex).toContain('00 01 fe ff 48 69');
    expect(hex).toContain('....Hi');
  });

  it('markup in a body, a path and a header is shown as text and never runs', async () => {
    const img = '<img src=x onerror="window.__xss=1">';
    const script = '<script>window.__xss=1</script>';
    await send(engine, `/xss/${encodeURIComponent(img)}?q=${encodeURIComponent(script)}`, {
      method: 'POST',
      headers: { 'content-type': 'text/html', 'x-evil': img },
      body: `${script}${img}`,
    });
    await rows().first().filter({ hasText: '/xss/' }).waitFor();
    const c = await latestCapture(engine);
    await openCapture(c.id);
    await s.page.getByRole('tab', { name: 'Raw' }).click();
    expect(await s.page.getByTestId('body-raw').innerText()).toBe(`${script}${img}`);
    expect(await s.page.getByTestId('headers-table').innerText()).toContain(img);
    await s.page.waitForTimeout(300);
    expect(await s.page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(await s.page.locator('[data-testid=capture-detail] img, [data-testid=capture-list] img').count()).toBe(0);
    expect(s.dialogs).toEqual([]);
  });

  it('Copy as cURL, run by bash, recreates the request with identical body bytes and headers', async () => {
    const body = new Uint8Array([0x7b, 0x27, 0x0a, 0x5c, 0x00, 0xff, 0x24, 0x28, 0x60, 0x7d, 0x0d, 0x0a]);
    await sendRaw(engine, 'PATCH', '/replay/me?x=1&y=%20', [
      ['X-Mixed-Case', "it's $(echo no)"],
      ['x-dup', 'a'],
      ['X-Dup', 'b'],
      ['Content-Type', 'application/octet-stream'],
    ], body);
    await rows().first().filter({ hasText: '/replay/me' }).waitFor();
    const original = await latestCapture(engine);
    await openCapture(original.id);
    await s.page.getByTestId('copy-curl').click();
    await s.page.getByTestId('toast-info').filter({ hasText: 'cURL' }).waitFor();
    const cmd = await s.page.evaluate(() => navigator.clipboard.readText());
    expect(cmd).toContain(engine.receiverUrl);

    await new Promise<void>((resolve, reject) =>
      execFile('bash', ['-c', `${cmd} -s -o /dev/null`], (err, _o, stderr) => (err ? reject(new Error(stderr)) : resolve())),
    );
    await s.page.locator(`[data-testid=capture-row]:not([data-capture-id="${original.id}"])`).first()
      .filter({ hasText: '/replay/me' }).waitFor();
    const copy = await latestCapture(engine);
    expect(copy.id).not.toBe(original.id);
    const strip = (c: CaptureJson) =>
      c.headers
        .filter((h) => !['host', 'content-length', 'connection', 'transfer-encoding'].includes(h.name.toLowerCase()))
        .map((h) => [h.name, h.value_base64 ?? h.value]);
    expect(copy.method).toBe('PATCH');
    expect(copy.path).toBe(original.path);
    expect(copy.query).toBe(original.query);
    expect(copy.body_base64).toBe(original.body_base64);
    expect(Buffer.from(copy.body_base64 ?? '', 'base64')).toEqual(Buffer.from(body));
    expect(strip(copy)).toEqual(strip(original));
  });

  it('Delete removes one capture and selects the next; it stays gone after a reload', async () => {
    const before = await api<{ items: { id: number }[]; total: number }>(engine, '/api/captures?limit=500');
    const [first, second] = before.items;
    await openCapture(first.id);
    await s.page.getByTestId('delete-capture').click();
    await s.page.locator(`[data-testid=capture-detail][data-capture-id="${second.id}"]`).waitFor();
    await s.page.locator(`[data-testid=capture-row][data-capture-id="${first.id}"]`).waitFor({ state: 'detached' });
    await s.page.reload();
    await rows().first().waitFor();
    expect(await s.page.locator(`[data-testid=capture-row][data-capture-id="${first.id}"]`).count()).toBe(0);
    expect(await rows().count()).toBe(before.total - 1);
  });

  it('the Delete key deletes the selected capture', async () => {
    const ids = (await api<{ items: { id: number }[] }>(engine, '/api/captures')).items.map((i) => i.id);
    await openCapture(ids[0]);
    await s.page.keyboard.press('j');
    await s.page.locator(`[data-testid=capture-detail][data-capture-id="${ids[1]}"]`).waitFor();
    await s.page.keyboard.press('Delete');
    await s.page.locator(`[data-testid=capture-row][data-capture-id="${ids[1]}"]`).waitFor({ state: 'detached' });
    const after = (await api<{ items: { id: number }[] }>(engine, '/api/captures')).items.map((i) => i.id);
    expect(after).not.toContain(ids[1]);
    expect(after).toContain(ids[0]);
  });

  it('Clear all (confirmed) empties the inbox, and it stays empty after a reload', async () => {
    await s.page.getByTestId('clear-all').click();
    await s.page.getByTestId('clear-confirm').click();
    await s.page.getByTestId('empty-state').waitFor();
    expect((await api<{ total: number }>(engine, '/api/captures')).total).toBe(0);
    await s.page.reload();
    await s.page.getByTestId('empty-state').waitFor();
    expect(await rows().count()).toBe(0);
  });
});
