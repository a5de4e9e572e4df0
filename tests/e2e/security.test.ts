// Security in Chromium against a real `hookbench serve`:
// - a page from another origin (a tiny server on 127.0.0.1:0) tries fetch, XHR, EventSource, form
//   POSTs and no-cors requests on the API, with and without the token: it reads nothing and changes
//   nothing (checked through the API afterwards);
// - an XSS corpus (script tags, event handlers, javascript: URLs, SVG, HTML in header values, paths,
//   queries, JSON keys and values, endpoint, destination and rule names) is shown as text in every
//   view it reaches: no dialog, no console marker, no marker global, no live handler in the DOM.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, goToUi, latestCapture, openBrowser, send, sendRaw, startEngine, type Engine, type Session } from './harness';

let engine: Engine;
let s: Session;
let evil: Server;
let evilUrl: string;
const consoleLines: string[] = [];

const MARK = 'HB_XSS_MARK';
const json = (body: unknown, method = 'POST'): RequestInit => ({
  method,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

beforeAll(async () => {
  engine = await startEngine();
  s = await openBrowser();
  s.page.on('console', (m) => consoleLines.push(m.text()));
  s.page.on('pageerror', (e) => consoleLines.push(String(e)));
  // The attacker's page: another origin (another port on 127.0.0.1), served by this test.
  evil = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>evil</title><body><iframe name="sink"></iframe></body>');
  });
  await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
  evilUrl = `http://127.0.0.1:${(evil.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await s?.close();
  await engine?.stop();
  await new Promise((r) => evil?.close(r));
});

/** What the API holds that an attacker would want to read or change. */
async function snapshot() {
  const [captures, endpoints, destinations, events] = await Promise.all([
    api<{ total: number }>(engine, '/api/captures'),
    api<{ id: number; name: string }[]>(engine, '/api/endpoints'),
    api<unknown[]>(engine, '/api/destinations'),
    api<{ items: unknown[] }>(engine, '/api/events'),
  ]);
  return { captures: captures.total, endpoints: endpoints.map((e) => e.name), destinations: destinations.length, events: events.items.length };
}

describe('a page from another origin', () => {
  it('can neither read nor change anything through the API, with or without the token', async () => {
    await send(engine, '/private', { method: 'POST', body: 'a secret payload' });
    const before = await snapshot();
    const page = await s.context.newPage();
    await page.goto(`${evilUrl}/`);
    expect(new URL(page.url()).origin).not.toBe(new URL(engine.apiUrl).origin);

    const results: Record<string, string> = await page.evaluate(
      async ({ apiUrl, token }) => {
        const out: Record<string, string> = {};
        const attempt = async (name: string, f: () => Promise<string>) => {
          try {
            out[name] = `read: ${await f()}`;
          } catch (e) {
            out[name] = `blocked: ${(e as Error).name}`;
          }
        };
        const bearer = { Authorization: `Bearer ${token}` };
        const body = JSON.stringify({ name: 'pwned', path_prefix: '/pwned' });
        for (const [label, headers] of [
          ['no token', {}],
          ['token', bearer],
        ] as const) {
          await attempt(`fetch GET captures (${label})`, async () => (await fetch(`${apiUrl}/api/captures`, { headers })).text());
          await attempt(`fetch GET info (${label})`, async () => (await fetch(`${apiUrl}/api/info`, { headers })).text());
          await attempt(`fetch POST endpoints (${label})`, async () =>
            (await fetch(`${apiUrl}/api/endpoints`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body })).text(),
          );
          await attempt(`fetch DELETE captures (${label})`, async () =>
            (await fetch(`${apiUrl}/api/captures`, { method: 'DELETE', headers })).text(),
          );
          await attempt(`fetch with credentials (${label})`, async () =>
            (await fetch(`${apiUrl}/api/captures`, { headers, credentials: 'include' })).text(),
          );
        }
        await attempt('fetch ?token= on the stream', async () => (await fetch(`${apiUrl}/api/stream?token=${token}`)).text());
        await attempt('fetch ?token= on a body download', async () => (await fetch(`${apiUrl}/api/captures/1/body?token=${token}`)).text());
        await attempt('XHR GET captures with the token', () =>
          new Promise<string>((resolve, reject) => {
            const x = new XMLHttpRequest();
            x.open('GET', `${apiUrl}/api/captures`);
            x.setRequestHeader('Authorization', `Bearer ${token}`);
            x.onload = () => resolve(x.responseText);
            x.onerror = () => reject(new TypeError('xhr error'));
            x.send();
          }),
        );
        await attempt('EventSource on the stream with the token', () =>
          new Promise<string>((resolve, reject) => {
            const es = new EventSource(`${apiUrl}/api/stream?token=${token}`);
            es.addEventListener('ready', () => {
              es.close();
              resolve('ready event');
            });
            es.onerror = () => {
              es.close();
              reject(new TypeError('eventsource error'));
            };
          }),
        );
        // Simple requests a browser sends without a preflight: they reach the server (opaque to
        // the page), so the server itself must refuse to act on them.
        for (const [label, url] of [
          ['no token', `${apiUrl}/api/endpoints`],
          ['token in query', `${apiUrl}/api/endpoints?token=${token}`],
        ]) {
          try {
            const res = await fetch(url, { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body });
            out[`no-cors POST endpoints (${label})`] = `sent, answer opaque (type ${res.type})`;
          } catch (e) {
            out[`no-cors POST endpoints (${label})`] = `blocked: ${(e as Error).name}`;
          }
        }
        // A form POST (text/plain, crafted to be JSON) into the hidden iframe.
        const form = document.createElement('form');
        form.method = 'POST';
        form.enctype = 'text/plain';
        form.action = `${apiUrl}/api/endpoints?token=${token}`;
        form.target = 'sink';
        const input = document.createElement('input');
        input.name = '{"name":"pwned-form","path_prefix":"/pwned-form","x":"';
        input.value = '"}';
        form.appendChild(input);
        document.body.appendChild(form);
        form.submit();
        await new Promise((r) => setTimeout(r, 500));
        out['form POST'] = 'submitted';
        return out;
      },
      { apiUrl: engine.apiUrl, token: engine.token },
    );
    await page.close();

    const read = Object.entries(results).filter(([, v]) => v.startsWith('read:'));
    expect(read, JSON.stringify(results, null, 1)).toEqual([]);
    expect(Object.keys(results).length).toBeGreaterThanOrEqual(16);
    expect(await snapshot(), 'nothing changed').toEqual(before);
    const endpoints = await api<{ name: string }[]>(engine, '/api/endpoints');
    expect(endpoints.some((e) => e.name.startsWith('pwned'))).toBe(false);
  });
});

/** Every payload sets a global, logs a marker or opens a dialog if it ever runs. */
const PAYLOADS = [
  `<script>window.__hbxss=1;console.log('${MARK}')</script>`,
  `<img src=x onerror="window.__hbxss=1;console.log('${MARK}')">`,
  `<svg onload="window.__hbxss=1;alert('${MARK}')"><script>alert('${MARK}')</script></svg>`,
  `<svg><animate onbegin="window.__hbxss=1" attributeName=x dur=1s>`,
  `<iframe srcdoc="<script>parent.__hbxss=1</script>"></iframe>`,
  `<details open ontoggle="window.__hbxss=1">`,
  `<a href="javascript:window.__hbxss=1;alert('${MARK}')">click</a>`,
  `javascript:alert('${MARK}')`,
  `"><body onload="alert('${MARK}')">`,
  `'><style>@import 'http://127.0.0.1:1/x.css'</style>`,
  `{{constructor.constructor('alert(1)')()}}`,
];

describe('an XSS corpus', () => {
  it('is shown as text in the inbox, the detail, endpoints, faults and the outbox, and never runs', async () => {
    const joined = PAYLOADS.join('\n');
    // HTML in header values, the path and query, and the body (raw and as JSON keys and values).
    await sendRaw(
      engine,
      'POST',
      `/xss/${encodeURIComponent(PAYLOADS[1])}?q=${encodeURIComponent(PAYLOADS[0])}&u=${encodeURIComponent(PAYLOADS[7])}`,
      PAYLOADS.map((p, i) => [`X-Xss-${i}`, p.replace(/[\r\n]/g, ' ')] as [string, string]).concat([
        ['Content-Type', 'application/json'],
        ["X-'`|~^!#$%&*+.", 'header names cannot carry markup on the wire; this is every symbol they may carry'],
      ]),
      new TextEncoder().encode(
        JSON.stringify(Object.fromEntries(PAYLOADS.map((p, i) => [p, { url: PAYLOADS[7], html: p, n: i }]))),
      ),
    );
    await send(engine, '/xss-html', { method: 'POST', headers: { 'content-type': 'text/html' }, body: joined });
    await send(engine, '/xss-svg', { method: 'POST', headers: { 'content-type': 'image/svg+xml' }, body: PAYLOADS[2] });
    // Names the user (or another tool) gave: endpoint, response rule, fault plan, destination.
    const ep = await api<{ id: number }>(
      engine,
      '/api/endpoints',
      json({
        name: PAYLOADS[1],
        path_prefix: '/xss-endpoint',
        responses: {
          rules: [{ name: PAYLOADS[2], when: [], status: 200, headers: [], body: PAYLOADS[0] }],
          default: { status: 200, headers: [], body: '{}' },
        },
      }),
    );
    // A live fault on that endpoint only, so its name shows in the faults view and the banner.
    await api(
      engine,
      `/api/endpoints/${ep.id}/faults`,
      json({ id: 'xss', name: PAYLOADS[5], activated_at: 0, fault: { kind: 'status', status: 503 } }),
    );
    await api(engine, '/api/destinations', json({ name: PAYLOADS[6], url: `${engine.receiverUrl}/xss-dest` }));
    await send(engine, '/xss-endpoint/in', { method: 'POST', body: PAYLOADS[3] });

    await goToUi(s, engine);
    const views: string[] = [];
    const c = await latestCapture(engine);
    const captures = (await api<{ items: { id: number; path: string }[] }>(engine, '/api/captures')).items;
    // Oldest first, so the last one opened is the newest.
    for (const capture of [...captures].reverse().concat(captures.filter((x) => x.path.startsWith('/xss/')))) {
      await s.page.locator(`[data-testid=capture-row][data-capture-id="${capture.id}"]`).click();
      await s.page.locator(`[data-testid=capture-detail][data-capture-id="${capture.id}"]`).waitFor();
      for (const tab of ['Raw', 'Pretty']) {
        const t = s.page.getByRole('tab', { name: tab });
        if (await t.count()) await t.first().click();
      }
      views.push(`capture ${capture.path}`);
    }
    expect(c.id).toBeGreaterThan(0);
    // The last one opened is the /xss/ capture: its header values are shown as characters.
    const detail = await s.page.getByTestId('capture-detail').innerText();
    expect(detail).toContain(PAYLOADS[1]);
    expect(detail).toContain(PAYLOADS[6]);
    for (const nav of ['endpoints', 'faults', 'outbox', 'workbench', 'inbox']) {
      await s.page.getByTestId(`nav-${nav}`).click();
      views.push(nav);
      if (nav === 'outbox') {
        await s.page.getByTestId('outbox-tab-destinations').click();
        await s.page.getByTestId('destination-card').first().waitFor();
        expect(await s.page.getByTestId('destination-card').first().innerText()).toContain(PAYLOADS[6]);
      }
      if (nav === 'endpoints') {
        await s.page.getByText(PAYLOADS[1]).first().waitFor();
      }
    }
    await s.page.waitForTimeout(500);

    const live = await s.page.evaluate(() => {
      const handlers: string[] = [];
      for (const el of Array.from(document.querySelectorAll('*'))) {
        for (const a of Array.from(el.attributes)) {
          if (a.name.startsWith('on') || (/^(href|src|action|formaction|xlink:href)$/.test(a.name) && /^\s*javascript:/i.test(a.value))) {
            handlers.push(`${el.tagName} ${a.name}=${a.value}`);
          }
        }
      }
      return {
        flag: (window as unknown as { __hbxss?: number }).__hbxss,
        handlers,
        injected: document.querySelectorAll('main iframe, main svg animate, main details[ontoggle], main img[src="x"]').length,
      };
    });
    expect(live.flag, `a payload ran (views: ${views.join(', ')})`).toBeUndefined();
    expect(live.handlers).toEqual([]);
    expect(live.injected).toBe(0);
    expect(s.dialogs).toEqual([]);
    expect(consoleLines.filter((l) => l.includes(MARK))).toEqual([]);
  });
});
