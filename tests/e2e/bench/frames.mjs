// The UI frame-time benchmark (issue 9, run by `hookbench-bench --only ui`, not a test): drives the
// Inbox of a running `hookbench serve` in Debian's Chromium and prints one JSON object.
//
// The same scroll-and-select workload runs twice: quiet (the ceiling: the same page, nothing
// arriving) and while `RATE` captures a second arrive live. Frame intervals come from
// requestAnimationFrame, long tasks from PerformanceObserver; memory from the DevTools protocol
// after a forced GC, sampled while the flood goes on, so "bounded" is a slope, not a guess.
//
//   API_URL, TOKEN, RECEIVER_URL   the engine (loopback only)
//   SECS=8                         seconds per measured phase
//   SOAK_SECS=30                   seconds of flood for the memory samples
//   RATE=500                       live captures a second
import { Worker } from 'node:worker_threads';
import { chromium } from 'playwright-core';

const env = (k, d) => process.env[k] ?? d;
const API_URL = env('API_URL');
const TOKEN = env('TOKEN');
const RECEIVER_URL = env('RECEIVER_URL');
const SECS = Number(env('SECS', '8'));
const SOAK_SECS = Number(env('SOAK_SECS', '30'));
const RATE = Number(env('RATE', '500'));
for (const u of [API_URL, RECEIVER_URL]) {
  if (!u || new URL(u).hostname !== '127.0.0.1') throw new Error(`not a loopback URL: ${u}`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const say = (m) => console.error(`frames: ${m}`);

function stats(intervals) {
  const s = [...intervals].sort((a, b) => a - b);
  const q = (p) => (s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : 0);
  return {
    frames: s.length,
    p50: q(50),
    p95: q(95),
    p99: q(99),
    max: s.length ? s[s.length - 1] : 0,
    over_50ms: s.filter((d) => d > 50).length,
  };
}

/**
 * Open-loop live traffic: `RATE` POSTs a second in 10 ms ticks, until stopped. It runs on a worker
 * thread of its own, so the sending never delays this thread's DevTools traffic with the page.
 */
const FLOOD = `
const { parentPort, workerData: { url, rate } } = require('node:worker_threads');
let sent = 0, acked = 0, failed = 0, stop = false;
const started = Date.now();
const inflight = new Set();
parentPort.on('message', () => (stop = true));
(async () => {
  while (!stop) {
    const due = Math.floor(((Date.now() - started) / 1000) * rate);
    while (sent < due) {
      const n = sent++;
      if (inflight.size >= 256) { failed++; continue; } // the receiver is behind: no pile of sockets
      const body = JSON.stringify({ id: 'evt_live_' + n, type: 'invoice.paid', data: { n, note: 'x'.repeat(800) } });
      const p = fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(10000) })
        .then(async (r) => {
          await r.arrayBuffer(); // an unread body keeps its socket busy
          if (r.ok) acked++;
          else failed++;
        })
        .catch(() => failed++)
        .finally(() => inflight.delete(p));
      inflight.add(p);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  await Promise.all(inflight);
  parentPort.postMessage({ sent, acked, failed, secs: (Date.now() - started) / 1000 });
})();
`;

function flood() {
  const worker = new Worker(FLOOD, { eval: true, workerData: { url: `${RECEIVER_URL}/hooks/live`, rate: RATE } });
  const result = new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return {
    stop: async () => {
      worker.postMessage('stop');
      const r = await result;
      await worker.terminate();
      return r;
    },
  };
}

const browser = await chromium.launch({
  executablePath: env('CHROMIUM', '/usr/bin/chromium'),
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on('crash', () => console.error('bench: the page crashed'));
  page.on('pageerror', (e) => console.error('bench: page error', e.message));
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  // What the page's live stream delivers, to tell a lost event from one the list did not show.
  await page.addInitScript(() => {
    const seen = { opened: 0, closed: 0, created: 0, max: 0, resync: 0, errors: 0 };
    window.__benchStream = seen;
    const Base = window.EventSource;
    window.EventSource = class extends Base {
      constructor(...args) {
        super(...args);
        seen.opened++;
        this.addEventListener('capture.created', (e) => {
          seen.created++;
          seen.max = Math.max(seen.max, JSON.parse(e.data).id);
        });
        this.addEventListener('resync', () => seen.resync++);
        this.addEventListener('error', () => seen.errors++);
      }
      close() {
        seen.closed++;
        super.close();
      }
    };
  });
  const opened = Date.now();
  await page.goto(`${API_URL}/?token=${TOKEN}`);
  await page.locator('[data-testid=capture-row]').first().waitFor({ timeout: 60_000 });
  const firstRows = Date.now() - opened;
  await page.evaluate(() => {
    const rec = { on: false, last: 0, intervals: [], long: [] };
    window.__bench = rec;
    const tick = (ts) => {
      if (rec.on && rec.last) rec.intervals.push(ts - rec.last);
      rec.last = ts;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    new PerformanceObserver((list) => {
      if (rec.on) for (const e of list.getEntries()) rec.long.push(e.duration);
    }).observe({ type: 'longtask' });
  });

  const list = page.locator('[data-testid=capture-list]');
  const box = await list.boundingBox();
  if (!box) throw new Error('the capture list is not on screen');
  const cx = box.x + box.width / 2;
  const cy = box.y + Math.min(200, box.height / 2);

  /** Scrolls down the list in wheel steps, clicks a row, steps through captures with j and k. */
  async function workload(secs) {
    await page.evaluate(() => {
      document.querySelector('[data-testid=capture-list]').scrollTop = 0;
      Object.assign(window.__bench, { on: true, last: 0, intervals: [], long: [] });
    });
    const until = Date.now() + secs * 1000;
    let cycle = 0;
    // How long each input takes to be handled by the page (DevTools answers once it has been).
    const inputs = [];
    const timed = async (what, f) => {
      const t = performance.now();
      await f();
      inputs.push(performance.now() - t);
    };
    while (Date.now() < until) {
      await timed('move', () => page.mouse.move(cx, cy));
      for (let i = 0; i < 4; i++) {
        await timed('wheel', () => page.mouse.wheel(0, 360));
        await sleep(16);
      }
      await timed('click', () => page.mouse.click(cx, cy));
      for (let i = 0; i < 3; i++) {
        await timed('key', () => page.keyboard.press(cycle % 2 ? 'k' : 'j'));
        await sleep(16);
      }
      cycle++;
    }
    const rec = await page.evaluate(() => {
      const r = window.__bench;
      r.on = false;
      return { intervals: r.intervals, long: r.long, scrollTop: document.querySelector('[data-testid=capture-list]').scrollTop };
    });
    return {
      ...stats(rec.intervals),
      cycles: cycle,
      input_p50: stats(inputs).p50,
      input_p95: stats(inputs).p95,
      long_tasks: rec.long.length,
      long_task_ms: Math.round(rec.long.reduce((a, b) => a + b, 0)),
      scrolled_px: rec.scrollTop,
    };
  }

  async function memory() {
    await cdp.send('HeapProfiler.collectGarbage');
    const { metrics } = await cdp.send('Performance.getMetrics');
    const m = Object.fromEntries(metrics.map((x) => [x.name, x.value]));
    return { heap_mb: m.JSHeapUsedSize / 1048576, nodes: m.Nodes, listeners: m.JSEventListeners };
  }

  say('quiet phase');
  const quiet = await workload(SECS);
  const memQuiet = await memory();

  say('live phase');
  let traffic = flood();
  if (process.env.PROFILE) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.start');
  }
  const live = await workload(SECS);
  let sentLive = await traffic.stop();
  if (process.env.PROFILE) {
    // Where the page's time went while the flood was on: self time per function, top 15, to stderr.
    const { profile } = await cdp.send('Profiler.stop');
    const dt = new Map();
    for (let i = 0; i < profile.samples.length; i++) dt.set(profile.samples[i], (dt.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
    const self = new Map();
    for (const n of profile.nodes) {
      const f = n.callFrame;
      const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber}`;
      self.set(key, (self.get(key) ?? 0) + (dt.get(n.id) ?? 0) / 1000);
    }
    const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15);
    for (const [k, ms] of top) console.error(`${ms.toFixed(0).padStart(7)} ms  ${k}`);
  }

  // The soak: the flood goes on with the Inbox open at the top; memory sampled every few seconds.
  await page.evaluate(() => (document.querySelector('[data-testid=capture-list]').scrollTop = 0));
  say('soak');
  traffic = flood();
  const samples = [];
  const soakStart = Date.now();
  while (Date.now() - soakStart < SOAK_SECS * 1000) {
    await sleep(Math.max(1000, (SOAK_SECS * 1000) / 6));
    samples.push({ at_s: Math.round((Date.now() - soakStart) / 1000), ...(await memory()) });
  }
  const sentSoak = await traffic.stop();

  say('checking the newest capture is shown');
  // Every live capture acknowledged is in the list's newest rows once the flood stops.
  const newest = await (await fetch(`${API_URL}/api/captures?limit=1`, { headers: { authorization: `Bearer ${TOKEN}` } })).json();
  const newestId = newest.items[0]?.id;
  let shown = false;
  for (let i = 0; i < 50 && !shown; i++) {
    shown = (await page.locator(`[data-testid=capture-row][data-capture-id="${newestId}"]`).count()) > 0;
    if (!shown) await sleep(100);
  }
  // Diagnostics when it is not: does one more capture show (the list is live, events were lost)?
  let probe = null;
  if (!shown) {
    const r = await fetch(`${RECEIVER_URL}/hooks/probe`, { method: 'POST', body: '{}' });
    await r.arrayBuffer();
    const after = await (await fetch(`${API_URL}/api/captures?limit=1`, { headers: { authorization: `Bearer ${TOKEN}` } })).json();
    const id = after.items[0]?.id;
    let seenProbe = false;
    for (let i = 0; i < 30 && !seenProbe; i++) {
      seenProbe = (await page.locator(`[data-testid=capture-row][data-capture-id="${id}"]`).count()) > 0;
      if (!seenProbe) await sleep(100);
    }
    const oldShown = (await page.locator(`[data-testid=capture-row][data-capture-id="${newestId}"]`).count()) > 0;
    probe = { id, shown: seenProbe, newest_shown_after: oldShown };
  }
  const view = await page.evaluate(() => ({
    rows: document.querySelectorAll('[data-testid=capture-row]').length,
    first_ids: [...document.querySelectorAll('[data-testid=capture-row]')].slice(0, 3).map((r) => Number(r.dataset.captureId)),
    scroll_top: document.querySelector('[data-testid=capture-list]').scrollTop,
    stream: window.__benchStream,
  }));

  console.log(
    JSON.stringify({
      first_rows_ms: firstRows,
      quiet,
      live,
      rate: RATE,
      live_traffic: sentLive,
      soak_traffic: sentSoak,
      memory: { quiet: memQuiet, soak: samples },
      newest_shown: shown,
      newest_id: newestId,
      probe,
      view,
    }),
  );
} finally {
  await browser.close();
}
