// Issue 4 in Chromium: presets from the Faults view make the real receiver misbehave (429 with
// Retry-After, connection refused), the banner shows it from every view, the capture records the
// fault, and Heal all puts everything back. Also a custom fault and a response rule with a template error.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, goToUi, openBrowser, send, startEngine, type Engine, type Session } from './harness';

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

/** Opens a TCP connection to the receiver: 'accepted', or the error code (ECONNREFUSED). */
function tryConnect(): Promise<string> {
  const u = new URL(engine.receiverUrl);
  return new Promise((resolve) => {
    const sock = connect(Number(u.port), '127.0.0.1');
    sock.once('connect', () => {
      sock.destroy();
      resolve('accepted');
    });
    sock.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? String(e)));
  });
}

async function eventually<T>(what: () => Promise<T>, ok: (v: T) => boolean, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await what();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const banner = () => s.page.getByTestId('fault-banner');

async function openDefaultPanel() {
  await s.page.getByTestId('nav-faults').click();
  await s.page.locator('[data-testid=fault-panel][data-endpoint-id="1"]').waitFor();
}

describe('fault injection from the UI', () => {
  it('shows no banner while everything is healthy', async () => {
    await s.page.locator('[data-testid=live-indicator][data-status=live]').waitFor();
    expect(await banner().count()).toBe(0);
  });

  it('"Rate limited" on the default endpoint: the banner shows it and the receiver answers 429 with Retry-After: 30', async () => {
    await openDefaultPanel();
    await s.page.getByTestId('preset-rate-limited').click();
    await banner().waitFor();
    expect(await banner().innerText()).toContain('Rate limited (429, Retry-After 30)');
    const plan = s.page.locator('[data-testid=fault-plan][data-plan-id="rate-limited"]');
    await plan.waitFor();
    expect(await plan.getAttribute('data-state')).toBe('live');

    const res = await send(engine, '/orders/created', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id":1}' });
    expect(res.status, 'the preset answers every request with 429').toBe(429);
    expect(res.headers.get('retry-after'), 'the preset tells the sender when to retry').toBe('30');
    const id = res.headers.get('x-hookbench-capture-id');
    expect(id).toBeTruthy();

    // The banner follows the user to the Inbox, and the capture says which fault answered.
    await s.page.getByTestId('nav-inbox').click();
    expect(await banner().isVisible()).toBe(true);
    await s.page.locator(`[data-testid=capture-row][data-capture-id="${id}"]`).click();
    const line = s.page.locator(`[data-testid=capture-detail][data-capture-id="${id}"] [data-testid=capture-fault]`);
    await line.waitFor();
    const text = await line.innerText();
    expect(text).toContain('429');
    expect(text).toContain('Rate limited');
  });

  it('Heal all in the banner removes every plan: the banner goes and the next request gets 200', async () => {
    await s.page.getByTestId('heal-all').click();
    await banner().waitFor({ state: 'detached' });
    expect((await api<{ active: unknown[] }>(engine, '/api/faults')).active).toHaveLength(0);
    const res = await send(engine, '/orders/created', { method: 'POST', body: '{}' });
    expect(res.status).toBe(200);
  });

  it('"Down" refuses connections until healed, then they are accepted again', async () => {
    await openDefaultPanel();
    await s.page.getByTestId('preset-down').click();
    await s.page.getByTestId('banner-receiver-off').waitFor();
    const refused = await eventually(tryConnect, (r) => r === 'ECONNREFUSED');
    expect(refused, 'the listener is closed while the receiver is off').toBe('ECONNREFUSED');

    await s.page.getByTestId('heal-all').click();
    await banner().waitFor({ state: 'detached' });
    const back = await eventually(tryConnect, (r) => r === 'accepted');
    expect(back, 'healing opens the listener again').toBe('accepted');
    expect((await send(engine, '/after-down', { method: 'POST', body: '{}' })).status).toBe(200);
  });

  it('a custom fault for the first 2 requests is built by the form and obeyed, then switched off', async () => {
    await openDefaultPanel();
    await s.page.getByTestId('fault-status').fill('418');
    await s.page.getByTestId('fault-wrap').selectOption('fail_first');
    await s.page.getByTestId('fault-firstN').fill('2');
    await s.page.getByTestId('fault-add').click();
    const plan = s.page.getByTestId('fault-plan');
    await plan.waitFor();
    expect(await plan.innerText()).toContain('418, first 2 requests');
    await banner().waitFor();

    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await send(engine, '/custom', { method: 'POST', body: '{}' })).status);
    expect(statuses).toEqual([418, 418, 200]);

    await plan.getByTestId('plan-switch').click();
    await s.page.locator('[data-testid=fault-plan][data-state=off]').waitFor();
    await banner().waitFor({ state: 'detached' });
    await plan.getByTestId('plan-remove').click();
    await plan.waitFor({ state: 'detached' });
  });

  it('the engine refuses an impossible custom fault, and says why next to the form', async () => {
    await s.page.getByTestId('fault-wrap').selectOption('probability');
    await s.page.getByTestId('fault-p').fill('1.5');
    await s.page.getByTestId('fault-add').click();
    const err = await s.page.getByTestId('fault-form-error').innerText();
    expect(err).toContain('fault.p');
    expect(err).toContain('not a probability');
    await s.page.getByTestId('fault-wrap').selectOption('none');
  });

  it('a response rule: a template error is shown with its field, the fixed rule answers, other settings stay', async () => {
    // A switched-off plan (PUT keeps `enabled: false`; POST would switch it on).
    await api(engine, '/api/endpoints/1/faults', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ id: 'kept', name: 'kept off', enabled: false, activated_at: 0, fault: { kind: 'reset' } }]),
    });
    await s.page.getByTestId('rule-add').click();
    await s.page.getByTestId('rule-0-status').fill('201');
    await s.page.getByTestId('rule-0-body').fill('{"seen":{{request.json./id | json}');
    await s.page.getByTestId('rules-save').click();
    const err = await s.page.getByTestId('rules-error').innerText();
    expect(err).toContain('responses.rules[0].body');

    await s.page.getByTestId('rule-0-body').fill('{"seen":{{request.json./id | json}}}');
    await s.page.getByTestId('rules-save').click();
    await s.page.getByTestId('rules-saved').waitFor();
    const res = await send(engine, '/rule', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id":"ord_7"}' });
    expect(res.status).toBe(201);
    expect(await res.text()).toBe('{"seen":"ord_7"}');
    const plans = await api<{ id: string }[]>(engine, '/api/endpoints/1/faults');
    expect(plans.map((p) => p.id), 'saving responses keeps the fault plans').toContain('kept');
  });
});
