// Issue 6, forward with hold, in Chromium: an endpoint holds what it forwards to a local app (a
// node http server on 127.0.0.1:0). A capture arrives, its forward waits in the endpoint's Held
// queue, is released from the UI and reaches the app; another is edited (URL) before release; the
// capture shows its forward delivered.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, goToUi, openBrowser, send, startEngine, type Engine, type Session } from './harness';

interface Got {
  method: string;
  url: string;
  body: string;
}

let engine: Engine;
let s: Session;
let app: Server;
let appUrl: string;
const got: Got[] = [];

beforeAll(async () => {
  app = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      got.push({ method: req.method ?? '', url: req.url ?? '', body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  const address = app.address();
  if (!address || typeof address === 'string') throw new Error('the app has no port');
  appUrl = `http://127.0.0.1:${address.port}`;
  engine = await startEngine();
  s = await openBrowser();
  await goToUi(s, engine);
});

afterAll(async () => {
  await s?.close();
  await engine?.stop();
  await new Promise((resolve) => app?.close(resolve));
});

const json = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('forward with hold, from the UI', () => {
  it('holds a forward until it is released in the Held queue, then the app gets it as received', async () => {
    const ep = await api<{ id: number }>(
      engine,
      '/api/endpoints',
      json({ name: 'gate', path_prefix: '/gate', forward: { url: `${appUrl}/hooks`, hold: true } }),
    );
    await s.page.getByTestId('nav-endpoints').click();
    const card = s.page.locator(`[data-testid=endpoint-card][data-endpoint-id="${ep.id}"]`);
    expect(await card.getByTestId('endpoint-forward').innerText()).toContain(`forwards to ${appUrl}/hooks`);

    const res = await send(engine, '/gate/orders', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"n":1}' });
    expect(res.status).toBe(200);
    const row = card.getByTestId('held-row');
    await row.waitFor();
    expect(got).toHaveLength(0);

    await row.getByTestId('held-release').click();
    await expect.poll(() => got.length).toBe(1);
    expect(got[0]).toEqual({ method: 'POST', url: '/hooks', body: '{"n":1}' });
    await card.getByTestId('held-queue').waitFor({ state: 'detached' });
  });

  it('edits the URL of a held forward before releasing it; the capture shows its forward delivered', async () => {
    const res = await send(engine, '/gate/second', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"n":2}' });
    const captureId = Number(res.headers.get('x-hookbench-capture-id'));
    const row = s.page.getByTestId('held-row');
    await row.waitFor();
    await row.getByTestId('held-edit').click();
    await s.page.getByTestId('held-url').fill(`${appUrl}/edited`);
    await s.page.getByTestId('held-send').click();
    await expect.poll(() => got.length).toBe(2);
    expect(got[1]).toEqual({ method: 'POST', url: '/edited', body: '{"n":2}' });

    await s.page.getByTestId('nav-inbox').click();
    await s.page.locator(`[data-testid=capture-row][data-capture-id="${captureId}"]`).click();
    const forward = s.page.getByTestId('capture-forward');
    await s.page.locator('[data-testid=capture-forward][data-state=delivered]').waitFor();
    expect(await forward.innerText()).toContain('last answer 200');
  });
});
