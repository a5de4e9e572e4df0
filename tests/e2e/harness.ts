// The e2e harness: a real `hookbench serve` on port 0 in a temp dir, and Debian's Chromium driven by
// playwright-core. Every request goes to 127.0.0.1.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const ARTIFACTS = join(REPO, 'tests/e2e/.artifacts');

export interface Engine {
  receiverUrl: string;
  apiUrl: string;
  token: string;
  dataDir: string;
  proc: ChildProcess;
  log: () => string;
  /** Ends the process and keeps the data dir. */
  kill: () => Promise<void>;
  /** Ends the process and starts another on the same addresses, with the same token and data. */
  restart: () => Promise<Engine>;
  /** Ends the process and removes the data dir. */
  stop: () => Promise<void>;
}

/** Where a restarted engine must come back: the same addresses, token and data. */
export interface Placement {
  receiver?: string;
  api?: string;
  token?: string;
  dataDir?: string;
}

/**
 * `extra`: more `hookbench serve` flags, e.g. `['--max-body', '1KiB']`. Without a placement the
 * listeners take free ports in a fresh temp dir.
 */
export async function startEngine(extra: string[] = [], place: Placement = {}): Promise<Engine> {
  const bin = process.env.HOOKBENCH_BIN ?? join(REPO, 'target/debug/hookbench');
  if (!existsSync(bin)) throw new Error(`no engine binary at ${bin}: run cargo build -p hookbench-cli or set HOOKBENCH_BIN`);
  const dataDir = place.dataDir ?? mkdtempSync(join(tmpdir(), 'hookbench-e2e-'));
  const ready = join(dataDir, 'ready.json');
  // A restart reuses the data dir: the previous run's ready file must not be taken for this one's.
  rmSync(ready, { force: true });
  const args = ['serve', '--receiver', place.receiver ?? '127.0.0.1:0', '--api', place.api ?? '127.0.0.1:0'];
  if (place.token) args.push('--token', place.token);
  // --ui-dir: the bundle just built by `npm --prefix ui run build`, whatever the binary embeds.
  args.push('--data', dataDir, '--ready-file', ready, '--ui-dir', join(REPO, 'ui/dist'), ...extra);
  const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout?.on('data', (d) => (output += d));
  proc.stderr?.on('data', (d) => (output += d));
  const deadline = Date.now() + 30_000;
  while (!existsSync(ready)) {
    if (proc.exitCode !== null) throw new Error(`hookbench serve exited (${proc.exitCode}): ${output}`);
    if (Date.now() > deadline) throw new Error(`hookbench serve wrote no ready file in 30 s: ${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  let info: { receiver_url: string; api_url: string; token: string } | null = null;
  while (!info) {
    try {
      info = JSON.parse(readFileSync(ready, 'utf8'));
    } catch {
      // written but not complete yet
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  for (const u of [info!.receiver_url, info!.api_url]) {
    if (new URL(u).hostname !== '127.0.0.1') throw new Error(`the engine is not on loopback: ${u}`);
  }
  const kill = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    }
  };
  const engine: Engine = {
    receiverUrl: info!.receiver_url,
    apiUrl: info!.api_url,
    token: info!.token,
    dataDir,
    proc,
    log: () => output,
    kill,
    restart: async () => {
      await kill();
      return startEngine(extra, {
        receiver: new URL(engine.receiverUrl).host,
        api: new URL(engine.apiUrl).host,
        token: engine.token,
        dataDir,
      });
    },
    stop: async () => {
      await kill();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return engine;
}

export interface Session {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Dialogs (alert/confirm/prompt) the page opened: must stay empty. */
  dialogs: string[];
  close: () => Promise<void>;
}

export async function openBrowser(): Promise<Session> {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  return {
    browser,
    context,
    page,
    dialogs,
    close: async () => {
      // launch() gives the browser a fresh profile of its own and removes it on close.
      await browser.close();
    },
  };
}

/** The engine's API, with the token. */
export async function api<T = unknown>(engine: Engine, path: string, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers);
  headers.set('Authorization', `Bearer ${engine.token}`);
  const res = await fetch(engine.apiUrl + path, { ...init, headers });
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${await res.text()}`);
  const text = await res.text();
  return (text ? JSON.parse(text) : null) as T;
}

export interface CaptureJson {
  id: number;
  method: string;
  path: string;
  query: string | null;
  headers: { name: string; value: string; value_base64?: string | null }[];
  body_base64: string | null;
  verdict_valid: boolean | null;
  duplicate_of: number | null;
}

export async function latestCapture(engine: Engine): Promise<CaptureJson> {
  const page = await api<{ items: { id: number }[] }>(engine, '/api/captures?limit=1');
  return api<CaptureJson>(engine, `/api/captures/${page.items[0].id}`);
}

export function send(engine: Engine, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(new URL(path, engine.receiverUrl), init);
}

/** Sends raw bytes as one HTTP/1.1 request, so header case, order and repeats are exactly ours. */
export async function sendRaw(
  engine: Engine,
  method: string,
  target: string,
  headers: [string, string][],
  body: Uint8Array = new Uint8Array(0),
): Promise<string> {
  const { connect } = await import('node:net');
  const u = new URL(engine.receiverUrl);
  if (u.hostname !== '127.0.0.1') throw new Error('loopback only');
  const head =
    `${method} ${target} HTTP/1.1\r\nHost: ${u.host}\r\n` +
    headers.map(([n, v]) => `${n}: ${v}\r\n`).join('') +
    `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
  return new Promise((resolve, reject) => {
    const sock = connect(Number(u.port), '127.0.0.1', () => {
      sock.write(Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from(body)]));
    });
    let answer = '';
    sock.on('data', (d) => (answer += d.toString('latin1')));
    sock.on('end', () => resolve(answer));
    sock.on('error', reject);
  });
}

export async function goToUi(session: Session, engine: Engine): Promise<void> {
  await session.page.goto(`${engine.apiUrl}/?token=${engine.token}`);
  await session.page.getByTestId('receiver-url').waitFor();
}
