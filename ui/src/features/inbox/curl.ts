//! "Copy as cURL": a bash command that sends the captured request again, byte for byte.
//! Strings are quoted for bash; anything outside printable ASCII is written as `\xHH` inside
//! `$'…'` so binary bytes and newlines survive a paste. A body with a NUL byte (bash arguments
//! cannot hold one) or a leading `@` (curl would read a file) is piped in with `printf '%b'`.

export interface CurlHeader {
  name: string;
  value: string;
  value_base64?: string | null;
}

export interface CurlRequest {
  method: string;
  path: string;
  query: string | null | undefined;
  headers: CurlHeader[];
  /** `null` when no body was received. */
  body: Uint8Array | null;
}

const DROPPED = new Set(['content-length', 'host', 'transfer-encoding', 'connection']);
const enc = new TextEncoder();

function bytesOf(s: string): Uint8Array {
  return enc.encode(s);
}

function printable(b: number): boolean {
  return b >= 0x20 && b <= 0x7e;
}

function hex2(b: number): string {
  return '\\x' + b.toString(16).padStart(2, '0');
}

/** One bash word holding exactly `bytes` (which must not contain NUL). */
export function bashQuote(bytes: Uint8Array | string): string {
  const b = typeof bytes === 'string' ? bytesOf(bytes) : bytes;
  let plain = true;
  for (const x of b) {
    if (!printable(x) || x === 0x27) {
      plain = false;
      break;
    }
  }
  if (plain) return `'${String.fromCharCode(...b)}'`;
  let out = "$'";
  for (const x of b) {
    if (x === 0x5c) out += '\\\\';
    else if (x === 0x27) out += "\\'";
    else if (printable(x)) out += String.fromCharCode(x);
    else out += hex2(x);
  }
  return out + "'";
}

/** A single-quoted `printf '%b'` argument that prints exactly `bytes`, NUL included. */
export function printfArgument(bytes: Uint8Array): string {
  let out = "'";
  for (const x of bytes) {
    if (x === 0x5c) out += '\\\\';
    else if (x === 0x27) out += '\\x27';
    else if (printable(x)) out += String.fromCharCode(x);
    else out += hex2(x);
  }
  return out + "'";
}

function headerBytes(h: CurlHeader): Uint8Array {
  if (h.value_base64) {
    const bin = atob(h.value_base64);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  return bytesOf(h.value);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** The curl command for a captured request sent to `receiverUrl`. */
export function toCurl(req: CurlRequest, receiverUrl: string): string {
  const base = receiverUrl.replace(/\/+$/, '');
  const url = base + req.path + (req.query != null ? `?${req.query}` : '');
  const has = (name: string) => req.headers.some((h) => h.name.toLowerCase() === name);
  const body = req.body ?? new Uint8Array(0);
  // An empty body that still came with a Content-Length (e.g. POST with `Content-Length: 0`) is
  // sent as an empty --data-binary so curl writes the same header.
  const sendBody = body.length > 0 || has('content-length');
  const method = req.method.toUpperCase();

  const parts: string[] = ['curl', '--http1.1', '--globoff', '--path-as-is'];
  parts.push(method === 'HEAD' ? '--head' : `-X ${bashQuote(req.method)}`);
  parts.push(bashQuote(url));
  for (const h of req.headers) {
    if (DROPPED.has(h.name.toLowerCase())) continue;
    const value = headerBytes(h);
    // `Name;` is curl's way to send a header with an empty value (`Name:` would remove it).
    const line = value.length === 0 ? bytesOf(`${h.name};`) : concat(bytesOf(`${h.name}: `), value);
    parts.push(`-H ${bashQuote(line)}`);
  }
  // Headers curl adds on its own unless told not to.
  if (!has('user-agent')) parts.push(`-H 'User-Agent:'`);
  if (!has('accept')) parts.push(`-H 'Accept:'`);
  if (sendBody && !has('content-type')) parts.push(`-H 'Content-Type:'`);
  if (body.length > 1024 && !has('expect')) parts.push(`-H 'Expect:'`);

  let prefix = '';
  if (sendBody) {
    const needsPipe = body.includes(0) || body[0] === 0x40; /* '@' */
    if (needsPipe) {
      prefix = `printf '%b' ${printfArgument(body)} | `;
      parts.push('--data-binary @-');
    } else {
      parts.push(`--data-binary ${body.length === 0 ? "''" : bashQuote(body)}`);
    }
  }
  return prefix + parts.join(' \\\n  ');
}
