//! Edit before replay, as pure functions: the draft a request starts from, the edit to send (only
//! what changed, so an untouched replay stays byte-exact), the diff against the original, and the
//! engine's 422 message placed next to the fields it names.
import type { RequestEdit } from '../../api/replay';
import { fieldErrors } from '../../api/replay';
import type { HeaderView } from '../../api/types';
import { checkJson } from '../../components/JsonEditor';
import { diffLines, type DiffLine } from '../inbox/diff';

/** The request a replay or resend starts from. */
export interface OriginalRequest {
  method: string;
  /** Where it goes unless edited (the target URL of a replay, the event's URL of a resend). */
  url: string;
  headers: HeaderView[];
  bodyBase64: string;
}

export interface DraftHeader {
  name: string;
  value: string;
  /** A value that is not UTF-8 keeps its bytes while it is not edited. */
  value_base64?: string | null;
}

export interface EditDraft {
  method: string;
  url: string;
  headers: DraftHeader[];
  /** `null`: the body is not UTF-8 text and cannot be edited here (it is sent as it was). */
  body: string | null;
  /** Send a body that claims JSON even when it does not parse. */
  allowInvalidJson: boolean;
}

/** Headers about one connection, not the request; the engine never replays them (mirrors `replay.rs`). */
const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
];

export function isHopByHop(name: string): boolean {
  return HOP_BY_HOP.includes(name.toLowerCase());
}

/**
 * The signature headers a re-signed replay drops (mirrors `is_signature_header` in the domain's
 * `signature/detect.rs`: each provider's signature headers and the timestamps/ids signed with them).
 */
const SIGNATURE_HEADERS = [
  'stripe-signature',
  'x-hub-signature-256',
  'x-hub-signature',
  'webhook-signature',
  'webhook-id',
  'webhook-timestamp',
  'svix-signature',
  'svix-id',
  'svix-timestamp',
  'x-shopify-hmac-sha256',
  'shopify-hmac-sha256',
  'x-slack-signature',
  'x-slack-request-timestamp',
  'x-twilio-signature',
  'paddle-signature',
  'x-square-hmacsha256-signature',
  'x-square-signature',
  'linear-signature',
  'x-zm-signature',
  'x-zm-request-timestamp',
  'x-signature-ed25519',
  'x-signature-timestamp',
  'x-twilio-email-event-webhook-signature',
  'x-twilio-email-event-webhook-timestamp',
];

export function isSignatureHeader(name: string): boolean {
  return SIGNATURE_HEADERS.includes(name.toLowerCase());
}

/**
 * The headers a replay would send: hop-by-hop ones dropped (and for a re-signed replay the old
 * signature's), order, case and repeats kept.
 */
export function replayableHeaders(headers: HeaderView[], mode: 'as_received' | 'resigned' = 'as_received'): HeaderView[] {
  return headers.filter((h) => !isHopByHop(h.name) && (mode === 'as_received' || !isSignatureHeader(h.name)));
}

export function base64ToBytes(b64: string): Uint8Array {
  try {
    return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  } catch {
    return new Uint8Array(0);
  }
}

/** The body as text when it is UTF-8, else `null`. */
export function bodyText(b64: string): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(base64ToBytes(b64));
  } catch {
    return null;
  }
}

function contentType(headers: { name: string; value: string }[]): string | null {
  return headers.find((h) => h.name.toLowerCase() === 'content-type')?.value ?? null;
}

/** Whether a body is meant as JSON (the engine's rule): its content type says so, or there is none and it parses. */
export function isJsonBody(headers: { name: string; value: string }[], original: string | null): boolean {
  const ct = contentType(headers);
  if (ct !== null) {
    const v = ct.toLowerCase();
    return v.includes('/json') || v.includes('+json');
  }
  return original !== null && original.trim() !== '' && checkJson(original).ok;
}

export function draftFrom(o: OriginalRequest): EditDraft {
  return {
    method: o.method,
    url: o.url,
    headers: replayableHeaders(o.headers).map((h) => ({ name: h.name, value: h.value, value_base64: h.value_base64 ?? null })),
    body: bodyText(o.bodyBase64),
    allowInvalidJson: false,
  };
}

function sameHeaders(a: DraftHeader[], b: HeaderView[]): boolean {
  return a.length === b.length && a.every((h, i) => h.name === b[i].name && h.value === b[i].value);
}

/**
 * The edit to send: only what differs from the original, so an untouched field is sent as it was
 * received, byte for byte. `undefined` when nothing changed.
 */
export function buildEdit(o: OriginalRequest, d: EditDraft, opts: { withUrl?: boolean } = {}): RequestEdit | undefined {
  const edit: RequestEdit = {};
  if (d.method.trim().toUpperCase() !== o.method.toUpperCase()) edit.method = d.method.trim();
  if (opts.withUrl && d.url.trim() !== o.url) edit.url = d.url.trim();
  if (!sameHeaders(d.headers, replayableHeaders(o.headers))) {
    edit.headers = d.headers
      .filter((h) => h.name.trim() !== '' || h.value !== '')
      .map((h) => ({ name: h.name.trim(), value: h.value, ...(h.value_base64 ? { value_base64: h.value_base64 } : {}) }));
  }
  if (d.body !== null && d.body !== bodyText(o.bodyBase64)) {
    edit.body = d.body;
    if (d.allowInvalidJson) edit.allow_invalid_json = true;
  }
  return Object.keys(edit).length > 0 ? edit : undefined;
}

/** Problems the UI can see before sending: each keyed like the engine's 422 fields. */
export function localProblems(o: OriginalRequest, d: EditDraft): Record<string, string> {
  const out: Record<string, string> = {};
  if (!/^[A-Za-z-]+$/.test(d.method.trim())) out['edit.method'] = `'${d.method}' is not an HTTP method`;
  d.headers.forEach((h, i) => {
    if (h.name.trim() === '' && h.value === '') return;
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(h.name.trim())) out[`edit.headers[${i}].name`] = `'${h.name}' is not a header name`;
    if (/[\r\n\0]/.test(h.value)) out[`edit.headers[${i}].value`] = 'a header value cannot contain a line break or NUL';
  });
  if (d.body !== null && !d.allowInvalidJson && d.body !== bodyText(o.bodyBase64) && isJsonBody(d.headers, bodyText(o.bodyBase64))) {
    const c = checkJson(d.body, true);
    if (!c.ok) out['edit.body'] = `not valid JSON at line ${c.line} column ${c.col}: ${c.message}`;
  }
  return out;
}

/** Where each part of an engine message goes in the editor. */
export interface PlacedErrors {
  method?: string;
  url?: string;
  /** By header row. */
  headers: Record<number, string>;
  body?: string;
  /** Target, mode, scheme, secret: the replay's own fields. */
  target?: string;
  /** Anything that names no field the editor shows. */
  other?: string;
}

/** Places an engine 422 (`"edit.body: …; edit.headers[2].name: …"`) next to the fields it names. */
export function placeErrors(message: string): PlacedErrors {
  const placed: PlacedErrors = { headers: {} };
  const add = (cur: string | undefined, text: string) => (cur ? `${cur}; ${text}` : text);
  for (const [field, texts] of Object.entries(fieldErrors(message))) {
    const text = texts.join('; ');
    const header = /^edit\.headers\[(\d+)\]\.(name|value)$/.exec(field);
    if (header) {
      const i = Number(header[1]);
      placed.headers[i] = add(placed.headers[i], text);
    } else if (field === 'edit.method') placed.method = add(placed.method, text);
    else if (field === 'edit.url') placed.url = add(placed.url, text);
    else if (field === 'edit.body' || field === 'edit.body_base64') placed.body = add(placed.body, text);
    else if (['url', 'destination', 'mode', 'scheme', 'secret', 'to'].includes(field.split('.')[0])) {
      placed.target = add(placed.target, field ? `${field}: ${text}` : text);
    } else placed.other = add(placed.other, field ? `${field}: ${text}` : text);
  }
  return placed;
}

/** Local problems in the same shape (they stop the send before the engine sees it). */
export function placeLocal(problems: Record<string, string>): PlacedErrors {
  return placeErrors(
    Object.entries(problems)
      .map(([k, v]) => `${k}: ${v}`)
      .join('; '),
  );
}

export interface RequestDiff {
  request: DiffLine[];
  headers: DiffLine[];
  body: DiffLine[];
  /** The body differs only in whitespace between JSON tokens. */
  bodyFormattingOnly: boolean;
  changed: boolean;
}

function pretty(text: string): string | null {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return null;
  }
}

function lines(text: string): string[] {
  return text === '' ? [] : text.split('\n');
}

/** What will be sent against what was received: the request line, the headers and the body, line by line. */
export function diffRequest(o: OriginalRequest, d: EditDraft, opts: { withUrl?: boolean } = {}): RequestDiff {
  const before = bodyText(o.bodyBase64);
  const url = opts.withUrl ? d.url.trim() : o.url;
  const request = diffLines([`${o.method.toUpperCase()} ${o.url}`], [`${d.method.trim().toUpperCase()} ${url}`]);
  const headers = diffLines(
    replayableHeaders(o.headers).map((h) => `${h.name}: ${h.value}`),
    d.headers.filter((h) => h.name.trim() !== '' || h.value !== '').map((h) => `${h.name.trim()}: ${h.value}`),
  );
  let body: DiffLine[] = [];
  let bodyFormattingOnly = false;
  if (before !== null && d.body !== null && d.body !== before) {
    const a = pretty(before);
    const b = pretty(d.body);
    if (a !== null && b !== null && !(before.includes('\n') && d.body.includes('\n'))) {
      // One side is on one line: compare the pretty forms, or every line would differ.
      body = diffLines(lines(a), lines(b));
      bodyFormattingOnly = a === b;
    } else {
      body = diffLines(lines(before), lines(d.body));
    }
  }
  const changed = [request, headers, body].some((x) => x.some((l) => l.op !== 'same')) || bodyFormattingOnly;
  return { request, headers, body, bodyFormattingOnly, changed };
}
