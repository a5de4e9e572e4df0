// The real Hookbench window, driven through tauri-driver. Started by run.sh, which provides the
// display, the driver and a throwaway XDG_DATA_HOME; run alone, it needs the same environment.
import { execFile, spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { inflateSync } from 'node:zlib';
import assert from 'node:assert/strict';
import { remote } from 'webdriverio';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run tests/desktop/run.sh`);
  return value;
};
const APP = env('HOOKBENCH_DESKTOP_BIN');
const DRIVER_PORT = Number(env('TAURI_DRIVER_PORT'));
const DATA_HOME = env('XDG_DATA_HOME');
const SCREENSHOT = env('HOOKBENCH_SCREENSHOT');
const RESULTS = env('HOOKBENCH_RESULTS');
// Test hooks of the app (src-tauri/src/notify.rs, tray.rs): each notification the shell sends, and each
// state the tray is set to, appended as JSON lines, because WebDriver sees neither.
const NOTIFY_LOG = env('HOOKBENCH_NOTIFY_LOG');
const TRAY_LOG = env('HOOKBENCH_TRAY_LOG');
const CONFIG_HOME = env('XDG_CONFIG_HOME');
const ARTIFACTS = dirname(RESULTS);
const HERE = dirname(new URL(import.meta.url).pathname);
const APP_DATA = join(DATA_HOME, 'dev.hookbench.app');
const WINDOW_STATE = join(CONFIG_HOME, 'dev.hookbench.app', '.window-state.json');
const run = promisify(execFile);

const tests = [];
const test = (name, fn) => tests.push({ name, fn });
let passed = 0;
let failed = 0;

/** The app's top-level X windows as a window manager would see them: title, size and place on screen. */
async function nativeWindows() {
  const { stdout } = await run('xwininfo', ['-root', '-tree']);
  const windows = [];
  for (const line of stdout.split('\n')) {
    const m = line.match(/^\s*(0x[0-9a-f]+) "([^"]*)": \("hookbench-desktop" [^)]*\)\s+(\d+)x(\d+)\S*\s+\+(-?\d+)\+(-?\d+)/);
    // GTK's 10x10 leader window is not a window anyone sees.
    if (m && Number(m[3]) > 100) {
      const [id, title, width, height, x, y] = [m[1], m[2], ...m.slice(3).map(Number)];
      windows.push({ id, title, width, height, x, y });
    }
  }
  return windows;
}
const nativeWindow = async () => (await nativeWindows())[0] ?? null;

/** Runs the app binary directly (not through the driver) and resolves with its exit code and stderr. */
function launchAgain(timeoutMs) {
  return new Promise((resolve, reject) => {
    const child = spawn(APP, [], { env: process.env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the second launch was still running after ${timeoutMs} ms:\n${stderr}`));
    }, timeoutMs);
    child.on('error', (err) => { clearTimeout(timer); reject(err); });
    child.on('exit', (code) => { clearTimeout(timer); resolve({ code, stderr }); });
  });
}

/** The JSON lines a test hook of the app has written so far. */
async function jsonLines(path) {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

/**
 * Gives the X input focus to a small window of another client (x11.py), as a user switching apps
 * does; resolves with a function that closes it again.
 */
function takeFocus() {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', [join(HERE, 'x11.py'), 'focus'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (chunk) => { err += chunk; });
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('focused')) resolve(() => { child.stdin.end(); child.kill(); });
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`x11.py focus exited with ${code}: ${err}`)));
  });
}

async function waitFor(what, check, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await check();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${last})`);
}

function session() {
  return remote({
    hostname: '127.0.0.1',
    port: DRIVER_PORT,
    logLevel: 'warn',
    connectionRetryCount: 0,
    capabilities: {
      browserName: 'wry',
      'tauri:options': { application: APP },
      'wdio:enforceWebDriverClassic': true,
    },
  });
}

/** Size and number of distinct colours of an 8-bit RGB(A), non-interlaced PNG (what WebKit writes). */
function pngFacts(bytes) {
  assert.equal(bytes.subarray(1, 4).toString('latin1'), 'PNG', 'the screenshot is a PNG');
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  const [depth, colourType, , , interlace] = bytes.subarray(24, 29);
  assert.ok(depth === 8 && (colourType === 2 || colourType === 6) && interlace === 0, 'an 8-bit RGB(A) PNG');
  const bpp = colourType === 6 ? 4 : 3;
  const idat = [];
  for (let at = 8; at < bytes.length; ) {
    const len = bytes.readUInt32BE(at);
    if (bytes.subarray(at + 4, at + 8).toString('latin1') === 'IDAT') idat.push(bytes.subarray(at + 8, at + 8 + len));
    at += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * bpp;
  const colours = new Set();
  let prev = Buffer.alloc(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const row = Buffer.from(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)));
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? row[i - bpp] : 0;
      const b = prev[i];
      const c = i >= bpp ? prev[i - bpp] : 0;
      const p = a + b - c;
      const pred = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      row[i] = (row[i] + [0, a, b, (a + b) >> 1, pred][filter]) & 0xff;
    }
    for (let i = 0; i < stride; i += bpp) colours.add((row[i] << 16) | (row[i + 1] << 8) | row[i + 2]);
    prev = row;
  }
  return { width, height, colours: colours.size };
}

/** The inbox rows' text, top to bottom, read from the DOM (the list is virtualized: visible rows only). */
const rowTexts = () =>
  browser.execute(() => [...document.querySelectorAll('[data-testid="capture-row"]')].map((r) => r.textContent ?? ''));
const row = (path) => browser.$(`//*[@data-testid="capture-row"][contains(., "${path}")]`);
const bodyText = () => browser.execute(() => document.body.innerText);

// ---- a normal launch: the UI with a running engine -------------------------------------------------
let browser;
let hb;
const unique = Math.random().toString(36).slice(2, 10);
const orderPath = `/webhooks/orders`;
const orderBody = JSON.stringify({ type: 'order.paid', id: `ord_${unique}`, amount: 4200, currency: 'eur' });

test('the main window opens with the title Hookbench at 1280x800', async () => {
  browser = await session();
  const win = await waitFor('the app window', nativeWindow);
  assert.equal(win.title, 'Hookbench', 'the native window title');
  assert.deepEqual([win.width, win.height], [1280, 800], 'the configured inner size (no window manager here)');
});

test('the page gets the engine connection before it loads', async () => {
  hb = await browser.execute(() => window.__HOOKBENCH__ ?? null);
  assert.ok(hb, 'window.__HOOKBENCH__ is defined');
  assert.equal(hb.desktop, true, 'the UI is told it runs on the desktop');
  assert.match(hb.apiUrl, /^http:\/\/127\.0\.0\.1:\d+$/, 'the API listens on loopback');
  assert.match(hb.receiverUrl, /^http:\/\/127\.0\.0\.1:\d+$/, 'the receiver listens on loopback');
  assert.ok(typeof hb.token === 'string' && hb.token.length >= 32, 'a per-launch token');
  assert.equal(hb.portFallback, false, 'port 0 was asked for, so nothing had to fall back');
  const frozen = await browser.execute(() => Object.isFrozen(window.__HOOKBENCH__));
  assert.equal(frozen, true, 'page scripts cannot swap the connection');
});

test('the in-process engine answers with this launch token and the app data dir', async () => {
  const res = await fetch(`${hb.apiUrl}/api/info`, { headers: { Authorization: `Bearer ${hb.token}` } });
  assert.equal(res.status, 200, 'the token from the page is accepted');
  const info = await res.json();
  assert.equal(info.receiver_url, hb.receiverUrl, 'the page and the engine agree on the receiver');
  assert.equal(info.data_dir, APP_DATA, 'the data dir defaults to the app data dir');
  assert.ok(existsSync(join(APP_DATA, 'hookbench.db')), 'the store file is in the app data dir');
  const wrong = await fetch(`${hb.apiUrl}/api/info`, { headers: { Authorization: 'Bearer nope' } });
  assert.equal(wrong.status, 401, 'another token is refused');
});

/** Invokes a Tauri command from the page: 'ok', or 'denied: <reason>'. */
const call = (cmd, args) =>
  browser.executeAsync((c, a, done) => {
    window.__TAURI_INTERNALS__.invoke(c, a).then(() => done('ok'), (e) => done(`denied: ${e}`));
  }, cmd, args);

test('the window may write the clipboard but not read it', async () => {
  assert.equal(await call('plugin:clipboard-manager|write_text', { text: `hookbench ${unique}` }), 'ok', 'copy is granted');
  const read = await call('plugin:clipboard-manager|read_text', {});
  assert.match(read, /^denied: .*not allowed/i, `reading the clipboard is not granted: ${read}`);
});

test('the inbox shows the receiver URL', async () => {
  const shown = await waitFor('the receiver URL in the inbox', async () => {
    const el = await browser.$('[data-testid="receiver-url"]');
    if (!(await el.isExisting())) return null;
    const text = (await el.getText()).trim();
    return text.includes(hb.receiverUrl) ? text : null;
  });
  assert.ok(shown.includes(hb.receiverUrl));
});

test('a POST to the receiver appears in the inbox without a reload', async () => {
  await browser.execute((m) => { window.__e2eMarker = m; }, unique);
  const target = new URL(orderPath, hb.receiverUrl);
  assert.equal(target.hostname, '127.0.0.1', 'the test only ever sends to loopback');
  // Two earlier deliveries so the inbox (and the README screenshot) shows a list, not a single row.
  const send = (path, body, headers) =>
    fetch(new URL(path, hb.receiverUrl), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  await send('/webhooks/github', JSON.stringify({ ref: 'refs/heads/main', commits: 2 }), { 'x-github-event': 'push' });
  await send('/webhooks/stripe', JSON.stringify({ type: 'invoice.paid', id: `evt_${unique}` }), { 'stripe-signature': 't=1,v1=0' });
  const res = await send(orderPath, orderBody, { 'x-request-id': unique });
  assert.equal(res.status, 200, 'the receiver acknowledges the capture');
  const rows = await waitFor('three capture rows, the order on top', async () => {
    const texts = await rowTexts();
    return texts.length >= 3 && texts[0].includes(orderPath) ? texts : null;
  });
  assert.ok(rows.length >= 3);
  const marker = await browser.execute(() => window.__e2eMarker ?? null);
  assert.equal(marker, unique, 'the page was not reloaded');
});

test('clicking a capture shows its body', async () => {
  // The older one first: the newest may be selected on its own, and a click must change what shows.
  await (await row('/webhooks/stripe')).click();
  await waitFor('the invoice body on screen', async () => (await bodyText()).includes(`evt_${unique}`));
  await (await row(orderPath)).click();
  await waitFor('the order body on screen', async () => (await bodyText()).includes(`ord_${unique}`));
});

test('a screenshot of the window is saved for the README', async () => {
  // A failed run keeps the committed README picture and leaves its own next to the logs.
  const target = failed === 0 ? SCREENSHOT : join(ARTIFACTS, 'screenshot-on-failure.png');
  await mkdir(dirname(target), { recursive: true });
  // The snapshot is the last painted frame, which can trail the DOM: wait for two new frames first.
  await browser.executeAsync((done) => requestAnimationFrame(() => requestAnimationFrame(() => done())));
  await browser.saveScreenshot(target);
  const shot = pngFacts(await readFile(target));
  assert.deepEqual([shot.width, shot.height], [1280, 800], 'the whole webview is captured');
  assert.ok(shot.colours > 8, `the picture shows the rendered UI, not a blank frame (${shot.colours} colours)`);
  assert.equal(failed, 0, `an earlier step failed; the window as it was is in ${target}`);
});

test('an XSS corpus in a capture is shown as text and never runs; the CSP refuses injected script', async () => {
  const payloads = [
    '<img src=x onerror="window.__hbxss=1">',
    '<svg onload="window.__hbxss=1"></svg>',
    '<script>window.__hbxss=1</script>',
    '<a href="javascript:window.__hbxss=1">x</a>',
  ];
  const path = `/xss/${unique}`;
  const res = await fetch(new URL(`${path}?q=${encodeURIComponent(payloads[2])}`, hb.receiverUrl), {
    method: 'POST',
    headers: { 'content-type': 'text/html', 'x-xss': payloads[0] },
    body: `${payloads.join('\n')}\n${JSON.stringify({ [payloads[1]]: payloads[3] })}`,
  });
  assert.equal(res.status, 200, 'captured');
  await waitFor('the XSS capture row', async () => (await rowTexts()).some((t) => t.includes(path)));
  await (await row(path)).click();
  await waitFor('the payloads shown as text', async () => (await bodyText()).includes(payloads[0]));
  await browser.executeAsync((done) => setTimeout(done, 300));
  const live = await browser.execute(() => ({
    flag: window.__hbxss ?? null,
    handlers: [...document.querySelectorAll('*')].flatMap((el) =>
      [...el.attributes]
        .filter((a) => a.name.startsWith('on') || (/^(href|src|action)$/.test(a.name) && /^\s*javascript:/i.test(a.value)))
        .map((a) => `${el.tagName} ${a.name}`),
    ),
  }));
  assert.equal(live.flag, null, 'no payload ran');
  assert.deepEqual(live.handlers, [], 'no live handler or javascript: link in the DOM');
  const csp = await browser.execute(() => {
    const el = document.createElement('script');
    el.textContent = 'window.__hbcsp = 1';
    document.head.appendChild(el);
    return window.__hbcsp ?? null;
  });
  assert.equal(csp, null, "the CSP refuses an inline script injected into the page (script-src 'self')");
});

test('a second launch hands over to the open window and exits without an engine', async () => {
  const second = await launchAgain(15000);
  assert.equal(second.code, 0, `the second launch exits cleanly:\n${second.stderr}`);
  assert.ok(!second.stderr.includes('engine started'), `it never started an engine:\n${second.stderr}`);
  const windows = await nativeWindows();
  assert.equal(windows.length, 1, `still exactly one Hookbench window: ${JSON.stringify(windows)}`);
  const marker = await browser.execute(() => window.__e2eMarker ?? null);
  assert.equal(marker, unique, 'the first window carries on untouched');
});

test('the UI may show a notification but not list or cancel them, nor reach the tray', async () => {
  const granted = await browser.executeAsync((done) => {
    window.__TAURI_INTERNALS__.invoke('plugin:notification|is_permission_granted').then(done, (e) => done(`denied: ${e}`));
  });
  assert.equal(granted, true, 'sendNotification needs no prompt on the desktop');
  const shown = await call('plugin:notification|notify', { options: { title: 'Hookbench e2e', body: `from the page ${unique}` } });
  assert.equal(shown, 'ok', "the UI's sendNotification is granted");
  const active = await call('plugin:notification|get_active', {});
  assert.match(active, /^denied: .*not allowed/i, `listing notifications is not granted: ${active}`);
  const tray = await call('plugin:tray|get_by_id', { id: 'main' });
  assert.match(tray, /^denied: .*not allowed/i, `the page cannot reach the tray: ${tray}`);
});

const receiverHost = () => new URL(hb.receiverUrl).host;
const lastTrayState = async () => (await jsonLines(TRAY_LOG)).at(-1) ?? null;
const api = (path, init = {}) =>
  fetch(`${hb.apiUrl}${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${hb.token}`, 'content-type': 'application/json', ...init.headers },
  });

test('the tray is up, showing the receiver listening on its address', async () => {
  const state = await waitFor('a tray state', lastTrayState);
  assert.equal(state.state, 'listening');
  assert.equal(state.tooltip, `Hookbench — listening on ${receiverHost()}`, 'the tooltip names the address');
});

test('a dead letter while the window is not focused makes the notify call; the tray shows the fault live', async () => {
  // A target that answers 400: the event is dead after one attempt (400 is not retryable).
  const ep = await (await api('/api/endpoints', { method: 'POST', body: JSON.stringify({ name: 'rejects', path_prefix: '/rejects' }) })).json();
  const plan = { id: 'bad-request', name: '400 always', enabled: true, activated_at: Date.now(), fault: { kind: 'status', status: 400 } };
  const added = await api(`/api/endpoints/${ep.id}/faults`, { method: 'POST', body: JSON.stringify(plan) });
  assert.equal(added.ok, true, `the fault plan is added (${added.status})`);
  const faulted = await waitFor('the tray to show the fault', async () => {
    const state = await lastTrayState();
    return state?.state === 'faulted' ? state : null;
  });
  assert.equal(faulted.tooltip, `Hookbench — listening on ${receiverHost()}, 1 fault live`);

  const sendDead = async (path) => {
    const res = await api('/api/events', { method: 'POST', body: JSON.stringify({ url: new URL(path, hb.receiverUrl).href, body: '{"n":1}' }) });
    assert.equal(res.ok, true, `the event is queued (${res.status})`);
    const { id } = await res.json();
    await waitFor(`event ${id} dead`, async () => (await (await api(`/api/events/${id}`)).json()).state === 'dead');
  };
  // While the window has the focus the Outbox shows it; no notification. The watcher takes bus events
  // in order, so had this one been notified it would be the log's first line.
  assert.equal(await browser.execute(() => document.hasFocus()), true, 'the window starts focused');
  await sendDead(`/rejects/focused-${unique}`);

  const giveBack = await takeFocus();
  try {
    await waitFor('the window to lose the focus', () => browser.execute(() => !document.hasFocus()));
    await sendDead(`/rejects/away-${unique}`);
    const notices = await waitFor('a notification', async () => {
      const lines = await jsonLines(NOTIFY_LOG);
      return lines.length > 0 ? lines : null;
    });
    assert.equal(notices[0].title, '1 new dead letter');
    assert.match(notices[0].body, new RegExp(`^POST http://127\\.0\\.0\\.1:\\d+/rejects/away-${unique}: .*400`), notices[0].body);
    assert.ok(!notices.some((n) => n.body.includes(`focused-${unique}`)), 'the dead letter seen while focused was not notified');
  } finally {
    giveBack();
  }

  const healed = await api('/api/faults', { method: 'DELETE' });
  assert.equal(healed.ok, true, `heal all (${healed.status})`);
  const back = await waitFor('the tray to show the receiver listening again', async () => {
    const state = await lastTrayState();
    return state?.state === 'listening' ? state : null;
  });
  assert.equal(back.tooltip, `Hookbench — listening on ${receiverHost()}`);
});

test('closing the window quits the app: the engine stops and the receiver no longer answers', async () => {
  // As a click on the title bar's close button (WebDriver's own close kills the process instead).
  const win = await nativeWindow();
  await run('python3', [join(HERE, 'x11.py'), 'close', win.id]);
  await waitFor('the app window to close', async () => (await nativeWindow()) === null);
  await waitFor('the receiver to stop listening', async () => {
    try {
      await fetch(hb.receiverUrl, { signal: AbortSignal.timeout(1000) });
      return false;
    } catch {
      return true;
    }
  });
  await browser.deleteSession().catch(() => {});
  browser = null;
});

test('the window size and place are saved on the way out', async () => {
  const saved = JSON.parse(await waitFor('the window state file', () => readFile(WINDOW_STATE, 'utf8')));
  assert.deepEqual([saved.main?.width, saved.main?.height], [1280, 800], `the main window's size: ${JSON.stringify(saved)}`);
  // What the next launch finds: another size and place, as if the user had moved and resized it.
  const moved = { ...saved.main, width: 1000, height: 640, x: 120, y: 80, prev_x: 120, prev_y: 80, maximized: false };
  await writeFile(WINDOW_STATE, JSON.stringify({ main: moved }));
});

// ---- a launch whose data folder can't be used: the reason instead of the UI -----------------------
test('an unusable data folder shows the reason in the window instead of the UI', async () => {
  const notAFolder = join(DATA_HOME, 'not-a-folder');
  await writeFile(notAFolder, 'a file where the data folder should be');
  await writeFile(join(APP_DATA, 'settings.json'), JSON.stringify({ dataDir: notAFolder }));
  browser = await session();
  const reason = await waitFor('the start error page', async () => {
    const el = await browser.$('[data-testid="start-error-reason"]');
    return (await el.isExisting()) ? el.getText() : null;
  });
  assert.ok(reason.includes(notAFolder), `the reason names the folder: ${reason}`);
  const win = await waitFor('the app window', nativeWindow);
  assert.equal(win.title, 'Hookbench', 'the app keeps running with its window');
  const injected = await browser.execute(() => window.__HOOKBENCH__ ?? null);
  assert.equal(injected, null, 'no connection is offered when there is no engine');
});

test('the window opens at the size and place saved last time', async () => {
  const win = await waitFor('the window at its saved size', async () => {
    const w = await nativeWindow();
    return w && w.width === 1000 ? w : null;
  });
  assert.deepEqual([win.width, win.height, win.x, win.y], [1000, 640, 120, 80], 'size and place restored');
});

// ---- runner ------------------------------------------------------------------------------------
for (const { name, fn } of tests) {
  const started = Date.now();
  try {
    await fn();
    passed += 1;
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (err) {
    failed += 1;
    console.log(`FAIL ${name} (${Date.now() - started} ms)\n     ${String(err?.stack ?? err).split('\n').slice(0, 6).join('\n     ')}`);
  }
}
if (browser) {
  await browser.deleteSession().catch(() => {});
}
await writeFile(RESULTS, `${passed} ${failed}\n`);
process.exit(failed === 0 ? 0 : 1);
