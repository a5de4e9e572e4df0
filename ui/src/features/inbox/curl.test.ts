// @vitest-environment node
import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { bashQuote, toCurl, type CurlRequest } from './curl';

const enc = (s: string) => new TextEncoder().encode(s);
const RECEIVER = 'http://127.0.0.1:9000';

function req(over: Partial<CurlRequest>): CurlRequest {
  return { method: 'POST', path: '/hook', query: null, headers: [], body: null, ...over };
}

function bash(script: string): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('bash', ['-c', script], { encoding: 'buffer', maxBuffer: 1 << 24 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${err.message}\n${stderr.toString()}`)) : resolve(stdout.toString('latin1')),
    ),
  );
}

describe('bashQuote', () => {
  it('keeps plain printable ASCII in single quotes', () => {
    expect(bashQuote('a b/c?d=1')).toBe(`'a b/c?d=1'`);
  });
  it('switches to $\'…\' and escapes quote, backslash and non-printable bytes', () => {
    expect(bashQuote("it's")).toBe(`$'it\\'s'`);
    expect(bashQuote(enc('a\\b\n\tc'))).toBe(`$'a\\\\b\\x0a\\x09c'`);
    expect(bashQuote(new Uint8Array([0xff, 0x41]))).toBe(`$'\\xffA'`);
  });
  it('round-trips arbitrary bytes through bash', async () => {
    const bytes = new Uint8Array([1, 2, 0x27, 0x5c, 0x0a, 0x0d, 0x7f, 0x80, 0xff, 0x41, 0x66]);
    const out = await bash(`printf '%s' ${bashQuote(bytes)}`);
    expect([...Buffer.from(out, 'latin1')]).toEqual([...bytes]);
  });
});

describe('toCurl', () => {
  it('writes method, URL with query, headers in order with repeats and original case', () => {
    const cmd = toCurl(
      req({
        query: 'a=1&b=2',
        headers: [
          { name: 'Host', value: '127.0.0.1:9000' },
          { name: 'X-Foo', value: '1' },
          { name: 'x-foo', value: '2' },
          { name: 'Content-Length', value: '2' },
          { name: 'User-Agent', value: 'Stripe/1.0' },
          { name: 'Content-Type', value: 'application/json' },
        ],
        body: enc('{}'),
      }),
      RECEIVER + '/',
    );
    expect(cmd).toContain(`-X 'POST'`);
    expect(cmd).toContain(`'http://127.0.0.1:9000/hook?a=1&b=2'`);
    expect(cmd.indexOf(`-H 'X-Foo: 1'`)).toBeLessThan(cmd.indexOf(`-H 'x-foo: 2'`));
    expect(cmd).not.toMatch(/Host:|Content-Length/);
    expect(cmd).toContain(`-H 'User-Agent: Stripe/1.0'`);
    expect(cmd).toContain(`-H 'Accept:'`);
    expect(cmd).not.toContain(`-H 'Content-Type:'`);
    expect(cmd).toContain(`--data-binary '{}'`);
  });
  it('sends no body and no body flags for an empty GET', () => {
    const cmd = toCurl(req({ method: 'GET', headers: [{ name: 'Accept', value: '*/*' }], body: new Uint8Array(0) }), RECEIVER);
    expect(cmd).not.toContain('--data-binary');
    expect(cmd).not.toContain(`'Content-Type:'`);
    expect(cmd).toContain(`-H 'User-Agent:'`);
  });
  it('keeps an empty header value with curl\'s `Name;` form', () => {
    expect(toCurl(req({ headers: [{ name: 'X-Empty', value: '' }] }), RECEIVER)).toContain(`-H 'X-Empty;'`);
  });
  it('uses the exact bytes of a header that is not UTF-8', () => {
    const cmd = toCurl(req({ headers: [{ name: 'X-Bin', value: '\ufffd', value_base64: btoa('\xff\xfe') }] }), RECEIVER);
    expect(cmd).toContain(`-H $'X-Bin: \\xff\\xfe'`);
  });
  it('pipes a body that starts with @ instead of letting curl read a file', () => {
    const cmd = toCurl(req({ body: enc('@/etc/passwd') }), RECEIVER);
    expect(cmd.startsWith(`printf '%b' '@/etc/passwd' | curl`)).toBe(true);
    expect(cmd).toContain('--data-binary @-');
    expect(cmd).not.toContain(`--data-binary '@`);
  });
  it('pipes a body with NUL bytes, which a bash argument cannot hold', () => {
    const cmd = toCurl(req({ body: new Uint8Array([0, 1, 0x27, 0x5c]) }), RECEIVER);
    expect(cmd.startsWith(`printf '%b' '\\x00\\x01\\x27\\\\' | curl`)).toBe(true);
  });
  it('asks curl for HEAD with --head, which does not wait for a body', () => {
    expect(toCurl(req({ method: 'HEAD' }), RECEIVER)).toContain('--head');
  });
});

interface Seen {
  method: string;
  url: string;
  rawHeaders: string[];
  body: Buffer;
}

async function replay(r: CurlRequest): Promise<Seen> {
  let seen: Seen | null = null;
  const server = createServer((msg: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    msg.on('data', (c: Buffer) => chunks.push(c));
    msg.on('end', () => {
      seen = { method: msg.method ?? '', url: msg.url ?? '', rawHeaders: msg.rawHeaders, body: Buffer.concat(chunks) };
      res.end('ok');
    });
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const port = (server.address() as AddressInfo).port;
  try {
    await bash(toCurl(r, `http://127.0.0.1:${port}`) + ' -s -o /dev/null');
  } finally {
    server.close();
  }
  if (!seen) throw new Error('the server saw no request');
  return seen;
}

function pairs(raw: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < raw.length; i += 2) out.push([raw[i], raw[i + 1]]);
  return out.filter(([n]) => !['host', 'content-length'].includes(n.toLowerCase()));
}

describe('the command run by bash reproduces the request', () => {
  it('binary body, quotes, newlines, repeated mixed-case headers', async () => {
    const body = new Uint8Array([0x7b, 0x27, 0x0a, 0x5c, 0xff, 0x00, 0x80, 0x24, 0x28, 0x60, 0x7d]);
    const headers = [
      { name: 'X-Mixed-Case', value: "it's $(whoami) `x`" },
      { name: 'x-repeat', value: 'one' },
      { name: 'X-Repeat', value: 'two' },
      { name: 'Content-Type', value: 'application/octet-stream' },
    ];
    const seen = await replay(req({ method: 'PUT', path: '/a/../b%20c/{x}[y]', query: 'q=1&q=2', headers, body }));
    expect(seen.method).toBe('PUT');
    expect(seen.url).toBe('/a/../b%20c/{x}[y]?q=1&q=2');
    expect([...seen.body]).toEqual([...body]);
    expect(pairs(seen.rawHeaders)).toEqual(headers.map((h) => [h.name, h.value]));
  });
  it('a body starting with @ arrives as sent', async () => {
    const seen = await replay(req({ headers: [{ name: 'Content-Type', value: 'text/plain' }], body: enc('@/etc/hostname\n') }));
    expect(seen.body.toString()).toBe('@/etc/hostname\n');
  });
  it('no User-Agent, Accept or Content-Type when the original had none', async () => {
    const seen = await replay(req({ body: enc('x=1') }));
    expect(pairs(seen.rawHeaders)).toEqual([]);
    expect(seen.body.toString()).toBe('x=1');
  });
  it('a large body goes without an Expect header', async () => {
    const body = enc('a'.repeat(5000));
    const seen = await replay(req({ headers: [{ name: 'Content-Type', value: 'text/plain' }], body }));
    expect(pairs(seen.rawHeaders)).toEqual([['Content-Type', 'text/plain']]);
    expect(seen.body.length).toBe(5000);
  });
});
