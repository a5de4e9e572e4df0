// The live connection in Chromium: the indicator says when the engine is gone, the page reconnects
// by itself when it is back (same addresses, token and data), and what arrived in between shows up
// without a reload.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { goToUi, openBrowser, send, startEngine, type Engine, type Session } from './harness';

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

const indicator = () => s.page.getByTestId('live-indicator');
const row = (path: string) => s.page.getByTestId('capture-row').filter({ hasText: path });

describe('the live connection', () => {
  it('is shown as live once the event stream is open', async () => {
    await s.page.locator('[data-testid=live-indicator][data-status=live]').waitFor();
    expect(await indicator().innerText()).toContain('Live');
  });

  it('says it is reconnecting while the engine is down, and catches up when it is back', async () => {
    await send(engine, '/before-restart', { method: 'POST', body: '1' });
    await row('/before-restart').waitFor();
    await s.page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));

    await engine.kill();
    await s.page.locator('[data-testid=live-indicator][data-status=reconnecting]').waitFor({ timeout: 15_000 });
    expect(await indicator().innerText()).toContain('Reconnecting');

    engine = await engine.restart();
    // Sent at once, most likely before the page has its stream back: it must still appear.
    await send(engine, '/while-away', { method: 'POST', body: '2' });
    await s.page.locator('[data-testid=live-indicator][data-status=live]').waitFor({ timeout: 30_000 });
    await row('/while-away').waitFor();

    // And live events flow again on the new stream.
    await send(engine, '/after-restart', { method: 'POST', body: '3' });
    await row('/after-restart').waitFor();
    const paths = await s.page.getByTestId('capture-row').locator('.row-path').allInnerTexts();
    expect(paths).toEqual(['/after-restart', '/while-away', '/before-restart']);
    expect(await s.page.getByTestId('capture-count').innerText()).toBe('3 captures');
    // All of that without a reload.
    expect(await s.page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
  });
});
